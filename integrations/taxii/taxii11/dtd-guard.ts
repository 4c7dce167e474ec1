/*
 * TAXII never needs a DTD, and a DTD is how XML documents read local files (external
 * entities) or expand a few bytes into gigabytes (nested entities). A document that declares
 * one is refused before any parser sees it. The scan walks the markup the way a parser
 * tokenises it (comments, CDATA, processing instructions, quoted attribute values), so the
 * words "<!DOCTYPE" inside a CDATA section or an attribute are text, not a declaration, and a
 * declaration cannot hide behind a comment opener placed inside an attribute.
 */
import { TaxiiError } from './errors.js';

/** Throws XML_DTD_REFUSED when `text` holds a markup declaration (DOCTYPE, ENTITY, ...). */
export function refuseDtd(text: string, context: string): void {
  const declaration = findDeclaration(text);
  if (declaration === undefined) return;
  throw new TaxiiError(
    `${context}: refused an XML document with ${declaration === '' ? 'a markup declaration' : `a <!${declaration}> declaration`} ` +
      '(a DTD can read local files or expand entities without bound, and TAXII never needs one)',
    { code: 'XML_DTD_REFUSED', retryable: false },
  );
}

/** The keyword ('' for none) of the first markup declaration outside comments and CDATA. */
function findDeclaration(text: string): string | undefined {
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf('<', at);
    if (open < 0) return undefined;
    if (text.startsWith('<!--', open)) {
      at = endOf(text, '-->', open + 4);
    } else if (text.startsWith('<![CDATA[', open)) {
      at = endOf(text, ']]>', open + 9);
    } else if (text.startsWith('<!', open)) {
      return (/^[A-Za-z]+/.exec(text.slice(open + 2, open + 12))?.[0] ?? '').toUpperCase();
    } else if (text.startsWith('<?', open)) {
      at = endOf(text, '?>', open + 2);
    } else {
      at = endOfTag(text, open + 1);
    }
  }
  return undefined;
}

function endOf(text: string, terminator: string, from: number): number {
  const end = text.indexOf(terminator, from);
  return end < 0 ? text.length : end + terminator.length;
}

/** Past the `>` closing a start or end tag, skipping `>` inside quoted attribute values. */
export function endOfTag(text: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < text.length; i++) {
    const char = text[i];
    if (quote !== null) {
      if (char === quote) quote = null;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '>') {
      return i + 1;
    }
  }
  return text.length;
}
