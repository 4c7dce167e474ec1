import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { soar, soarAsync, tempDir, writePlaybook } from './cli-helpers.js';

const STEPS = 10;
const chain = Array.from({ length: STEPS }, (_, i) => {
  const next = i + 1 < STEPS ? `s${i + 1}` : 'done';
  return `  s${i}:\n    uses: core.sleep\n    with: { ms: 60 }\n    next: ${next}\n`;
}).join('');
const PLAYBOOK = `id: chain\nname: Ten slow steps\nstart: s0\nsteps:\n${chain}  done:\n    type: end\n    outputs: { finished: true }\n`;

describe('a run killed with SIGKILL', () => {
  it.each([0, 90, 200, 330, 480])(
    'resumes after a kill %i ms into the run and completes each step once',
    async (killAfter) => {
      const dir = tempDir();
      const data = join(dir, 'data');
      const file = writePlaybook(dir, 'chain', PLAYBOOK);
      const child = soarAsync(['run', file, '--data-dir', data, '--json']);
      // Process start-up time varies with load: time the kill from the run's first commit.
      const runsDir = join(data, 'runs');
      for (
        let i = 0;
        i < 1000 && !(existsSync(runsDir) && readdirSync(runsDir).some((f) => f.endsWith('.json')));
        i++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await new Promise((resolve) => setTimeout(resolve, killAfter));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.on('exit', resolve));

      const runs = readdirSync(runsDir).filter((f) => f.endsWith('.json'));
      expect(runs).toHaveLength(1);
      const runId = runs[0]!.replace(/\.json$/, '');
      // The kill must have interrupted the run, or this proves nothing.
      expect(
        (JSON.parse(readFileSync(join(runsDir, runs[0]!), 'utf8')) as { status: string }).status,
      ).toBe('running');
      const resumed = soar(['resume', runId, '--data-dir', data, '--json']);
      expect(resumed.stderr).toBe('');
      expect(JSON.parse(resumed.stdout)).toMatchObject({
        run: runId,
        status: 'completed',
        outputs: { finished: true },
      });

      expect(soar(['journal', 'verify', runId, '--data-dir', data]).code).toBe(0);
      const entries = JSON.parse(
        soar(['journal', 'show', runId, '--data-dir', data, '--json']).stdout,
      ) as { kind: string; step: string | null }[];
      const completed = entries.filter((e) => e.kind === 'step.completed').map((e) => e.step);
      expect(completed).toEqual([...Array.from({ length: STEPS }, (_, i) => `s${i}`), 'done']);
      expect(entries.filter((e) => e.kind === 'run.finished')).toHaveLength(1);
    },
  );
});
