import { resolve } from 'node:path';
import { LocalScheduler, ScheduleConfigError } from '../runtime/schedule/local-scheduler.js';
import { PlaybookLibrary } from '../runtime/playbook-library.js';
import { openLocal, registry } from './local-context.js';
import { CliError, printJson } from './output.js';

export interface SchedulerOptions {
  local?: boolean;
  once?: boolean;
  dataDir: string;
  config?: string;
  playbooks: string;
  json?: boolean;
}

/**
 * `soar scheduler --local`: fires scheduled playbooks and instance fetches in this process,
 * sharing the local data dir. `--once` does one tick and exits (for cron or a test).
 */
export async function schedulerCommand(options: SchedulerOptions): Promise<number> {
  if (!options.local) {
    throw new CliError(
      'pass --local to run the schedules in this process on the local data dir (no Redis)',
    );
  }
  const reg = registry();
  const scheduler = new LocalScheduler({
    open: async () => {
      // A fresh library per tick: new and edited playbooks are picked up without a restart.
      const library = new PlaybookLibrary(resolve(options.playbooks), reg);
      const local = await openLocal(options.dataDir, library, 'soar scheduler', {
        registry: reg,
        ...(options.config ? { config: options.config } : {}),
      });
      return { ...local, library, registry: reg };
    },
    log: (line) => {
      if (!options.json) process.stdout.write(`${new Date().toISOString()} ${line}\n`);
    },
  });
  try {
    if (options.once) {
      const result = await scheduler.tick();
      if (options.json) printJson(result);
      else if (result.fired.length === 0) process.stdout.write('nothing due\n');
      return result.fired.every((f) => f.ok) ? 0 : 1;
    }
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    process.stdout.write(`scheduler running on ${resolve(options.dataDir)} (Ctrl-C stops it)\n`);
    await scheduler.run(stop.signal);
    return 0;
  } catch (error) {
    if (error instanceof ScheduleConfigError) throw new CliError(error.message);
    throw error;
  }
}
