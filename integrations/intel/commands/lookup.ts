import { Type } from '@sinclair/typebox';
import { defineCommand, intelOf, permanentError } from '../../../src/integration-sdk/index.js';
import type { Verdict } from '../../../src/intel/verdict.js';
import { artifactOf } from '../artifacts.js';

const MAX_VALUES = 1_000;

const Reason = Type.Object({
  feed: Type.String(),
  collection: Type.String(),
  indicator: Type.String({
    description:
      'The stored indicator that matched (the value, a containing CIDR, a parent domain…).',
  }),
  matched_by: Type.String(),
  confidence: Type.Optional(Type.Integer()),
  tlp: Type.Optional(Type.String()),
  valid_until: Type.Optional(Type.String()),
  stix_id: Type.Optional(Type.String()),
  why: Type.String(),
});

const Result = Type.Object({
  value: Type.String({ description: 'As given.' }),
  type: Type.Union([Type.String(), Type.Null()], {
    description: 'ip, cidr, domain, url, email, md5, sha1, sha256; null when not an indicator.',
  }),
  verdict: Type.Union(
    ['malicious', 'suspicious', 'unknown', 'excluded'].map((v) => Type.Literal(v)),
  ),
  tlp: Type.Union([Type.String(), Type.Null()], {
    description: 'The strictest TLP among the sources that counted.',
  }),
  excluded_by: Type.Union([Type.String(), Type.Null()], {
    description: 'The exclusion-list entry, when excluded.',
  }),
  reasons: Type.Array(Reason),
});

export const lookup = defineCommand({
  name: 'lookup',
  title: 'Look up indicators',
  description:
    'Asks the indicator store about IPs, CIDRs, domains, URLs, e-mail addresses and hashes: which feeds list them (an IP inside a listed CIDR, a URL on a listed domain and a subdomain of one count), with what confidence, TLP and validity, and a verdict for each: malicious (a live source with confidence ≥ 70, or a watchlist), suspicious (any other live source), unknown, or excluded (on intel.exclusions, whatever the feeds say). Malicious and suspicious values are journaled as evidence.',
  input: Type.Object(
    {
      value: Type.Union(
        [
          Type.String({ minLength: 1 }),
          Type.Array(Type.String({ minLength: 1 }), { maxItems: MAX_VALUES }),
        ],
        {
          description: 'One value or a list.',
        },
      ),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({
    results: Type.Array(Result),
    malicious: Type.Array(Type.String()),
    suspicious: Type.Array(Type.String()),
    excluded: Type.Array(Type.String()),
    unknown: Type.Array(Type.String()),
  }),
  run: async (ctx, input) => {
    const values = valuesOf(input.value);
    const intel = intelOf(ctx);
    const results: ReturnType<typeof resultOf>[] = [];
    for (const value of values) {
      const verdict = await intel.lookup(value);
      results.push(resultOf(value, verdict));
      if (verdict.query && (verdict.verdict === 'malicious' || verdict.verdict === 'suspicious')) {
        const feeds = [
          ...new Set(verdict.reasons.filter((r) => r.weighs !== 'nothing').map((r) => r.feed)),
        ];
        ctx.evidence(
          `${value} is ${verdict.verdict} according to ${feeds.join(', ')}${verdict.tlp ? ` (TLP:${verdict.tlp.toUpperCase()})` : ''}`,
          [artifactOf(verdict.query.type, verdict.query.value, verdict.verdict)],
          { verdict: verdict.verdict, feeds, tlp: verdict.tlp },
        );
      }
    }
    const by = (v: string) => results.filter((r) => r.verdict === v).map((r) => r.value);
    return {
      results,
      malicious: by('malicious'),
      suspicious: by('suspicious'),
      excluded: by('excluded'),
      unknown: by('unknown'),
    };
  },
});

function valuesOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length > MAX_VALUES) {
    throw permanentError(
      `intel.lookup: at most ${MAX_VALUES} values per step, got ${list.length}`,
      'BAD_INPUT',
    );
  }
  const values: string[] = [];
  for (const item of list) {
    if (typeof item !== 'string' || item.trim() === '') {
      throw permanentError(
        `intel.lookup: 'value' must be a string or a list of strings, got ${JSON.stringify(item)}`,
        'BAD_INPUT',
      );
    }
    if (!values.includes(item.trim())) values.push(item.trim());
  }
  return values;
}

function resultOf(value: string, verdict: Verdict) {
  return {
    value,
    type: verdict.query?.type ?? null,
    verdict: verdict.verdict,
    tlp: verdict.tlp,
    excluded_by: verdict.exclusion?.entry ?? null,
    reasons: verdict.reasons.map((r) => ({
      feed: r.feed,
      collection: r.collection,
      indicator: r.indicator.value,
      matched_by: r.indicator.matched_by,
      ...(r.confidence !== undefined ? { confidence: r.confidence } : {}),
      ...(r.tlp !== undefined ? { tlp: r.tlp } : {}),
      ...(r.valid_until !== undefined ? { valid_until: r.valid_until } : {}),
      ...(r.stix_id !== undefined ? { stix_id: r.stix_id } : {}),
      why: r.why,
    })),
  };
}
