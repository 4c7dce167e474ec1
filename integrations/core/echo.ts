import { Type } from '@sinclair/typebox';
import { defineCommand } from '../../src/integration-sdk/index.js';

export const echo = defineCommand({
  name: 'echo',
  title: 'Echo',
  description: 'Returns its arguments as its output. Useful for shaping data and for tests.',
  input: Type.Object({}, { additionalProperties: true }),
  output: Type.Record(Type.String(), Type.Unknown()),
  run: (_ctx, input) => Promise.resolve({ ...input }),
});
