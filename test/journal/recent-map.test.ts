import { describe, expect, it } from 'vitest';
import { RecentMap } from '../../src/journal/recent-map.js';

describe('RecentMap', () => {
  it('keeps the entries set most recently, the oldest going first past its limit', () => {
    const map = new RecentMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 3); // set again: now the newest
    map.set('c', 4);
    expect([map.get('a'), map.has('b'), map.get('c')]).toEqual([3, false, 4]);
    map.delete('a');
    map.set('d', 5);
    expect([map.has('a'), map.get('c'), map.get('d')]).toEqual([false, 4, 5]);
  });
});
