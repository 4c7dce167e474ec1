import { Type } from '@sinclair/typebox';
import { defineCommand } from '../../../src/integration-sdk/index.js';
import { CybereasonClient } from '../client.js';
import { argumentsOf, checkInput } from '../input.js';
import { MalopGuid } from '../malops.js';

const Input = Type.Object(
  {
    malop_guid: MalopGuid,
    comment: Type.String({ minLength: 1, maxLength: 10_000 }),
  },
  { additionalProperties: false },
);

export const addComment = defineCommand({
  name: 'add_comment',
  title: 'Comment on a malop',
  description:
    'Adds a comment to a malop (POST /rest/crimes/comment/<guid>, the text as the body). Not ' +
    'idempotent: a retry after a lost answer can add the comment twice.',
  input: argumentsOf(Input),
  output: Type.Object({
    malop_guid: Type.String(),
    added: Type.Boolean(),
    dry_run: Type.Boolean(),
  }),
  run: async (ctx, rawInput) => {
    const { malop_guid: guid, comment } = checkInput(Input, rawInput);
    if (ctx.run.dryRun) {
      ctx.note(`dry run: a comment would be added to malop ${guid}`, { comment });
      return { malop_guid: guid, added: false, dry_run: true };
    }
    const client = new CybereasonClient(ctx);
    // Cybereason takes the raw text, labelled application/json, as its own console does.
    await client.rest({ path: `/rest/crimes/comment/${encodeURIComponent(guid)}`, body: comment });
    return { malop_guid: guid, added: true, dry_run: false };
  },
});
