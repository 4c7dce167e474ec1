import { Type } from '@sinclair/typebox';
import { defineCommand, permanentError } from '../../../src/integration-sdk/index.js';
import { CybereasonClient } from '../client.js';
import { argumentsOf, checkInput } from '../input.js';
import { MalopGuid } from '../malops.js';
import { record, text } from '../normalize.js';

const STATUS_PATH = '/rest/crimes/status';

const Input = Type.Object(
  {
    malop_guid: MalopGuid,
    status: Type.Union(
      ['UNREAD', 'TODO', 'OPEN', 'CLOSED', 'FP'].map((s) => Type.Literal(s)),
      { description: 'UNREAD, TODO (to review), OPEN, CLOSED (remediated) or FP (not relevant).' },
    ),
  },
  { additionalProperties: false },
);

export const updateMalopStatus = defineCommand({
  name: 'update_malop_status',
  title: 'Update a malop status',
  description:
    "Sets a malop's status (POST /rest/crimes/status). Setting the same status again is harmless.",
  input: argumentsOf(Input),
  output: Type.Object({
    malop_guid: Type.String(),
    status: Type.String(),
    dry_run: Type.Boolean(),
  }),
  run: async (ctx, rawInput) => {
    const { malop_guid: guid, status } = checkInput(Input, rawInput);
    const output = { malop_guid: guid, status, dry_run: ctx.run.dryRun };
    if (ctx.run.dryRun) {
      ctx.note(`dry run: malop ${guid} would be set to ${status}`);
      return output;
    }
    const client = new CybereasonClient(ctx);
    const answer = await client.rest({ path: STATUS_PATH, json: { [guid]: status } });
    const body = record(answer.body);
    if (text(body.status) !== 'SUCCESS') {
      const message = text(body.message);
      throw permanentError(
        `POST ${STATUS_PATH}: malop ${guid} not set to ${status} (status ${text(body.status) ?? 'none'}${message ? `: ${message}` : ''})`,
        'REJECTED',
      );
    }
    ctx.note(`malop ${guid} set to ${status}`);
    return output;
  },
});
