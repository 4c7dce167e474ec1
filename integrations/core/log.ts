import { Type } from '@sinclair/typebox';
import { defineCommand } from '../../src/integration-sdk/index.js';

export const log = defineCommand({
  name: 'log',
  title: 'Journal a note',
  description: 'Writes `message` (and optional `data`) to the journal as a note.',
  input: Type.Object(
    {
      message: Type.String({ minLength: 1 }),
      data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({ logged: Type.Boolean() }),
  run: (ctx, input) => {
    ctx.note(input.message, input.data);
    return Promise.resolve({ logged: true });
  },
});
