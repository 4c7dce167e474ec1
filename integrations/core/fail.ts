import { Type } from '@sinclair/typebox';
import { CommandError, defineCommand } from '../../src/integration-sdk/index.js';

export const fail = defineCommand({
  name: 'fail',
  title: 'Fail',
  description:
    'Fails with `message`. `retryable` marks the failure transient; with `until_attempt` it ' +
    'fails only on attempts before that one, so retries can be exercised.',
  input: Type.Object(
    {
      message: Type.String({ description: 'The error message.' }),
      retryable: Type.Optional(Type.Boolean({ default: false })),
      code: Type.Optional(Type.String()),
      until_attempt: Type.Optional(Type.Integer({ minimum: 1 })),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({ attempt: Type.Integer() }),
  run: (ctx, input) => {
    if (input.until_attempt !== undefined && ctx.run.attempt >= input.until_attempt) {
      return Promise.resolve({ attempt: ctx.run.attempt });
    }
    const retryable = input.retryable ?? false;
    return Promise.reject(
      new CommandError(input.message, {
        retryable,
        code: input.code ?? (retryable ? 'TRANSIENT' : 'FAILED'),
      }),
    );
  },
});
