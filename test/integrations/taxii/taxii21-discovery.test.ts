import { describe, expect, it } from 'vitest';
import { TAXII21_MEDIA_TYPE } from '../../../integrations/taxii/taxii21/client.js';
import {
  SIM_INDICATORS_COLLECTION,
  SIM_RESTRICTED_COLLECTION,
} from '../../../integrations/taxii/taxii21/simulator.js';
import { BASIC_TOKEN, clientFor, expectTaxiiError, simulator } from './taxii21-harness.js';

describe('TAXII 2.1 discovery', () => {
  it.each(['absolute', 'path', 'relative'] as const)(
    'resolves %s api_roots against the discovery URL',
    async (apiRootUrls) => {
      const sim = await simulator({ apiRootUrls });
      const { taxii, http } = clientFor(sim);
      const raw = await http.request<{ api_roots: string[] }>({
        path: 'taxii2/',
        headers: { accept: TAXII21_MEDIA_TYPE, authorization: `Basic ${BASIC_TOKEN}` },
      });

      const discovery = await taxii.discover();

      const onTheWire = { absolute: `${sim.url}/api1/`, path: '/api1/', relative: '../api1/' };
      expect(raw.body.api_roots[0]).toBe(onTheWire[apiRootUrls]);
      expect(discovery.title).toBe('TAXII 2.1 simulator');
      expect(discovery.api_roots).toEqual([`${sim.url}/api1/`, `${sim.url}/api2/`]);
      expect(discovery.default).toBe(`${sim.url}/api1/`);
    },
  );

  it('reads the discovery path with or without slashes, and a full URL', async () => {
    const sim = await simulator({ apiRootUrls: 'relative' });
    const { taxii } = clientFor(sim);

    for (const path of ['taxii2', '/taxii2/', `${sim.url}/taxii2/`]) {
      const discovery = await taxii.discover(path);
      expect(discovery.default).toBe(`${sim.url}/api1/`);
    }
    expect(sim.requests.map((request) => request.path)).toEqual([
      '/taxii2/',
      '/taxii2/',
      '/taxii2/',
    ]);
  });

  it('reads an API root and its collections through the discovered URL', async () => {
    const sim = await simulator();
    const { taxii } = clientFor(sim);
    const { default: root } = await taxii.discover();

    const info = await taxii.apiRoot(root!);
    const collections = await taxii.collections(root!);

    expect(info).toMatchObject({
      title: 'Example CERT feed',
      versions: [TAXII21_MEDIA_TYPE],
      max_content_length: 104_857_600,
    });
    expect(collections.map((c) => [c.id, c.title, c.can_read])).toEqual([
      [SIM_INDICATORS_COLLECTION, 'Indicators', true],
      [SIM_RESTRICTED_COLLECTION, 'Members only', false],
    ]);
    expect(sim.requests.map((request) => request.path)).toEqual([
      '/taxii2/',
      '/api1/',
      '/api1/collections/',
    ]);
  });

  it('sends exactly the TAXII 2.1 Accept header, and Basic auth, on every request', async () => {
    const sim = await simulator({ acceptCheck: 'exact' });
    const { taxii } = clientFor(sim);

    await taxii.discover();
    await taxii.apiRoot('api1');
    await taxii.collections('api1');

    expect(sim.requests).toHaveLength(3);
    for (const request of sim.requests) {
      expect(request.headers.accept).toBe('application/taxii+json;version=2.1');
      expect(request.user).toBe('feed-reader');
      expect(request.status).toBe(200);
      expect(request.headers).not.toHaveProperty('authorization');
    }
  });
});

describe('API roots on another origin', () => {
  it('are refused before any request leaves, credentials included', async () => {
    const sim = await simulator();
    const { taxii, calls } = clientFor(sim);

    const error = await expectTaxiiError(taxii.apiRoot('http://198.51.100.9:8443/api1/'));

    expect(error.code).toBe('TAXII_INVALID_REQUEST');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("outside the integration's origin");
    expect(sim.requests).toHaveLength(0);
    expect(calls[0]).toMatchObject({ code: 'ORIGIN_REFUSED', status: null });
  });
});

describe('choosing a collection', () => {
  const sameTitles = [
    {
      name: 'api1',
      collections: [
        { id: 'a1f0c3e2-0000-4000-8000-000000000001', title: 'Indicators' },
        { id: 'a1f0c3e2-0000-4000-8000-000000000002', title: 'INDICATORS ' },
        { id: 'a1f0c3e2-0000-4000-8000-000000000003', title: 'Malware' },
      ],
    },
  ];

  it('finds a collection by id', async () => {
    const sim = await simulator();
    const { taxii } = clientFor(sim);

    const collection = await taxii.collection('api1', SIM_RESTRICTED_COLLECTION);

    expect(collection).toMatchObject({ title: 'Members only', can_read: false });
  });

  it('finds a collection by title, in any case', async () => {
    const sim = await simulator();
    const { taxii } = clientFor(sim);

    const collection = await taxii.collection('api1', '  indicators');

    expect(collection.id).toBe(SIM_INDICATORS_COLLECTION);
  });

  it('refuses a title that several collections share, naming each of them', async () => {
    const sim = await simulator({ apiRoots: sameTitles });
    const { taxii } = clientFor(sim);

    const error = await expectTaxiiError(taxii.collection('api1', 'indicators'));

    expect(error.code).toBe('TAXII_COLLECTION_AMBIGUOUS');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('a1f0c3e2-0000-4000-8000-000000000001');
    expect(error.message).toContain('a1f0c3e2-0000-4000-8000-000000000002');
    expect(error.message).not.toContain('Malware');
    expect(error.message).toContain('/api1/collections/');
  });

  it('an id still picks one of the collections sharing a title', async () => {
    const sim = await simulator({ apiRoots: sameTitles });
    const { taxii } = clientFor(sim);

    const collection = await taxii.collection('api1', 'a1f0c3e2-0000-4000-8000-000000000002');

    expect(collection.title).toBe('INDICATORS ');
  });

  it('names the collections there are when none matches', async () => {
    const sim = await simulator({ apiRoots: sameTitles });
    const { taxii } = clientFor(sim);

    const error = await expectTaxiiError(taxii.collection('api1', 'Reports'));

    expect(error.code).toBe('TAXII_COLLECTION_NOT_FOUND');
    expect(error.message).toContain('"Malware" (a1f0c3e2-0000-4000-8000-000000000003)');
  });
});
