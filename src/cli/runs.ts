import { journalPath } from '../journal/file-store.js';
import { openLocal } from './local-context.js';
import { runDetails } from '../runtime/run-views.js';
import { exitCodeOf, printJson, printRunDetails } from './output.js';
import { redisOption, runsShowOnRedis } from './redis-run.js';

export interface RunsShowOptions {
  dataDir: string;
  redis?: string | boolean;
  prefix?: string;
  config?: string;
  json?: boolean;
}

/** `soar runs show <id>`: status, outputs, pending approvals and effects of one run. */
export async function runsShowCommand(runId: string, options: RunsShowOptions): Promise<number> {
  const redisUrl = redisOption(options.redis);
  if (redisUrl !== undefined) return runsShowOnRedis(runId, { ...options, redis: redisUrl });
  const local = await openLocal(
    options.dataDir,
    null,
    'soar runs show',
    options.config ? { config: options.config } : {},
  );
  try {
    const record = await local.engine.record(runId);
    const details = runDetails(await local.engine.summary(runId), record);
    if (options.json) printJson(details);
    else printRunDetails(details, journalPath(local.journal.dir, record.journalKey));
    return exitCodeOf(details);
  } finally {
    await local.close();
  }
}
