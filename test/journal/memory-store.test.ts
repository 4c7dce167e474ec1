import { describe, expect, it } from 'vitest';
import {
  GENESIS,
  MemoryJournalStore,
  chainEntry,
  hashEntry,
  verifyEntries,
} from '../../src/journal/index.js';
import { draft } from './helpers.js';

describe('MemoryJournalStore', () => {
  // Canonical JSON + SHA-256 is work no store can avoid, so the store is judged by how
  // much it adds (about 2.5x the bare hashing time when measured: redaction, JSON
  // normalization, freezing). A ratio rather than an absolute rate, so the test means the
  // same on a slow shared CI box; the bound leaves room for noise.
  it('appends at a rate close to the bare canonical-hash rate', async () => {
    const count = 10_000;
    const batch = Array.from({ length: count }, (_, index) =>
      draft(index, { data: { attempt: 1, host: 'h1' } }),
    );
    const chained = batch.map((one, index) => chainEntry(one, index + 1, GENESIS));
    // Rounds alternate between the two measurements and keep the best of each, so a burst
    // of load from other processes cannot land on one side only.
    let hashSeconds = Infinity;
    let appendSeconds = Infinity;
    for (let round = 0; round < 5; round += 1) {
      hashSeconds = Math.min(
        hashSeconds,
        secondsFor(() => chained.forEach((entry) => hashEntry(entry))),
      );
      const store = new MemoryJournalStore();
      const started = performance.now();
      for (const one of batch) await store.append('bench', [one]);
      appendSeconds = Math.min(appendSeconds, (performance.now() - started) / 1000);
      expect(verifyEntries(await store.read('bench'))).toMatchObject({ ok: true, count });
    }
    expect(appendSeconds / hashSeconds).toBeLessThan(6);
  }, 60_000); // a loaded CI box can stretch the rounds well past the default 5 s

  it('freezes stored entries so history cannot be edited through a returned object', async () => {
    const store = new MemoryJournalStore();
    const [entry] = await store.append('k', [draft(1, { data: { nested: { v: 1 } } })]);
    expect(() => {
      (entry!.data!.nested as { v: number }).v = 2;
    }).toThrow(TypeError);
    const [read] = await store.read('k');
    expect(read?.data).toEqual({ nested: { v: 1 } });
  });
});

function secondsFor(work: () => void): number {
  const started = performance.now();
  work();
  return (performance.now() - started) / 1000;
}
