import { describe, expect, it } from 'vitest';
import { ExclusionList } from '../../src/intel/exclusions.js';
import type { SourceFacts } from '../../src/intel/model.js';
import type { IndicatorMatch, LookupResult, MatchedBy } from '../../src/intel/store.js';
import { verdictOf } from '../../src/intel/verdict.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const SEEN = { first_seen: '2026-02-01T00:00:00.000Z', last_seen: '2026-03-01T00:00:00.000Z' };

function match(
  facts: (SourceFacts & { feed?: string })[],
  matched_by: MatchedBy = 'value',
  value = '198.51.100.7',
): IndicatorMatch {
  return {
    type: value.includes('/') ? 'cidr' : 'ip',
    value,
    matched_by,
    live: true,
    sources: facts.map(({ feed = 'feed-a', ...rest }) => ({
      feed,
      collection: 'c1',
      ...rest,
      ...SEEN,
    })),
  };
}

function lookup(...matches: IndicatorMatch[]): LookupResult {
  return { query: { type: 'ip', value: '198.51.100.7' }, matches };
}

const none = ExclusionList.build([]);

describe('verdictOf', () => {
  it('is unknown without any source', () => {
    expect(verdictOf(lookup(), none, NOW)).toMatchObject({
      verdict: 'unknown',
      reasons: [],
      tlp: null,
    });
    expect(verdictOf({ query: null, invalid: 'x', matches: [] }, none, NOW).verdict).toBe(
      'unknown',
    );
  });

  it('is malicious from confidence 70 on, suspicious below', () => {
    expect(verdictOf(lookup(match([{ confidence: 70 }])), none, NOW).verdict).toBe('malicious');
    expect(verdictOf(lookup(match([{ confidence: 69 }])), none, NOW).verdict).toBe('suspicious');
    expect(verdictOf(lookup(match([{ confidence: 0 }])), none, NOW).verdict).toBe('suspicious');
  });

  it('without confidence, is malicious for malicious-activity or a watchlist, suspicious otherwise', () => {
    const of = (labels?: string[]) => verdictOf(lookup(match([{ labels }])), none, NOW).verdict;
    expect(of(['malicious-activity'])).toBe('malicious');
    expect(of(['IP Watchlist'])).toBe('malicious');
    expect(of(['anomalous-activity'])).toBe('suspicious');
    expect(of(undefined)).toBe('suspicious');
  });

  it('lets a stated low confidence outweigh a malicious label', () => {
    const verdict = verdictOf(
      lookup(match([{ confidence: 20, labels: ['malicious-activity'] }])),
      none,
      NOW,
    );
    expect(verdict.verdict).toBe('suspicious');
  });

  it('ignores expired and not-yet-valid sources, saying why', () => {
    const verdict = verdictOf(
      lookup(
        match([
          { feed: 'old', confidence: 95, valid_until: '2026-03-01T12:00:00Z' },
          { feed: 'future', confidence: 95, valid_from: '2026-03-02T00:00:00Z' },
        ]),
      ),
      none,
      NOW,
    );
    expect(verdict.verdict).toBe('unknown');
    expect(
      verdict.reasons.map(({ feed, state, weighs, why }) => ({ feed, state, weighs, why })),
    ).toEqual([
      { feed: 'old', state: 'expired', weighs: 'nothing', why: 'old: past valid_until' },
      { feed: 'future', state: 'pending', weighs: 'nothing', why: 'future: not yet valid' },
    ]);
  });

  it('takes the strongest live source and lists all, strongest first, with their facts', () => {
    const verdict = verdictOf(
      lookup(
        match([{ feed: 'weak', confidence: 30, tlp: 'green' }]),
        match(
          [
            {
              feed: 'strong',
              confidence: 90,
              tlp: 'amber',
              stix_id: 'indicator--1',
              valid_until: '2026-04-01T00:00:00Z',
            },
          ],
          'containing-cidr',
          '198.51.100.0/24',
        ),
      ),
      none,
      NOW,
    );
    expect(verdict.verdict).toBe('malicious');
    expect(verdict.reasons[0]).toEqual({
      indicator: { type: 'cidr', value: '198.51.100.0/24', matched_by: 'containing-cidr' },
      feed: 'strong',
      collection: 'c1',
      stix_id: 'indicator--1',
      confidence: 90,
      tlp: 'amber',
      valid_from: undefined,
      valid_until: '2026-04-01T00:00:00Z',
      labels: undefined,
      state: 'live',
      weighs: 'malicious',
      why: 'strong: confidence 90 >= 70',
    });
    expect(verdict.reasons[1]).toMatchObject({ feed: 'weak', weighs: 'suspicious' });
    expect(verdict.tlp).toBe('amber');
  });

  it('takes the strictest TLP of the sources that count, not of ignored ones', () => {
    const verdict = verdictOf(
      lookup(
        match([
          { feed: 'a', confidence: 80, tlp: 'amber+strict' },
          { feed: 'b', confidence: 10, tlp: 'green' },
          { feed: 'c', confidence: 80, tlp: 'red', valid_until: '2026-01-01T00:00:00Z' },
        ]),
      ),
      none,
      NOW,
    );
    expect(verdict.tlp).toBe('amber+strict');
  });

  it('says excluded when the exclusion list matches, over any number of feeds', () => {
    const exclusions = ExclusionList.build([{ value: '198.51.100.0/24', reason: 'partner range' }]);
    const verdict = verdictOf(lookup(match([{ confidence: 100 }])), exclusions, NOW);
    expect(verdict.verdict).toBe('excluded');
    expect(verdict.exclusion).toEqual({
      entry: '198.51.100.0/24',
      index: 0,
      reason: 'partner range: covers 198.51.100.0/24',
    });
    expect(verdict.reasons).toHaveLength(1);
  });

  it('checks a url query against the exclusion list by its host', () => {
    const exclusions = ExclusionList.build(['corp.example']);
    const query = { type: 'url' as const, value: 'https://sso.corp.example/login' };
    expect(verdictOf({ query, matches: [] }, exclusions, NOW).verdict).toBe('excluded');
    expect(verdictOf({ query, matches: [] }, null, NOW).verdict).toBe('unknown');
  });
});
