import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecdoSimulator } from '../../../integrations/secdo/simulator.js';

let sim: SecdoSimulator;
beforeEach(async () => {
  sim = await SecdoSimulator.start();
});
afterEach(() => sim.close());

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const enrich = (body: unknown) => post('/publicapi/v2/enrich_with_secdo/', body);

const NETWORK = {
  company: 'acme',
  timestamp: '1490209247000',
  vendor: 'Palo Alto Networks',
  product: 'PAN-OS',
  source_ip: '192.168.204.133',
  destination_ip: '66.186.100.181',
  destination_port: '9000',
  type: 'OutgoingConnectionEvent',
};

describe('SECDO simulator', () => {
  it('answers 200 `true` to a complete network event and records it', async () => {
    const sent = { ...NETWORK, apikey: sim.apikey };
    const answer = await enrich(sent);
    expect(answer).toMatchObject({ status: 200, text: 'true' });
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(sim.enrichments).toEqual([{ body: sent, status: 200, answer: 'true' }]);
  });

  it('names every missing mandatory field of a network event (an invented DRF-style 400)', async () => {
    const answer = await enrich({
      company: 'acme',
      apikey: sim.apikey,
      type: 'IncomingConnectionEvent',
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toEqual({
      timestamp: ['This field is required.'],
      vendor: ['This field is required.'],
      product: ['This field is required.'],
      source_ip: ['This field is required.'],
      destination_ip: ['This field is required.'],
      destination_port: ['This field is required.'],
    });
    expect(sim.accepted()).toEqual([]);
    expect(sim.enrichments).toHaveLength(1);
  });

  it('requires the file fields of a SuspiciousFileEvent, and a type at all', async () => {
    const file = await enrich({
      company: 'acme',
      apikey: sim.apikey,
      type: 'SuspiciousFileEvent',
      timestamp: '1497457869000',
      vendor: 'McAfee',
      product: 'ePO',
    });
    expect(JSON.parse(file.text)).toEqual({
      agent_ip: ['This field is required.'],
      file_path: ['This field is required.'],
    });
    const untyped = await enrich({ ...NETWORK, apikey: sim.apikey, type: undefined });
    expect(JSON.parse(untyped.text)).toEqual({ type: ['This field is required.'] });
  });

  it('refuses values outside the enums, non-strings and a non-epoch timestamp', async () => {
    const answer = await enrich({
      ...NETWORK,
      apikey: sim.apikey,
      type: 'LateralMovementEvent',
      severity: 'low',
    });
    expect(JSON.parse(answer.text)).toMatchObject({
      type: ['"LateralMovementEvent" is not a valid choice.'],
    });
    const typed = await enrich({
      ...NETWORK,
      apikey: sim.apikey,
      severity: 'low',
      destination_port: 9000,
      timestamp: '2017-03-22T19:00:47Z',
    });
    expect(JSON.parse(typed.text)).toEqual({
      severity: ['"low" is not a valid choice.'],
      destination_port: ['Not a valid string.'],
      timestamp: ['Enter a UTC epoch timestamp in milliseconds.'],
    });
  });

  it('checks the key and company before the fields (403)', async () => {
    expect(await enrich({ ...NETWORK, apikey: 'x' })).toMatchObject({
      status: 403,
      text: '{"detail":"Invalid API key or company."}',
    });
    expect(await enrich({ type: 'OutgoingConnectionEvent' })).toMatchObject({ status: 403 });
  });

  it('answers like a Django service to bad JSON, a missing slash, a GET and an unknown path', async () => {
    expect(await enrich('{"company": ')).toMatchObject({
      status: 400,
      text: '{"detail":"JSON parse error - Invalid JSON"}',
    });
    const unslashed = await post('/publicapi/v2/enrich_with_secdo', NETWORK);
    expect(unslashed.status).toBe(301);
    expect(unslashed.headers.get('location')).toBe('/publicapi/v2/enrich_with_secdo/');
    const get = await fetch(`${sim.url}/publicapi/v2/enrich_with_secdo/`);
    expect(get.status).toBe(405);
    const missing = await post('/publicapi/v3/enrich/', NETWORK);
    expect(missing.status).toBe(404);
    expect(missing.text).toMatch(/<title>Not Found<\/title>/);
  });

  it('command API: key in API-KEY, command in COMMAND-NAME, company in the body', async () => {
    const headers = { 'API-KEY': sim.apikey, 'COMMAND-NAME': 'get_agents' };
    const agents = await post('/publicapiv2/run/command/', { company: 'acme' }, headers);
    expect(JSON.parse(agents.text).agents).toHaveLength(3);
    const noKey = await post(
      '/publicapiv2/run/command/',
      { company: 'acme' },
      { 'COMMAND-NAME': 'get_agents' },
    );
    expect(noKey.status).toBe(403);
    const unknown = await post(
      '/publicapiv2/run/command/',
      { company: 'acme' },
      { ...headers, 'COMMAND-NAME': 'wipe' },
    );
    expect(unknown).toMatchObject({
      status: 400,
      text: '{"detail":"Unknown command \\"wipe\\"."}',
    });
    const offline = await post(
      '/publicapiv2/run/command/',
      { company: 'acme', host_name: 'LAP-HR-044', comment: '' },
      { ...headers, 'COMMAND-NAME': 'isolate' },
    );
    expect(JSON.parse(offline.text)).toEqual({
      reply: { error: 'Agent on LAP-HR-044 is not connected' },
    });
    const badIoc = await post(
      '/publicapiv2/run/command/',
      {
        company: 'acme',
        severity: 'HIGH',
        ioc_data: 'x',
        source: 's',
        operations: 'NUKE',
        artifacts_type: 'md5hash',
      },
      { ...headers, 'COMMAND-NAME': 'load_ioc' },
    );
    expect(JSON.parse(badIoc.text)).toEqual({ reason: 'invalid operations: NUKE' });
  });

  it('injected faults hit only their route and are used up', async () => {
    sim.inject(
      { kind: 'status', status: 502, body: 'Bad Gateway' },
      { route: 'command', times: 2 },
    );
    expect((await enrich({ ...NETWORK, apikey: sim.apikey })).status).toBe(200);
    const headers = { 'API-KEY': sim.apikey, 'COMMAND-NAME': 'get_agents' };
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await post('/publicapiv2/run/command/', { company: 'acme' }, headers)).status);
    expect(statuses).toEqual([502, 502, 200]);
  });
});
