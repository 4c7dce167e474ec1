import { describe, expect, it } from 'vitest';
import {
  FIXTURE_INDICATORS,
  fixtureStix21Objects,
  generateStix21Indicators,
  TLP_MARKINGS,
} from '../../../integrations/taxii/fixtures/stix21.js';

const PATTERN_KINDS: [string, RegExp][] = [
  ['ipv4', /^\[ipv4-addr:value = '198\.1[89]\.\d+\.\d+'\]$/],
  ['ipv4 cidr', /^\[ipv4-addr:value = '198\.1[89]\.\d+\.0\/24'\]$/],
  ['ipv6', /^\[ipv6-addr:value = '2001:db8:[0-9a-f]{4}:[0-9a-f]{4}::[0-9a-f]{4}'\]$/],
  ['domain', /^\[domain-name:value = '[a-z]+-\d+\.malicious\.test'\]$/],
  ['url', /^\[url:value = 'https:\/\/[a-z]+-\d+\.malicious\.test\/[0-9a-f]{8}\/payload\.bin'\]$/],
  ['md5', /^\[file:hashes\.MD5 = '[0-9a-f]{32}'\]$/],
  ['sha1', /^\[file:hashes\.'SHA-1' = '[0-9a-f]{40}'\]$/],
  ['sha256', /^\[file:hashes\.'SHA-256' = '[0-9a-f]{64}'\]$/],
];

describe('generateStix21Indicators', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    expect(generateStix21Indicators(50, 3)).toEqual(generateStix21Indicators(50, 3));
    expect(generateStix21Indicators(50, 4)[0]!.id).not.toBe(generateStix21Indicators(50, 3)[0]!.id);
  });

  it('makes distinct, valid STIX 2.1 indicators of every pattern kind', () => {
    const indicators = generateStix21Indicators(400, 8);

    expect(indicators).toHaveLength(400);
    expect(new Set(indicators.map((indicator) => indicator.id)).size).toBe(400);
    for (const indicator of indicators) {
      expect(indicator.id).toMatch(
        /^indicator--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(indicator).toMatchObject({
        type: 'indicator',
        spec_version: '2.1',
        pattern_type: 'stix',
      });
      const pattern = String(indicator.pattern);
      expect(
        PATTERN_KINDS.some(([, shape]) => shape.test(pattern)),
        pattern,
      ).toBe(true);
    }
    for (const [kind, shape] of PATTERN_KINDS) {
      expect(
        indicators.some((indicator) => shape.test(String(indicator.pattern))),
        kind,
      ).toBe(true);
    }
  });
});

describe('the hand-written STIX 2.1 fixtures', () => {
  const objects = fixtureStix21Objects();
  const byId = new Map(objects.map((object) => [object.id, object]));
  const patterns = FIXTURE_INDICATORS.map((indicator) => String(indicator.pattern));

  it('have unique ids whose prefix is their type', () => {
    expect(byId.size).toBe(objects.length);
    for (const object of objects) expect(object.id.startsWith(`${object.type}--`)).toBe(true);
  });

  it('reference only markings, identities and objects that are present', () => {
    for (const object of objects) {
      const refs = [
        ...((object.object_marking_refs as string[] | undefined) ?? []),
        ...[object.created_by_ref, object.source_ref, object.target_ref].filter(
          (ref): ref is string => typeof ref === 'string',
        ),
      ];
      for (const ref of refs) expect(byId.has(ref), `${object.id} -> ${ref}`).toBe(true);
    }
    expect(TLP_MARKINGS.map((marking) => marking.name)).toEqual([
      'TLP:WHITE',
      'TLP:GREEN',
      'TLP:AMBER',
      'TLP:RED',
      'TLP:CLEAR',
      'TLP:AMBER+STRICT',
    ]);
  });

  it('cover the pattern forms a feed client meets', () => {
    const has = (shape: RegExp): boolean => patterns.some((pattern) => shape.test(pattern));

    expect(has(/^\[ipv4-addr:value = '[\d.]+'\]$/)).toBe(true);
    expect(has(/ipv4-addr:value = '[\d.]+\/24'/)).toBe(true);
    expect(has(/ipv6-addr:value = '[0-9a-f:]+'\]/)).toBe(true);
    expect(has(/ipv6-addr:value = '[0-9a-f:]+\/48'/)).toBe(true);
    expect(has(/domain-name:value/)).toBe(true);
    expect(has(/url:value .* OR url:value/)).toBe(true);
    expect(has(/file:hashes\.MD5/)).toBe(true);
    expect(has(/file:hashes\.'SHA-1'/)).toBe(true);
    expect(has(/file:hashes\.'SHA-256'/)).toBe(true);
    expect(has(/\] OR \[/)).toBe(true);
    expect(has(/REPEATS \d+ TIMES WITHIN \d+ SECONDS$/)).toBe(true);
    expect(has(/START t'.+' STOP t'.+'$/)).toBe(true);
    expect(has(/\\'/)).toBe(true);
    expect(FIXTURE_INDICATORS.filter((i) => i.pattern_type === 'snort')).toHaveLength(1);
    const scoTypes = objects.filter((o) => !['indicator', 'relationship'].includes(o.type));
    expect(new Set(scoTypes.map((o) => o.type))).toEqual(
      new Set([
        'marking-definition',
        'identity',
        'ipv4-addr',
        'ipv6-addr',
        'domain-name',
        'url',
        'email-addr',
        'file',
        'malware',
      ]),
    );
  });

  it('are copied per call, so a test that edits them cannot leak into another', () => {
    const first = fixtureStix21Objects();
    first[0]!.name = 'edited';

    expect(fixtureStix21Objects()[0]!.name).not.toBe('edited');
  });
});
