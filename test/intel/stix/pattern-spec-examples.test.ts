import { describe, expect, it } from 'vitest';
import {
  parsePattern,
  reducePattern,
  StixPatternError,
  type ObjectPath,
  type PatternIoc,
  type PatternReduction,
} from '../../../src/intel/stix/index.js';

/*
 * The pattern examples of STIX 2.1 section 9 (STIX Patterning), and the patterns the OASIS
 * pattern validator rejects as syntax errors. Where the specification shows a comparison, an
 * object path or a constant on its own, the row wraps it in the smallest pattern that holds it:
 * `[comparison]`, `[EXISTS path]`, `[path = constant]`.
 *
 * Each row: a label naming the section, the pattern, what reducePattern says (the IOCs, or the
 * blockers of the reason) and, for some, the shape of the parsed tree.
 */

type Reduction = PatternIoc[] | string;
type Row = [label: string, pattern: string, reduction: Reduction, shape?: object];

const path = (objectType: string, ...steps: (string | number)[]): ObjectPath => ({
  objectType,
  steps: steps.map((step) =>
    typeof step === 'number' || step === '*'
      ? { kind: 'index', index: step }
      : { kind: 'key', key: step },
  ),
});
const text = (value: string) => ({ type: 'string', value });
const test = (objectPath: ObjectPath, operator: string, value?: object) => ({
  kind: 'test',
  path: objectPath,
  operator,
  negated: false,
  ...(value === undefined ? {} : { value }),
});
const exists = (objectPath: ObjectPath) => ({ kind: 'exists', path: objectPath });
const observation = (comparison: object) => ({ kind: 'observation', comparison });
const comparisons = (operator: 'AND' | 'OR', ...operands: object[]) => ({
  kind: 'comparison-junction',
  operator,
  operands,
});
const observations = (operator: 'AND' | 'OR' | 'FOLLOWEDBY', ...operands: object[]) => ({
  kind: 'observation-junction',
  operator,
  operands,
});
const qualified = (qualifier: object, expression: object) => ({
  kind: 'qualified',
  qualifier,
  expression,
});

const expected = (reduction: Reduction): PatternReduction =>
  typeof reduction === 'string'
    ? { reducible: false, reason: `not reducible to plain IOCs: ${reduction}` }
    : { reducible: true, iocs: reduction };

const checkExample = (pattern: string, reduction: Reduction, shape?: object): void => {
  const tree = parsePattern(pattern);
  if (shape !== undefined) expect(tree).toMatchObject(shape);
  expect(reducePattern(tree)).toEqual(expected(reduction));
};

const SPEC_SHA256 = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f';

describe('STIX 2.1 section 9.1: definitions', () => {
  it.each<Row>([
    [
      '9.1 comparison expression',
      "[user-account:value = 'Peter']",
      'user-account:value is not an IOC path',
    ],
    [
      '9.1 object path',
      '[EXISTS ipv6-addr:value]',
      'EXISTS ipv6-addr:value',
      observation(exists(path('ipv6-addr', 'value'))),
    ],
    [
      '9.1 observation expression',
      "[ipv4-addr:value = '203.0.113.1' OR ipv4-addr:value = '203.0.113.2']",
      [
        { type: 'ip', value: '203.0.113.1' },
        { type: 'ip', value: '203.0.113.2' },
      ],
    ],
    [
      '9.1 observation expression with an observation operator',
      "([ipv4-addr:value = '198.51.100.5'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.10'])",
      'FOLLOWEDBY between observations',
    ],
    [
      '9.1 observation expression with an observation operator and a qualifier',
      "([ipv4-addr:value = '198.51.100.5' ] AND [ipv4-addr:value = '198.51.100.10']) WITHIN 300 SECONDS",
      'qualifier WITHIN 300 SECONDS; AND between observations',
    ],
    [
      '9.1 boolean operator',
      "[user-account:value = 'Peter' OR user-account:value = 'Mary']",
      'user-account:value is not an IOC path',
    ],
    [
      '9.1 qualifier',
      "[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
      "qualifier START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'; file:name is not an IOC path",
      qualified(
        { kind: 'start-stop', start: '2016-06-01T00:00:00Z', stop: '2016-07-01T00:00:00Z' },
        observation(test(path('file', 'name'), '=', text('foo.dll'))),
      ),
    ],
    [
      '9.1 observation operator',
      "[ipv4-addr:value = '198.51.100.5'] AND [ ipv4-addr:value = '198.51.100.10']",
      'AND between observations',
    ],
    ['9.1 pattern expression', '[file:size = 25536]', 'file:size is not an IOC path'],
  ])('%s', (_label, pattern, reduction, shape) => {
    checkExample(pattern, reduction, shape);
  });
});

describe('STIX 2.1 section 9.2: constants', () => {
  it.each<Row>([
    [
      '9.2 binary constant',
      "[artifact:payload_bin = b'ABI=']",
      'artifact:payload_bin is not an IOC path',
      observation(test(path('artifact', 'payload_bin'), '=', { type: 'binary', value: 'ABI=' })),
    ],
    [
      '9.2 hex constant',
      "[file:magic_number_hex = h'ffc3']",
      'file:magic_number_hex is not an IOC path',
      observation(test(path('file', 'magic_number_hex'), '=', { type: 'hex', value: 'ffc3' })),
    ],
    [
      '9.2 timestamp constant',
      "[file:created = t'2014-01-13T07:03:17Z']",
      'file:created is not an IOC path',
      observation(
        test(path('file', 'created'), '=', { type: 'timestamp', value: '2014-01-13T07:03:17Z' }),
      ),
    ],
  ])('%s', (_label, pattern, reduction, shape) => {
    checkExample(pattern, reduction, shape);
  });
});

describe('STIX 2.1 section 9.3: STIX patterns', () => {
  const ips = comparisons(
    'OR',
    test(path('ipv4-addr', 'value'), '=', text('198.51.100.1/32')),
    test(path('ipv4-addr', 'value'), '=', text('203.0.113.33/32')),
    test(path('ipv6-addr', 'value'), '=', text('2001:0db8:dead:beef:dead:beef:dead:0001/128')),
  );

  it.each<Row>([
    [
      '9.3 a single comparison expression',
      "[ipv4-addr:value = '198.51.100.1/32']",
      [{ type: 'ip', value: '198.51.100.1' }],
    ],
    [
      '9.3 several comparisons in one observation expression',
      "[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']",
      [
        { type: 'ip', value: '198.51.100.1' },
        { type: 'ip', value: '203.0.113.33' },
        { type: 'ip', value: '2001:0db8:dead:beef:dead:beef:dead:0001' },
      ],
      observation(ips),
    ],
    [
      '9.3 an observation expression with a qualifier',
      "[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128'] REPEATS 5 TIMES",
      'qualifier REPEATS 5 TIMES',
      qualified({ kind: 'repeats', times: 5 }, observation(ips)),
    ],
    [
      '9.3 observation expressions joined by an observation operator',
      "([ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128'] FOLLOWEDBY [domain-name:value = 'example.com']) WITHIN 600 SECONDS",
      'qualifier WITHIN 600 SECONDS; FOLLOWEDBY between observations',
      qualified(
        { kind: 'within', seconds: 600 },
        observations(
          'FOLLOWEDBY',
          observation(ips),
          observation(test(path('domain-name', 'value'), '=', text('example.com'))),
        ),
      ),
    ],
  ])('%s', (_label, pattern, reduction, shape) => {
    checkExample(pattern, reduction, shape);
  });
});

describe('STIX 2.1 section 9.5: observation expressions and qualifiers', () => {
  it.each<Row>([
    [
      '9.5 comparisons that must start from the same object',
      "[ network-traffic:src_ref.value = '203.0.113.10' AND network-traffic:dst_ref.value = '198.51.100.58' ]",
      'AND between comparisons (network-traffic:src_ref.value, network-traffic:dst_ref.value)',
      observation(
        comparisons(
          'AND',
          test(path('network-traffic', 'src_ref', 'value'), '=', text('203.0.113.10')),
          test(path('network-traffic', 'dst_ref', 'value'), '=', text('198.51.100.58')),
        ),
      ),
    ],
    [
      '9.5.1 WITHIN applied to two observation expressions',
      "([file:hashes.'SHA-256' = '13987239847...'] AND [windows-registry-key:key = 'hkey']) WITHIN 120 SECONDS",
      "qualifier WITHIN 120 SECONDS; AND between observations; file:hashes.'SHA-256': '13987239847...' is not a valid SHA-256 hash (64 hex digits); windows-registry-key:key is not an IOC path",
    ],
  ])('%s', (_label, pattern, reduction, shape) => {
    checkExample(pattern, reduction, shape);
  });
});

describe('STIX 2.1 section 9.6: comparison operators', () => {
  it.each<Row>([
    [
      '9.6.1 =',
      "[file:name = 'foo.dll']",
      'file:name is not an IOC path',
      observation(test(path('file', 'name'), '=', text('foo.dll'))),
    ],
    [
      '9.6.1 !=',
      '[file:size != 4112]',
      'operator != on file:size',
      observation(test(path('file', 'size'), '!=', { type: 'integer', value: 4112 })),
    ],
    [
      '9.6.1 >',
      '[file:size > 256]',
      'operator > on file:size',
      observation(test(path('file', 'size'), '>')),
    ],
    [
      '9.6.1 <',
      '[file:size < 1024]',
      'operator < on file:size',
      observation(test(path('file', 'size'), '<')),
    ],
    [
      '9.6.1 <=',
      '[file:size <= 25145]',
      'operator <= on file:size',
      observation(test(path('file', 'size'), '<=')),
    ],
    [
      '9.6.1 >=',
      '[file:size >= 33312]',
      'operator >= on file:size',
      observation(test(path('file', 'size'), '>=')),
    ],
    [
      '9.6.1 IN',
      "[process:name IN ('proccy', 'proximus', 'badproc')]",
      'process:name is not an IOC path',
      observation(
        test(path('process', 'name'), 'IN', {
          type: 'set',
          values: [text('proccy'), text('proximus'), text('badproc')],
        }),
      ),
    ],
    [
      '9.6.1 LIKE',
      String.raw`[directory:path LIKE 'C:\\Windows\\%\\foo']`,
      'operator LIKE on directory:path',
      observation(test(path('directory', 'path'), 'LIKE', text(String.raw`C:\Windows\%\foo`))),
    ],
    [
      '9.6.1 MATCHES',
      String.raw`[directory:path MATCHES '^C:\\\\Windows\\\\w+$']`,
      'operator MATCHES on directory:path',
      observation(test(path('directory', 'path'), 'MATCHES', text(String.raw`^C:\\Windows\\w+$`))),
    ],
    [
      '9.6.1 ISSUBSET',
      "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
      'operator ISSUBSET on ipv4-addr:value',
      observation(test(path('ipv4-addr', 'value'), 'ISSUBSET', text('198.51.100.0/24'))),
    ],
    [
      '9.6.1 ISSUPERSET',
      "[ipv4-addr:value ISSUPERSET '198.51.100.0/24']",
      'operator ISSUPERSET on ipv4-addr:value',
      observation(test(path('ipv4-addr', 'value'), 'ISSUPERSET', text('198.51.100.0/24'))),
    ],
    [
      '9.6.1 EXISTS',
      '[EXISTS windows-registry-key:values]',
      'EXISTS windows-registry-key:values',
      observation(exists(path('windows-registry-key', 'values'))),
    ],
    [
      '9.6.4 a binary property against a string that is base64 text',
      "[artifact:payload_bin = 'dGhpcyBpcyBhIHRlc3Q=']",
      'artifact:payload_bin is not an IOC path',
      observation(test(path('artifact', 'payload_bin'), '=', text('dGhpcyBpcyBhIHRlc3Q='))),
    ],
    [
      '9.6.4 a binary property against a plain string',
      "[artifact:payload_bin = 'this is a test']",
      'artifact:payload_bin is not an IOC path',
      observation(test(path('artifact', 'payload_bin'), '=', text('this is a test'))),
    ],
    [
      '9.6.4 a binary property against a binary constant',
      "[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']",
      'artifact:payload_bin is not an IOC path',
      observation(
        test(path('artifact', 'payload_bin'), '=', {
          type: 'binary',
          value: 'dGhpcyBpcyBhIHRlc3Q=',
        }),
      ),
    ],
    [
      '9.6.4 a binary property against a hex constant',
      "[artifact:payload_bin = h'7468697320697320612074657374']",
      'artifact:payload_bin is not an IOC path',
      observation(
        test(path('artifact', 'payload_bin'), '=', {
          type: 'hex',
          value: '7468697320697320612074657374',
        }),
      ),
    ],
  ])('%s', (_label, pattern, reduction, shape) => {
    checkExample(pattern, reduction, shape);
  });
});

describe('STIX 2.1 section 9.7: object path syntax', () => {
  it.each<[label: string, objectPath: string, expectedPath: ObjectPath]>([
    [
      '9.7 a dereferenced reference in the description',
      'network-traffic:src_ref.value',
      path('network-traffic', 'src_ref', 'value'),
    ],
    ['9.7.1 basic property', 'file:size', path('file', 'size')],
    [
      '9.7.2 list property, every item',
      "file:extensions.'windows-pebinary-ext'.sections[*].entropy",
      path('file', 'extensions', 'windows-pebinary-ext', 'sections', '*', 'entropy'),
    ],
    [
      '9.7.2 list property, one item',
      'network-traffic:protocols[0]',
      path('network-traffic', 'protocols', 0),
    ],
    ['9.7.3 dictionary key', 'file:hashes.ssdeep', path('file', 'hashes', 'ssdeep')],
    [
      '9.7.3 dictionary key that needs quoting',
      "file:extensions.'raster-image-ext'.image_height",
      path('file', 'extensions', 'raster-image-ext', 'image_height'),
    ],
    [
      '9.7.4 object reference',
      'email-message:from_ref.value',
      path('email-message', 'from_ref', 'value'),
    ],
    [
      '9.7.4 list of object references',
      'directory:contains_refs[*].name',
      path('directory', 'contains_refs', '*', 'name'),
    ],
  ])('%s', (_label, objectPath, expectedPath) => {
    checkExample(
      `[EXISTS ${objectPath}]`,
      `EXISTS ${objectPath}`,
      observation(exists(expectedPath)),
    );
  });
});

describe('STIX 2.1 section 9.8: examples', () => {
  it.each<Row>([
    [
      '9.8 matching a file with a SHA-256 hash',
      `[file:hashes.'SHA-256' = '${SPEC_SHA256}']`,
      [{ type: 'sha256', value: SPEC_SHA256 }],
      observation(test(path('file', 'hashes', 'SHA-256'), '=', text(SPEC_SHA256))),
    ],
    [
      '9.8 matching an email message by sender and attachment name with regular expressions',
      String.raw`[email-message:from_ref.value MATCHES '.+\\@example\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\.exe$']`,
      'AND between comparisons (email-message:from_ref.value, email-message:body_multipart[*].body_raw_ref.name)',
      observation(
        comparisons(
          'AND',
          test(
            path('email-message', 'from_ref', 'value'),
            'MATCHES',
            text(String.raw`.+\@example\.com$`),
          ),
          test(
            path('email-message', 'body_multipart', '*', 'body_raw_ref', 'name'),
            'MATCHES',
            text(String.raw`^Final Report.+\.exe$`),
          ),
        ),
      ),
    ],
    [
      '9.8 matching a file with a SHA-256 hash and a PDF MIME type',
      `[file:hashes.'SHA-256' = '${SPEC_SHA256}' AND file:mime_type = 'application/x-pdf']`,
      "AND between comparisons (file:hashes.'SHA-256', file:mime_type)",
    ],
    [
      '9.8 matching a file by SHA-256 or MD5, and a different file, in two observations',
      "[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']\n" +
        `AND [file:hashes.'SHA-256' = '${SPEC_SHA256}']`,
      'AND between observations',
      observations(
        'AND',
        observation(
          comparisons(
            'OR',
            test(path('file', 'hashes', 'SHA-256'), '='),
            test(path('file', 'hashes', 'MD5'), '='),
          ),
        ),
        observation(test(path('file', 'hashes', 'SHA-256'), '=')),
      ),
    ],
    [
      '9.8 matching a file by MD5 followed by a registry key within 5 minutes',
      String.raw`([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) WITHIN 300 SECONDS`,
      'qualifier WITHIN 300 SECONDS; FOLLOWEDBY between observations; windows-registry-key:key is not an IOC path',
      qualified(
        { kind: 'within', seconds: 300 },
        observations(
          'FOLLOWEDBY',
          observation(test(path('file', 'hashes', 'MD5'), '=')),
          observation(
            test(
              path('windows-registry-key', 'key'),
              '=',
              text(String.raw`HKEY_LOCAL_MACHINE\foo\bar`),
            ),
          ),
        ),
      ),
    ],
    [
      '9.8 matching three specific Unix user accounts',
      "[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']",
      'AND between observations; AND between comparisons (user-account:account_type, user-account:user_id, user-account:account_login)',
    ],
    [
      '9.8 matching an artifact PCAP payload header',
      String.raw`[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00']`,
      'AND between comparisons (artifact:mime_type, artifact:payload_bin)',
    ],
    [
      '9.8 matching a file with a Windows file path',
      String.raw`[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\Windows\\System32']`,
      'AND between comparisons (file:name, file:parent_directory_ref.path)',
    ],
    [
      '9.8 matching a Windows PE file with high section entropy',
      "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
      "operator > on file:extensions.'windows-pebinary-ext'.sections[*].entropy",
    ],
    [
      '9.8 matching a mismatch between magic number and MIME type',
      "[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']",
      'AND between comparisons (file:mime_type, file:magic_number_hex)',
    ],
    [
      '9.8 matching network traffic with a particular destination',
      "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']",
      'AND between comparisons (network-traffic:dst_ref.type, network-traffic:dst_ref.value)',
    ],
    [
      '9.8 matching malware beaconing to a domain name',
      "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
      'qualifier WITHIN 1800 SECONDS; qualifier REPEATS 5 TIMES; AND between comparisons (network-traffic:dst_ref.type, network-traffic:dst_ref.value)',
      qualified(
        { kind: 'within', seconds: 1800 },
        qualified({ kind: 'repeats', times: 5 }, { kind: 'observation' }),
      ),
    ],
    [
      '9.8 matching a domain name with IPv4 resolution',
      "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
      'AND between comparisons (domain-name:value, domain-name:resolves_to_refs[*].value)',
    ],
    [
      '9.8 matching a URL',
      "[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
      [
        { type: 'url', value: 'http://example.com/foo' },
        { type: 'url', value: 'http://example.com/bar' },
      ],
    ],
    [
      '9.8 matching an X.509 certificate',
      "[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
      'AND between comparisons (x509-certificate:issuer, x509-certificate:serial_number)',
    ],
    [
      '9.8 matching a Windows registry key',
      String.raw`[windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\CryptoLocker\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\Microsoft\\CurrentVersion\\Run\\CryptoLocker_0388']`,
      'windows-registry-key:key is not an IOC path',
    ],
    [
      '9.8 matching a file with a set of properties',
      "[(file:name = 'pdf.exe' OR file:size = 371712) AND file:created = t'2014-01-13T07:03:17Z']",
      'AND between comparisons ((…), file:created)',
      observation(
        comparisons(
          'AND',
          comparisons(
            'OR',
            test(path('file', 'name'), '=', text('pdf.exe')),
            test(path('file', 'size'), '=', { type: 'integer', value: 371712 }),
          ),
          test(path('file', 'created'), '=', { type: 'timestamp', value: '2014-01-13T07:03:17Z' }),
        ),
      ),
    ],
    [
      '9.8 matching an email message with a specific sender and subject',
      "[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']",
      'AND between comparisons (email-message:sender_ref.value, email-message:subject)',
    ],
    [
      '9.8 matching a custom USB device',
      "[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
      'x-usb-device:usbdrive.serial_number is not an IOC path',
    ],
    [
      '9.8 matching two processes with given command lines within a time window',
      "[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES'^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS",
      'FOLLOWEDBY between observations; operator MATCHES on process:command_line; qualifier WITHIN 300 SECONDS',
      // The qualifier binds to the observation before it, not to the FOLLOWEDBY.
      observations(
        'FOLLOWEDBY',
        observation(test(path('process', 'command_line'), 'MATCHES')),
        qualified(
          { kind: 'within', seconds: 300 },
          observation(
            test(
              path('process', 'command_line'),
              'MATCHES',
              text('^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'),
            ),
          ),
        ),
      ),
    ],
    [
      '9.8 matching a network traffic IP in a subnet',
      "[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
      'operator ISSUBSET on network-traffic:dst_ref.value',
    ],
    [
      '9.8 matching combinations of malware artifacts',
      String.raw`([file:name = 'foo.dll'] AND [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) OR [process:image_ref.name = 'fooproc' OR process:image_ref.name = 'procfoo']`,
      'AND between observations; file:name is not an IOC path; windows-registry-key:key is not an IOC path; process:image_ref.name is not an IOC path',
      observations(
        'OR',
        observations('AND', { kind: 'observation' }, { kind: 'observation' }),
        observation(
          comparisons(
            'OR',
            test(path('process', 'image_ref', 'name'), '=', text('fooproc')),
            test(path('process', 'image_ref', 'name'), '=', text('procfoo')),
          ),
        ),
      ),
    ],
  ])('%s', (_label, pattern, reduction, shape) => {
    checkExample(pattern, reduction, shape);
  });
});

describe('patterns the OASIS pattern validator rejects as syntax errors', () => {
  const failure = (pattern: string): StixPatternError => {
    try {
      parsePattern(pattern);
    } catch (error) {
      if (error instanceof StixPatternError) return error;
      throw error;
    }
    throw new Error(`parsed: ${pattern}`);
  };

  it.each<[label: string, pattern: string, offset: number]>([
    ['validator: no square brackets', 'file:size = 1280', 0],
    ['validator: missing value', '[file:size = ]', 13],
    ['validator: unquoted string', '[file:hashes.MD5 = cead3f77f6cda6ec00f57d76c9a6879f]', 19],
    ['validator: period instead of colon', '[file.size = 1280]', 5],
    [
      'validator: regular expression without quotes',
      String.raw`[file:name MATCHES /.*\\.dll/]`,
      19,
    ],
    [
      'validator: WITHIN without a value',
      String.raw`[win-registry-key:key = 'hkey_local_machine\\foo\\bar'] WITHIN ]`,
      63,
    ],
    [
      'validator: a time unit other than SECONDS',
      String.raw`[win-registry-key:key = 'hkey_local_machine\\foo\\bar'] WITHIN 5 HOURS]`,
      65,
    ],
    [
      'validator: a negative WITHIN',
      String.raw`[win-registry-key:key = 'hkey_local_machine\\foo\\bar'] WITHIN -5 SECONDS]`,
      63,
    ],
    ['validator: ISSUBSET without an operand', '[network-traffic:dst_ref.value ISSUBSET ]', 40],
    ['validator: =? is no operator', "[file:hashes.MD5 =? 'cead3f77f6cda6ec00f57d76c9a6879f']", 18],
    [
      'validator: a timestamp that is no date',
      "[x_whatever:detected == t'2457-73-22T32:81:84.1Z']",
      31,
    ],
    ['validator: binary constant that is not base64', "[artifact:payload_bin = b'====']", 26],
    ['validator: keywords in lower case', '[foo:bar=1] within 2 seconds', 12],
    ['validator timestamps: month 13', "[x:created = t'2024-13-01T12:00:00Z']", 21],
    ['validator timestamps: month 00', "[x:created = t'2024-00-01T12:00:00Z']", 21],
    ['validator timestamps: day 32', "[x:created = t'2024-01-32T12:00:00Z']", 24],
    ['validator timestamps: day 00', "[x:created = t'2024-01-00T12:00:00Z']", 24],
    ['validator timestamps: hour 25', "[x:created = t'2024-01-15T25:00:00Z']", 27],
    ['validator timestamps: minute 60', "[x:created = t'2024-01-15T12:60:00Z']", 29],
    ['validator timestamps: second 61', "[x:created = t'2024-01-15T12:30:61Z']", 32],
    ['validator timestamps: no Z', "[x:created = t'2024-01-15T12:30:45']", 34],
    ['validator timestamps: not a timestamp', "[x:created = t'not-a-timestamp']", 15],
    ['validator timestamps: slashes in the date', "[x:created = t'2024/01/15T12:30:45Z']", 19],
  ])('%s', (_label, pattern, offset) => {
    expect(failure(pattern)).toMatchObject({ code: 'STIX_PATTERN_SYNTAX', offset });
  });

  it('parses a malformed hash, which is valid syntax, and does not reduce it', () => {
    checkExample(
      "[file:hashes.'SHA-256' = 'f00']",
      "file:hashes.'SHA-256': 'f00' is not a valid SHA-256 hash (64 hex digits)",
    );
  });

  // 9.5.1: an observation expression MUST NOT have more than one qualifier of a type.
  it.each([
    [
      'WITHIN',
      "[windows-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar'] WITHIN 5 SECONDS WITHIN 6 SECONDS",
    ],
    [
      'REPEATS',
      "([windows-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar'] REPEATS 2 TIMES REPEATS 3 TIMES)",
    ],
    [
      'START/STOP',
      "[windows-registry-key:key = 'hkey_local_machine\\\\foo\\\\bar'] START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z' START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00.123Z'",
    ],
  ])('9.5.1 / validator: refuses %s twice on one observation', (qualifier, pattern) => {
    const error = failure(pattern);
    expect(error).toMatchObject({ code: 'STIX_PATTERN_SYNTAX' });
    expect(error.message).toContain(`${qualifier} given twice on one observation expression`);
  });

  it('9.5.1: accepts one qualifier of each type on one observation', () => {
    expect(() =>
      parsePattern(
        "[ipv4-addr:value = '198.51.100.1'] REPEATS 2 TIMES WITHIN 60 SECONDS START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z'",
      ),
    ).not.toThrow();
  });
});
