import { Type } from '@sinclair/typebox';
import { defineCommand } from '../../../src/integration-sdk/index.js';
import { pollFeed as pollIntoStore } from '../../../src/intel/feed-poll.js';
import { fetchTaxiiIndicators } from '../fetch-indicators.js';

const Counts = {
  feed: Type.String(),
  collection: Type.String(),
  since: Type.Union([Type.String(), Type.Null()]),
  watermark: Type.Union([Type.String(), Type.Null()]),
  objects: Type.Integer(),
  indicators: Type.Integer(),
  added: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  invalid: Type.Integer(),
  unsupported: Type.Integer(),
  unsupported_examples: Type.Array(
    Type.Object({
      stix_id: Type.Optional(Type.String()),
      what: Type.String(),
      reason: Type.String(),
    }),
  ),
  expired: Type.Integer(),
};

export const pollFeed = defineCommand({
  name: 'poll_feed',
  title: 'Poll a TAXII feed',
  description:
    "Pulls what the instance's TAXII collection added since the last poll into the indicator store (STIX 2.1 indicators and observables, STIX 1.x packages), expires stale indicators, and moves the feed's watermark. Journals the counts as a note.",
  input: Type.Object({}, { additionalProperties: false }),
  output: Type.Object(Counts),
  run: async (ctx) => {
    const result = await pollIntoStore(ctx, { id: 'taxii', fetchIndicators: fetchTaxiiIndicators });
    ctx.note(
      `Feed ${result.feed} (${result.collection}): ${result.objects} objects, ${result.indicators} indicators: ${result.added} added, ${result.updated} updated, ${result.unchanged} unchanged, ${result.invalid} invalid, ${result.unsupported} unsupported; ${result.expired} expired`,
      { since: result.since, watermark: result.watermark },
    );
    return result;
  },
});
