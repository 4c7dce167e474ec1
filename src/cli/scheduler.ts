import { resolve } from 'node:path';
import { LocalScheduler, ScheduleConfigError } from '../runtime/schedule/local-scheduler.js';
import { PlaybookLibrary } from '../runtime/playbook-library.js';
import { RedisScheduler } from '../runtime/bullmq/redis-scheduler.js';
import { openLocal, registry } from './local-context.js';
import { openRedisFor } from './redis-context.js';
import { startSchedulerRole, untilSignalled } from './roles.js';
import { CliError, printJson } from './output.js';

export interface SchedulerOptions {
  local?: boolean;
  once?: boolean;
  dataDir: string;
  config?: string;
  playbooks: string;
  json?: boolean;
  redis?: string;
  prefix?: string;
}

/**
 * `soar scheduler --local`: fires scheduled playbooks and instance fetches in this process,
 * sharing the local data dir. `--once` does one tick and exits (for cron or a test).
 */
export async function schedulerCommand(options: SchedulerOptions): Promise<number> {
  if (!options.local) return redisSchedulerCommand(options);
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

/**
 * `soar scheduler` (Redis): keeps BullMQ's job schedulers in line with the playbooks and
 * configuration while this process leads; workers fire the ticks. Any number may run: one
 * leads, the others stand by. `--once` writes the schedules once (if no other process leads).
 */
async function redisSchedulerCommand(options: SchedulerOptions): Promise<number> {
  const reg = registry();
  const library = new PlaybookLibrary(resolve(options.playbooks), reg);
  const redis = await openRedisFor(options, library, reg).catch((error: unknown) => {
    if (!(error instanceof CliError)) throw error;
    throw new CliError(`${error.message}; or run the schedules without Redis: --local`);
  });
  const log = (line: string) => {
    if (!options.json) process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  try {
    if (options.once) {
      const scheduler = new RedisScheduler({
        client: redis.client,
        names: redis.names,
        queues: redis.queues,
        sources: { library, instances: redis.instances, registry: reg },
        log,
      });
      const result = await scheduler.reconcile();
      if (options.json) printJson(result);
      else if (!result.leader) process.stdout.write('another scheduler leads: nothing written\n');
      else
        process.stdout.write(
          `${result.upserted.length} written, ${result.removed.length} removed, ${result.unchanged.length} unchanged\n`,
        );
      return 0;
    }
    const scheduler = startSchedulerRole(redis, library, log);
    await untilSignalled();
    await scheduler.stop();
    return 0;
  } catch (error) {
    if (error instanceof ScheduleConfigError) throw new CliError(error.message);
    throw error;
  } finally {
    await redis.close();
  }
}
