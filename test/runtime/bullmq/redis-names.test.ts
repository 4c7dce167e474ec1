import { describe, expect, it } from 'vitest';
import { journalDocumentKey, journalRedisKeys } from '../../../src/journal/redis-keys.js';
import { RedisNames, runDocument } from '../../../src/runtime/bullmq/redis-names.js';

/** Redis Cluster's slot of a key: CRC16 (XMODEM) of its hash tag, or of the whole key, mod 16384. */
function slot(key: string): number {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  const tagged = close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of Buffer.from(tagged)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

describe('Redis key layout on a Cluster', () => {
  const names = new RedisNames('soar');

  it('computes slots as Redis does', () => {
    // Values from the Redis Cluster specification's examples.
    expect(slot('123456789')).toBe(0x31c3 % 16384);
    expect(slot('{user1000}.following')).toBe(slot('{user1000}.followers'));
  });

  it('keeps the keys each script or MULTI writes together in one slot', () => {
    const groups: Record<string, string[]> = {
      'run commit (journal and run record)': [
        ...Object.values(journalRedisKeys(names.journalPrefix, 'inc-1')),
        journalDocumentKey(names.journalPrefix, 'inc-1', runDocument('run-1')),
      ],
      'run start and end': [names.runs, names.activeRuns, names.stats],
      incidents: [names.incident('inc-1'), names.incidents],
      approvals: [names.approval('a-1'), names.pendingApprovals],
    };
    for (const [what, keys] of Object.entries(groups)) {
      expect({ what, slots: new Set(keys.map(slot)).size }).toEqual({ what, slots: 1 });
    }
  });

  it('spreads journals and incidents over the cluster', () => {
    const journals = new Set(
      Array.from({ length: 50 }, (_, i) =>
        slot(journalRedisKeys(names.journalPrefix, `inc-${i}`).head),
      ),
    );
    expect(journals.size).toBeGreaterThan(40);
  });
});
