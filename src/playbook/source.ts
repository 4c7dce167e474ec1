import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
} from 'yaml';
import type { Diagnostic, DiagnosticCode } from './diagnostics.js';

/** Playbooks are small documents; anything larger is a mistake or an attack. */
export const MAX_PLAYBOOK_BYTES = 1024 * 1024;
/** Keeps alias expansion (billion laughs) bounded. */
export const MAX_ALIAS_COUNT = 100;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A parsed playbook document that can still say where each value came from. */
export interface PlaybookSource {
  file: string;
  value: unknown;
  locate(path: readonly (string | number)[], part?: 'key' | 'value'): { line: number; col: number };
}

export type ParseResult =
  { ok: true; source: PlaybookSource } | { ok: false; diagnostics: Diagnostic[] };

export function parsePlaybookText(file: string, input: string | Uint8Array): ParseResult {
  const fail = (code: DiagnosticCode, message: string, line = 1, col = 1): ParseResult => ({
    ok: false,
    diagnostics: [{ file, line, col, path: '', code, message }],
  });
  const size =
    typeof input === 'string' ? new TextEncoder().encode(input).byteLength : input.byteLength;
  if (size > MAX_PLAYBOOK_BYTES) {
    return fail('too-large', `playbook is ${size} bytes; the limit is ${MAX_PLAYBOOK_BYTES} bytes`);
  }
  const text = decodeText(input);
  if (text === null) return fail('not-text', 'not a text file: expected UTF-8 YAML');

  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  const yamlProblems: Diagnostic[] = doc.errors.map((e) => {
    const { line, col } = position(e.pos[0]);
    const duplicate = e.code === 'DUPLICATE_KEY';
    return {
      file,
      line,
      col,
      path: '',
      code: duplicate ? 'duplicate-id' : 'yaml',
      message: duplicate
        ? `duplicate key: ${firstLine(e.message)}`
        : `invalid YAML: ${firstLine(e.message)}`,
    };
  });
  if (yamlProblems.length > 0) return { ok: false, diagnostics: yamlProblems };

  const forbidden = findForbiddenKeys(doc, file, position);
  if (forbidden.length > 0) return { ok: false, diagnostics: forbidden };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    return fail('alias-limit', `refused: ${firstLine(String((error as Error).message))}`);
  }
  const locate: PlaybookSource['locate'] = (path, part = 'value') => {
    const node = nodeAt(doc, path, part);
    return position(node?.range?.[0] ?? 0);
  };
  return { ok: true, source: { file, value, locate } };
}

function decodeText(input: string | Uint8Array): string | null {
  let text: string;
  try {
    text =
      typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    return null;
  }
  // NUL and other C0 controls (but tab, LF, CR) never appear in a YAML playbook.
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000e-\u001f]/.test(text) ? null : text;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function findForbiddenKeys(
  doc: Document,
  file: string,
  position: (offset: number) => { line: number; col: number },
): Diagnostic[] {
  const found: Diagnostic[] = [];
  const walk = (node: unknown, path: string[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '';
        if (FORBIDDEN_KEYS.has(key)) {
          const offset = isScalar(pair.key) ? (pair.key.range?.[0] ?? 0) : 0;
          found.push({
            file,
            ...position(offset),
            path: [...path, key].join('.'),
            code: 'forbidden-key',
            message: `the key '${key}' is not allowed`,
          });
        }
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, String(i)]));
    }
  };
  walk(doc.contents, []);
  return found;
}

function nodeAt(
  doc: Document,
  path: readonly (string | number)[],
  part: 'key' | 'value',
): Node | null {
  let node: unknown = doc.contents;
  let best: Node | null = (doc.contents as Node | null) ?? null;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair) return best;
      if (last && part === 'key') return pair.key as Node;
      node = pair.value;
      best = (pair.value as Node | null) ?? (pair.key as Node);
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined) return best;
      node = item;
      best = item as Node;
    } else {
      return best;
    }
  }
  return best;
}
