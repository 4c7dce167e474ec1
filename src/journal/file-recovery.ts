import { open, readFile } from 'node:fs/promises';
import { ChainState } from './chain-state.js';
import { parseJournalText } from './verify.js';

const NEWLINE = 0x0a;

export class JournalCorruptError extends Error {
  override name = 'JournalCorruptError';
}

/**
 * Rebuilds the chain head and id set of a journal file. A last line without its newline
 * was torn by a crash mid-write; its append was never acknowledged (acks wait for the
 * fsync of the whole write), so it is cut off. A journal that fails verification is
 * refused: extending a tampered chain would launder the tampering.
 */
export async function recoverJournalFile(path: string, key: string): Promise<ChainState> {
  const bytes = await readIfExists(path);
  const state = new ChainState();
  if (bytes === null || bytes.length === 0) return state;
  let complete = bytes;
  if (bytes[bytes.length - 1] !== NEWLINE) {
    complete = bytes.subarray(0, bytes.lastIndexOf(NEWLINE) + 1);
    await truncateDurably(path, complete.length);
  }
  const { result, entries } = parseJournalText(complete.toString('utf8'));
  if (!result.ok) {
    throw new JournalCorruptError(
      `journal ${JSON.stringify(key)} (${path}) fails verification, refusing to extend it: ${result.firstBroken.reason}`,
    );
  }
  for (const entry of entries) state.adopt(entry);
  return state;
}

/** The complete lines of a journal file, without a torn tail; '' when there is no file. */
export async function readCompleteLines(path: string): Promise<string> {
  const bytes = await readIfExists(path);
  if (bytes === null) return '';
  return bytes.subarray(0, bytes.lastIndexOf(NEWLINE) + 1).toString('utf8');
}

async function readIfExists(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function truncateDurably(path: string, length: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.truncate(length);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
