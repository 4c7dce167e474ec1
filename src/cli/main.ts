import { Command, CommanderError, Option } from 'commander';
import { PlaybookInvalidError, formatDiagnostic } from '../playbook/diagnostics.js';
import { publishedSchema } from '../playbook/schema.js';
import { apiCommand, serveCommand } from './api.js';
import { approveCommand } from './approve.js';
import { SHIPPED_PLAYBOOKS, demoCommand } from './demo.js';
import { feedsPollCommand } from './feeds.js';
import { fetchCommand } from './fetch.js';
import { intelLookupCommand } from './intel.js';
import { graphCommand } from './graph.js';
import { integrationsListCommand, integrationsTestCommand } from './integrations.js';
import { ConfigInvalidError } from '../runtime/config-file.js';
import { journalShowCommand, journalVerifyCommand } from './journal.js';
import { DEFAULT_DATA_DIR } from './local-context.js';
import { CliError, printJson } from './output.js';
import { reportCommand } from './report.js';
import { resumeCommand } from './resume.js';
import { runCommand } from './run.js';
import { runsShowCommand } from './runs.js';
import { workerCommand } from './worker.js';
import { schedulerCommand } from './scheduler.js';
import { validateCommand } from './validate.js';

const collect = (value: string, previous: string[]) => [...previous, value];

const REDIS_URLS = 'redis://host:port, or redis-cluster://host:port,host:port for a Cluster';

/** `--redis [url]` for commands that work locally too: `what` they reach on Redis. */
const redisTarget = (what: string) =>
  new Option('--redis [url]', `${what} (${REDIS_URLS}; default REDIS_URL)`);

/** `--redis <url>` for the roles that always run on Redis. */
const redisUrl = (when = '') =>
  new Option(
    '--redis <url>',
    `${when}Redis: ${REDIS_URLS} (default REDIS_URL, else redis://127.0.0.1:6379)`,
  );

const redisPrefix = () =>
  new Option('--prefix <prefix>', 'Redis key prefix (default SOAR_REDIS_PREFIX, else soar)');

const listenPort = () => new Option('--port <port>', 'TCP port').default('8080');
const listenHost = () => new Option('--host <host>', 'address to listen on').default('127.0.0.1');

const stepConcurrency = () =>
  new Option('--concurrency <n>', 'steps at once per instance queue (default 16)');

const lockDuration = () =>
  new Option('--lock-duration <ms>', "job lock: how soon a dead worker's jobs are retried").default(
    '30000',
  );

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('soar')
    .description('SOAR playbook engine')
    .exitOverride()
    .showHelpAfterError();
  const wrap =
    <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A) =>
      setExit(await fn(...args));

  program
    .command('validate')
    .description('check playbooks (files or directories; default: playbooks/)')
    .argument('[paths...]')
    .option('--json', 'print problems as JSON')
    .action(wrap(validateCommand));
  program
    .command('run')
    .description('run a playbook in this process (no Redis)')
    .argument('<playbook>', 'playbook file')
    .option('--input <name=value>', 'a playbook input (repeatable)', collect, [])
    .option('--incident <alert.json>', 'create an incident from an alert JSON file and run on it')
    .option('--data-dir <dir>', 'where state and journals live', DEFAULT_DATA_DIR)
    .option('--approve <option>', 'answer every approval with this option (unattended runs)')
    .option('--as <name>', 'who answers approvals given with --approve', 'cli')
    .option('--config <file>', 'integration instances (default: soar.config.yaml)')
    .option('--json', 'print the run as one JSON object')
    .addOption(redisTarget('enqueue for the workers on Redis'))
    .addOption(redisPrefix())
    .option('--no-wait', 'with --redis: print the run id once it is queued')
    .action(wrap(runCommand));
  program
    .command('approve')
    .description('decide a pending approval and resume its run')
    .argument('<approval-id>')
    .argument('<option>')
    .option('--as <name>', 'who decides (journaled)')
    .option('--comment <text>', 'a comment for the journal')
    .option('--data-dir <dir>', 'where state and journals live', DEFAULT_DATA_DIR)
    .option('--config <file>', 'integration instances (default: soar.config.yaml)')
    .option('--json', 'print the run as one JSON object')
    .addOption(redisTarget('decide an approval of the distributed runtime'))
    .addOption(redisPrefix())
    .option('--no-wait', 'with --redis: print the decision once recorded (a worker applies it)')
    .action(wrap(approveCommand));
  program
    .command('runs')
    .description('runs and their state')
    .command('show')
    .argument('<run-id>')
    .option('--data-dir <dir>', 'where state and journals live', DEFAULT_DATA_DIR)
    .addOption(redisTarget('a run of the distributed runtime'))
    .addOption(redisPrefix())
    .option('--config <file>', 'integration instances (default: soar.config.yaml)')
    .option('--json', 'print the run as one JSON object')
    .action(wrap(runsShowCommand));
  program
    .command('api')
    .description('the HTTP API on Redis: alerts, incidents, journals, approvals, runs, metrics')
    .addOption(redisUrl())
    .addOption(redisPrefix())
    .option('--config <file>', 'tokens (api:) and instances (default: soar.config.yaml)')
    .option('--playbooks <dir>', 'playbooks by id and by incident type', 'playbooks')
    .addOption(listenPort())
    .addOption(listenHost())
    .action(wrap(apiCommand));
  program
    .command('serve')
    .description('the API, a worker and a scheduler in one process (Redis: --redis or REDIS_URL)')
    .addOption(redisUrl())
    .addOption(redisPrefix())
    .option('--config <file>', 'tokens (api:) and instances (default: soar.config.yaml)')
    .option('--playbooks <dir>', 'playbooks by id and by incident type', 'playbooks')
    .addOption(listenPort())
    .addOption(listenHost())
    .addOption(stepConcurrency())
    .addOption(lockDuration())
    .action(wrap(serveCommand));
  program
    .command('worker')
    .description("consume the distributed runtime's queues (Redis: --redis or REDIS_URL)")
    .addOption(redisUrl())
    .addOption(redisPrefix())
    .option('--config <file>', 'integration instances (default: soar.config.yaml)')
    .option(
      '--playbooks <dir>',
      'playbooks by id (sub-playbooks, scheduled runs, fetched incidents)',
      'playbooks',
    )
    .addOption(stepConcurrency())
    .addOption(lockDuration())
    .action(wrap(workerCommand));
  program
    .command('resume')
    .description('continue a run after its process died')
    .argument('<run-id>')
    .option('--data-dir <dir>', 'where state and journals live', DEFAULT_DATA_DIR)
    .option('--config <file>', 'integration instances (default: soar.config.yaml)')
    .option('--json', 'print the run as one JSON object')
    .action(wrap(resumeCommand));
  const journal = program
    .command('journal')
    .description('show or verify a journal (incident or run id)');
  journal
    .command('show')
    .argument('<id>')
    .option('--data-dir <dir>', 'where state and journals live', DEFAULT_DATA_DIR)
    .option('--json', 'print entries as JSON')
    .addOption(redisTarget('a journal of the distributed runtime'))
    .addOption(redisPrefix())
    .action(wrap(journalShowCommand));
  journal
    .command('verify')
    .argument('<id>')
    .option('--data-dir <dir>', 'where state and journals live', DEFAULT_DATA_DIR)
    .option('--json', 'print the result as JSON')
    .addOption(redisTarget('a journal of the distributed runtime'))
    .addOption(redisPrefix())
    .action(wrap(journalVerifyCommand));
  program
    .command('report')
    .description('render an incident or run report')
    .argument('<id>')
    .option('--format <format>', 'md, html or json', 'md')
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--data-dir <dir>', 'where state and journals live', DEFAULT_DATA_DIR)
    .addOption(redisTarget('a journal of the distributed runtime'))
    .addOption(redisPrefix())
    .action(wrap(reportCommand));
  program
    .command('graph')
    .description('print a playbook as a flowchart')
    .argument('<playbook>')
    .option('--format <format>', 'mermaid', 'mermaid')
    .action(wrap(graphCommand));
  program
    .command('fetch')
    .description("fetch an instance's new incidents and start their playbooks")
    .argument('<instance>')
    .option('--config <file>', 'integration instances (default: soar.config.yaml)')
    .option('--playbooks <dir>', 'where to find playbooks for the incident types', 'playbooks')
    .option('--data-dir <dir>', 'where state and journals live', DEFAULT_DATA_DIR)
    .option('--json', 'print the counts as JSON')
    .action(wrap(fetchCommand));
  program
    .command('scheduler')
    .description(
      'fire schedules: on Redis with BullMQ job schedulers (workers fire the ticks), or --local',
    )
    .option('--local', 'in this process, on the local data dir (no Redis)')
    .addOption(redisUrl('without --local: '))
    .addOption(redisPrefix())
    .option('--once', 'one tick: fire what is due now, then exit')
    .option('--config <file>', 'integration instances (default: soar.config.yaml)')
    .option('--playbooks <dir>', 'where the scheduled playbooks are', 'playbooks')
    .option('--data-dir <dir>', 'where state and journals live', DEFAULT_DATA_DIR)
    .option('--json', 'with --once, print the tick as JSON')
    .action(wrap(schedulerCommand));
  program
    .command('demo')
    .description(
      'fetch a simulated Cybereason malop and triage it against SECDO and FortiGate simulators',
    )
    .option(
      '--data-dir <dir>',
      'a folder of its own for the demo (cleared on each run)',
      '.soar-demo',
    )
    .option('--playbooks <dir>', 'where the triage playbook is', SHIPPED_PLAYBOOKS)
    .option('--json', 'print the result as JSON (the narrative goes to stderr)')
    .action(wrap(demoCommand));
  const feeds = program.command('feeds').description('threat-intel feeds (TAXII 2.1 and 1.1)');
  feeds
    .command('poll')
    .description("pull a feed's new indicators into the indicator store")
    .argument('[feed]', 'a configured feed (an instance of integration taxii)')
    .option('--taxii <version>', 'ad-hoc feed: TAXII version, 2.1 or 1.1')
    .option('--url <url>', 'ad-hoc feed: discovery URL (2.1), or discovery or poll URL (1.1)')
    .option('--collection <id-or-name>', 'ad-hoc feed: collection id or title (2.1), name (1.1)')
    .option('--user <user>', 'ad-hoc feed: Basic auth user (OTX: the API key)')
    .option('--password <password>', 'ad-hoc feed: Basic auth password')
    .option('--config <file>', 'integration instances (default: soar.config.yaml)')
    .option('--data-dir <dir>', 'where state and the indicator store live', DEFAULT_DATA_DIR)
    .option('--json', 'print the counts as one JSON object')
    .action(wrap(feedsPollCommand));
  const intel = program.command('intel').description('the indicator store');
  intel
    .command('lookup')
    .description('what the feeds say about an IP, CIDR, domain, URL, e-mail address or hash')
    .argument('<value>')
    .option('--config <file>', 'for intel.exclusions (default: soar.config.yaml)')
    .option('--data-dir <dir>', 'where the indicator store lives', DEFAULT_DATA_DIR)
    .option('--json', 'print the verdict as JSON')
    .action(wrap(intelLookupCommand));
  const integrations = program
    .command('integrations')
    .description('integrations and their configured instances');
  integrations
    .command('list')
    .option('--config <file>', 'integration instances (default: soar.config.yaml)')
    .option('--json', 'print as JSON')
    .action(wrap(integrationsListCommand));
  integrations
    .command('test')
    .argument('<instance>')
    .option('--config <file>', 'integration instances (default: soar.config.yaml)')
    .option('--json', 'print the verdict as JSON')
    .action(wrap(integrationsTestCommand));
  program
    .command('schema')
    .description('print the playbook JSON Schema')
    .action(() => printJson(publishedSchema()));
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (error instanceof PlaybookInvalidError || error instanceof ConfigInvalidError) {
    for (const d of error.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    return 1;
  }
  const e = error as { name?: string; message?: string; code?: unknown; stack?: string };
  if (process.env.SOAR_DEBUG) process.stderr.write(`${e.stack ?? String(error)}\n`);
  const expected = [
    'CliError',
    'InputError',
    'EngineError',
    'AlertError',
    'InvalidJournalKeyError',
    'DataDirBusyError',
  ].includes(e.name ?? '');
  process.stderr.write(`error: ${e.message ?? String(error)}\n`);
  return expected ? (error instanceof CliError ? error.exitCode : 2) : 70;
}
