/*
 * The reputation list. Writes go to /rest/classification/update as a JSON array (an upsert by
 * key); the whole list comes back from /rest/classification/download as a CSV attachment
 * whose column names are not publicly documented, so columns are found by name, under the
 * spellings they plausibly take, never by position.
 */
import { isIP } from 'node:net';
import { Type, type Static } from '@sinclair/typebox';
import { permanentError } from '../../src/integration-sdk/errors.js';
import { bool, millis, text } from './normalize.js';

export const UPDATE_PATH = '/rest/classification/update';
export const DOWNLOAD_PATH = '/rest/classification/download';

export const ReputationType = Type.Union(
  [Type.Literal('IP'), Type.Literal('DOMAIN'), Type.Literal('FILE')],
  { description: 'What the keys are: IP addresses, domains, or file hashes.' },
);
export type ReputationType = Static<typeof ReputationType>;

export const ReputationEntrySchema = Type.Object({
  key: Type.String(),
  type: Type.String(),
  /** blacklist or whitelist, lower case. */
  reputation: Type.String(),
  prevent: Type.Boolean(),
  comment: Type.Union([Type.String(), Type.Null()]),
  /** Epoch ms; null when it never expires. */
  expiration: Type.Union([Type.Integer(), Type.Null()]),
});
export type ReputationEntry = Static<typeof ReputationEntrySchema>;

const COLUMNS = {
  key: ['key', 'value', 'indicator'],
  type: ['reputationtype', 'keytype', 'type'],
  reputation: ['malicioustype', 'reputation', 'classification', 'maliciousclassificationtype'],
  prevent: ['prevent', 'preventexecution'],
  comment: ['comment', 'comments'],
  expiration: ['expiration', 'expirationtime', 'expires', 'expiry'],
} as const;

/** Reads the downloaded CSV. Rows without a key are skipped and counted. */
export function readReputationCsv(csv: string): { entries: ReputationEntry[]; skipped: number } {
  const [header, ...rows] = parseCsv(csv);
  if (header === undefined) return { entries: [], skipped: 0 };
  const names = header.map((h) => h.toLowerCase().replace(/[^a-z0-9]/g, ''));
  const column = (aliases: readonly string[]): number => {
    for (const alias of aliases) {
      const at = names.indexOf(alias);
      if (at >= 0) return at;
    }
    return -1;
  };
  const at = {
    key: column(COLUMNS.key),
    type: column(COLUMNS.type),
    reputation: column(COLUMNS.reputation),
    prevent: column(COLUMNS.prevent),
    comment: column(COLUMNS.comment),
    expiration: column(COLUMNS.expiration),
  };
  if (at.key < 0 || at.reputation < 0) {
    throw permanentError(
      `GET ${DOWNLOAD_PATH}: the reputation CSV has no key or reputation column (columns: ${header.slice(0, 20).join(', ')})`,
      'CSV_FORMAT',
    );
  }
  const entries: ReputationEntry[] = [];
  let skipped = 0;
  for (const row of rows) {
    if (row.length === 1 && row[0]!.trim() === '') continue;
    const cell = (index: number): string | null => (index >= 0 ? text(row[index]?.trim()) : null);
    const key = cell(at.key)?.toLowerCase() ?? null;
    if (key === null) {
      skipped++;
      continue;
    }
    const expiration = millis(cell(at.expiration));
    entries.push({
      key,
      type: cell(at.type)?.toUpperCase() ?? guessType(key),
      reputation: cell(at.reputation)?.toLowerCase() ?? '',
      prevent: bool(cell(at.prevent)) ?? false,
      comment: cell(at.comment),
      // 0 and negative values mean "never" in the exports seen so far.
      expiration: expiration !== null && expiration > 0 ? expiration : null,
    });
  }
  return { entries, skipped };
}

export function guessType(key: string): ReputationType {
  if (isIP(key) !== 0) return 'IP';
  if (/^([a-f0-9]{32}|[a-f0-9]{40}|[a-f0-9]{64})$/i.test(key)) return 'FILE';
  return 'DOMAIN';
}

/** Why `key` cannot be a key of `type`, or null when it can. */
export function keyProblem(key: string, type: ReputationType): string | null {
  switch (type) {
    case 'IP':
      return isIP(key) !== 0 ? null : 'is not an IP address';
    case 'DOMAIN':
      return /^(?=.{1,253}$)([a-z0-9_](-*[a-z0-9_])*\.)+[a-z]([a-z0-9-]*[a-z0-9])?$/.test(key)
        ? null
        : 'is not a domain name';
    case 'FILE':
      return /^([a-f0-9]{32}|[a-f0-9]{40}|[a-f0-9]{64})$/.test(key)
        ? null
        : 'is not an MD5, SHA-1 or SHA-256 hash';
  }
}

/** RFC 4180: quoted fields with "" escapes and line breaks, CRLF or LF rows, a BOM ignored. */
export function parseCsv(csv: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const source = csv.charCodeAt(0) === 0xfeff ? csv.slice(1) : csv;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (source[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && source[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
