import { describe, expect, it } from 'vitest';
import {
  CERT_STIX12_PACKAGE,
  generateStix1Packages,
  OTX_PULSE_EMOTET,
  stix1Fixtures,
  STIX_111_BINDING,
} from '../../../integrations/taxii/fixtures/stix1.js';
import type { SimBlock } from '../../../integrations/taxii/taxii11/simulator-state.js';
import { SIM_API_KEY } from '../../../integrations/taxii/taxii11/simulator.js';
import { clientFor, pollAll, simulator } from './taxii11-helpers.js';

const T = (iso: string): number => Date.parse(iso);

function block(iso: string, n: number): SimBlock {
  const xml = `<stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" id="example:Package-${n}" version="1.1.1"/>`;
  return { binding: STIX_111_BINDING, content: xml, timestamp: T(iso) };
}

const WINDOWED = [
  block('2026-03-01T10:00:00Z', 1),
  block('2026-03-01T11:00:00Z', 2),
  block('2026-03-01T12:00:00Z', 3),
  block('2026-03-01T13:00:00Z', 4),
  block('2026-03-01T14:00:00Z', 5),
];

describe('TAXII 1.1 discovery and collections', () => {
  it('lists the services of the discovery service, with their addresses and protocol', async () => {
    const sim = await simulator();
    const { client } = clientFor(sim);
    const services = await client.discover('/taxii/discovery');
    expect(services.map((s) => [s.type, s.address, s.protocol])).toEqual([
      ['DISCOVERY', `${sim.url}/taxii/discovery`, 'urn:taxii.mitre.org:protocol:http:1.0'],
      [
        'COLLECTION_MANAGEMENT',
        `${sim.url}/taxii/collections`,
        'urn:taxii.mitre.org:protocol:http:1.0',
      ],
      ['POLL', `${sim.url}/taxii/poll`, 'urn:taxii.mitre.org:protocol:http:1.0'],
    ]);
    expect(
      services.every((s) => s.available && s.version === 'urn:taxii.mitre.org:services:1.1'),
    ).toBe(true);
    expect(sim.requests.map((r) => [r.message?.type, r.answer])).toEqual([
      ['Discovery_Request', 'Discovery_Response'],
    ]);
  });

  it('lists collections with description, availability, bindings and poll addresses', async () => {
    const sim = await simulator({
      collections: [
        { name: 'user_AlienVault', description: 'Subscribed pulses', blocks: WINDOWED },
        { name: 'user_archive', description: 'Old & closed', available: false },
      ],
    });
    const { client } = clientFor(sim);
    const collections = await client.collections('/taxii/collections');
    expect(collections).toEqual([
      {
        name: 'user_AlienVault',
        description: 'Subscribed pulses',
        type: 'DATA_FEED',
        available: true,
        contentBindings: [STIX_111_BINDING],
        pollAddresses: [`${sim.url}/taxii/poll`],
      },
      {
        name: 'user_archive',
        description: 'Old & closed',
        type: 'DATA_FEED',
        available: false,
        contentBindings: [],
        pollAddresses: [`${sim.url}/taxii/poll`],
      },
    ]);
  });

  it('follows a discovered poll address given as an absolute URL', async () => {
    const sim = await simulator();
    const { client } = clientFor(sim);
    const [collection] = await client.collections('/taxii/collections');
    const { blocks } = await pollAll(client, {
      path: collection!.pollAddresses[0]!,
      collection: collection!.name,
    });
    expect(blocks).toHaveLength(stix1Fixtures().length);
    expect(sim.requests.at(-1)!.path).toBe('/taxii/poll');
  });
});

describe('TAXII 1.1 poll', () => {
  it('returns the blocks of the window: begin exclusive, end inclusive', async () => {
    const sim = await simulator({ collections: [{ name: 'feed', blocks: WINDOWED }] });
    const { client } = clientFor(sim);
    const { blocks, result } = await pollAll(client, {
      path: '/taxii/poll',
      collection: 'feed',
      begin: '2026-03-01T11:00:00Z',
      end: new Date('2026-03-01T13:00:00Z'),
    });
    expect(blocks.map((b) => b.content)).toEqual([WINDOWED[2]!.content, WINDOWED[3]!.content]);
    expect(blocks.map((b) => b.timestamp?.toISOString())).toEqual([
      '2026-03-01T12:00:00.000Z',
      '2026-03-01T13:00:00.000Z',
    ]);
    expect(blocks[0]!.bindingId).toBe(STIX_111_BINDING);
    expect(result).toEqual({
      blocks: 2,
      parts: 1,
      watermark: '2026-03-01T13:00:00.000Z',
      watermarkSource: 'server',
    });
    expect(sim.requests[0]!.message).toMatchObject({
      type: 'Poll_Request',
      collection: 'feed',
      begin: '2026-03-01T11:00:00Z',
      end: '2026-03-01T13:00:00Z',
      allowAsynch: 'false',
      responseType: 'FULL',
    });
  });

  it('sends whole seconds, so a fractional watermark never skips content', async () => {
    const sim = await simulator({ collections: [{ name: 'feed', blocks: WINDOWED }] });
    const { client } = clientFor(sim);
    const { blocks } = await pollAll(client, {
      path: '/taxii/poll',
      collection: 'feed',
      begin: '2026-03-01T13:59:59.750+00:00',
    });
    expect(sim.requests[0]!.message!.begin).toBe('2026-03-01T13:59:59Z');
    expect(blocks.map((b) => b.timestamp?.toISOString())).toEqual(['2026-03-01T14:00:00.000Z']);
  });

  it('hands on each STIX package exactly as published, for STIX 1.1.1 and 1.2', async () => {
    const sim = await simulator();
    const { client } = clientFor(sim);
    const { blocks } = await pollAll(client, {
      path: '/taxii/poll',
      collection: 'user_AlienVault',
    });
    expect(blocks.map((b) => b.content)).toEqual(stix1Fixtures().map((f) => f.xml));
    expect(blocks.map((b) => b.bindingId)).toEqual(stix1Fixtures().map((f) => f.binding));
    expect(blocks.at(-1)!.content).toBe(CERT_STIX12_PACKAGE.xml);
    // The URL keeps its escaped query: the content is XML, to be parsed by the STIX reader.
    expect(blocks[0]!.content).toContain('gate.php?id=42&amp;k=x');
    // libtaxii writes microseconds and +00:00; the label is kept verbatim and read as an instant.
    expect(blocks[0]!.timestampLabel).toBe('2026-01-10T08:15:30.250000+00:00');
    expect(blocks[0]!.timestamp?.toISOString()).toBe(OTX_PULSE_EMOTET.timestamp);
  });

  it('reads escaped and CDATA content, default-namespace and other-prefix envelopes alike', async () => {
    const expected = stix1Fixtures().map((f) => f.xml);
    for (const options of [
      { content: 'escaped' as const },
      { content: 'cdata' as const },
      { prefix: '' },
      { prefix: 'taxii' },
    ]) {
      const sim = await simulator(options);
      const { client } = clientFor(sim);
      const { blocks } = await pollAll(client, {
        path: '/taxii/poll',
        collection: 'user_AlienVault',
      });
      expect(
        blocks.map((b) => b.content),
        JSON.stringify(options),
      ).toEqual(expected);
    }
  });

  it('fetches every part of a multi-part result through Poll_Fulfillment', async () => {
    const packages = generateStix1Packages(23, 7);
    const sim = await simulator({
      partSize: 5,
      collections: [
        {
          name: 'user_AlienVault',
          blocks: packages.map((p) => ({
            binding: p.binding,
            content: p.xml,
            timestamp: Date.parse(p.timestamp),
          })),
        },
      ],
    });
    const { client } = clientFor(sim);
    const seenParts: number[] = [];
    let blockCount = 0;
    const result = await client.poll({
      path: '/taxii/poll',
      collection: 'user_AlienVault',
      onBlock: async () => {
        blockCount++;
        // The next part is requested only once this block is taken.
        await new Promise((resolve) => setImmediate(resolve));
        seenParts.push(sim.requests.length);
      },
    });
    expect(result).toMatchObject({ blocks: 23, parts: 5 });
    expect(blockCount).toBe(23);
    expect(seenParts.slice(0, 5)).toEqual([1, 1, 1, 1, 1]);
    const messages = sim.requests.map((r) => r.message!);
    expect(messages.map((m) => [m.type, m.partNumber])).toEqual([
      ['Poll_Request', undefined],
      ['Poll_Fulfillment', '2'],
      ['Poll_Fulfillment', '3'],
      ['Poll_Fulfillment', '4'],
      ['Poll_Fulfillment', '5'],
    ]);
    const [resultSet] = [...sim.state.resultSets.values()];
    expect(messages.slice(1).every((m) => m.resultId === resultSet!.id)).toBe(true);
    expect(messages.slice(1).every((m) => m.collection === 'user_AlienVault')).toBe(true);
    expect(resultSet!.served).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(messages.map((m) => m.messageId)).size).toBe(5);
  });

  it('delivers the blocks of all parts in order', async () => {
    const packages = generateStix1Packages(12, 3);
    const sim = await simulator({
      partSize: 4,
      collections: [
        {
          name: 'feed',
          blocks: packages.map((p) => ({
            binding: p.binding,
            content: p.xml,
            timestamp: Date.parse(p.timestamp),
          })),
        },
      ],
    });
    const { client } = clientFor(sim);
    const { blocks } = await pollAll(client, { path: '/taxii/poll', collection: 'feed' });
    expect(blocks.map((b) => b.content)).toEqual(packages.map((p) => p.xml));
  });
});

describe('TAXII 1.1 watermark', () => {
  it('is the server end timestamp written with +00:00 and microseconds', async () => {
    const sim = await simulator({
      timestamps: '+00:00',
      now: () => T('2026-03-02T00:00:00.123Z'),
      collections: [{ name: 'feed', blocks: WINDOWED }],
    });
    const { client } = clientFor(sim);
    const { result } = await pollAll(client, { path: '/taxii/poll', collection: 'feed' });
    expect(result.watermark).toBe('2026-03-02T00:00:00.123Z');
    expect(result.watermarkSource).toBe('server');
  });

  it('is the server end timestamp written with Z', async () => {
    const sim = await simulator({
      timestamps: 'Z',
      collections: [{ name: 'feed', blocks: WINDOWED }],
    });
    const { client } = clientFor(sim);
    const { result } = await pollAll(client, {
      path: '/taxii/poll',
      collection: 'feed',
      end: '2026-03-01T12:30:00Z',
    });
    expect(result).toMatchObject({ blocks: 3, watermark: '2026-03-01T12:30:00.000Z' });
  });

  it('is the end sent when the server omits its end timestamp', async () => {
    const sim = await simulator({
      omitEndTimestamp: true,
      collections: [{ name: 'feed', blocks: WINDOWED }],
    });
    const { client } = clientFor(sim);
    const { result } = await pollAll(client, {
      path: '/taxii/poll',
      collection: 'feed',
      begin: '2026-03-01T10:00:00Z',
      end: '2026-03-01T12:30:00+00:00',
    });
    expect(result).toEqual({
      blocks: 2,
      parts: 1,
      watermark: '2026-03-01T12:30:00.000Z',
      watermarkSource: 'end',
    });
  });

  it('is the newest Timestamp_Label when neither side gave an end', async () => {
    const sim = await simulator({
      omitEndTimestamp: true,
      partSize: 2,
      collections: [{ name: 'feed', blocks: WINDOWED }],
    });
    const { client } = clientFor(sim);
    const { result } = await pollAll(client, { path: '/taxii/poll', collection: 'feed' });
    expect(result).toEqual({
      blocks: 5,
      parts: 3,
      watermark: '2026-03-01T14:00:00.000Z',
      watermarkSource: 'timestamp-label',
    });
  });

  it('stays at begin when nothing came back and nothing says where the window ended', async () => {
    const sim = await simulator({ omitEndTimestamp: true });
    const { client } = clientFor(sim);
    const { result } = await pollAll(client, {
      path: '/taxii/poll',
      collection: 'user_nobody',
      begin: '2026-04-01T00:00:00Z',
    });
    expect(result).toEqual({
      blocks: 0,
      parts: 1,
      watermark: '2026-04-01T00:00:00.000Z',
      watermarkSource: 'begin',
    });
  });
});

describe('TAXII 1.1 request headers', () => {
  it('sends exactly the binding headers, with Basic auth that the request log leaves out', async () => {
    const sim = await simulator();
    const { client } = clientFor(sim);
    await client.discover('/taxii/discovery');
    await client.collections('/taxii/collections');
    await pollAll(client, { path: '/taxii/poll', collection: 'user_AlienVault' });
    expect(sim.requests).toHaveLength(3);
    for (const request of sim.requests) {
      const taxii = Object.fromEntries(
        Object.entries(request.headers).filter(([name]) => name.startsWith('x-taxii-')),
      );
      expect(taxii).toEqual({
        'x-taxii-content-type': 'urn:taxii.mitre.org:message:xml:1.1',
        'x-taxii-accept': 'urn:taxii.mitre.org:message:xml:1.1',
        'x-taxii-services': 'urn:taxii.mitre.org:services:1.1',
        'x-taxii-protocol': 'urn:taxii.mitre.org:protocol:http:1.0',
      });
      expect(request.headers['content-type']).toBe('application/xml');
      expect(request.method).toBe('POST');
      expect(request.headers.authorization).toBeUndefined();
      expect(request.user).toBe(SIM_API_KEY);
    }
  });

  it('names the https protocol binding for an https server', async () => {
    const seen: Record<string, string>[] = [];
    const { Taxii11Client } = await import('../../../integrations/taxii/taxii11/client.js');
    const client = new Taxii11Client({
      url: 'https://otx.example.com',
      username: 'key',
      http: {
        request: <T>(req: { headers?: Record<string, string> }) => {
          seen.push(req.headers ?? {});
          const xml =
            '<taxii_11:Discovery_Response xmlns:taxii_11="http://taxii.mitre.org/messages/taxii_xml_binding-1.1" message_id="1" in_response_to="x"/>';
          return Promise.resolve({
            status: 200,
            headers: {},
            body: xml as T,
            text: xml,
            durationMs: 1,
            cookies: [],
          });
        },
      },
    });
    expect(await client.discover('/taxii/discovery')).toEqual([]);
    await client.discover('http://otx.example.com/taxii/discovery');
    expect(seen.map((h) => h['X-TAXII-Protocol'])).toEqual([
      'urn:taxii.mitre.org:protocol:https:1.0',
      'urn:taxii.mitre.org:protocol:http:1.0',
    ]);
    expect(seen[0]!.Authorization).toBe(`Basic ${Buffer.from('key:').toString('base64')}`);
  });

  it('builds messages the simulator parses on its own, with a fresh message_id each', async () => {
    const sim = await simulator();
    const { client } = clientFor(sim);
    await client.discover('/taxii/discovery');
    await client.discover('/taxii/discovery');
    const [first, second] = sim.requests.map((r) => r.message!.messageId);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(first).not.toBe(second);
  });
});
