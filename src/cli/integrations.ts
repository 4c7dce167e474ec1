import { toStepError } from '../integration-sdk/errors.js';
import { hookContext } from '../runtime/hook-context.js';
import { HttpClients } from '../runtime/http-clients.js';
import { instances, registry } from './local-context.js';
import { CliError, printJson } from './output.js';

const TEST_TIMEOUT_MS = 30_000;

/** `soar integrations list`: integrations, their commands, and the configured instances. */
export async function integrationsListCommand(options: {
  config?: string;
  json?: boolean;
}): Promise<number> {
  const reg = registry();
  const configured = await instances(options.config, reg);
  const integrations = reg.list().map((i) => ({
    id: i.id,
    title: i.title,
    commands: i.commands.map((c) => ({ uses: `${i.id}.${c.name}`, title: c.title })),
  }));
  const listed = configured.list();
  if (options.json) {
    printJson({ integrations, instances: listed });
    return 0;
  }
  const lines = ['Integrations:'];
  for (const i of integrations)
    lines.push(`  ${i.id}  ${i.title}: ${i.commands.map((c) => c.uses).join(', ')}`);
  lines.push('Instances:');
  for (const i of listed) {
    const refs = Object.entries(i.credentials)
      .map(([name, ref]) => `${name}=${ref}`)
      .join(' ');
    lines.push(
      `  ${i.id}  (${i.integration}${i.default ? ', default' : ''}${i.implicit ? ', built in' : ''})${i.url ? `  ${i.url}` : ''}${refs ? `  ${refs}` : ''}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/** `soar integrations test <instance>`: resolves the instance and runs its connectivity check. */
export async function integrationsTestCommand(
  id: string,
  options: { config?: string; json?: boolean },
): Promise<number> {
  const reg = registry();
  const configured = await instances(options.config, reg);
  const summary = configured.list().find((i) => i.id === id);
  if (!summary) throw new CliError(`no instance '${id}': see soar integrations list`);
  const integration = reg.list().find((i) => i.id === summary.integration);
  let verdict: { ok: boolean; detail: string; code?: string };
  try {
    const instance = configured.get(id);
    if (!integration?.test) {
      verdict = {
        ok: true,
        detail: `configuration resolved; '${summary.integration}' has no connectivity check`,
      };
    } else {
      const clients = new HttpClients();
      try {
        const result = await integration.test(hookContext(instance, clients, TEST_TIMEOUT_MS));
        verdict = { ok: true, detail: result.detail };
      } finally {
        await clients.close();
      }
    }
  } catch (error) {
    const failure = toStepError(error);
    verdict = { ok: false, detail: failure.message, code: failure.code };
  }
  if (options.json) printJson({ instance: id, integration: summary.integration, ...verdict });
  else
    process.stdout.write(
      `${verdict.ok ? 'ok' : 'FAILED'}: ${id} (${summary.integration}): ${verdict.detail}${verdict.code ? ` [${verdict.code}]` : ''}\n`,
    );
  return verdict.ok ? 0 : 1;
}
