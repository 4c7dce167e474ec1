import { Type } from '@sinclair/typebox';
import { defineCommand, permanentError } from '../../../src/integration-sdk/index.js';
import { CybereasonClient } from '../client.js';
import { argumentsOf, checkInput } from '../input.js';
import { record, text } from '../normalize.js';

const Input = Type.Object(
  {
    pylum_ids: Type.Array(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,256}$' }), {
      minItems: 1,
      maxItems: 100,
      description: "Sensor ids (a malop's machines[].pylum_id).",
    }),
    action: Type.Union([Type.Literal('isolate'), Type.Literal('unisolate')], {
      default: 'isolate',
    }),
  },
  { additionalProperties: false },
);

const PATHS = {
  isolate: '/rest/monitor/global/commands/isolate',
  unisolate: '/rest/monitor/global/commands/un-isolate',
} as const;

export const isolateMachine = defineCommand({
  name: 'isolate_machine',
  title: 'Isolate machines',
  description:
    'Isolates machines from the network (or ends their isolation) by sensor id. Fails, naming ' +
    'them, when a sensor did not answer "Succeeded"; repeating it for all is harmless.',
  input: argumentsOf(Input),
  output: Type.Object({
    action: Type.String(),
    succeeded: Type.Array(Type.String()),
    dry_run: Type.Boolean(),
  }),
  run: async (ctx, rawInput) => {
    const input = checkInput(Input, rawInput);
    const ids = [...new Set(input.pylum_ids)];
    if (ctx.run.dryRun) {
      ctx.note(`dry run: ${ids.length} machines would be ${input.action}d`, { pylum_ids: ids });
      return { action: input.action, succeeded: [], dry_run: true };
    }
    const client = new CybereasonClient(ctx);
    const answer = await client.rest({ path: PATHS[input.action], json: { pylumIds: ids } });
    const results = record(answer.body);
    const succeeded = ids.filter((id) => text(results[id])?.toLowerCase() === 'succeeded');
    const failed = ids.filter((id) => !succeeded.includes(id));
    if (succeeded.length > 0)
      ctx.note(`${succeeded.length} machines ${input.action}d`, { pylum_ids: succeeded });
    if (failed.length > 0) {
      throw permanentError(
        `${input.action} failed for ${failed.map((id) => `${id} (${text(results[id]) ?? 'no answer'})`).join(', ')}` +
          (succeeded.length > 0 ? `; succeeded for ${succeeded.join(', ')}` : ''),
        'ISOLATION_FAILED',
      );
    }
    return { action: input.action, succeeded, dry_run: false };
  },
});
