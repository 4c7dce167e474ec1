import { Type } from '@sinclair/typebox';
import { defineCommand, transientError } from '../../src/integration-sdk/index.js';

export const sleep = defineCommand({
  name: 'sleep',
  title: 'Sleep',
  description:
    'Waits `ms` milliseconds inside the step (unlike a `wait` step, this holds a worker).',
  input: Type.Object(
    { ms: Type.Integer({ minimum: 0, maximum: 3_600_000 }) },
    { additionalProperties: false },
  ),
  output: Type.Object({ slept_ms: Type.Integer() }),
  run: (ctx, input) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve({ slept_ms: input.ms }), input.ms);
      ctx.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(transientError('sleep was interrupted', 'ABORTED'));
        },
        { once: true },
      );
    }),
});
