import { Type } from '@sinclair/typebox';
import { defineCommand, permanentError } from '../../../src/integration-sdk/index.js';
import { runCommand, secdoAccount, unexpectedShape } from '../client.js';
import { ArgumentChecker } from '../fields.js';

export const isolateHost = defineCommand({
  name: 'isolate_host',
  title: 'Isolate a host with SECDO',
  description:
    "Cuts a host off the network through its SECDO agent (command API isolate). SECDO's " +
    'refusal (an unknown host, say) fails the step with its reason. In dry-run mode nothing ' +
    'is sent and the step says what it would have done.',
  input: Type.Object(
    {
      host_name: Type.String({ minLength: 1, description: 'The host name as SECDO knows it.' }),
      comment: Type.Optional(
        Type.String({
          description:
            'Why; shown in SECDO. Default: "Isolated by SOAR run <run id>, step <step>".',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({
    isolated: Type.Boolean(),
    dry_run: Type.Boolean(),
    host_name: Type.String(),
    comment: Type.String(),
  }),
  run: async (ctx, input) => {
    const check = new ArgumentChecker('secdo.isolate_host', input);
    const hostName = check.text('host_name');
    const comment =
      check.optionalText('comment') ?? `Isolated by SOAR run ${ctx.run.id}, step ${ctx.run.step}`;
    if (ctx.run.dryRun) {
      ctx.note(`dry run: would isolate ${hostName} with SECDO`, { host_name: hostName, comment });
      return { isolated: false, dry_run: true, host_name: hostName, comment };
    }
    const body = await runCommand<unknown>(ctx, 'isolate', { host_name: hostName, comment });
    const reply = (body as { reply?: unknown } | null)?.reply;
    if (reply === true) {
      ctx.evidence(`SECDO isolated ${hostName}`, [{ type: 'host', value: hostName }]);
      return { isolated: true, dry_run: false, host_name: hostName, comment };
    }
    const error = (reply as { error?: unknown } | null)?.error;
    if (typeof error === 'string') {
      throw permanentError(`SECDO refused to isolate ${hostName}: ${error}`, 'SECDO_REFUSED');
    }
    return unexpectedShape('isolate', body, secdoAccount(ctx).apikey);
  },
});
