import { afterEach, describe, expect, it } from 'vitest';
import { generateStix21Indicators } from '../../../integrations/taxii/fixtures/stix21.js';
import {
  SIM_API_KEY,
  startTaxii11Simulator,
  type Taxii11Simulator,
} from '../../../integrations/taxii/taxii11/simulator.js';
import {
  SIM_INDICATORS_COLLECTION,
  SIM_PASSWORD,
  SIM_USER,
  startTaxii21Simulator,
  type Taxii21Simulator,
} from '../../../integrations/taxii/taxii21/simulator.js';
import { feedHarness, type FeedHarness } from './feed-harness.js';

let h: FeedHarness;
let sim21: Taxii21Simulator | null = null;
let sim11: Taxii11Simulator | null = null;
afterEach(async () => {
  await sim21?.close();
  await sim11?.close();
  sim21 = sim11 = null;
  await h?.close();
});

const ENV21 = { FEED_USER: SIM_USER, FEED_PASSWORD: SIM_PASSWORD };
const ENV11 = { FEED_USER: SIM_API_KEY, FEED_PASSWORD: '' };
const SETTINGS21 = { version: '2.1', collection: SIM_INDICATORS_COLLECTION };
const SETTINGS11 = {
  version: '1.1',
  collection: 'user_AlienVault',
  discovery: '/taxii/discovery',
  first_poll: '3650d',
};

describe('polling a TAXII 2.1 feed into the indicator store', () => {
  it('stores the IOCs, counts what it could not reduce, and answers lookups', async () => {
    h = await feedHarness();
    sim21 = await startTaxii21Simulator();
    const result = await h.poll(sim21.url, SETTINGS21, ENV21);
    expect(result).toMatchObject({ feed: 'feed', since: null, invalid: 0 });
    expect(result.objects).toBeGreaterThan(20);
    expect(result.added).toBeGreaterThan(10);
    expect(result.unsupported).toBeGreaterThanOrEqual(4);
    expect(result.unsupported_examples.map((u) => u.reason).join('\n')).toContain('qualifier');
    expect(result.watermark).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await h.watermark()).toBe(result.watermark);

    const intel = h.intel();
    const verdict = await intel.lookup('198.51.100.1');
    expect(verdict.verdict).not.toBe('unknown');
    expect(verdict.reasons[0]).toMatchObject({
      feed: 'feed',
      collection: SIM_INDICATORS_COLLECTION,
    });
    await intel.close();
  });

  it('polls incrementally across restarts: nothing twice, nothing missed', async () => {
    h = await feedHarness();
    sim21 = await startTaxii21Simulator();
    const first = await h.poll(sim21.url, SETTINGS21, ENV21);
    // Nothing new: the watermark (persisted in the data dir) makes the next poll empty.
    const quiet = await h.poll(sim21.url, SETTINGS21, ENV21);
    expect(quiet).toMatchObject({ since: first.watermark, objects: 0, added: 0 });
    // 250 new indicators, in pages: all of them, and only them.
    sim21.addObjects(SIM_INDICATORS_COLLECTION, generateStix21Indicators(250, 7));
    const next = await h.poll(sim21.url, { ...SETTINGS21, page_size: 100 }, ENV21);
    expect(next.objects).toBe(250);
    expect(next.added + next.updated + next.unchanged + next.invalid).toBe(next.indicators);
    expect(next.watermark! > first.watermark!).toBe(true);
  });

  it.each([
    [
      'a truncated page',
      { status: 200, body: '{"more": false, "objects": [{"type": "indicator"}]}', truncate: true },
    ],
    [
      'a page that is not JSON',
      { status: 200, body: '<html>maintenance</html>', contentType: 'text/html' },
    ],
    [
      'a 10 MB body',
      {
        status: 200,
        body: `{"objects":[${'"x",'.repeat(2_700_000)}"x"]}`,
        contentType: 'application/taxii+json;version=2.1',
      },
    ],
  ])('fails the poll clearly on %s and keeps the watermark', async (_name, fault) => {
    h = await feedHarness();
    sim21 = await startTaxii21Simulator();
    const first = await h.poll(sim21.url, SETTINGS21, ENV21);
    sim21.addObjects(SIM_INDICATORS_COLLECTION, generateStix21Indicators(10, 3));
    sim21.inject({
      path: `/api1/collections/${SIM_INDICATORS_COLLECTION}/objects/`,
      ...fault,
    });
    await expect(h.poll(sim21.url, SETTINGS21, ENV21)).rejects.toThrow(/TAXII|body|JSON|response/i);
    expect(await h.watermark()).toBe(first.watermark);
    // Once the server is healthy again the objects arrive.
    const retried = await h.poll(sim21.url, SETTINGS21, ENV21);
    expect(retried.objects).toBe(10);
  });

  it('applies the feed defaults (TLP, confidence) to indicators that carry none', async () => {
    h = await feedHarness();
    sim21 = await startTaxii21Simulator();
    await h.poll(sim21.url, { ...SETTINGS21, tlp: 'amber', confidence: 90 }, ENV21);
    const intel = h.intel();
    const verdicts = await Promise.all(
      ['192.0.2.10', 'evil.example.com', '203.0.113.45'].map((v) => intel.lookup(v)),
    );
    const reasons = verdicts.flatMap((v) => v.reasons);
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.every((r) => r.tlp !== undefined && r.confidence !== undefined)).toBe(true);
    await intel.close();
  });
});

describe('polling a TAXII 1.1 feed (OTX style)', () => {
  it('finds the poll service through discovery and stores the STIX 1.x observables', async () => {
    h = await feedHarness();
    sim11 = await startTaxii11Simulator();
    const result = await h.poll(sim11.url, SETTINGS11, ENV11);
    expect(result.objects).toBeGreaterThan(0);
    expect(result.added).toBeGreaterThan(0);
    expect(result.watermark).not.toBeNull();
    const again = await h.poll(sim11.url, SETTINGS11, ENV11);
    expect(again).toMatchObject({ objects: 0, since: result.watermark });
  });

  it('refuses an XML bomb, fails the poll and keeps the watermark', async () => {
    h = await feedHarness();
    sim11 = await startTaxii11Simulator();
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>' +
      '<taxii_11:Poll_Response xmlns:taxii_11="http://taxii.mitre.org/messages/taxii_xml_binding-1.1" message_id="1" in_response_to="1" collection_name="user_AlienVault" more="false">&lol2;</taxii_11:Poll_Response>';
    sim11.inject({ path: '/taxii/poll', body: bomb, contentType: 'application/xml', status: 200 });
    await expect(h.poll(sim11.url, SETTINGS11, ENV11)).rejects.toThrow(/DOCTYPE|DTD/);
    expect(await h.watermark()).toBeNull();
  });
});

describe('soar integrations test on a feed', () => {
  it('names the collection and whether it can be read (2.1), or the services (1.1)', async () => {
    h = await feedHarness();
    sim21 = await startTaxii21Simulator();
    sim11 = await startTaxii11Simulator();
    expect((await h.check(sim21.url, SETTINGS21, ENV21)).detail).toMatch(
      /^connected; collection '.+' \(d4d9ad54-8b86-4369-8878-637f4e9564a8\) is readable$/,
    );
    expect((await h.check(sim11.url, SETTINGS11, ENV11)).detail).toMatch(
      /^connected; \d+ services \(.*POLL/,
    );
    await expect(
      h.check(sim21.url, SETTINGS21, { ...ENV21, FEED_PASSWORD: 'nope-nope-nope' }),
    ).rejects.toThrow(/401/);
  });
});
