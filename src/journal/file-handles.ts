import { open } from 'node:fs/promises';

/** The slice of the file system the journal writes through; injectable to observe fsyncs. */
export interface JournalFileHandle {
  /** Writes all of `text` at the end of the file. */
  append(text: string): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface JournalFileSystem {
  openForAppend(path: string): Promise<JournalFileHandle>;
}

export const nodeJournalFileSystem: JournalFileSystem = {
  async openForAppend(path) {
    const handle = await open(path, 'a');
    return {
      // appendFile loops until every byte is written; a bare write() may stop short.
      append: (text) => handle.appendFile(text, 'utf8'),
      sync: () => handle.sync(),
      close: () => handle.close(),
    };
  },
};

/**
 * Keeps at most `limit` files open, closing the least recently used idle one when over.
 * A handle in use (its journal is mid-write) is never closed; the pool overshoots instead.
 */
export class FileHandlePool {
  // Map iteration order is insertion order: re-inserting on use makes it an LRU.
  private readonly open = new Map<string, { handle: JournalFileHandle; busy: () => boolean }>();

  constructor(
    private readonly fileSystem: JournalFileSystem,
    private readonly limit: number,
  ) {}

  async acquire(path: string, busy: () => boolean): Promise<JournalFileHandle> {
    const cached = this.open.get(path);
    if (cached !== undefined) {
      this.open.delete(path);
      this.open.set(path, cached);
      return cached.handle;
    }
    const handle = await this.fileSystem.openForAppend(path);
    this.open.set(path, { handle, busy });
    await this.closeIdleOverLimit(path);
    return handle;
  }

  async release(path: string): Promise<void> {
    const cached = this.open.get(path);
    if (cached === undefined) return;
    this.open.delete(path);
    await cached.handle.close();
  }

  async closeAll(): Promise<void> {
    const handles = [...this.open.values()].map((cached) => cached.handle);
    this.open.clear();
    await Promise.all(handles.map((handle) => handle.close()));
  }

  private async closeIdleOverLimit(keep: string): Promise<void> {
    const victims: JournalFileHandle[] = [];
    for (const [path, cached] of this.open) {
      if (this.open.size <= this.limit) break;
      if (path === keep || cached.busy()) continue;
      // Removed before closing, so no one can acquire a handle that is being closed.
      this.open.delete(path);
      victims.push(cached.handle);
    }
    await Promise.all(victims.map((handle) => handle.close()));
  }
}
