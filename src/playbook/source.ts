import {
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
} from 'yaml';
import type { Diagnostic, DiagnosticCode } from './diagnostics.js';

/** Playbooks are small documents; anything larger is a mistake or an attack. */
export const MAX_PLAYBOOK_BYTES = 1024 * 1024;
/** Keeps alias expansion (billion laughs) bounded; also the most aliases one playbook may hold. */
export const MAX_ALIAS_COUNT = 100;
/** Deeper nesting is refused before parsing: the YAML composer recurses once per level. */
export const MAX_NESTING = 100;
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
  // NUL and other C0 controls (but tab, LF, CR) never appear in a YAML playbook.
  // eslint-disable-next-line no-control-regex
  const control = text.search(/[\u0000-\u0008\u000e-\u001f]/);
  if (control >= 0) {
    const { line, col } = offsetToLineCol(text, control);
    return fail('not-text', 'not a text file: it holds NUL or other control characters', line, col);
  }
  const deep = findDeepNesting(text);
  if (deep !== null) {
    const { line, col } = offsetToLineCol(text, deep);
    const message = `the document is nested more than ${MAX_NESTING} levels deep; the limit is ${MAX_NESTING}`;
    return fail('too-large', message, line, col);
  }

  const lineCounter = new LineCounter();
  // Duplicate keys are found by checkKeys in one pass: the parser's own check is quadratic.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  const yamlProblems: Diagnostic[] = doc.errors.map((e) => {
    const { line, col } = position(errorOffset(doc, e.code, e.pos[0]));
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

  const { problems, aliases } = checkKeys(doc, file, position);
  if (problems.length > 0) return { ok: false, diagnostics: problems };
  // Resolving each alias scans the document's anchors: keep their number small, too.
  if (aliases.length > MAX_ALIAS_COUNT) {
    const { line, col } = position(aliases[MAX_ALIAS_COUNT]?.range?.[0] ?? 0);
    const message = `refused: more than ${MAX_ALIAS_COUNT} aliases (*name) in one playbook`;
    return fail('alias-limit', message, line, col);
  }

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const { line, col } = position(aliases[0]?.range?.[0] ?? 0);
    return fail(
      'alias-limit',
      `refused: ${firstLine(String((error as Error).message))}`,
      line,
      col,
    );
  }
  const locate: PlaybookSource['locate'] = (path, part = 'value') => {
    const node = nodeAt(doc, path, part);
    return position(node?.range?.[0] ?? 0);
  };
  return { ok: true, source: { file, value, locate } };
}

function decodeText(input: string | Uint8Array): string | null {
  try {
    return typeof input === 'string'
      ? input
      : new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    return null;
  }
}

function offsetToLineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

const BLANK = /[ \t\r\n]/;

/**
 * Finds where nesting first gets deeper than MAX_NESTING, before the recursive parser sees it.
 * An estimate that errs on the deep side: indentation columns, `- `/`? ` indicators that open a
 * line, and open flow brackets (outside comments and quoted scalars) all count as levels.
 */
function findDeepNesting(text: string): number | null {
  let flow = 0;
  let unclosed = ''; // quote characters with no closing quote further on
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n' || c === '\r') {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart) {
      if (c === ' ' || ((c === '-' || c === '?') && BLANK.test(text[i + 1] ?? '\n'))) {
        if (++indent + flow > MAX_NESTING) return i;
        continue;
      }
      lineStart = false;
    }
    const previous = text[i - 1] ?? '\n';
    if (c === '#' && BLANK.test(previous)) {
      const end = text.indexOf('\n', i);
      if (end < 0) break;
      i = end - 1;
    } else if ((c === '"' || c === "'") && /[ \t\r\n[{,:]/.test(previous)) {
      const close = unclosed.includes(c) ? -1 : closingQuote(text, i);
      if (close < 0) unclosed += c;
      else i = close;
    } else if (c === '[' || c === '{') {
      if (indent + ++flow > MAX_NESTING) return i;
    } else if ((c === ']' || c === '}') && flow > 0) {
      flow--;
    }
  }
  return null;
}

function closingQuote(text: string, open: number): number {
  const quote = text[open];
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (quote === '"' && c === '\\') i++;
    else if (c === quote) {
      if (quote === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  return -1;
}

/** Where to report a parser error: an unclosed quote where it opens, not at the end of the file. */
function errorOffset(doc: Document, code: string, offset: number): number {
  if (code !== 'MISSING_CHAR') return offset;
  let opening = offset;
  visit(doc, {
    Scalar(_key, node) {
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
      if (!quoted || node.range?.[1] !== offset) return undefined;
      opening = node.range[0];
      return visit.BREAK;
    },
  });
  return opening;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/**
 * One pass in document order: forbidden and duplicate keys, and aliases inside the node they
 * refer to (an endless structure once parsed). Also collects the aliases.
 */
function checkKeys(
  doc: Document,
  file: string,
  position: (offset: number) => { line: number; col: number },
): { problems: Diagnostic[]; aliases: Node[] } {
  const problems: Diagnostic[] = [];
  const aliases: Node[] = [];
  const anchors = new Map<string, Node>(); // the latest node with each anchor, as an alias sees it
  const open = new Set<Node>(); // the collections that contain the current node
  const report = (node: unknown, path: string[], code: DiagnosticCode, message: string) =>
    problems.push({
      file,
      ...position((node as Node | null)?.range?.[0] ?? 0),
      path: path.join('.'),
      code,
      message,
    });
  /** Registers an anchor or checks an alias; returns the node a value stands for. */
  const see = (node: unknown, path: string[]): unknown => {
    if (!isAlias(node)) {
      if (isNode(node) && node.anchor) anchors.set(node.anchor, node);
      return node;
    }
    aliases.push(node);
    const target = anchors.get(node.source);
    if (target && open.has(target)) {
      const message = `refused: the alias '*${node.source}' is inside the node it refers to, which makes an endless structure`;
      report(node, path, 'alias-limit', message);
    }
    return target;
  };
  const walk = (value: unknown, path: string[]): void => {
    const node = see(value, path);
    if (node !== value) return; // an alias: its target was walked where it is defined
    if (isMap(node)) {
      open.add(node);
      const seen = new Set<string>();
      for (const pair of node.items) {
        // A key written as an alias (`*k: …`) becomes the anchored scalar's value once parsed.
        const keyNode = see(pair.key, path);
        const key = isScalar(keyNode) ? String(keyNode.value) : '';
        if (FORBIDDEN_KEYS.has(key)) {
          report(pair.key, [...path, key], 'forbidden-key', `the key '${key}' is not allowed`);
        } else if (isScalar(keyNode) && seen.has(key)) {
          const what = path.join('.') === 'steps' ? 'step id' : 'key';
          const message = `duplicate ${what} '${key}': each key may appear only once`;
          report(pair.key, [...path, key], 'duplicate-id', message);
        }
        seen.add(key);
        walk(pair.value, [...path, key]);
      }
      open.delete(node);
    } else if (isSeq(node)) {
      open.add(node);
      node.items.forEach((item, i) => walk(item, [...path, String(i)]));
      open.delete(node);
    }
  };
  walk(doc.contents, []);
  return { problems, aliases };
}

function nodeAt(
  doc: Document,
  path: readonly (string | number)[],
  part: 'key' | 'value',
): Node | null {
  let node: unknown = doc.contents;
  let best: Node | null = doc.contents;
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
