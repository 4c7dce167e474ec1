import { Type } from '@sinclair/typebox';
import { defineCommand, permanentError } from '../../../src/integration-sdk/index.js';
import { CybereasonClient } from '../client.js';
import { argumentsOf, checkInput } from '../input.js';
import { fetchInbox, getManaged } from '../malop-api.js';
import { MalopGuid, MalopSchema } from '../malops.js';

const Input = Type.Object({ malop_guid: MalopGuid }, { additionalProperties: false });

export const getMalop = defineCommand({
  name: 'get_malop',
  title: 'Get a malop',
  description:
    'One malop by guid, from the malop management API (the detection inbox on servers ' +
    'without it). Fails with NOT_FOUND when there is no such malop.',
  input: argumentsOf(Input),
  output: MalopSchema,
  run: async (ctx, rawInput) => {
    const { malop_guid: guid } = checkInput(Input, rawInput);
    const client = new CybereasonClient(ctx);
    let malop = await getManaged(client, guid);
    if (malop === null) {
      ctx.note('this server has no malop management API (HTTP 404): reading the detection inbox');
      const inbox = await fetchInbox(client, 0, Date.now());
      malop = inbox.malops.find((m) => m.guid === guid);
    }
    if (!malop) throw permanentError(`no malop with guid ${guid}`, 'NOT_FOUND');
    ctx.evidence(`malop ${malop.name ?? guid}`, [
      { type: 'link', value: malop.link, label: `Cybereason malop ${guid}` },
    ]);
    return malop;
  },
});
