import { describe, expect, it } from 'vitest';
import { engineWith } from '../helpers/engine.js';

describe('smoke', () => {
  it('runs an echo chain', async () => {
    const env = await engineWith({
      a: `
id: a
name: A
inputs:
  who: { type: string, default: world }
start: one
steps:
  one:
    uses: core.echo
    with: { greeting: "hello \${{ inputs.who }}" }
    next: two
  two:
    type: end
    outputs: { said: "\${{ steps.one.output.greeting }}" }
`,
    });
    const result = await env.run('a');
    console.log(result.kinds, result.summary);
    expect(result.summary).toMatchObject({ status: 'completed', outputs: { said: 'hello world' } });
    await env.cleanup();
  });
});
