import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export class DataDirBusyError extends Error {
  override readonly name = 'DataDirBusyError';
  readonly code = 'DATA_DIR_BUSY';
}

/**
 * One process at a time drives a local data dir: the journal files have a single writer, and
 * two processes applying events to one run would each believe its own snapshot. The lock is a
 * file holding the owner's pid and command; a lock whose process is gone is taken over.
 */
export class DataDirLock {
  private constructor(private readonly path: string) {}

  static async acquire(dataDir: string, what: string, waitMs = 10_000): Promise<DataDirLock> {
    await mkdir(dataDir, { recursive: true });
    const path = join(dataDir, 'lock');
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        const handle = await open(path, 'wx');
        await handle.writeFile(
          JSON.stringify({ pid: process.pid, what, since: new Date().toISOString() }),
        );
        await handle.close();
        return new DataDirLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = await readOwner(path);
      if (owner && !isAlive(owner.pid)) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      if (Date.now() >= deadline) {
        const who = owner
          ? `pid ${owner.pid} (${owner.what}, since ${owner.since})`
          : 'another process';
        throw new DataDirBusyError(
          `the data dir ${dataDir} is in use by ${who}; try again when it finishes`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async release(): Promise<void> {
    await unlink(this.path).catch(() => undefined);
  }
}

async function readOwner(
  path: string,
): Promise<{ pid: number; what: string; since: string } | null> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as {
      pid?: unknown;
      what?: unknown;
      since?: unknown;
    };
    return typeof owner.pid === 'number'
      ? { pid: owner.pid, what: String(owner.what), since: String(owner.since) }
      : null;
  } catch {
    // Being written right now, or torn by a crash: treat as held until the wait runs out.
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
