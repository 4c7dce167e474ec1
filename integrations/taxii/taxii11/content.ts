/*
 * The payload of a Content_Block as a document of its own. Servers send it three ways: as
 * markup inside `Content` (OTX, most libtaxii servers), as escaped text, or in a CDATA
 * section. Inline markup is returned exactly as written, plus the namespace declarations it
 * relies on from the TAXII envelope (a package may use a `stix:` prefix declared on the
 * Poll_Response), so the text parses on its own. Escaped text is a document in its own
 * right and gets the same DTD refusal as the envelope.
 */
import { endOfTag, refuseDtd } from './dtd-guard.js';
import { escapeXml } from './escape.js';
import { decodeEntities, type XmlElement } from './xml.js';

const CDATA = /<!\[CDATA\[([\s\S]*?)\]\]>/g;
const LEADING_MISC = /^(?:\s+|<!--[\s\S]*?-->|<\?[\s\S]*?\?>)*/;
const START_TAG_NAME = /^<([A-Za-z_][\w.-]*)(?::([A-Za-z_][\w.-]*))?/;

/** The payload of a `Content` element as text. */
export function contentText(content: XmlElement, context: string): string {
  const raw = (content.raw ?? '').trim();
  if (raw.startsWith('<') && !raw.startsWith('<![CDATA[')) {
    return withNamespaces(raw, content.namespaces);
  }
  const text = unescapeContent(raw, context).trim();
  refuseDtd(text, `${context}: the escaped content`);
  return text;
}

/** CDATA sections verbatim, the text between them with entities decoded. */
function unescapeContent(raw: string, context: string): string {
  let text = '';
  let at = 0;
  for (const match of raw.matchAll(CDATA)) {
    text += decodeEntities(raw.slice(at, match.index), context) + (match[1] ?? '');
    at = match.index + match[0].length;
  }
  return text + decodeEntities(raw.slice(at), context);
}

/** Adds to the first start tag the in-scope declarations the markup uses but does not declare. */
function withNamespaces(markup: string, inScope: ReadonlyMap<string, string>): string {
  const tagStart = LEADING_MISC.exec(markup)?.[0].length ?? 0;
  const name = START_TAG_NAME.exec(markup.slice(tagStart));
  if (name === null || inScope.size === 0) return markup;
  const tagEnd = endOfTag(markup, tagStart + 1);
  const startTag = markup.slice(tagStart, tagEnd);
  const declared = new Set(
    [...startTag.matchAll(/\sxmlns(?::([\w.-]+))?\s*=/g)].map((match) => match[1] ?? ''),
  );
  const rootIsUnprefixed = name[2] === undefined;
  const missing = [...inScope].filter(([prefix]) => {
    if (declared.has(prefix)) return false;
    if (prefix === '') return rootIsUnprefixed;
    return new RegExp(`[<\\s"'/=]${prefix.replace(/[.]/g, '\\.')}:`).test(markup);
  });
  if (missing.length === 0) return markup;
  const declarations = missing
    .map(([prefix, uri]) => ` ${prefix === '' ? 'xmlns' : `xmlns:${prefix}`}="${escapeXml(uri)}"`)
    .join('');
  const insertAt = tagStart + name[0].length;
  return markup.slice(0, insertAt) + declarations + markup.slice(insertAt);
}
