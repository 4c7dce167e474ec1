/*
 * IOCs from free text (incident descriptions, analyst notes, mail bodies). The text is
 * refanged first, then scanned once per IOC type with regexes that cannot backtrack
 * catastrophically: every pattern starts only where the previous character cannot continue
 * it (a lookbehind), and every repetition is over a character class the next token cannot
 * start with, or is bounded. Work is linear in the input, which is capped at 1 MiB.
 *
 * Overlaps: a url or an email address is one IOC, its host is not reported again (a store
 * lookup of a url checks its domain anyway); likewise an IPv4 address embedded in an IPv6
 * one. Hashes are found everywhere, including inside urls (`/file/<sha256>` is a file).
 *
 * Domains need a last label of 2–63 letters; a last label that is a common file extension
 * makes the name a file name (`report.pdf`, `svchost.exe`), even for the few extensions that
 * are also real TLDs (.zip, .mov, .sh, .py, .md): in incident text those are attachments and
 * scripts far more often than hosts. Such hosts are still found inside urls and addresses.
 * Host names are matched in ASCII, so a name glued to Japanese or other non-Latin text
 * (`詳細はevil.comを参照`) is still cut at the right place.
 */
import type { IndicatorType } from './model.js';
import { normalizeIndicator } from './normalize.js';

export const MAX_EXTRACT_BYTES = 1024 * 1024;

export interface FoundIoc {
  type: IndicatorType;
  /** Normalised as the store keys it. */
  value: string;
  /** Where the IOC starts in the text given (UTF-16 code units, before refanging). */
  offset: number;
}

export interface ExtractOptions {
  /** Only these types (default: all). */
  types?: readonly IndicatorType[];
  /** Refuse larger inputs (UTF-8 bytes); at most MAX_EXTRACT_BYTES. */
  maxBytes?: number;
}

export class ExtractInputTooLargeError extends Error {
  override readonly name = 'ExtractInputTooLargeError';
  readonly code = 'IOC_INPUT_TOO_LARGE';
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST = `(?:${LABEL}\\.){1,126}[a-z]{2,63}(?![a-z0-9-])`;
const URL_RE = /(?<![a-z0-9+.-])(?:https?|ftp):\/\/[a-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+/gi;
const EMAIL_RE = new RegExp(`(?<![a-z0-9._%+-])[a-z0-9._%+-]{1,64}@${HOST}`, 'gi');
const IPV6_RE =
  /(?<![0-9a-z:.])[0-9a-f:]{2,39}(?:\d{1,3}(?:\.\d{1,3}){3})?(?:\/\d{1,3})?(?![0-9a-z:]|\.\d)/gi;
const IPV4_RE = /(?<![0-9.])(?:\d{1,3}\.){3}\d{1,3}(?:\/\d{1,3})?(?![0-9]|\.\d)/g;
const DOMAIN_RE = new RegExp(`(?<![a-z0-9_-])(?<![a-z0-9-]\\.)${HOST}`, 'gi');
const HASH_RE = /(?<![0-9a-z])(?:[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})(?![0-9a-z])/gi;

const FILE_EXTENSIONS = new Set(
  (
    'exe dll sys drv scr cpl ocx msi msp bat cmd vbs vbe js jse wsf wsh hta lnk jar class apk ' +
    'dmg pkg deb rpm iso img vhd vhdx vmdk bin dat tmp log txt csv tsv json xml yaml yml ini ' +
    'cfg conf doc docx docm dot dotm xls xlsx xlsm xlsb ppt pptx pptm pdf rtf odt ods odp eml ' +
    'msg pst ost zip rar gz tgz bz bzip tar xz cab arj lzh png jpg jpeg gif bmp svg ico tif ' +
    'tiff webp mp mov mkv wmv avi wav htm html xhtml php asp aspx jsp cgi py rb sh bash ps ' +
    'psm psd cpp java ts tsx jsx md sql db sqlite bak old swp pem crt cer der pfx ovpn dylib'
  ).split(' '),
);

type Kind = 'url' | 'email' | 'ipv6' | 'ipv4' | 'domain' | 'hash';

/** Scanned in this order: a later kind skips text an earlier one took (hashes excepted). */
const SCANS: { kind: Kind; pattern: RegExp; masked: boolean }[] = [
  { kind: 'url', pattern: URL_RE, masked: true },
  { kind: 'email', pattern: EMAIL_RE, masked: true },
  { kind: 'ipv6', pattern: IPV6_RE, masked: true },
  { kind: 'ipv4', pattern: IPV4_RE, masked: true },
  { kind: 'domain', pattern: DOMAIN_RE, masked: true },
  { kind: 'hash', pattern: HASH_RE, masked: false },
];

/**
 * The IOCs in `text`, deduplicated by type and normalised value, in order of first appearance.
 *
 * @example
 * extractIocs('beacon to hxxps://evil[.]example/a from 203.0.113.9')
 * // [{ type: 'url', value: 'https://evil.example/a', offset: 10 },
 * //  { type: 'ip', value: '203.0.113.9', offset: 40 }]
 */
export function extractIocs(text: string, options: ExtractOptions = {}): FoundIoc[] {
  const limit = Math.min(options.maxBytes ?? MAX_EXTRACT_BYTES, MAX_EXTRACT_BYTES);
  if (text.length > limit || Buffer.byteLength(text, 'utf8') > limit) {
    throw new ExtractInputTooLargeError(
      `text to extract IOCs from is ${Buffer.byteLength(text, 'utf8')} bytes, over the ${limit}-byte limit`,
    );
  }
  const wanted = new Set(options.types ?? []);
  const refanged = refang(text);
  const taken = new Uint8Array(refanged.text.length);
  const found = new Map<string, FoundIoc>();
  // Logs and mail threads repeat the same few values: classify each distinct one once.
  const classified = new Map<string, ReturnType<typeof classify>>();
  for (const { kind, pattern, masked } of SCANS) {
    for (const match of refanged.text.matchAll(pattern)) {
      const start = match.index;
      const raw = kind === 'url' ? trimUrl(match[0]) : match[0];
      if (masked && isTaken(taken, start, start + raw.length)) continue;
      const memoKey = `${kind}\u0000${raw}`;
      let ioc = classified.get(memoKey);
      if (ioc === undefined) {
        ioc = classify(kind, raw);
        classified.set(memoKey, ioc);
      }
      if (!ioc) continue;
      if (masked) taken.fill(1, start, start + raw.length);
      if (wanted.size > 0 && !wanted.has(ioc.type)) continue;
      const key = `${ioc.type}\u0000${ioc.value}`;
      const offset = refanged.originalOffset(start);
      const seen = found.get(key);
      if (!seen || offset < seen.offset) found.set(key, { ...ioc, offset });
    }
  }
  return [...found.values()].sort((a, b) => a.offset - b.offset);
}

function classify(kind: Kind, raw: string): { type: IndicatorType; value: string } | null {
  switch (kind) {
    case 'url':
      return normalized('url', raw);
    case 'email':
      return normalized('email', raw);
    case 'ipv6':
      // Words joined by '::' (`add::face` in a code path) are not addresses; real ones have digits.
      return /\d/.test(raw) && /:.*:/.test(raw) ? normalized('ip', raw) : null;
    case 'ipv4':
      return normalized('ip', raw) ?? normalized('ip', raw.replace(/\/\d+$/, ''));
    case 'domain': {
      const tld = raw.slice(raw.lastIndexOf('.') + 1).toLowerCase();
      return FILE_EXTENSIONS.has(tld) ? null : normalized('domain', raw);
    }
    case 'hash': {
      // Long digit-only runs are order numbers and timestamps, not digests.
      if (/^\d+$/.test(raw)) return null;
      const type = raw.length === 64 ? 'sha256' : raw.length === 40 ? 'sha1' : 'md5';
      return normalized(type, raw);
    }
  }
}

function normalized(type: IndicatorType, raw: string) {
  const result = normalizeIndicator(type, raw);
  return result.ok ? { type: result.type, value: result.value } : null;
}

/** Drops sentence punctuation and unbalanced closing brackets that followed a url. */
function trimUrl(raw: string): string {
  const depth = { ')': count(raw, ')') - count(raw, '('), ']': count(raw, ']') - count(raw, '[') };
  let end = raw.length;
  for (;;) {
    const last = raw[end - 1] ?? '';
    if (last === ')' || last === ']') {
      if (depth[last] <= 0) break;
      depth[last]--;
    } else if (!/[.,;:!?'*]/.test(last)) break;
    end--;
  }
  return raw.slice(0, end);
}

function count(text: string, char: string): number {
  let n = 0;
  for (const c of text) if (c === char) n++;
  return n;
}

function isTaken(taken: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (taken[i] === 1) return true;
  return false;
}

const DEFANGED =
  /hxxp(?=s?(?::\/\/|\[:\]\/\/|\[:\/\/\]))|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\[:\/\/\]|\[:\]|\[@\]|\[at\]/gi;
const REFANGED: Record<string, string> = {
  hxxp: 'http',
  '[.]': '.',
  '(.)': '.',
  '{.}': '.',
  '[dot]': '.',
  '[://]': '://',
  '[:]': ':',
  '[@]': '@',
  '[at]': '@',
};

export interface Refanged {
  text: string;
  /** The offset in the original text of a character of the refanged one. */
  originalOffset(index: number): number;
}

/** Undoes the usual defanging: `hxxp(s)`, `[.]`, `(.)`, `{.}`, `[dot]`, `[:]`, `[://]`, `[@]`, `[at]`. */
export function refang(text: string): Refanged {
  const edits: { at: number; length: number; from: number; fromLength: number }[] = [];
  let out = '';
  let copied = 0;
  for (const match of text.matchAll(DEFANGED)) {
    const replacement = REFANGED[match[0].toLowerCase()] ?? match[0];
    out += text.slice(copied, match.index);
    edits.push({
      at: out.length,
      length: replacement.length,
      from: match.index,
      fromLength: match[0].length,
    });
    out += replacement;
    copied = match.index + match[0].length;
  }
  out += text.slice(copied);
  return {
    text: out,
    originalOffset(index: number): number {
      let low = 0;
      let high = edits.length - 1;
      let before: (typeof edits)[number] | undefined;
      while (low <= high) {
        const mid = (low + high) >> 1;
        const edit = edits[mid]!;
        if (edit.at <= index) {
          before = edit;
          low = mid + 1;
        } else high = mid - 1;
      }
      if (!before) return index;
      if (index < before.at + before.length) return before.from;
      return before.from + before.fromLength + (index - before.at - before.length);
    },
  };
}
