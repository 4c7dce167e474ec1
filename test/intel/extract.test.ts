import { describe, expect, it } from 'vitest';
import {
  ExtractInputTooLargeError,
  MAX_EXTRACT_BYTES,
  extractIocs,
  refang,
} from '../../src/intel/extract.js';

const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const SHA1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
const SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function values(text: string) {
  return extractIocs(text).map(({ type, value }) => `${type} ${value}`);
}

describe('extractIocs: each type', () => {
  it.each([
    ['seen from 198.51.100.7 today', 'ip 198.51.100.7'],
    ['egress to 2001:DB8::42 on port 443', 'ip 2001:db8::42'],
    ['mapped ::ffff:192.0.2.1 too', 'ip ::ffff:192.0.2.1'],
    ['range 203.0.113.77/24 listed', 'cidr 203.0.113.0/24'],
    ['range 2001:db8:abcd::/48 listed', 'cidr 2001:db8:abcd::/48'],
    ['resolves Evil.Example today', 'domain evil.example'],
    ['see https://evil.example/a?b=1 now', 'url https://evil.example/a?b=1'],
    ['fetch ftp://files.example/x.bin', 'url ftp://files.example/x.bin'],
    ['mail from Phish@Mail.Example please', 'email Phish@mail.example'],
    [`dropper ${MD5.toUpperCase()}`, `md5 ${MD5}`],
    [`dropper ${SHA1}`, `sha1 ${SHA1}`],
    [`dropper ${SHA256}`, `sha256 ${SHA256}`],
  ])('%j', (text, expected) => {
    expect(values(text)).toEqual([expected]);
  });

  it('reports a url as one IOC, not its host again, but finds a hash inside it', () => {
    expect(values(`https://vt.example/gui/file/${SHA256}/detection`)).toEqual([
      `url https://vt.example/gui/file/${SHA256}/detection`,
      `sha256 ${SHA256}`,
    ]);
  });

  it('leaves trailing punctuation and unbalanced brackets out of urls', () => {
    expect(values('(see http://evil.example/a_(b)).')).toEqual(['url http://evil.example/a_(b)']);
    expect(values("'http://evil.example/x', then")).toEqual(['url http://evil.example/x']);
  });

  it('finds hosts glued to non-Latin text', () => {
    expect(values('詳細はevil.example.comを参照、送信元203.0.113.9です')).toEqual([
      'domain evil.example.com',
      'ip 203.0.113.9',
    ]);
  });

  it('keeps a bad prefix length from hiding the address', () => {
    expect(values('198.51.100.7/99')).toEqual(['ip 198.51.100.7']);
  });
});

describe('extractIocs: defanged forms', () => {
  it.each([
    ['hxxp://evil.example/a', 'url http://evil.example/a'],
    ['HXXPS://evil.example/a', 'url https://evil.example/a'],
    ['evil[.]example', 'domain evil.example'],
    ['evil(.)example', 'domain evil.example'],
    ['evil{.}example', 'domain evil.example'],
    ['evil[dot]example', 'domain evil.example'],
    ['198[.]51[.]100[.]7', 'ip 198.51.100.7'],
    ['hxxps[:]//evil[.]example/x', 'url https://evil.example/x'],
    ['hxxp[://]evil.example/x', 'url http://evil.example/x'],
    ['phish[@]mail.example', 'email phish@mail.example'],
    ['phish[at]mail[.]example', 'email phish@mail.example'],
  ])('%j', (text, expected) => {
    expect(values(text)).toEqual([expected]);
  });

  it('maps offsets back to the defanged text', () => {
    const text = 'a [dot] b; c2 at evil[.]example and hxxp://x[.]example/p';
    expect(extractIocs(text)).toEqual([
      { type: 'domain', value: 'evil.example', offset: text.indexOf('evil[') },
      { type: 'url', value: 'http://x.example/p', offset: text.indexOf('hxxp') },
    ]);
  });

  it('refang reports where each refanged character came from', () => {
    const refanged = refang('x[.]y[dot]z');
    expect(refanged.text).toBe('x.y.z');
    expect([0, 1, 2, 3, 4].map((i) => refanged.originalOffset(i))).toEqual([0, 1, 4, 5, 10]);
  });
});

describe('extractIocs: false positives', () => {
  it.each([
    'opened report.pdf and ran svchost.exe from invoice.docx',
    'unpacked payload.zip, setup.sh, tool.py and README.md',
    'version 1.2.3.4.5 and build 10.0.19041',
    'the 12:30:45 entry, MAC 00:1a:2b:3c:4d:5e, path add::face',
    `order 12345678901234567890123456789012 and ${'a'.repeat(128)}`,
    'e.g. a.b or i.e. x',
    '010.1.1.1 is octal-looking',
  ])('%j has no IOC', (text) => {
    expect(extractIocs(text)).toEqual([]);
  });

  it('still finds such names inside urls and addresses', () => {
    expect(values('http://files.zip/a user@tools.sh')).toEqual([
      'url http://files.zip/a',
      'email user@tools.sh',
    ]);
  });
});

describe('extractIocs: dedup, order, options', () => {
  it('does what its documentation example says', () => {
    expect(extractIocs('beacon to hxxps://evil[.]example/a from 203.0.113.9')).toEqual([
      { type: 'url', value: 'https://evil.example/a', offset: 10 },
      { type: 'ip', value: '203.0.113.9', offset: 40 },
    ]);
  });

  it('reports each IOC once, at its first appearance, in order', () => {
    const text = 'evil.example 198.51.100.7 EVIL.example evil[.]example 198.51.100.7 evil.example';
    expect(extractIocs(text)).toEqual([
      { type: 'domain', value: 'evil.example', offset: 0 },
      { type: 'ip', value: '198.51.100.7', offset: 13 },
    ]);
  });

  it('filters by type', () => {
    const text = `evil.example 198.51.100.7 ${MD5}`;
    expect(extractIocs(text, { types: ['md5', 'ip'] }).map((ioc) => ioc.type)).toEqual([
      'ip',
      'md5',
    ]);
  });
});

describe('extractIocs: bounded work', () => {
  it('refuses input over the limit with a clear error', () => {
    const text = 'a'.repeat(MAX_EXTRACT_BYTES + 1);
    expect(() => extractIocs(text)).toThrow(ExtractInputTooLargeError);
    expect(() => extractIocs(text)).toThrow(/1048577 bytes, over the 1048576-byte limit/);
    // Multi-byte characters count as the bytes they take.
    expect(() => extractIocs('é'.repeat(MAX_EXTRACT_BYTES / 2 + 1))).toThrow(/over the/);
    expect(() => extractIocs('evil.example', { maxBytes: 4 })).toThrow(/over the 4-byte limit/);
  });

  it.each([
    ['dotted labels', 'a.'.repeat(MAX_EXTRACT_BYTES / 2)],
    ['one long label', 'a'.repeat(MAX_EXTRACT_BYTES)],
    ['hex and colons', '1:'.repeat(MAX_EXTRACT_BYTES / 2)],
    ['digits and dots', '1.'.repeat(MAX_EXTRACT_BYTES / 2)],
    ['local parts', 'a.a+'.repeat(MAX_EXTRACT_BYTES / 4)],
    ['url of brackets', `http://a.example/${')'.repeat(MAX_EXTRACT_BYTES - 20)}`],
    ['defangs', '[.]'.repeat(Math.floor(MAX_EXTRACT_BYTES / 3))],
    ['near-domains', 'ab-.'.repeat(MAX_EXTRACT_BYTES / 4)],
  ])('1 MiB of %s finishes quickly', (_name, text) => {
    const started = performance.now();
    extractIocs(text);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('finds every IOC of a 1 MiB text of real ones', () => {
    const line = (i: number) =>
      `host-${i}.evil.example sent 10.${(i >> 8) & 255}.${i & 255}.1 ok\n`;
    let text = '';
    let lines = 0;
    while (text.length + line(lines).length <= MAX_EXTRACT_BYTES) text += line(lines++);
    const started = performance.now();
    const found = extractIocs(text);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(found).toHaveLength(lines * 2);
    expect(found.at(-1)).toMatchObject({
      type: 'ip',
      value: `10.${((lines - 1) >> 8) & 255}.${(lines - 1) & 255}.1`,
    });
  });
});
