import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { soar, tempDir, writePlaybook } from './cli-helpers.js';

const TYPED = `
id: typed
name: Typed inputs
inputs:
  flag: { type: boolean, required: true }
  count: { type: integer, default: 1 }
  tags: { type: array, default: [] }
start: done
steps:
  done:
    type: end
    outputs: { flag: "\${{ inputs.flag }}", count: "\${{ inputs.count }}", tags: "\${{ inputs.tags }}", host: "\${{ incident.fields.host }}" }
`;

const ASK = `
id: ask
name: Ask first
start: ask
steps:
  ask:
    type: approval
    prompt: "Contain \${{ incident.fields.host }}?"
    options: [contain, ignore]
    next: { contain: contained, ignore: ignored }
  contained:
    type: end
    outputs: { decision: contain, by: "\${{ steps.ask.output.by }}" }
  ignored:
    type: end
    outputs: { decision: ignore }
`;

describe('soar run', () => {
  it('prints exactly one JSON object with coerced inputs', () => {
    const dir = tempDir();
    const file = writePlaybook(dir, 'typed', TYPED);
    const result = soar([
      'run',
      file,
      '--input',
      'flag=true',
      '--input',
      'count=3',
      '--input',
      'tags=["a","b"]',
      '--data-dir',
      join(dir, 'data'),
      '--json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(out).sort()).toEqual(['approvals', 'incident', 'outputs', 'run', 'status']);
    expect(out).toMatchObject({
      incident: null,
      status: 'completed',
      outputs: { flag: true, count: 3, tags: ['a', 'b'], host: null },
      approvals: [],
    });
  });

  it('refuses a bad input value with a clear error and no stack trace', () => {
    const dir = tempDir();
    const file = writePlaybook(dir, 'typed', TYPED);
    for (const args of [
      ['--input', 'flag=maybe'],
      ['--input', 'count=many', '--input', 'flag=true'],
      ['--input', 'nope=1', '--input', 'flag=true'],
      [],
    ]) {
      const result = soar(['run', file, ...args, '--data-dir', join(dir, 'data'), '--json']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^error: (input|playbook 'typed' has no input) /);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('creates an incident from an alert file and journals it first', () => {
    const dir = tempDir();
    const file = writePlaybook(dir, 'typed', TYPED);
    const alert = join(dir, 'alert.json');
    writeFileSync(
      alert,
      JSON.stringify({
        type: 'edr.alert',
        name: 'Beacon',
        severity: 'High',
        fields: { host: 'web-01' },
      }),
    );
    const data = join(dir, 'data');
    const out = JSON.parse(
      soar([
        'run',
        file,
        '--input',
        'flag=false',
        '--incident',
        alert,
        '--data-dir',
        data,
        '--json',
      ]).stdout,
    ) as { incident: string; outputs: { host: string } };
    expect(out.incident).toMatch(/^inc-/);
    expect(out.outputs.host).toBe('web-01');
    const entries = JSON.parse(
      soar(['journal', 'show', out.incident, '--data-dir', data, '--json']).stdout,
    ) as { kind: string }[];
    expect(entries[0]!.kind).toBe('incident.created');
    expect(entries.map((e) => e.kind)).toContain('run.finished');
  });

  it('rejects a malformed alert without creating anything', () => {
    const dir = tempDir();
    const file = writePlaybook(dir, 'typed', TYPED);
    const alert = join(dir, 'alert.json');
    writeFileSync(alert, '{"type": "x", ');
    const result = soar([
      'run',
      file,
      '--input',
      'flag=true',
      '--incident',
      alert,
      '--data-dir',
      join(dir, 'data'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not valid JSON/);
  });

  it('waits on an approval and resumes in a later process with soar approve', () => {
    const dir = tempDir();
    const file = writePlaybook(dir, 'ask', ASK);
    const data = join(dir, 'data');
    const alert = join(dir, 'alert.json');
    writeFileSync(alert, JSON.stringify({ type: 'edr.alert', fields: { host: 'db-02' } }));
    const waiting = JSON.parse(
      soar(['run', file, '--incident', alert, '--data-dir', data, '--json']).stdout,
    ) as {
      status: string;
      approvals: { id: string; prompt: string; options: string[]; step: string }[];
      run: string;
    };
    expect(waiting.status).toBe('waiting');
    expect(waiting.approvals).toEqual([
      {
        id: expect.any(String) as string,
        step: 'ask',
        prompt: 'Contain db-02?',
        options: ['contain', 'ignore'],
      },
    ]);
    const id = waiting.approvals[0]!.id;

    expect(soar(['approve', id, 'maybe', '--as', 'alice', '--data-dir', data]).stderr).toMatch(
      /not an option/,
    );
    expect(soar(['approve', id, 'contain', '--data-dir', data]).stderr).toMatch(/--as/);
    const done = JSON.parse(
      soar(['approve', id, 'contain', '--as', 'alice', '--data-dir', data, '--json']).stdout,
    ) as Record<string, unknown>;
    expect(done).toMatchObject({
      run: waiting.run,
      status: 'completed',
      outputs: { decision: 'contain', by: 'alice' },
      approvals: [],
    });
    const again = soar(['approve', id, 'ignore', '--as', 'bob', '--data-dir', data]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already decided/);
  });

  it('answers approvals with --approve for unattended runs', () => {
    const dir = tempDir();
    const file = writePlaybook(dir, 'ask', ASK);
    const out = JSON.parse(
      soar([
        'run',
        file,
        '--approve',
        'ignore',
        '--as',
        'robot',
        '--data-dir',
        join(dir, 'data'),
        '--json',
      ]).stdout,
    ) as Record<string, unknown>;
    expect(out).toMatchObject({ status: 'completed', outputs: { decision: 'ignore' } });
  });

  it('exits 1 with the error when the run fails', () => {
    const dir = tempDir();
    const file = writePlaybook(
      dir,
      'bad',
      'id: bad\nname: Bad\nstart: x\nsteps:\n  x:\n    uses: core.fail\n    with: { message: nope }\n',
    );
    const result = soar(['run', file, '--data-dir', join(dir, 'data'), '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      status: 'failed',
      error: "step 'x' failed: nope",
    });
  });

  it('prints a readable summary without --json', () => {
    const dir = tempDir();
    const file = writePlaybook(dir, 'ask', ASK);
    const result = soar(['run', file, '--data-dir', join(dir, 'data')]);
    expect(result.stdout).toMatch(/waiting/);
    expect(result.stdout).toMatch(/npx soar approve .* <option> --as <name>/);
    expect(readFileSync(file, 'utf8')).toBe(ASK);
  });
});

describe('soar approve after the approval timed out', () => {
  it('refuses the decision and applies the timeout path', async () => {
    const dir = tempDir();
    const file = writePlaybook(
      dir,
      'late',
      `id: late
name: Late
start: ask
steps:
  ask:
    type: approval
    prompt: Go?
    options: [go]
    timeout: 200ms
    on_timeout: missed
    next: went
  went: { type: end, outputs: { result: went } }
  missed: { type: end, status: escalated, outputs: { result: missed } }
`,
    );
    const data = join(dir, 'data');
    const waiting = JSON.parse(soar(['run', file, '--data-dir', data, '--json']).stdout) as {
      run: string;
      approvals: { id: string }[];
    };
    await new Promise((resolve) => setTimeout(resolve, 300));
    const late = soar([
      'approve',
      waiting.approvals[0]!.id,
      'go',
      '--as',
      'alice',
      '--data-dir',
      data,
    ]);
    expect(late.code).toBe(2);
    expect(late.stderr).toMatch(/no longer pending: it timed out/);
    const entries = JSON.parse(
      soar(['journal', 'show', waiting.run, '--data-dir', data, '--json']).stdout,
    ) as { kind: string; data?: { outputs?: unknown } }[];
    expect(entries.map((e) => e.kind)).toContain('approval.timed_out');
    expect(entries.at(-1)).toMatchObject({
      kind: 'run.finished',
      data: { outputs: { result: 'missed' } },
    });
  });
  it('shows a waiting run with soar runs show: its playbook and what it waits on', () => {
    const dir = tempDir();
    const file = writePlaybook(dir, 'ask', ASK);
    const data = join(dir, 'data');
    const alert = join(dir, 'alert.json');
    writeFileSync(alert, JSON.stringify({ type: 'edr.alert', fields: { host: 'db-03' } }));
    const { run } = JSON.parse(
      soar(['run', file, '--incident', alert, '--data-dir', data, '--json']).stdout,
    ) as { run: string };
    const shown = soar(['runs', 'show', run, '--data-dir', data, '--json']);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      run,
      status: 'waiting',
      playbook: { id: 'ask' },
      events: 1,
      pending: [{ kind: 'approval', step: 'ask' }],
    });
    const text = soar(['runs', 'show', run, '--data-dir', data]);
    expect(text.stdout).toMatch(/^playbook: ask \([0-9a-f]{12}\), 1 events, last at /m);
    expect(text.stdout).toContain('pending: approval ask');
    const missing = soar(['runs', 'show', 'run-nope', '--data-dir', data]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no run 'run-nope'");
  });
});
