import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { journalPath } from '../journal/file-store.js';
import { parseJournalText, verifyJournalText } from '../journal/verify.js';
import { FileRunStore } from '../runtime/local/file-run-store.js';
import { isJournalKey } from '../journal/journal-key.js';
import { CliError, printJson } from './output.js';
import { openRedisFor } from './redis-context.js';
import { redisOption } from './redis-run.js';

/** An incident id or a run id names a journal: a run's journal is its incident's, or its root run's. */
export async function journalKeyOf(dataDir: string, id: string): Promise<string> {
  const run = await new FileRunStore(resolve(dataDir)).loadRun(id).catch(() => null);
  return run?.journalKey ?? id;
}

/** Where a journal command reads: the local data dir, or Redis with `--redis [url]`. */
export interface JournalSource {
  dataDir: string;
  redis?: string | boolean;
  prefix?: string;
}

export async function readJournalText(
  source: JournalSource,
  id: string,
): Promise<{ key: string; file: string; text: string }> {
  const redisUrl = redisOption(source.redis);
  if (redisUrl !== undefined) return readRedisJournalText({ ...source, redis: redisUrl }, id);
  const dataDir = source.dataDir;
  const key = await journalKeyOf(dataDir, id);
  let file: string;
  try {
    file = journalPath(resolve(dataDir, 'journal'), key);
  } catch {
    throw new CliError(`'${id}' is not a valid incident or run id`);
  }
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT')
      throw new CliError(`no journal for '${id}' in ${resolve(dataDir)}`);
    throw error;
  });
  return { key, file, text };
}

/** The same text as a journal file, from Redis: verify and report see identical bytes. */
async function readRedisJournalText(
  target: { redis: string; prefix?: string },
  id: string,
): Promise<{ key: string; file: string; text: string }> {
  const redis = await openRedisFor(target, null);
  try {
    const key = (await redis.store.journalKeyOf(id)) ?? id;
    if (!isJournalKey(key)) throw new CliError(`'${id}' is not a valid incident or run id`);
    const text = await redis.journal.readText(key);
    if (text === '')
      throw new CliError(`no journal for '${id}' in Redis (prefix ${redis.names.prefix})`);
    return { key, file: `redis:${redis.names.journalPrefix}:${key}`, text };
  } finally {
    await redis.close();
  }
}

export async function journalShowCommand(
  id: string,
  options: JournalSource & { json?: boolean },
): Promise<number> {
  const { text } = await readJournalText(options, id);
  const { entries } = parseJournalText(text);
  if (options.json) {
    printJson(entries);
    return 0;
  }
  for (const e of entries) {
    const who = `${e.actor.kind}:${e.actor.id}`;
    process.stdout.write(
      `${String(e.seq).padStart(4)}  ${e.at}  ${e.kind.padEnd(18)} ${(e.step ?? '-').padEnd(16)} ${who.padEnd(20)} ${e.summary}\n`,
    );
  }
  return 0;
}

export async function journalVerifyCommand(
  id: string,
  options: JournalSource & { json?: boolean },
): Promise<number> {
  const { file, text } = await readJournalText(options, id);
  const result = verifyJournalText(text);
  if (options.json) printJson({ file, ...result });
  else if (result.ok)
    process.stdout.write(`ok: ${result.count} entries, chain intact, head ${result.head}\n`);
  else
    process.stdout.write(
      `BROKEN: ${result.firstBroken.reason} (${file}:${result.firstBroken.line})\n`,
    );
  return result.ok ? 0 : 1;
}
