import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractStix1, StixContentError } from '../../../src/intel/stix/index.js';
import type { Tlp } from '../../../src/intel/model.js';

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

const NAMESPACES = [
  'xmlns:stix="http://stix.mitre.org/stix-1"',
  'xmlns:indicator="http://stix.mitre.org/Indicator-2"',
  'xmlns:stixCommon="http://stix.mitre.org/common-1"',
  'xmlns:cybox="http://cybox.mitre.org/cybox-2"',
  'xmlns:cyboxCommon="http://cybox.mitre.org/common-2"',
  'xmlns:AddressObj="http://cybox.mitre.org/objects#AddressObject-2"',
  'xmlns:DomainNameObj="http://cybox.mitre.org/objects#DomainNameObject-1"',
  'xmlns:URIObj="http://cybox.mitre.org/objects#URIObject-2"',
  'xmlns:FileObj="http://cybox.mitre.org/objects#FileObject-2"',
  'xmlns:marking="http://data-marking.mitre.org/Marking-1"',
  'xmlns:tlpMarking="http://data-marking.mitre.org/extensions/MarkingStructure#TLP-1"',
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
  'xmlns:example="http://example.com"',
].join(' ');

const stixPackage = (body: string, namespaces = NAMESPACES) =>
  `<stix:STIX_Package ${namespaces} id="example:Package-1" version="1.1.1">${body}</stix:STIX_Package>`;

const header = (...colours: string[]) =>
  `<stix:STIX_Header><stix:Handling><marking:Marking>${colours
    .map(
      (colour) =>
        `<marking:Marking_Structure xsi:type="tlpMarking:TLPMarkingStructureType" color="${colour}"/>`,
    )
    .join('')}</marking:Marking></stix:Handling></stix:STIX_Header>`;

/** One indicator holding one inline observable with these Properties. */
const indicatorWith = (properties: string, inside = '') =>
  `<stix:Indicators><stix:Indicator id="example:indicator-1" xsi:type="indicator:IndicatorType">${inside}<indicator:Observable id="example:Observable-1"><cybox:Object>${properties}</cybox:Object></indicator:Observable></stix:Indicator></stix:Indicators>`;

const address = (value: string, attributes = 'category="ipv4-addr"') =>
  `<cybox:Properties xsi:type="AddressObj:AddressObjectType" ${attributes}><AddressObj:Address_Value>${value}</AddressObj:Address_Value></cybox:Properties>`;

const valuesOf = (xml: string) =>
  extractStix1(xml).indicators.map(({ type, value }) => [type, value]);

describe('extractStix1: an AlienVault OTX STIX 1.1.1 package', () => {
  const extraction = extractStix1(fixture('stix111-otx-package.xml'));

  it('extracts every IOC, with the indicator, or the lone observable, as its source', () => {
    expect(
      extraction.indicators.map(({ type, value, facts }) => [type, value, facts.stix_id]),
    ).toEqual([
      ['ip', '198.51.100.23', 'alienvault-otx:indicator-4fa05e6c-7d8b-4e9f-8a0b-1c2d3e4f5a6b'],
      ['ip', '2001:db8:10::5', 'alienvault-otx:indicator-4fa05e6c-7d8b-4e9f-8a0b-1c2d3e4f5a6b'],
      [
        'domain',
        'update.example.net',
        'alienvault-otx:indicator-a0f6b4c2-d3e1-4ef5-8a6b-7c8d9eafb0c1',
      ],
      [
        'url',
        'http://update.example.net/gate.php?id=7&v=2',
        'alienvault-otx:indicator-b107c5d3-e4f2-4f06-9b7c-8d9eafb0c1d2',
      ],
      [
        'md5',
        'd41d8cd98f00b204e9800998ecf8427e',
        'alienvault-otx:indicator-e43af806-1725-4239-8eaf-b0c1d2e3f405',
      ],
      [
        'sha256',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'alienvault-otx:indicator-e43af806-1725-4239-8eaf-b0c1d2e3f405',
      ],
      [
        'email',
        'invoices@example.org',
        'alienvault-otx:indicator-176d2b39-4a58-456c-91d2-e3f405162738',
      ],
      ['ip', '192.0.2.21', 'alienvault-otx:Observable-2d8e3c4a-5b6f-4c7d-8e9f-9a0b1c2d3e4f'],
      ['ip', '192.0.2.22', 'alienvault-otx:Observable-2d8e3c4a-5b6f-4c7d-8e9f-9a0b1c2d3e4f'],
      ['cidr', '192.0.2.0/28', 'alienvault-otx:Observable-2d8e3c4a-5b6f-4c7d-8e9f-9a0b1c2d3e4f'],
    ]);
  });

  it('gives an indicator its title, type, confidence, validity and the header TLP', () => {
    expect(extraction.indicators[0]?.facts).toEqual({
      stix_id: 'alienvault-otx:indicator-4fa05e6c-7d8b-4e9f-8a0b-1c2d3e4f5a6b',
      confidence: 15,
      tlp: 'clear',
      valid_from: '2026-01-12T06:30:00+00:00',
      valid_until: '2026-03-12T06:30:00+00:00',
      title: '[OTX] [IP] Loader campaign',
      labels: ['IP Watchlist'],
    });
  });

  it('gives a lone observable its id, title and the header TLP', () => {
    expect(extraction.indicators[7]?.facts).toEqual({
      stix_id: 'alienvault-otx:Observable-2d8e3c4a-5b6f-4c7d-8e9f-9a0b1c2d3e4f',
      tlp: 'clear',
      title: 'Address list',
    });
  });

  it('does not extract an observable twice when an indicator refers to it by idref', () => {
    expect(extraction.indicators.filter((ioc) => ioc.value === 'update.example.net')).toHaveLength(
      1,
    );
  });

  it('reports other object types by their xsi:type, and counts indicators and observables', () => {
    expect(extraction.unsupported).toEqual([
      {
        stix_id: 'alienvault-otx:indicator-4a905e6c-7d8b-489f-a405-16273849506b',
        what: 'MutexObj:MutexObjectType',
        reason: 'MutexObjectType is not an IOC type',
      },
    ]);
    expect(extraction.objects).toBe(8);
  });
});

describe('extractStix1: a STIX 1.2 package with its own prefixes', () => {
  const extraction = extractStix1(fixture('stix12-package.xml'));

  it('matches elements by local name, under a default namespace and any XSI prefix', () => {
    expect(extraction.indicators.map(({ type, value }) => [type, value])).toEqual([
      ['cidr', '198.51.100.0/24'],
      ['sha1', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
      ['domain', 'secure-login.example.com'],
      ['url', 'https://files.example.com/get?f=a.zip&t=&amp;x'],
    ]);
  });

  it('takes the stricter of the header and indicator TLP, and both Types as labels', () => {
    expect(extraction.indicators[0]?.facts).toEqual({
      stix_id: 'cert:indicator-2c3d4e5f-6a7b-4c8d-8e9f-1a2b3c4d5e6f',
      confidence: 85,
      tlp: 'red',
      valid_from: '2026-02-03T00:00:00Z',
      title: 'Scanner network and its payload',
      labels: ['IP Watchlist', 'File Hash Watchlist'],
    });
    expect(extraction.indicators[2]?.facts).toEqual({
      stix_id: 'cert:indicator-8c9d0e1f-2a3b-42e4-8e5f-7a8b9c0d1e2f',
      confidence: 75,
      tlp: 'amber',
      title: 'Parked phishing domain',
    });
  });

  it('reports AND compositions, non-Equals conditions, test mechanisms, dangling idrefs and other types', () => {
    expect(extraction.unsupported).toEqual([
      {
        stix_id: 'cert:indicator-4c5d6e7f-8a9b-484a-8e1f-3a4b5c6d7e8f',
        what: 'Observable_Composition',
        reason: 'AND operator: only the members of an OR composition are IOCs on their own',
      },
      {
        stix_id: 'cert:indicator-8a9b0c1d-2e3f-4c8e-8c5d-7e8f9a0b1c2d',
        what: 'addr:AddressObjectType',
        reason: 'Address_Value has condition StartsWith, not Equals',
      },
      {
        stix_id: 'cert:indicator-1d2e3f4a-5b6c-4fb1-9f8a-0b1c2d3e4f5a',
        what: 'yaraTM:YaraTestMechanismType',
        reason: 'a test mechanism (Snort, YARA, OpenIOC …) is no plain IOC',
      },
      {
        stix_id: 'cert:indicator-3f4a5b6c-7d8e-41d3-9b0c-2d3e4f5a6b7c',
        what: 'Observable',
        reason:
          'idref cert:Observable-ffffffff-0000-4000-8000-000000000000 is not defined in this package',
      },
      {
        stix_id: 'cert:indicator-4a5b6c7d-8e9f-42e4-8c1d-3e4f5a6b7c8d',
        what: 'addr:AddressObjectType',
        reason: 'Address category mac is not an IOC type',
      },
      {
        stix_id: 'cert:Observable-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
        what: 'host:HostnameObjectType',
        reason: 'HostnameObjectType is not an IOC type',
      },
    ]);
  });

  it('counts indicators, observables and other constructs such as TTPs', () => {
    expect(extraction.objects).toBe(10);
  });
});

describe('extractStix1: a TAXII 1.1 Poll_Response', () => {
  it('extracts the packages of every Content_Block, STIX 1.1.1 and 1.2 alike', () => {
    const extraction = extractStix1(fixture('taxii11-poll-response.xml'));
    expect(extraction).toEqual({
      indicators: [
        {
          type: 'url',
          value: 'http://pay.example.net/verify',
          facts: {
            stix_id: 'opensource:Observable-aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
            title: 'URL: http://pay.example.net/verify',
          },
        },
        {
          type: 'domain',
          value: 'pay.example.net',
          facts: { stix_id: 'opensource:Observable-cccccccc-dddd-4eee-8fff-000000000000' },
        },
      ],
      unsupported: [],
      objects: 2,
    });
  });

  it('refuses a document that holds no STIX_Package', () => {
    expect(() =>
      extractStix1(
        '<taxii_11:Poll_Response xmlns:taxii_11="http://taxii.mitre.org/messages/taxii_xml_binding-1.1"/>',
      ),
    ).toThrow(
      expect.objectContaining({
        code: 'STIX_PACKAGE_MISSING',
        message: 'no STIX_Package in this document (its root element is <taxii_11:Poll_Response>)',
      }),
    );
  });
});

describe('extractStix1: value lists and conditions', () => {
  it('splits ##comma## lists, trimming and skipping empty members', () => {
    expect(
      valuesOf(
        stixPackage(indicatorWith(address(' 192.0.2.1##comma####comma## 192.0.2.2 ##comma##'))),
      ),
    ).toEqual([
      ['ip', '192.0.2.1'],
      ['ip', '192.0.2.2'],
    ]);
  });

  it('refuses a list that must match ALL its members', () => {
    const { unsupported } = extractStix1(
      stixPackage(
        indicatorWith(
          '<cybox:Properties xsi:type="DomainNameObj:DomainNameObjectType"><DomainNameObj:Value condition="Equals" apply_condition="ALL">a.example##comma##b.example</DomainNameObj:Value></cybox:Properties>',
        ),
      ),
    );
    expect(unsupported.map((entry) => entry.reason)).toEqual([
      'Value list has apply_condition ALL, not ANY',
    ]);
  });

  it.each([
    ['', [['ip', '192.0.2.1']]],
    ['category="ipv4-addr"', [['ip', '192.0.2.1']]],
    ['category="ipv4-net"', [['ip', '192.0.2.1']]],
    ['category="cidr"', [['ip', '192.0.2.1']]],
  ])('reads an IPv4 address with %j', (attributes, expected) => {
    expect(valuesOf(stixPackage(indicatorWith(address('192.0.2.1', attributes))))).toEqual(
      expected,
    );
  });

  it.each([
    ['category="ipv6-addr"', '2001:db8::1/128', ['ip', '2001:db8::1']],
    ['category="ipv6-net"', '2001:db8::/48', ['cidr', '2001:db8::/48']],
    ['category="cidr"', '2001:db8::/64', ['cidr', '2001:db8::/64']],
    ['category="e-mail"', 'alerts@example.com', ['email', 'alerts@example.com']],
  ])('reads %s %s', (attributes, value, expected) => {
    expect(valuesOf(stixPackage(indicatorWith(address(value, attributes))))).toEqual([expected]);
  });

  it.each([
    [address('example.com'), "'example.com' is not an IPv4 address"],
    [address('192.0.2.1', 'category="ipv6-addr"'), "'192.0.2.1' is not an IPv6 address"],
    [
      '<cybox:Properties xsi:type="AddressObj:AddressObjectType" category="ipv4-addr"/>',
      'no Address_Value',
    ],
    [
      '<cybox:Properties xsi:type="DomainNameObj:DomainNameObjectType" type="TLD"><DomainNameObj:Value>com</DomainNameObj:Value></cybox:Properties>',
      'DomainName type TLD is not a fully qualified domain',
    ],
    [
      '<cybox:Properties xsi:type="URIObj:URIObjectType" type="General URN"><URIObj:Value>urn:isbn:0451450523</URIObj:Value></cybox:Properties>',
      'URI type General URN is not a URL or domain name',
    ],
    [
      '<cybox:Properties xsi:type="URIObj:URIObjectType" type="URL"><URIObj:Value condition="Contains">/gate.php</URIObj:Value></cybox:Properties>',
      'Value has condition Contains, not Equals',
    ],
    [
      '<cybox:Properties xsi:type="FileObj:FileObjectType"><FileObj:File_Name>a.exe</FileObj:File_Name></cybox:Properties>',
      'File has no MD5, SHA1 or SHA256 hash',
    ],
    [
      '<cybox:Properties xsi:type="FileObj:FileObjectType"><FileObj:Hashes><cyboxCommon:Hash><cyboxCommon:Type>MD5</cyboxCommon:Type><cyboxCommon:Simple_Hash_Value>abc</cyboxCommon:Simple_Hash_Value></cyboxCommon:Hash></FileObj:Hashes></cybox:Properties>',
      "'abc' is not a valid MD5 hash (32 hex digits)",
    ],
    [
      '<cybox:Properties foo:type="AddressObj:AddressObjectType" xmlns:foo="http://example.com/not-xsi"/>',
      'an object without xsi:type is not an IOC type',
    ],
  ])('reports %s', (properties, reason) => {
    const extraction = extractStix1(stixPackage(indicatorWith(properties)));
    expect(extraction.indicators).toEqual([]);
    expect(extraction.unsupported.map((entry) => entry.reason)).toEqual([reason]);
  });

  it('reads a URI of type Domain Name as a domain, and a URI without type as a URL', () => {
    expect(
      valuesOf(
        stixPackage(
          indicatorWith(
            '<cybox:Properties xsi:type="URIObj:URIObjectType" type="Domain Name"><URIObj:Value>a.example</URIObj:Value></cybox:Properties>',
          ) +
            '<stix:Observables><cybox:Observable id="example:Observable-9"><cybox:Object><cybox:Properties xsi:type="URIObj:URIObjectType"><URIObj:Value>http://b.example/</URIObj:Value></cybox:Properties></cybox:Object></cybox:Observable></stix:Observables>',
        ),
      ),
    ).toEqual([
      ['domain', 'a.example'],
      ['url', 'http://b.example/'],
    ]);
  });
});

describe('extractStix1: references and compositions', () => {
  it('follows an idref to an Object and leaves its observable to the indicator', () => {
    const xml = stixPackage(
      '<stix:Observables><cybox:Observable id="example:Observable-2"><cybox:Object id="example:Object-2">' +
        address('203.0.113.5') +
        '</cybox:Object></cybox:Observable></stix:Observables>' +
        '<stix:Indicators><stix:Indicator id="example:indicator-1"><indicator:Observable id="example:Observable-1"><cybox:Object idref="example:Object-2"/></indicator:Observable></stix:Indicator></stix:Indicators>',
    );
    expect(extractStix1(xml).indicators).toEqual([
      { type: 'ip', value: '203.0.113.5', facts: { stix_id: 'example:indicator-1' } },
    ]);
  });

  it('uses the observable id when the indicator has none', () => {
    const xml = stixPackage(
      `<stix:Indicators><stix:Indicator><indicator:Observable id="example:Observable-7"><cybox:Object>${address('203.0.113.7')}</cybox:Object></indicator:Observable></stix:Indicator></stix:Indicators>`,
    );
    expect(extractStix1(xml).indicators[0]?.facts.stix_id).toBe('example:Observable-7');
  });

  it('stops at an observable that refers to itself, and reports it', () => {
    const xml = stixPackage(
      '<stix:Observables><cybox:Observable id="example:Observable-loop"><cybox:Observable_Composition operator="OR"><cybox:Observable idref="example:Observable-loop"/></cybox:Observable_Composition></cybox:Observable></stix:Observables>' +
        '<stix:Indicators><stix:Indicator id="example:indicator-1"><indicator:Observable idref="example:Observable-loop"/></stix:Indicator></stix:Indicators>',
    );
    expect(extractStix1(xml)).toEqual({
      indicators: [],
      unsupported: [
        {
          stix_id: 'example:indicator-1',
          what: 'Observable',
          reason: 'observables nest too deeply or refer to themselves',
        },
      ],
      objects: 2,
    });
  });

  it('reports an observable holding an event rather than an object', () => {
    const xml = stixPackage(
      '<stix:Observables><cybox:Observable id="example:Observable-3"><cybox:Event><cybox:Type>Session Creation</cybox:Type></cybox:Event></cybox:Observable></stix:Observables>',
    );
    expect(extractStix1(xml).unsupported).toEqual([
      {
        stix_id: 'example:Observable-3',
        what: 'Observable',
        reason: 'observable has no Object: events and other observations are not IOCs',
      },
    ]);
  });

  it('reports an indicator without observable, and an idref to a missing indicator', () => {
    const xml = stixPackage(
      '<stix:Indicators><stix:Indicator id="example:indicator-5" xsi:type="indicator:IndicatorType"><indicator:Title>Empty</indicator:Title></stix:Indicator><stix:Indicator idref="example:indicator-404"/></stix:Indicators>',
    );
    expect(extractStix1(xml).unsupported).toEqual([
      {
        stix_id: 'example:indicator-5',
        what: 'indicator:IndicatorType',
        reason: 'indicator has no observable',
      },
      {
        stix_id: 'example:indicator-404',
        what: 'Indicator',
        reason: 'idref example:indicator-404 is not defined in this package',
      },
    ]);
  });
});

describe('extractStix1: facts', () => {
  it.each<[string[], Tlp | undefined]>([
    [['WHITE'], 'clear'],
    [['GREEN'], 'green'],
    [['AMBER'], 'amber'],
    [['RED'], 'red'],
    [['amber'], 'amber'],
    [['GREEN', 'AMBER'], 'amber'],
    [[], undefined],
  ])('reads the header TLP %j as %s', (colours, tlp) => {
    const { indicators } = extractStix1(
      stixPackage(header(...colours) + indicatorWith(address('192.0.2.1'))),
    );
    expect(indicators[0]?.facts.tlp).toBe(tlp);
  });

  it.each([
    ['High', 85],
    ['Medium', 50],
    ['Low', 15],
    ['None', 0],
    ['Unknown', undefined],
    ['40', 40],
    ['62.5%', 63],
    ['very', undefined],
  ])('reads confidence %s as %s', (word, confidence) => {
    const { indicators } = extractStix1(
      stixPackage(
        indicatorWith(
          address('192.0.2.1'),
          `<indicator:Confidence><stixCommon:Value>${word}</stixCommon:Value></indicator:Confidence>`,
        ),
      ),
    );
    expect(indicators[0]?.facts.confidence).toBe(confidence);
  });

  it('decodes entities and character references in text and attributes', () => {
    const xml = stixPackage(
      header('&#65;MBER') +
        indicatorWith(
          '<cybox:Properties xsi:type="URIObj:URIObjectType" type="URL"><URIObj:Value>http://a.example/?q=&#x41;&amp;r=&#66;&lt;&gt;&quot;&apos;</URIObj:Value></cybox:Properties>',
        ),
    );
    expect(extractStix1(xml).indicators).toEqual([
      {
        type: 'url',
        value: `http://a.example/?q=A&r=B<>"'`,
        facts: { stix_id: 'example:indicator-1', tlp: 'amber' },
      },
    ]);
  });

  it('accepts the conventional xsi prefix even when a producer forgot to declare it', () => {
    const namespaces = NAMESPACES.replace(
      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
      '',
    );
    expect(valuesOf(stixPackage(indicatorWith(address('192.0.2.1')), namespaces))).toEqual([
      ['ip', '192.0.2.1'],
    ]);
  });
});

describe('extractStix1: refused content', () => {
  it('throws StixContentError for malformed XML', () => {
    expect(() => extractStix1('<stix:STIX_Package>')).toThrow(StixContentError);
  });
});
