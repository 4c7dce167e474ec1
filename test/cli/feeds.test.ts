import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  SIM_INDICATORS_COLLECTION,
  SIM_PASSWORD,
  SIM_USER,
  startTaxii21Simulator,
  type Taxii21Simulator,
} from '../../integrations/taxii/taxii21/simulator.js';
import { soar, soarFinished, tempDir } from './cli-helpers.js';

let sim: Taxii21Simulator | null = null;
afterEach(async () => {
  await sim?.close();
  sim = null;
});

/** The CLI, asynchronously: the simulator answers from this process. */
const run = soarFinished;

/** Every file under `dir`, as text. */
function allText(dir: string): string {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
}

describe('soar feeds poll and soar intel lookup', () => {
  it('polls a configured feed, then answers lookups from the data dir', async () => {
    sim = await startTaxii21Simulator();
    const dir = tempDir();
    const config = join(dir, 'soar.config.yaml');
    writeFileSync(
      config,
      [
        'intel:',
        '  exclusions: [192.0.2.0/24]',
        'instances:',
        '  cti:',
        '    integration: taxii',
        `    url: ${sim.url}`,
        '    credentials: { username: "${env:CTI_USER}", password: "${env:CTI_PASSWORD}" }',
        `    settings: { version: "2.1", collection: ${SIM_INDICATORS_COLLECTION} }`,
        '',
      ].join('\n'),
    );
    const env = { CTI_USER: SIM_USER, CTI_PASSWORD: SIM_PASSWORD };
    const data = join(dir, 'data');
    const poll = await run(
      ['feeds', 'poll', 'cti', '--config', config, '--data-dir', data, '--json'],
      env,
    );
    expect(poll.stderr).toBe('');
    expect(poll.code).toBe(0);
    const counts = JSON.parse(poll.stdout) as Record<string, number>;
    expect(counts).toMatchObject({ feed: 'cti', invalid: 0 });
    expect(counts.added).toBeGreaterThan(0);
    expect(counts.unsupported).toBeGreaterThan(0);

    const lookup = soar([
      'intel',
      'lookup',
      '203.0.113.7',
      '--config',
      config,
      '--data-dir',
      data,
      '--json',
    ]);
    expect(lookup.code).toBe(0);
    const verdict = JSON.parse(lookup.stdout) as { verdict: string; reasons: { feed: string }[] };
    expect(verdict.verdict).not.toBe('unknown');
    expect(verdict.reasons[0]!.feed).toBe('cti');

    const excluded = soar([
      'intel',
      'lookup',
      '192.0.2.10',
      '--config',
      config,
      '--data-dir',
      data,
    ]);
    expect(excluded.stdout).toMatch(/^ip 192\.0\.2\.10: EXCLUDED/);

    const bad = soar([
      'intel',
      'lookup',
      'not an indicator',
      '--config',
      config,
      '--data-dir',
      data,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'not an indicator' is not an indicator");

    // A second poll finds nothing new.
    const again = await run(
      ['feeds', 'poll', 'cti', '--config', config, '--data-dir', data, '--json'],
      env,
    );
    expect(JSON.parse(again.stdout)).toMatchObject({ objects: 0, added: 0 });
  });

  it('polls an ad-hoc feed from the command line, keeping the password out of the data dir', async () => {
    sim = await startTaxii21Simulator();
    const dir = tempDir();
    const data = join(dir, 'data');
    const args = [
      'feeds',
      'poll',
      '--taxii',
      '2.1',
      '--url',
      `${sim.url}/taxii2/`,
      '--collection',
      SIM_INDICATORS_COLLECTION,
      '--user',
      SIM_USER,
      '--password',
      SIM_PASSWORD,
      '--data-dir',
      data,
    ];
    const first = await run(args);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^adhoc-[0-9a-f]{16} \(.*\): \d+ objects, \d+ indicators: \d+ added/,
    );
    expect(first.stdout).toContain('unsupported:');
    expect(allText(data)).not.toContain(SIM_PASSWORD);
    // The ad-hoc feed keeps a watermark too: the next poll is incremental.
    const second = await run([...args, '--json']);
    expect(JSON.parse(second.stdout)).toMatchObject({ objects: 0 });
  });

  it('fails clearly on a wrong password and keeps the watermark', async () => {
    sim = await startTaxii21Simulator();
    const dir = tempDir();
    const run1 = await run([
      'feeds',
      'poll',
      '--taxii',
      '2.1',
      '--url',
      `${sim.url}/taxii2/`,
      '--collection',
      SIM_INDICATORS_COLLECTION,
      '--user',
      SIM_USER,
      '--password',
      'wrong-password-123',
      '--data-dir',
      join(dir, 'data'),
    ]);
    expect(run1.code).toBe(1);
    expect(run1.stderr).toMatch(/poll of adhoc-[0-9a-f]+ failed \(watermark kept\): .*401/);
    expect(run1.stderr).not.toContain('wrong-password-123');
  });

  it('refuses a configured feed and an ad-hoc one at once', () => {
    const r = soar(['feeds', 'poll', 'cti', '--taxii', '2.1', '--url', 'https://x.example']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not both');
  });

  it('says what is wrong with an ad-hoc feed or the exclusion list', () => {
    const version = soar([
      'feeds',
      'poll',
      '--taxii',
      '3.0',
      '--url',
      'https://x.example',
      '--collection',
      'c',
    ]);
    expect(version.code).toBe(2);
    expect(version.stderr).toContain('the TAXII version must be 2.1 or 1.1, got "3.0"');
    const url = soar([
      'feeds',
      'poll',
      '--taxii',
      '2.1',
      '--url',
      'ftp://x.example/',
      '--collection',
      'c',
    ]);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('the URL must be http or https');
    const dir = tempDir();
    const config = join(dir, 'soar.config.yaml');
    writeFileSync(config, 'intel:\n  exclusions: [192.0.2.0/24, "not a host!"]\n');
    const lookup = soar([
      'intel',
      'lookup',
      '192.0.2.1',
      '--config',
      config,
      '--data-dir',
      join(dir, 'd'),
    ]);
    expect(lookup.code).toBe(2);
    expect(lookup.stderr).toMatch(/soar\.config\.yaml: intel\.exclusions\[1\]/);
  });
  it("expires a feed's listings after its own expiry, or intel.expiry when it sets none", async () => {
    sim = await startTaxii21Simulator();
    const dir = tempDir();
    const config = join(dir, 'soar.config.yaml');
    const feed = (id: string, expiry?: string) => [
      `  ${id}:`,
      '    integration: taxii',
      `    url: ${sim!.url}`,
      '    credentials: { username: "${env:CTI_USER}", password: "${env:CTI_PASSWORD}" }',
      `    settings: { version: "2.1", collection: ${SIM_INDICATORS_COLLECTION}${expiry ? `, expiry: ${expiry}` : ''} }`,
    ];
    writeFileSync(
      config,
      ['intel:', '  expiry: 1s', 'instances:', ...feed('short'), ...feed('long', '30d'), ''].join(
        '\n',
      ),
    );
    const env = { CTI_USER: SIM_USER, CTI_PASSWORD: SIM_PASSWORD };
    const data = join(dir, 'data');
    const poll = async (id: string) => {
      const result = await run(
        ['feeds', 'poll', id, '--config', config, '--data-dir', data, '--json'],
        env,
      );
      expect(result.stderr).toBe('');
      return JSON.parse(result.stdout) as Record<string, number>;
    };
    const feedsListing = () => {
      const lookup = soar([
        'intel',
        'lookup',
        '203.0.113.7',
        '--config',
        config,
        '--data-dir',
        data,
        '--json',
      ]);
      const verdict = JSON.parse(lookup.stdout) as { reasons: { feed: string }[] };
      return [...new Set(verdict.reasons.map((reason) => reason.feed))].sort();
    };

    const first = await poll('short');
    expect(first.added).toBeGreaterThan(0);
    const second = await poll('long');
    expect(second).toMatchObject({ added: 0, expired: 0 });
    expect(second.updated).toBeGreaterThanOrEqual(first.added!);
    // (Both feeds list it now; under load the short feed's second may already be up.)

    // After a second, the short feed's listings are past intel.expiry; the long feed's stay.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const third = await poll('short');
    expect(third).toMatchObject({ objects: 0, expired: 0 });
    expect(feedsListing()).toEqual(['long']);
  });
});
