import { journalPath } from '../journal/file-store.js';
import { openLocal } from './local-context.js';
import { approveOnRedis, redisOption } from './redis-run.js';
import { CliError, exitCodeOf, printJson, printRunSummary, runJson } from './output.js';

/** `soar approve <approval-id> <option> --as NAME`: decides a pending approval, in a later process. */
export async function approveCommand(
  id: string,
  option: string,
  options: {
    as?: string;
    dataDir: string;
    config?: string;
    json?: boolean;
    comment?: string;
    redis?: string | boolean;
    prefix?: string;
    /** false with --no-wait */
    wait?: boolean;
  },
): Promise<number> {
  if (!options.as)
    throw new CliError('--as NAME is required: approvals are journaled with who decided');
  const redisUrl = redisOption(options.redis);
  if (redisUrl !== undefined) {
    return approveOnRedis(id, option, {
      ...options,
      as: options.as,
      redis: redisUrl,
      wait: options.wait !== false,
    });
  }
  const local = await openLocal(
    options.dataDir,
    null,
    'soar approve',
    options.config ? { config: options.config } : {},
  );
  try {
    const approval = await local.engine.approve(id, option, options.as, options.comment);
    await local.engine.idle();
    const summary = await local.engine.summary(approval.root);
    const record = await local.engine.record(approval.root);
    if (options.json) printJson(runJson(summary));
    else printRunSummary(summary, journalPath(local.journal.dir, record.journalKey));
    return exitCodeOf(summary);
  } finally {
    await local.close();
  }
}
