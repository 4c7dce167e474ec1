/*
 * From what the store knows about a value to one word a playbook can branch on, with the
 * sources that justify it.
 *
 * Thresholds:
 * - excluded: the value (a url or email by its host) is on the exclusion list. Wins over
 *   everything, however many feeds call it malicious: the list is the operator's word.
 * - malicious: at least one live source with confidence >= 70 (STIX 2.1 appendix A maps
 *   70–100 to "high"), or with no confidence at all but labelled `malicious-activity` or as a
 *   watchlist (STIX 1.x "IP Watchlist", "Domain Watchlist", ...): such a feed lists only what
 *   it means to be blocked.
 * - suspicious: any other live source (low or medium confidence, other labels).
 * - unknown: no source, or only sources past valid_until or before valid_from.
 * A source listed against a containing prefix, a parent domain or a url's host counts like one
 * listed against the value itself: a feed naming a /24 or a domain speaks for what is inside.
 */
import type { ExclusionHit, ExclusionList } from './exclusions.js';
import type { IndicatorType, Tlp } from './model.js';
import { sourceState, type LookupResult, type MatchedBy, type SourceState } from './store.js';

export const MALICIOUS_CONFIDENCE = 70;

export type VerdictName = 'excluded' | 'malicious' | 'suspicious' | 'unknown';

export interface VerdictReason {
  indicator: { type: IndicatorType; value: string; matched_by: MatchedBy };
  feed: string;
  collection: string;
  stix_id?: string;
  confidence?: number;
  tlp?: Tlp;
  valid_from?: string;
  valid_until?: string;
  labels?: string[];
  state: SourceState;
  /** What this source alone would make of the value. */
  weighs: 'malicious' | 'suspicious' | 'nothing';
  why: string;
}

export interface Verdict {
  verdict: VerdictName;
  query: LookupResult['query'];
  exclusion: ExclusionHit | null;
  /** Every source found, strongest first. */
  reasons: VerdictReason[];
  /** The most restrictive TLP among the sources that count: the verdict may be shared no wider. */
  tlp: Tlp | null;
}

const TLP_ORDER: Tlp[] = ['clear', 'green', 'amber', 'amber+strict', 'red'];
const WEIGHT_ORDER = { malicious: 0, suspicious: 1, nothing: 2 } as const;

export function verdictOf(
  lookup: LookupResult,
  exclusions: ExclusionList | null,
  now: Date,
): Verdict {
  const reasons = lookup.matches
    .flatMap((match) =>
      match.sources.map((source): VerdictReason => {
        const state = sourceState(source, now);
        const { weighs, why } = weigh(source, state);
        return {
          indicator: { type: match.type, value: match.value, matched_by: match.matched_by },
          feed: source.feed,
          collection: source.collection,
          stix_id: source.stix_id,
          confidence: source.confidence,
          tlp: source.tlp,
          valid_from: source.valid_from,
          valid_until: source.valid_until,
          labels: source.labels,
          state,
          weighs,
          why,
        };
      }),
    )
    .sort((a, b) => WEIGHT_ORDER[a.weighs] - WEIGHT_ORDER[b.weighs]);
  const exclusion =
    lookup.query && exclusions ? exclusions.match(lookup.query.type, lookup.query.value) : null;
  const counted = reasons.filter((reason) => reason.weighs !== 'nothing');
  const strongest = counted[0]?.weighs;
  const verdict: VerdictName = exclusion
    ? 'excluded'
    : strongest === 'malicious' || strongest === 'suspicious'
      ? strongest
      : 'unknown';
  return { verdict, query: lookup.query, exclusion, reasons, tlp: strictestTlp(counted) };
}

function weigh(
  source: { feed: string; confidence?: number; labels?: string[] },
  state: SourceState,
): { weighs: VerdictReason['weighs']; why: string } {
  if (state === 'expired') return { weighs: 'nothing', why: `${source.feed}: past valid_until` };
  if (state === 'pending') return { weighs: 'nothing', why: `${source.feed}: not yet valid` };
  if (source.confidence !== undefined) {
    return source.confidence >= MALICIOUS_CONFIDENCE
      ? {
          weighs: 'malicious',
          why: `${source.feed}: confidence ${source.confidence} >= ${MALICIOUS_CONFIDENCE}`,
        }
      : {
          weighs: 'suspicious',
          why: `${source.feed}: confidence ${source.confidence} < ${MALICIOUS_CONFIDENCE}`,
        };
  }
  const label = source.labels?.find((l) => /^malicious-activity$|watchlist$/i.test(l.trim()));
  if (label) return { weighs: 'malicious', why: `${source.feed}: labelled '${label}'` };
  return { weighs: 'suspicious', why: `${source.feed}: listed without confidence` };
}

function strictestTlp(reasons: readonly VerdictReason[]): Tlp | null {
  let strictest: Tlp | null = null;
  for (const { tlp } of reasons) {
    if (tlp && (strictest === null || TLP_ORDER.indexOf(tlp) > TLP_ORDER.indexOf(strictest))) {
      strictest = tlp;
    }
  }
  return strictest;
}
