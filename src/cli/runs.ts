import { journalPath } from '../journal/file-store.js';
import { openLocal } from './local-context.js';
import { exitCodeOf, printJson, printRunSummary, runJson } from './output.js';
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
  if (redisUrl !== undefined) {
    return runsShowOnRedis(
      runId,
      {
        ...(options.json ? { json: true } : {}),
        ...(options.config ? { config: options.config } : {}),
      },
      redisUrl,
      options.prefix,
    );
  }
  const local = await openLocal(
    options.dataDir,
    null,
    'soar runs show',
    options.config ? { config: options.config } : {},
  );
  try {
    const record = await local.engine.record(runId);
    const summary = await local.engine.summary(runId);
    const pending = record.outbox.map((effect) => ({ kind: effect.kind, step: effect.step }));
    if (options.json) {
      printJson({
        ...runJson(summary),
        playbook: record.playbook,
        events: record.version,
        updated_at: record.updated_at,
        pending,
      });
    } else {
      printRunSummary(summary, journalPath(local.journal.dir, record.journalKey));
      for (const p of pending) process.stdout.write(`pending: ${p.kind} ${p.step}\n`);
    }
    return exitCodeOf(summary);
  } finally {
    await local.close();
  }
}
