import { nodeJournalFileSystem } from '../../src/journal/index.js';
import type { JournalFileHandle, JournalFileSystem } from '../../src/journal/index.js';

/** Wraps the real file system, counting what the store does with it. */
export class CountingFileSystem implements JournalFileSystem {
  opens = 0;
  closes = 0;
  writes = 0;
  syncs = 0;
  /** Lines each sync made durable, in order. */
  linesPerSync: number[] = [];
  /** When set, the next append fails with this error (once). */
  failNextAppend: Error | null = null;
  /** When set, every sync waits for this promise first. */
  syncGate: Promise<void> | null = null;

  get openNow(): number {
    return this.opens - this.closes;
  }

  async openForAppend(path: string): Promise<JournalFileHandle> {
    const real = await nodeJournalFileSystem.openForAppend(path);
    this.opens += 1;
    let unsyncedLines = 0;
    return {
      append: async (text) => {
        const failure = this.failNextAppend;
        if (failure !== null) {
          this.failNextAppend = null;
          throw failure;
        }
        this.writes += 1;
        unsyncedLines += text.split('\n').length - 1;
        await real.append(text);
      },
      sync: async () => {
        if (this.syncGate !== null) await this.syncGate;
        this.syncs += 1;
        this.linesPerSync.push(unsyncedLines);
        unsyncedLines = 0;
        await real.sync();
      },
      close: async () => {
        this.closes += 1;
        await real.close();
      },
    };
  }
}
