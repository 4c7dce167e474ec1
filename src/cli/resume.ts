import { journalPath } from '../journal/file-store.js';
import { openLocal } from './local-context.js';
import { exitCodeOf, printJson, printRunSummary, runJson } from './output.js';

/** `soar resume <run-id>`: continues a run from the data dir after its process died. */
export async function resumeCommand(
  runId: string,
  options: { dataDir: string; config?: string; json?: boolean },
): Promise<number> {
  const local = await openLocal(
    options.dataDir,
    null,
    'soar resume',
    options.config ? { config: options.config } : {},
  );
  try {
    await local.engine.resume(runId);
    await local.engine.idle();
    const record = await local.engine.record(runId);
    const summary = await local.engine.summary(record.root);
    if (options.json) printJson(runJson(summary));
    else printRunSummary(summary, journalPath(local.journal.dir, record.journalKey));
    return exitCodeOf(summary);
  } finally {
    await local.close();
  }
}
