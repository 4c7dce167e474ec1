import { describe, expect, it } from 'vitest';
import { HttpClient } from '../../../src/integration-sdk/http.js';
import { STATUS_TYPES } from '../../../integrations/taxii/taxii11/errors.js';
import { discoveryRequest } from '../../../integrations/taxii/taxii11/requests.js';
import {
  SIM_API_KEY,
  SIM_PASSWORD,
  SIM_USER,
} from '../../../integrations/taxii/taxii11/simulator.js';
import { generateStix1Packages } from '../../../integrations/taxii/fixtures/stix1.js';
import { clientFor, failure, pollAll, simulator } from './taxii11-helpers.js';

const NS = 'http://taxii.mitre.org/messages/taxii_xml_binding-1.1';

describe('TAXII 1.1 Status_Message', () => {
  it('becomes TAXII_STATUS_<type>, retryable only for RETRY', async () => {
    const sim = await simulator();
    const { client } = clientFor(sim);
    for (const type of STATUS_TYPES) {
      sim.inject({
        path: '/taxii/poll',
        statusMessage: { type, message: `server says ${type}`, details: { ITEM: 'user_x' } },
      });
      const error = await failure(pollAll(client, { path: '/taxii/poll', collection: 'user_x' }));
      expect({ code: error.code, retryable: error.retryable }, type).toEqual({
        code: `TAXII_STATUS_${type}`,
        retryable: type === 'RETRY',
      });
      expect(error.message).toBe(
        `TAXII 1.1 poll of 'user_x' at /taxii/poll: the server answered Status_Message ${type}: server says ${type} (ITEM=user_x)`,
      );
      expect(error.statusType).toBe(type);
      expect(error.status).toBe(200);
    }
  });

  it('passes on the wait a RETRY estimates', async () => {
    const sim = await simulator();
    const { client } = clientFor(sim);
    sim.inject({
      path: '/taxii/collections',
      statusMessage: { type: 'RETRY', message: 'busy', details: { ESTIMATED_WAIT: '30' } },
    });
    const error = await failure(client.collections('/taxii/collections'));
    expect(error).toMatchObject({
      code: 'TAXII_STATUS_RETRY',
      retryable: true,
      retryAfterMs: 30_000,
    });
  });

  it('reads a Status_Message sent with an HTTP error status', async () => {
    const sim = await simulator();
    const { client } = clientFor(sim);
    for (const status of [400, 401, 403, 404]) {
      sim.inject({ path: '/taxii/discovery', status, statusMessage: { type: 'DENIED' } });
      const error = await failure(client.discover('/taxii/discovery'));
      expect({ code: error.code, status: error.status }).toEqual({
        code: 'TAXII_STATUS_DENIED',
        status,
      });
    }
  });

  it('names an unknown status_type without inventing a code for it', async () => {
    const sim = await simulator();
    const { client } = clientFor(sim);
    sim.inject({
      path: '/taxii/poll',
      statusMessage: { type: 'QUOTA_EXCEEDED', message: 'slow down' },
    });
    const error = await failure(pollAll(client, { path: '/taxii/poll', collection: 'c' }));
    expect(error).toMatchObject({ code: 'TAXII_STATUS_UNKNOWN', retryable: false });
    expect(error.message).toContain("Status_Message 'QUOTA_EXCEEDED': slow down");
  });

  it('answers refused credentials with UNAUTHORIZED over HTTP 200, or with HTTP 401', async () => {
    const otx = await simulator();
    const wrongKey = clientFor(otx, { username: 'not-my-key-0000000000' }).client;
    expect(await failure(wrongKey.discover('/taxii/discovery'))).toMatchObject({
      code: 'TAXII_STATUS_UNAUTHORIZED',
      retryable: false,
      status: 200,
    });
    const strict = await simulator({ unauthorized: 'http-401' });
    const wrongPassword = clientFor(strict, { username: SIM_USER, password: 'nope-nope' }).client;
    expect(await failure(wrongPassword.discover('/taxii/discovery'))).toMatchObject({
      code: 'TAXII_UNAUTHORIZED',
      retryable: false,
      status: 401,
    });
    const right = clientFor(strict, { username: SIM_USER, password: SIM_PASSWORD }).client;
    expect(await right.discover('/taxii/discovery')).toHaveLength(3);
  });

  it('answers an unknown collection with NOT_FOUND when the server does, else with nothing', async () => {
    const strict = await simulator({ unknownCollection: 'not-found' });
    const error = await failure(
      pollAll(clientFor(strict).client, { path: '/taxii/poll', collection: 'user_ghost' }),
    );
    expect(error).toMatchObject({ code: 'TAXII_STATUS_NOT_FOUND', retryable: false });
    expect(error.message).toContain('The collection user_ghost was not found (ITEM=user_ghost)');
    const otx = await simulator();
    const { result } = await pollAll(clientFor(otx).client, {
      path: '/taxii/poll',
      collection: 'user_ghost',
    });
    expect(result.blocks).toBe(0);
  });
});

describe('TAXII 1.1 simulator header checks', () => {
  const good = {
    'content-type': 'application/xml',
    'x-taxii-content-type': 'urn:taxii.mitre.org:message:xml:1.1',
    'x-taxii-accept': 'urn:taxii.mitre.org:message:xml:1.1',
    'x-taxii-services': 'urn:taxii.mitre.org:services:1.1',
    'x-taxii-protocol': 'urn:taxii.mitre.org:protocol:http:1.0',
    authorization: `Basic ${Buffer.from(`${SIM_API_KEY}:`).toString('base64')}`,
  };

  it('refuses a missing header as BAD_MESSAGE and a wrong one as unsupported', async () => {
    const sim = await simulator();
    const http = new HttpClient({ baseUrl: sim.url });
    const post = async (headers: Record<string, string>): Promise<string> => {
      const response = await http.request<string>({
        method: 'POST',
        path: '/taxii/discovery',
        headers,
        body: discoveryRequest().xml,
        expect: 'text',
      });
      return sim.requests.at(-1)!.answer + (response.status === 200 ? '' : '?');
    };
    const without = (name: string): Record<string, string> =>
      Object.fromEntries(Object.entries(good).filter(([key]) => key !== name));
    expect(await post(good)).toBe('Discovery_Response');
    expect(await post(without('x-taxii-accept'))).toBe('Status_Message:BAD_MESSAGE');
    expect(await post(without('x-taxii-services'))).toBe('Status_Message:BAD_MESSAGE');
    expect(await post({ ...good, 'content-type': 'text/plain' })).toBe(
      'Status_Message:BAD_MESSAGE',
    );
    expect(
      await post({ ...good, 'x-taxii-content-type': 'urn:taxii.mitre.org:message:xml:1.0' }),
    ).toBe('Status_Message:UNSUPPORTED_MESSAGE');
    expect(await post({ ...good, 'x-taxii-services': 'urn:taxii.mitre.org:services:1.0' })).toBe(
      'Status_Message:UNSUPPORTED_MESSAGE',
    );
    await http.close();
  });

  it('refuses a protocol binding it does not serve, and the client reports it', async () => {
    const sim = await simulator({ protocol: 'https' });
    const error = await failure(clientFor(sim).client.discover('/taxii/discovery'));
    expect(error.code).toBe('TAXII_STATUS_UNSUPPORTED_PROTOCOL');
    expect(error.message).toContain('SUPPORTED_PROTOCOL=urn:taxii.mitre.org:protocol:https:1.0');
  });
});

describe('TAXII 1.1 transport faults', () => {
  it('classifies each fault as retryable or not', async () => {
    const sim = await simulator();
    const { client } = clientFor(sim, { timeoutMs: 1_000 });
    const cases: [Parameters<typeof sim.inject>[0], string, boolean][] = [
      [{ path: '/taxii/poll', status: 503, body: 'maintenance' }, 'TAXII_SERVER_ERROR', true],
      [
        { path: '/taxii/poll', status: 500, statusMessage: { type: 'FAILURE' } },
        'TAXII_SERVER_ERROR',
        true,
      ],
      [{ path: '/taxii/poll', reset: true }, 'TAXII_NETWORK', true],
      [
        { path: '/taxii/poll', status: 200, body: pollResponseXml(), truncate: true },
        'TAXII_NETWORK',
        true,
      ],
      [
        { path: '/taxii/poll', status: 200, body: pollResponseXml().slice(0, 300) },
        'XML_MALFORMED',
        true,
      ],
      [{ path: '/taxii/poll', status: 200, body: '<a><b></a></b>' }, 'XML_MALFORMED', false],
      [{ path: '/taxii/poll', status: 200, body: '' }, 'XML_MALFORMED', true],
      [
        { path: '/taxii/poll', status: 200, body: 'Service temporarily down' },
        'XML_MALFORMED',
        false,
      ],
      [
        { path: '/taxii/poll', delayMs: 1_500, status: 200, body: pollResponseXml() },
        'TAXII_TIMEOUT',
        true,
      ],
      [
        { path: '/taxii/poll', status: 429, headers: { 'retry-after': '9' } },
        'TAXII_RATE_LIMITED',
        true,
      ],
      [
        {
          path: '/taxii/poll',
          status: 200,
          contentType: 'text/html',
          body: '<html><body>Login</body></html>',
        },
        'TAXII_UNEXPECTED_MESSAGE',
        false,
      ],
      [
        { path: '/taxii/poll', status: 404, contentType: 'text/html', body: '<h1>Not Found</h1>' },
        'TAXII_NOT_FOUND',
        false,
      ],
      [{ path: '/taxii/poll', status: 400, body: 'bad request' }, 'TAXII_BAD_REQUEST', false],
      [
        {
          path: '/taxii/poll',
          status: 200,
          body: `<Discovery_Response xmlns="${NS}" message_id="1" in_response_to="2"/>`,
        },
        'TAXII_UNEXPECTED_MESSAGE',
        false,
      ],
      [
        {
          path: '/taxii/poll',
          status: 200,
          body: '<taxii:Poll_Response xmlns:taxii="http://taxii.mitre.org/messages/taxii_xml_binding-1" message_id="1" in_response_to="2" feed_name="x"/>',
        },
        'TAXII_UNEXPECTED_MESSAGE',
        false,
      ],
    ];
    for (const [fault, code, retryable] of cases) {
      sim.inject(fault);
      const error = await failure(pollAll(client, { path: '/taxii/poll', collection: 'feed' }));
      expect(
        { code: error.code, retryable: error.retryable },
        JSON.stringify(fault).slice(0, 120),
      ).toEqual({
        code,
        retryable,
      });
    }
    // After all that, the same client still polls.
    const { blocks } = await pollAll(client, {
      path: '/taxii/poll',
      collection: 'user_AlienVault',
    });
    expect(blocks).toHaveLength(3);
  });

  it('fails a multi-part poll whose later part fails, keeping the part in the message', async () => {
    const sim = await simulator({ partSize: 1 });
    const { client } = clientFor(sim);
    sim.inject({
      path: '/taxii/poll',
      messageType: 'Poll_Fulfillment',
      status: 502,
      body: 'gateway',
    });
    const blocks: string[] = [];
    const error = await failure(
      client.poll({
        path: '/taxii/poll',
        collection: 'user_AlienVault',
        onBlock: (block) => void blocks.push(block.content),
      }),
    );
    expect(error).toMatchObject({ code: 'TAXII_SERVER_ERROR', retryable: true, status: 502 });
    expect(error.message).toMatch(
      /^TAXII 1\.1 poll of 'user_AlienVault' at \/taxii\/poll, result [0-9a-f-]+ part 2: HTTP 502 Bad Gateway: gateway$/,
    );
    expect(blocks).toHaveLength(1);
  });

  it('refuses a server that answers a fulfillment with the wrong part or says more without a result', async () => {
    const sim = await simulator();
    const { client } = clientFor(sim);
    const part = (attributes: string): string =>
      `<taxii_11:Poll_Response xmlns:taxii_11="${NS}" message_id="1" in_response_to="2" collection_name="c" ${attributes}/>`;
    sim.inject({ path: '/taxii/poll', status: 200, body: part('more="true"') });
    expect(await failure(pollAll(client, { path: '/taxii/poll', collection: 'c' }))).toMatchObject({
      code: 'TAXII_BAD_RESPONSE',
      message: expect.stringContaining('more="true" without a result_id') as string,
    });
    sim.inject({
      path: '/taxii/poll',
      status: 200,
      body: part('more="true" result_id="r" result_part_number="1"'),
    });
    sim.inject({
      path: '/taxii/poll',
      status: 200,
      body: part('more="true" result_id="r" result_part_number="1"'),
    });
    expect(await failure(pollAll(client, { path: '/taxii/poll', collection: 'c' }))).toMatchObject({
      code: 'TAXII_BAD_RESPONSE',
      message: expect.stringContaining('answered with part 1') as string,
    });
  });

  it('stops a poll the step cancels', async () => {
    const packages = generateStix1Packages(4, 1);
    const sim = await simulator({
      partSize: 2,
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
    const controller = new AbortController();
    const error = await failure(
      client.poll({
        path: '/taxii/poll',
        collection: 'feed',
        signal: controller.signal,
        onBlock: () => controller.abort(),
      }),
    );
    expect(error).toMatchObject({ code: 'TAXII_ABORTED', retryable: true });
    expect(sim.requests).toHaveLength(1);
  });
});

describe('TAXII 1.1 credentials', () => {
  it('never puts the password in an error or a call record', async () => {
    const sim = await simulator();
    const { client, calls } = clientFor(sim, { username: SIM_USER, password: SIM_PASSWORD });
    const basic = Buffer.from(`${SIM_USER}:${SIM_PASSWORD}`).toString('base64');
    const echoes = [
      { status: 500, body: `internal error for ${SIM_USER}:${SIM_PASSWORD}` },
      { status: 400, contentType: 'text/plain', body: `bad password ${SIM_PASSWORD}` },
      { statusMessage: { type: 'UNAUTHORIZED', message: `password ${SIM_PASSWORD} expired` } },
      {
        statusMessage: {
          type: 'FAILURE',
          message: 'auth',
          details: { AUTHORIZATION: `Basic ${basic}` },
        },
      },
      { status: 200, body: `<oops>${SIM_PASSWORD}` },
      { status: 200, body: `<a>&${SIM_PASSWORD};</a>` },
    ];
    const messages: string[] = [];
    for (const echo of echoes) {
      sim.inject({ path: '/taxii/poll', ...echo });
      const error = await failure(pollAll(client, { path: '/taxii/poll', collection: 'c' }));
      messages.push(error.message);
    }
    const recorded = JSON.stringify({ messages, calls });
    expect(recorded).not.toContain(SIM_PASSWORD);
    expect(recorded).not.toContain(basic);
    expect(calls).toHaveLength(echoes.length);
    expect(messages[2]).toContain('password [REDACTED] expired');
  });

  it('treats the OTX API key (the user name, with an empty password) as the secret', async () => {
    const sim = await simulator();
    const { client, calls } = clientFor(sim);
    sim.inject({
      path: '/taxii/collections',
      statusMessage: { type: 'UNAUTHORIZED', message: `API key ${SIM_API_KEY} is revoked` },
    });
    sim.inject({ path: '/taxii/discovery', status: 502, body: `upstream refused ${SIM_API_KEY}` });
    const errors = [
      await failure(client.collections('/taxii/collections')),
      await failure(client.discover('/taxii/discovery')),
    ];
    const recorded = JSON.stringify({ messages: errors.map((e) => e.message), calls });
    expect(recorded).not.toContain(SIM_API_KEY);
    expect(errors[0]!.message).toContain('API key [REDACTED] is revoked');
  });
});

function pollResponseXml(): string {
  return (
    `<taxii_11:Poll_Response xmlns:taxii_11="${NS}" message_id="1" in_response_to="2" collection_name="feed" more="false">` +
    '<taxii_11:Inclusive_End_Timestamp>2026-03-01T00:00:00+00:00</taxii_11:Inclusive_End_Timestamp>' +
    '<taxii_11:Content_Block><taxii_11:Content_Binding binding_id="urn:stix.mitre.org:xml:1.1.1"/>' +
    '<taxii_11:Content><stix:STIX_Package xmlns:stix="http://stix.mitre.org/stix-1" id="x:Package-1" version="1.1.1"/></taxii_11:Content>' +
    '<taxii_11:Timestamp_Label>2026-02-28T12:00:00+00:00</taxii_11:Timestamp_Label></taxii_11:Content_Block>' +
    '</taxii_11:Poll_Response>'
  );
}
