import { Type } from '@sinclair/typebox';
import { defineCommand, permanentError } from '../../../src/integration-sdk/index.js';
import { CybereasonClient } from '../client.js';
import { argumentsOf, checkInput } from '../input.js';
import { fetchInbox, fetchManaged } from '../malop-api.js';
import { MalopSchema, type Malop } from '../malops.js';

const DAY_MS = 24 * 60 * 60 * 1000;

const Input = Type.Object(
  {
    from: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          'Start of the window, epoch ms (malops last updated since). Default: 24 h before `to`.',
      }),
    ),
    to: Type.Optional(
      Type.Integer({ minimum: 0, description: 'End of the window, epoch ms. Default: now.' }),
    ),
    status: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        maxItems: 16,
        description: 'Only malops in these statuses (Active, Closed, Remediated…). Default: all.',
      }),
    ),
    page_size: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 50,
      description: 'Malops per request to the management API.',
    }),
    limit: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 10_000,
      description: 'Return at most this many malops (the most recently updated first).',
    }),
  },
  { additionalProperties: false },
);

export const fetchMalops = defineCommand({
  name: 'fetch_malops',
  title: 'Fetch malops',
  description:
    'Malops last updated within a time window, through the malop management API (paged until ' +
    'its total), or the detection inbox on servers without that API. Most recently updated first.',
  input: argumentsOf(Input),
  output: Type.Object({
    malops: Type.Array(MalopSchema),
    /** How many malops match on the server (can exceed the list when `limit` cut it). */
    total: Type.Integer(),
    api: Type.Union([Type.Literal('management'), Type.Literal('inbox')]),
  }),
  run: async (ctx, rawInput) => {
    const input = checkInput(Input, rawInput);
    const to = input.to ?? Date.now();
    const from = input.from ?? Math.max(0, to - DAY_MS);
    if (from > to) {
      throw permanentError(`input from (${from}) is after to (${to})`, 'BAD_INPUT');
    }
    const client = new CybereasonClient(ctx);
    const managed = await fetchManaged(client, {
      from,
      to,
      pageSize: input.page_size,
      limit: input.limit,
      ...(input.status ? { statuses: input.status } : {}),
    });
    if (managed !== null) {
      if (managed.skipped > 0) ctx.note(`${managed.skipped} malops without a guid were left out`);
      if (managed.shifted) {
        ctx.note(
          'malops changed on the server while they were being paged: a malop updated meanwhile ' +
            'may be missing from this fetch and will be in the next window',
        );
      }
      return { malops: managed.malops, total: managed.total, api: 'management' as const };
    }
    ctx.note('this server has no malop management API (HTTP 404): reading the detection inbox');
    const inbox = await fetchInbox(client, from, to);
    if (inbox.skipped > 0) ctx.note(`${inbox.skipped} malops without a guid were left out`);
    const wanted = input.status?.map((s) => s.toLowerCase());
    const matching = inbox.malops
      .filter((m) => !wanted || (m.status !== null && wanted.includes(m.status.toLowerCase())))
      .sort(byUpdatedDesc);
    return {
      malops: matching.slice(0, input.limit),
      total: matching.length,
      api: 'inbox' as const,
    };
  },
});

function byUpdatedDesc(a: Malop, b: Malop): number {
  return (b.updated ?? 0) - (a.updated ?? 0);
}
