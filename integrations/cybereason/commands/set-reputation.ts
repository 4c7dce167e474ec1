import { Type } from '@sinclair/typebox';
import { defineCommand, permanentError } from '../../../src/integration-sdk/index.js';
import type { Artifact } from '../../../src/journal/entry.js';
import { CybereasonClient } from '../client.js';
import { argumentsOf, checkInput } from '../input.js';
import { bool, record, text } from '../normalize.js';
import { keyProblem, ReputationType, UPDATE_PATH } from '../reputations.js';

const Input = Type.Object(
  {
    keys: Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
      minItems: 1,
      maxItems: 1000,
      description: 'IP addresses, domains or file hashes (lower-cased before sending).',
    }),
    type: ReputationType,
    reputation: Type.Union([Type.Literal('blacklist'), Type.Literal('whitelist')], {
      default: 'blacklist',
      description: 'blacklist blocks, whitelist allows (Cybereason calls the lists so).',
    }),
    remove: Type.Boolean({
      default: false,
      description: 'Take the keys off the list instead of putting them on it.',
    }),
    prevent: Type.Boolean({
      default: false,
      description: 'Prevent execution: files only.',
    }),
    comment: Type.String({ maxLength: 1000, default: '' }),
    expiration: Type.Optional(
      Type.Integer({ minimum: 0, description: 'When the entry lapses, epoch ms.' }),
    ),
  },
  { additionalProperties: false },
);

const ARTIFACT_TYPES = { IP: 'ip', DOMAIN: 'domain', FILE: 'hash' } as const;

export const setReputation = defineCommand({
  name: 'set_reputation',
  title: 'Set a reputation',
  description:
    'Puts keys on (or, with remove, takes them off) the blocklist or allowlist: POST ' +
    '/rest/classification/update, an upsert by key, so repeating it is harmless.',
  input: argumentsOf(Input),
  output: Type.Object({
    keys: Type.Array(Type.String()),
    type: ReputationType,
    reputation: Type.String(),
    removed: Type.Boolean(),
    dry_run: Type.Boolean(),
  }),
  run: async (ctx, rawInput) => {
    const input = checkInput(Input, rawInput);
    const keys = [...new Set(input.keys.map((k) => k.trim().toLowerCase()))];
    for (const key of keys) {
      const problem = keyProblem(key, input.type);
      if (problem)
        throw permanentError(`key '${key}' ${problem} (type ${input.type})`, 'BAD_INPUT');
    }
    if (input.prevent && input.type !== 'FILE') {
      throw permanentError('prevent applies to files only (type FILE)', 'BAD_INPUT');
    }
    const verb = input.remove
      ? `removed from the ${input.reputation}`
      : `set to ${input.reputation}`;
    const artifacts: Artifact[] = keys.map((value) => ({
      type: ARTIFACT_TYPES[input.type],
      value,
    }));
    const output = {
      keys,
      type: input.type,
      reputation: input.reputation,
      removed: input.remove,
      dry_run: ctx.run.dryRun,
    };
    if (ctx.run.dryRun) {
      ctx.evidence(`dry run: ${keys.length} ${input.type} keys would be ${verb}`, artifacts);
      return output;
    }
    const client = new CybereasonClient(ctx);
    const answer = await client.rest({
      path: UPDATE_PATH,
      json: [
        {
          keys,
          maliciousType: input.reputation,
          prevent: input.prevent,
          remove: input.remove,
          reputationType: input.type,
          comment: input.comment,
          ...(input.expiration !== undefined ? { expiration: input.expiration } : {}),
        },
      ],
    });
    const body = record(answer.body);
    if (text(body.outcome)?.toLowerCase() !== 'success' || bool(body.data) !== true) {
      throw permanentError(
        `POST ${UPDATE_PATH}: Cybereason did not confirm the update (outcome ${text(body.outcome) ?? 'none'}, data ${text(body.data) ?? 'none'})`,
        'REJECTED',
      );
    }
    ctx.evidence(`${keys.length} ${input.type} keys ${verb} in Cybereason`, artifacts);
    return output;
  },
});
