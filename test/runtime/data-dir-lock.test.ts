import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirLock } from '../../src/runtime/local/data-dir-lock.js';

describe('the data dir lock', () => {
  it('lets one holder at a time in and says who holds it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'soar-lock-'));
    const first = await DataDirLock.acquire(dir, 'soar run');
    await expect(DataDirLock.acquire(dir, 'soar approve', 200)).rejects.toThrow(
      new RegExp(`in use by pid ${process.pid} \\(soar run`),
    );
    await first.release();
    const second = await DataDirLock.acquire(dir, 'soar approve', 200);
    await second.release();
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });

  it('takes over a lock whose process is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'soar-lock-'));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    writeFileSync(
      join(dir, 'lock'),
      JSON.stringify({ pid: Number(dead.stdout), what: 'soar run', since: 'then' }),
    );
    const lock = await DataDirLock.acquire(dir, 'soar resume', 200);
    await lock.release();
  });
});
