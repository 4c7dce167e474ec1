import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { soar, tempDir } from './cli-helpers.js';

describe('soar demo', () => {
  it('fetches a malop, triages it against the simulators and verifies the journal', () => {
    const dir = join(tempDir(), 'demo');
    const first = soar(['demo', '--data-dir', dir, '--json']);
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      status: 'completed',
      verified: true,
      malopStatus: 'OPEN',
      groupMembers: [
        'manual-bad-host',
        'soar-192.0.2.77',
        'soar-203.0.113.200',
        'soar-cdn-sync.example.com',
        'soar-ns1.cdn-sync.example.com',
      ],
    });
    // The narrative: the approval, a timeline, where the report is.
    expect(first.stderr).toContain('answers "block"');
    expect(first.stderr).toMatch(/approval\.decided\s+approve\s+demo-analyst@example\.com/);
    expect(first.stderr).toContain('hash chain verified');
    const report = readFileSync(result.report as string, 'utf8');
    expect(report).toContain('Blocked 203.0.113.200');

    // A second demo starts from a clean folder: the same malop is a new incident again.
    const second = soar(['demo', '--data-dir', dir, '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ incident: result.incident, verified: true });
  });

  it("refuses a folder that isn't its own", () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'precious'));
    writeFileSync(join(dir, 'precious', 'notes.txt'), 'keep me');
    const run = soar(['demo', '--data-dir', join(dir, 'precious')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('is not a demo folder');
    expect(existsSync(join(dir, 'precious', 'notes.txt'))).toBe(true);
  });
});
