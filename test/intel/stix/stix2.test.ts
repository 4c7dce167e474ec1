import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractStix2 } from '../../../src/intel/stix/index.js';
import type { Tlp } from '../../../src/intel/model.js';

function fixtureObjects(name: string): unknown[] {
  const text = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
  return (JSON.parse(text) as { objects: unknown[] }).objects;
}

const indicator = (pattern: string, extra: Record<string, unknown> = {}) => ({
  type: 'indicator',
  spec_version: '2.1',
  id: 'indicator--00000000-0000-4000-8000-000000000001',
  pattern,
  pattern_type: 'stix',
  valid_from: '2026-01-01T00:00:00Z',
  ...extra,
});

describe('extractStix2: a bundle from a producer', () => {
  const extraction = extractStix2(fixtureObjects('stix21-bundle.json'));

  it('counts every object, whatever its type', () => {
    expect(extraction.objects).toBe(19);
  });

  it('gives an indicator its facts: id, confidence, validity, name, types and labels, TLP', () => {
    expect(extraction.indicators[0]).toEqual({
      type: 'ip',
      value: '198.51.100.7',
      facts: {
        stix_id: 'indicator--a932fcc6-e032-476c-826f-cb970a5a1ade',
        confidence: 80,
        tlp: 'amber',
        valid_from: '2026-01-10T09:00:00Z',
        valid_until: '2026-04-10T09:00:00Z',
        title: 'C2 server of a loader campaign',
        labels: ['malicious-activity', 'loader', 'c2'],
      },
    });
  });

  it('reads TLP from a marking definition in the batch, ignoring markings that are not TLP', () => {
    const ranges = extraction.indicators.filter(
      (ioc) => ioc.facts.stix_id === 'indicator--0d0f3a62-6c3b-4e59-8c55-5ad3b8c34b1e',
    );
    expect(ranges.map(({ type, value, facts }) => [type, value, facts.tlp])).toEqual([
      ['cidr', '203.0.113.0/24', 'green'],
      ['cidr', '2001:db8:bad::/48', 'green'],
    ]);
  });

  it('keeps the strictest of several TLP markings (TLP 1.0 GREEN and TLP 2.0 AMBER+STRICT)', () => {
    const phishing = extraction.indicators.filter(
      (ioc) => ioc.facts.stix_id === 'indicator--6f7d1c4e-2b3a-4f5e-8d9c-0a1b2c3d4e5f',
    );
    expect(phishing.map(({ type, value }) => [type, value])).toEqual([
      ['url', 'http://login.example.net/owa/?user=a&next=%2F'],
      ['domain', 'login.example.net'],
      ['email', 'billing@example.org'],
    ]);
    expect(phishing.every((ioc) => ioc.facts.tlp === 'amber+strict')).toBe(true);
    expect(phishing[0]?.facts.labels).toEqual(['malicious-activity', 'anomalous-activity']);
  });

  it('takes both hashes of one file from an AND of hashes', () => {
    expect(
      extraction.indicators
        .filter((ioc) => ioc.facts.title === 'Dropper sample')
        .map(({ type, value, facts }) => [type, value, facts.tlp]),
    ).toEqual([
      ['md5', '900150983cd24fb0d6963f7d28e17f72', 'red'],
      ['sha256', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'red'],
    ]);
  });

  it('takes values straight from SCOs, with their id and TLP', () => {
    const fromScos = extraction.indicators.filter(
      (ioc) => !ioc.facts.stix_id?.startsWith('indicator--'),
    );
    expect(fromScos).toEqual([
      {
        type: 'ip',
        value: '192.0.2.10',
        facts: { stix_id: 'ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd', tlp: 'clear' },
      },
      {
        type: 'ip',
        value: '2001:db8::1',
        facts: { stix_id: 'ipv6-addr--1e61d36c-a16c-53b7-a80f-2a00161c96b1' },
      },
      {
        type: 'domain',
        value: 'cdn.example.org',
        facts: { stix_id: 'domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5' },
      },
      {
        type: 'url',
        value: 'https://cdn.example.org/payload.bin',
        facts: { stix_id: 'url--c1477287-23ac-5971-a010-5c287877fa60' },
      },
      {
        type: 'email',
        value: 'ops@example.com',
        facts: { stix_id: 'email-addr--2d77a846-6264-5d51-b586-e43822ea1ea3' },
      },
      {
        type: 'sha1',
        value: 'a9993e364706816aba3e25717850c26c9cd0d89d',
        facts: { stix_id: 'file--5a27d487-c542-5f97-a131-a8866b477b46', tlp: 'amber' },
      },
    ]);
  });

  it('reports every indicator and SCO it could not use, with the reason', () => {
    expect(extraction.unsupported).toEqual([
      {
        stix_id: 'indicator--7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d',
        what: "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_port = 443] REPEATS 5 TIMES WITHIN 600 SECONDS",
        reason:
          'not reducible to plain IOCs: qualifier WITHIN 600 SECONDS; qualifier REPEATS 5 TIMES; AND between comparisons (network-traffic:dst_ref.type, network-traffic:dst_port)',
      },
      {
        stix_id: 'indicator--8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e',
        what: 'rule loader { strings: $a = "xyz" condition: $a }',
        reason: 'pattern_type "yara" is not a STIX pattern',
      },
      {
        stix_id: 'indicator--9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f',
        what: "[domain-name:value = 'broken.example.com'",
        reason:
          'invalid STIX pattern at line 1, column 42: Expected "AND", "OR", or "]" but end of input found.',
      },
      {
        stix_id: 'file--6b38e598-d653-5fa8-b242-b9977c588c57',
        what: 'file',
        reason: 'file has no MD5, SHA-1 or SHA-256 hash',
      },
    ]);
  });

  it('neither extracts nor reports identities, malware, relationships, reports or markings', () => {
    const mentioned = [
      ...extraction.indicators.map((ioc) => ioc.facts.stix_id),
      ...extraction.unsupported.map((entry) => entry.stix_id),
    ];
    for (const type of ['identity', 'malware', 'relationship', 'report', 'marking-definition']) {
      expect(mentioned.filter((id) => id?.startsWith(`${type}--`))).toEqual([]);
    }
    expect(extraction.indicators).toHaveLength(14);
    expect(extraction.unsupported).toHaveLength(4);
  });
});

describe('extractStix2: a TAXII 2.1 objects page', () => {
  const extraction = extractStix2(fixtureObjects('taxii21-objects-page.json'));

  it('reads an IN set once per value and a TLP 2.0 marking definition from the page', () => {
    expect(extraction.indicators.slice(0, 2)).toEqual(
      ['a.example.com', 'b.example.com'].map((value) => ({
        type: 'domain',
        value,
        facts: {
          stix_id: 'indicator--2b4d6f8a-0c1e-4a3b-9d5f-7a9b1c3d5e7f',
          confidence: 60,
          tlp: 'amber+strict',
          valid_from: '2026-02-01T10:00:00Z',
          title: 'Sinkholed domains',
          labels: ['malicious-activity'],
        },
      })),
    );
  });

  it('reads a STIX 2.0 indicator, which has no pattern_type, as a STIX pattern', () => {
    expect(extraction.indicators[2]).toEqual({
      type: 'sha256',
      value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      facts: {
        stix_id: 'indicator--3c5e7a9b-1d2f-4b4c-8e6a-8b0c2d4e6f8a',
        valid_from: '2017-06-01T00:00:00Z',
        labels: ['malicious-activity'],
      },
    });
  });

  it('reports revoked indicators, indicators without a pattern, and non-STIX pattern types', () => {
    expect(extraction.unsupported).toEqual([
      {
        stix_id: 'indicator--4d6f8b0c-2e3a-4c5d-9f7b-9c1d3e5f7a9b',
        what: "[ipv4-addr:value = '192.0.2.99']",
        reason: 'indicator is revoked',
      },
      {
        stix_id: 'indicator--5e7a9c1d-3f4b-4d6e-8a8c-0d2e4f6a8b0c',
        what: 'indicator',
        reason: 'indicator has no pattern',
      },
      {
        stix_id: 'indicator--6f8b0d2e-4a5c-4e7f-9b9d-1e3f5a7b9c1d',
        what: 'alert tcp any any -> 192.0.2.0/24 443 (msg:"beacon"; sid:1000001;)',
        reason: 'pattern_type "snort" is not a STIX pattern',
      },
    ]);
    expect(extraction.objects).toBe(6);
  });
});

describe('extractStix2: TLP marking definitions', () => {
  it.each<[string, Tlp]>([
    ['marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9', 'clear'],
    ['marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da', 'green'],
    ['marking-definition--f88d31f6-486f-44da-b317-01333bde0b82', 'amber'],
    ['marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed', 'red'],
    ['marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487', 'clear'],
    ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb', 'green'],
    ['marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421', 'amber'],
    ['marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003', 'amber+strict'],
    ['marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1', 'red'],
  ])('resolves the fixed id %s without its definition in the batch', (ref, tlp) => {
    const { indicators } = extractStix2([
      indicator("[domain-name:value = 'a.example']", { object_marking_refs: [ref] }),
    ]);
    expect(indicators[0]?.facts.tlp).toBe(tlp);
  });

  it('reads definition.tlp of a batch marking, TLP:WHITE included, and leaves unknown refs unmarked', () => {
    const { indicators } = extractStix2([
      indicator("[domain-name:value = 'a.example']", {
        object_marking_refs: ['marking-definition--aaaaaaaa-0000-4000-8000-000000000001'],
      }),
      {
        type: 'marking-definition',
        id: 'marking-definition--aaaaaaaa-0000-4000-8000-000000000001',
        definition_type: 'tlp',
        definition: { tlp: 'white' },
      },
      indicator("[domain-name:value = 'b.example']", {
        object_marking_refs: ['marking-definition--bbbbbbbb-0000-4000-8000-000000000002'],
      }),
    ]);
    expect(indicators.map((ioc) => ioc.facts.tlp)).toEqual(['clear', undefined]);
  });
});

describe('extractStix2: malformed input', () => {
  it('reports entries that are not objects, by what they are', () => {
    const extraction = extractStix2(['indicator', null, [1], 7]);
    expect(extraction).toEqual({
      indicators: [],
      unsupported: ['string', 'null', 'array', 'number'].map((what) => ({
        what,
        reason: 'a STIX object must be a JSON object',
      })),
      objects: 4,
    });
  });

  it('reports an object without a type', () => {
    expect(
      extractStix2([{ id: 'indicator--x', pattern: "[url:value = 'a']" }]).unsupported,
    ).toEqual([{ stix_id: 'indicator--x', what: 'object', reason: 'STIX object has no type' }]);
  });

  it('reports SCOs without a usable value', () => {
    const extraction = extractStix2([
      { type: 'ipv4-addr', id: 'ipv4-addr--1' },
      { type: 'ipv4-addr', id: 'ipv4-addr--2', value: 'not-an-address' },
      { type: 'domain-name', id: 'domain-name--3', value: '' },
      { type: 'file', id: 'file--4', hashes: { MD5: 'short' } },
    ]);
    expect(extraction.indicators).toEqual([]);
    expect(extraction.unsupported).toEqual([
      { stix_id: 'ipv4-addr--1', what: 'ipv4-addr', reason: 'ipv4-addr has no value' },
      {
        stix_id: 'ipv4-addr--2',
        what: 'ipv4-addr',
        reason: "'not-an-address' is not an IPv4 address",
      },
      { stix_id: 'domain-name--3', what: 'domain-name', reason: 'empty domain' },
      {
        stix_id: 'file--4',
        what: 'file',
        reason: "'short' is not a valid MD5 hash (32 hex digits)",
      },
    ]);
  });

  it('leaves out a confidence outside 0–100 rather than passing it on', () => {
    const { indicators } = extractStix2([
      indicator("[domain-name:value = 'a.example']", { confidence: 150 }),
      indicator("[domain-name:value = 'b.example']", { confidence: '90' }),
      indicator("[domain-name:value = 'c.example']", { confidence: 0 }),
    ]);
    expect(indicators.map((ioc) => ioc.facts.confidence)).toEqual([undefined, undefined, 0]);
  });

  it('gives each IOC of one indicator its own facts object', () => {
    const { indicators } = extractStix2([
      indicator("[domain-name:value IN ('a.example', 'b.example')]", { labels: ['x'] }),
    ]);
    indicators[0]?.facts.labels?.push('changed');
    expect(indicators[1]?.facts.labels).toEqual(['x']);
  });

  it('extracts nothing from an empty batch', () => {
    expect(extractStix2([])).toEqual({ indicators: [], unsupported: [], objects: 0 });
  });
});
