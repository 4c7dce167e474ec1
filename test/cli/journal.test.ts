import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { soar, tempDir, writePlaybook } from './cli-helpers.js';

const PLAYBOOK = `
id: evidence
name: Evidence trail
start: a
steps:
  a:
    uses: core.log
    with: { message: "looked at 203.0.113.7" }
    next: b
  b:
    uses: core.echo
    with: { password: hunter2-secret, host: web-01 }
    next: c
  c:
    type: end
    outputs: { host: "\${{ steps.b.output.host }}" }
`;

let data: string;
let runId: string;
let file: string;

beforeAll(() => {
  const dir = tempDir();
  data = join(dir, 'data');
  const out = JSON.parse(
    soar(['run', writePlaybook(dir, 'evidence', PLAYBOOK), '--data-dir', data, '--json']).stdout,
  ) as { run: string };
  runId = out.run;
  file = join(data, 'journal', readdirSync(join(data, 'journal'))[0]!);
});

function tamper(edit: (lines: string[]) => string[]): string {
  const original = readFileSync(file, 'utf8');
  const lines = original.trimEnd().split('\n');
  writeFileSync(file, `${edit(lines).join('\n')}\n`);
  return original;
}

describe('soar journal', () => {
  it('verifies an intact journal', () => {
    const result = soar(['journal', 'verify', runId, '--data-dir', data]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ok: \d+ entries, chain intact/);
  });

  it('never stores a secret-named argument', () => {
    expect(readFileSync(file, 'utf8')).not.toContain('hunter2-secret');
  });

  it.each([
    [
      'an altered field',
      (l: string[]) => l.map((line, i) => (i === 3 ? line.replace('"step.', '"stepX.') : line)),
      4,
    ],
    ['a removed line', (l: string[]) => l.filter((_, i) => i !== 2), 3],
    ['two swapped lines', (l: string[]) => [l[0]!, l[2]!, l[1]!, ...l.slice(3)], 2],
    [
      'a truncated chain tail edited',
      (l: string[]) => [...l.slice(0, -1), l.at(-1)!.replace('resolved', 'failed')],
      -1,
    ],
  ])('names the first broken entry after %s', (_what, edit, line) => {
    const original = tamper(edit);
    try {
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n').length;
      const result = soar(['journal', 'verify', runId, '--data-dir', data, '--json']);
      expect(result.code).toBe(1);
      const verdict = JSON.parse(result.stdout) as {
        ok: boolean;
        firstBroken: { line: number; reason: string };
      };
      expect(verdict.ok).toBe(false);
      expect(verdict.firstBroken.line).toBe(line === -1 ? lines : line);
      expect(soar(['journal', 'verify', runId, '--data-dir', data]).stdout).toMatch(/^BROKEN: /);
    } finally {
      writeFileSync(file, original);
    }
  });

  it('shows entries as a table and as JSON', () => {
    expect(soar(['journal', 'show', runId, '--data-dir', data]).stdout).toMatch(/run\.started/);
    const entries = JSON.parse(
      soar(['journal', 'show', runId, '--data-dir', data, '--json']).stdout,
    ) as { kind: string }[];
    expect(entries.filter((e) => e.kind === 'step.completed')).toHaveLength(3);
  });

  it('says clearly when there is no such journal', () => {
    const result = soar(['journal', 'verify', 'run-nope', '--data-dir', data]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: no journal for 'run-nope'/);
    expect(soar(['journal', 'show', '../../etc/passwd', '--data-dir', data]).stderr).toMatch(
      /^error: /,
    );
  });
});

describe('soar report', () => {
  it.each(['md', 'html', 'json'])('renders %s with timeline and outputs', (format) => {
    const result = soar(['report', runId, '--format', format, '--data-dir', data]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('run.finished');
    expect(result.stdout).toContain('web-01');
    expect(result.stdout).not.toContain('hunter2-secret');
    if (format === 'json') expect(JSON.parse(result.stdout)).toHaveProperty('timeline');
    if (format === 'html') expect(result.stdout).toMatch(/^<!DOCTYPE html>/i);
  });

  it('rejects an unknown format', () => {
    expect(soar(['report', runId, '--format', 'pdf', '--data-dir', data]).stderr).toMatch(
      /--format must be one of md, html, json/,
    );
  });
});
