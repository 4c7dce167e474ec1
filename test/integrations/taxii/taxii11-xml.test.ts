import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CERT_STIX12_PACKAGE,
  generateStix1Packages,
  OTX_PULSE_EMOTET,
  stix1Fixtures,
} from '../../../integrations/taxii/fixtures/stix1.js';
import { parseTimestamp, formatTimestamp } from '../../../integrations/taxii/taxii11/timestamps.js';
import {
  attribute,
  child,
  childText,
  collectionInformationRequest,
  discoveryRequest,
  parseXml,
  pollFulfillmentRequest,
  pollRequest,
  TAXII_11_NAMESPACE,
} from '../../../integrations/taxii/taxii11/xml.js';
import { clientFor, failure, pollAll, simulator } from './taxii11-helpers.js';

const NS = TAXII_11_NAMESPACE;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function refusal(text: string): { code: string; message: string } | undefined {
  try {
    parseXml(text, 'test document');
    return undefined;
  } catch (error) {
    return { code: (error as { code: string }).code, message: (error as Error).message };
  }
}

/** A file whose access time is set in the past, so that reading it would move the time. */
function secretFile(content: string): { path: string; accessed: () => boolean } {
  const dir = mkdtempSync(join(tmpdir(), 'taxii11-xxe-'));
  dirs.push(dir);
  const path = join(dir, 'secret.txt');
  writeFileSync(path, content);
  const past = new Date(Date.now() - 3_600_000);
  utimesSync(path, past, new Date());
  // Sub-millisecond rounding of the stored time is not an access.
  return { path, accessed: () => Math.abs(statSync(path).atimeMs - past.getTime()) > 1 };
}

describe('TAXII 1.1 XML: DTDs are refused', () => {
  it('refuses an external entity in a response and reads no file', async () => {
    const marker = 'root:x:0:0:SECRET-MARKER-7f3a';
    const secret = secretFile(marker);
    const xxe =
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<!DOCTYPE taxii_11:Poll_Response [ <!ENTITY xxe SYSTEM "file://${secret.path}"> ]>\n` +
      `<taxii_11:Poll_Response xmlns:taxii_11="${NS}" message_id="1" in_response_to="2" collection_name="c" more="false">` +
      '<taxii_11:Message>&xxe;</taxii_11:Message></taxii_11:Poll_Response>';
    const sim = await simulator();
    sim.inject({ path: '/taxii/poll', status: 200, body: xxe });
    const { client, calls } = clientFor(sim);
    const error = await failure(pollAll(client, { path: '/taxii/poll', collection: 'c' }));
    expect(error).toMatchObject({ code: 'XML_DTD_REFUSED', retryable: false });
    expect(error.message).toContain('<!DOCTYPE> declaration');
    expect(JSON.stringify({ error: error.message, calls })).not.toContain('SECRET-MARKER');
    expect(secret.accessed()).toBe(false);
    // Control: reading the file does move its access time (a noatime mount would fail here).
    readFileSync(secret.path);
    expect(secret.accessed()).toBe(true);
  });

  it('refuses a billion-laughs document at once', async () => {
    const lols = Array.from(
      { length: 9 },
      (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`,
    ).join('');
    const bomb =
      `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">${lols}]>` +
      `<taxii_11:Discovery_Response xmlns:taxii_11="${NS}" message_id="1" in_response_to="2">&lol9;</taxii_11:Discovery_Response>`;
    const sim = await simulator();
    sim.inject({ path: '/taxii/discovery', status: 200, body: bomb });
    const started = performance.now();
    const error = await failure(clientFor(sim).client.discover('/taxii/discovery'));
    expect(error).toMatchObject({ code: 'XML_DTD_REFUSED', retryable: false });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('refuses a DTD in an escaped STIX package, and in an error body', async () => {
    const escaped =
      '&lt;!DOCTYPE stix [ &lt;!ENTITY x SYSTEM "file:///etc/passwd"&gt; ]&gt;&lt;stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1"&gt;&amp;x;&lt;/stix:STIX_Package&gt;';
    const sim = await simulator();
    sim.inject({
      path: '/taxii/poll',
      status: 200,
      body:
        `<taxii_11:Poll_Response xmlns:taxii_11="${NS}" message_id="1" in_response_to="2" collection_name="c" more="false">` +
        `<taxii_11:Content_Block><taxii_11:Content_Binding binding_id="urn:stix.mitre.org:xml:1.1.1"/><taxii_11:Content>${escaped}</taxii_11:Content></taxii_11:Content_Block>` +
        '</taxii_11:Poll_Response>',
    });
    sim.inject({
      path: '/taxii/discovery',
      status: 400,
      body: '<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd"><x/>',
    });
    const { client } = clientFor(sim);
    const inContent = await failure(pollAll(client, { path: '/taxii/poll', collection: 'c' }));
    expect(inContent.code).toBe('XML_DTD_REFUSED');
    expect(inContent.message).toContain('the escaped content');
    expect((await failure(client.discover('/taxii/discovery'))).code).toBe('XML_DTD_REFUSED');
  });

  it('finds declarations however they are written, but not in text that only mentions them', () => {
    for (const text of [
      '<!doctype a><a/>',
      '<!-- c --><!DOCTYPE a><a/>',
      '<?pi <!-- ?><!DOCTYPE a>--><a/>',
      '<a x="1"><!ENTITY e "x"></a>',
      '<a x=">"/><!ELEMENT a ANY>',
    ]) {
      expect(refusal(text)?.code, text).toBe('XML_DTD_REFUSED');
    }
    for (const text of [
      '<a><![CDATA[<!DOCTYPE html><html></html>]]></a>',
      '<a><!-- <!DOCTYPE a> --></a>',
      '<a title="&lt;!DOCTYPE a&gt;">&lt;!DOCTYPE html&gt;</a>',
    ]) {
      expect(refusal(text), text).toBeUndefined();
    }
  });
});

describe('TAXII 1.1 XML: well-formedness', () => {
  it('refuses malformed XML with XML_MALFORMED, retryable only when it stops early', () => {
    expect(refusal('<a><b></a></b>')).toMatchObject({ code: 'XML_MALFORMED' });
    expect(refusal('<a/><b/>')?.message).toContain('exactly one root element');
    expect(refusal('<a>&nbsp;</a>')?.message).toContain("invalid entity reference '&nbsp;'");
    expect(refusal('<a>&#0;</a>')?.code).toBe('XML_MALFORMED');
    const retryable = (text: string): boolean | undefined => {
      try {
        parseXml(text, 'x');
      } catch (error) {
        return (error as { retryable: boolean }).retryable;
      }
      return undefined;
    };
    expect(retryable('<a><b>cut he')).toBe(true);
    expect(retryable('<a><b>x</b>')).toBe(true);
    expect(retryable('<a><b></a></b>')).toBe(false);
    expect(retryable('not xml at all')).toBe(false);
  });

  it('matches local names whatever the prefix, and decodes entities and character references', () => {
    const prefixed = parseXml(
      `<t:Status_Message xmlns:t="${NS}" t:status_type="FAILURE"><t:Message>a &amp; b &#x41;&#66; &lt;c&gt;</t:Message></t:Status_Message>`,
      'x',
    );
    const unprefixed = parseXml(
      `<Status_Message xmlns="${NS}" status_type="FAILURE"><Message><![CDATA[a & b AB <c>]]></Message></Status_Message>`,
      'x',
    );
    for (const root of [prefixed, unprefixed]) {
      expect(root.name).toBe('Status_Message');
      expect(attribute(root, 'status_type')).toBe('FAILURE');
      expect(childText(root, 'Message')).toBe('a & b AB <c>');
      expect(root.namespaces.get(root === prefixed ? 't' : '')).toBe(NS);
    }
  });
});

describe('TAXII 1.1 request messages', () => {
  it('carry the 1.1 namespace and a fresh message_id each', () => {
    const messages = [discoveryRequest(), discoveryRequest(), collectionInformationRequest()];
    expect(new Set(messages.map((m) => m.messageId)).size).toBe(3);
    for (const message of messages) {
      const root = parseXml(message.xml, 'request');
      expect(root.name).toBe(message.type);
      expect([...root.namespaces.values()]).toEqual([NS]);
      expect(attribute(root, 'message_id')).toBe(message.messageId);
    }
  });

  it('write the poll window in whole seconds with Z, and escape the collection name', () => {
    const message = pollRequest({
      collection: `a&b<c>"d'e`,
      begin: new Date('2026-01-01T00:00:00.999Z'),
      end: new Date('2026-01-02T12:34:56Z'),
    });
    const root = parseXml(message.xml, 'request');
    expect(attribute(root, 'collection_name')).toBe(`a&b<c>"d'e`);
    expect(childText(root, 'Exclusive_Begin_Timestamp')).toBe('2026-01-01T00:00:00Z');
    expect(childText(root, 'Inclusive_End_Timestamp')).toBe('2026-01-02T12:34:56Z');
    const parameters = child(root, 'Poll_Parameters')!;
    expect(attribute(parameters, 'allow_asynch')).toBe('false');
    expect(childText(parameters, 'Response_Type')).toBe('FULL');
    expect(pollRequest({ collection: 'c' }).xml).not.toContain('Timestamp');
  });

  it('ask for a result part by result_id and part number', () => {
    const root = parseXml(
      pollFulfillmentRequest({ collection: 'user_AlienVault', resultId: 'r-1', partNumber: 3 }).xml,
      'request',
    );
    expect(root.name).toBe('Poll_Fulfillment');
    expect([...root.attributes.keys()].filter((name) => !name.startsWith('xmlns'))).toEqual([
      'message_id',
      'collection_name',
      'result_id',
      'result_part_number',
    ]);
    expect(attribute(root, 'result_part_number')).toBe('3');
  });
});

describe('TAXII 1.1 timestamps', () => {
  it('reads Z, +00:00, other offsets and fractional seconds as instants', () => {
    const at = Date.parse('2021-10-20T06:43:08.840Z');
    expect(parseTimestamp('2021-10-20T06:43:08.840864+00:00')).toBe(at);
    expect(parseTimestamp('2021-10-20T06:43:08.84Z')).toBe(at);
    expect(parseTimestamp('2021-10-20T08:43:08.840+02:00')).toBe(at);
    expect(parseTimestamp('2021-10-20T01:43:08.840-0500')).toBe(at);
    expect(parseTimestamp('2021-10-20T06:43:08')).toBe(Date.parse('2021-10-20T06:43:08Z'));
    expect(parseTimestamp('2021-02-30T00:00:00Z')).toBeUndefined();
    expect(parseTimestamp('yesterday')).toBeUndefined();
    expect(formatTimestamp(new Date(at))).toBe('2021-10-20T06:43:08Z');
  });

  it('refuses a poll window that is not one', async () => {
    const sim = await simulator();
    const { client } = clientFor(sim);
    const base = { path: '/taxii/poll', collection: 'c' };
    expect(await failure(pollAll(client, { ...base, begin: 'last week' }))).toMatchObject({
      code: 'TAXII_INVALID_REQUEST',
    });
    expect(
      await failure(
        pollAll(client, { ...base, begin: '2026-02-01T00:00:00Z', end: '2026-01-01T00:00:00Z' }),
      ),
    ).toMatchObject({ code: 'TAXII_INVALID_REQUEST' });
    expect(sim.requests).toHaveLength(0);
  });
});

describe('TAXII 1.1 content', () => {
  it('adds the namespace declarations a package takes from the envelope', async () => {
    const sim = await simulator();
    sim.inject({
      path: '/taxii/poll',
      status: 200,
      body:
        `<taxii_11:Poll_Response xmlns:taxii_11="${NS}" xmlns:stix="http://stix.mitre.org/stix-1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:unused="urn:x" message_id="1" in_response_to="2" collection_name="c" more="false">` +
        '<taxii_11:Content_Block><taxii_11:Content_Binding binding_id="urn:stix.mitre.org:xml:1.1.1"/>' +
        '<taxii_11:Content>\n  <stix:STIX_Package id="x:Package-1" version="1.1.1"><stix:Indicators><stix:Indicator xsi:type="indicator:IndicatorType"/></stix:Indicators></stix:STIX_Package>\n</taxii_11:Content>' +
        '</taxii_11:Content_Block></taxii_11:Poll_Response>',
    });
    const { blocks } = await pollAll(clientFor(sim).client, {
      path: '/taxii/poll',
      collection: 'c',
    });
    expect(blocks[0]!.content).toBe(
      '<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="x:Package-1" version="1.1.1"><stix:Indicators><stix:Indicator xsi:type="indicator:IndicatorType"/></stix:Indicators></stix:STIX_Package>',
    );
    expect(blocks[0]!.timestampLabel).toBeUndefined();
  });
});

describe('STIX 1.x fixtures', () => {
  it('are well-formed packages with the observables they promise', () => {
    for (const fixture of stix1Fixtures()) {
      const root = parseXml(fixture.xml, fixture.id);
      expect(root.name).toBe('STIX_Package');
      expect(attribute(root, 'id')).toBe(fixture.id);
    }
    const emotet = OTX_PULSE_EMOTET.xml;
    expect(emotet).toContain('color="AMBER"');
    expect(emotet).toContain('192.0.2.10##comma##192.0.2.11##comma##192.0.2.12');
    expect(emotet).toContain('idref="AlienVault:Observable-0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f"');
    expect(emotet).toContain('category="cidr"');
    expect(emotet).toContain('category="ipv6-addr"');
    expect(emotet).toContain('xsi:type="MutexObj:MutexObjectType"');
    expect(emotet).toContain('gate.php?id=42&amp;k=x');
    expect(attribute(parseXml(CERT_STIX12_PACKAGE.xml, 'x'), 'version')).toBe('1.2');
  });

  it('are generated deterministically for large polls', () => {
    const first = generateStix1Packages(50, 42);
    expect(generateStix1Packages(50, 42)).toEqual(first);
    expect(generateStix1Packages(50, 43).map((p) => p.xml)).not.toEqual(first.map((p) => p.xml));
    expect(new Set(first.map((p) => p.id)).size).toBe(50);
    expect(first[1]!.timestamp).toBe('2026-02-01T00:01:00.000Z');
    for (const generated of first) {
      const root = parseXml(generated.xml, generated.id);
      expect(root.children.find((c) => c.name === 'Indicators')!.children.length).toBe(
        generated.iocs.length,
      );
    }
  });
});
