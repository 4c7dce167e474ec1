import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ofKind, secdoHarness, type SecdoHarness } from './harness.js';

/** The guide's McAfee ePO example. */
const MCAFEE = {
  timestamp: '1493209485000',
  vendor: 'McAfee',
  product: 'ePO',
  agent_ip: '192.168.52.131',
  file_path: 'c:\\temp\\55\\pageant.exe',
  severity: 'HIGH',
  event_id: 1674573196751,
};

let h: SecdoHarness;
beforeEach(async () => {
  h = await secdoHarness();
});
afterEach(() => h.close());

describe('secdo.enrich_file_event', () => {
  it('posts a SuspiciousFileEvent with the path as given and journals host and file', async () => {
    const run = await h.step('secdo.enrich_file_event', MCAFEE);
    expect(run.summary.status).toBe('completed');
    expect(h.sim.accepted()).toEqual([
      {
        company: 'acme',
        apikey: h.apikey,
        timestamp: '1493209485000',
        vendor: 'McAfee',
        product: 'ePO',
        agent_ip: '192.168.52.131',
        file_path: 'c:\\temp\\55\\pageant.exe',
        type: 'SuspiciousFileEvent',
        severity: 'HIGH',
        event_id: '1674573196751',
      },
    ]);
    expect(run.output).toEqual({
      accepted: true,
      company: 'acme',
      timestamp: '1493209485000',
      vendor: 'McAfee',
      product: 'ePO',
      agent_ip: '192.168.52.131',
      file_path: 'c:\\temp\\55\\pageant.exe',
      type: 'SuspiciousFileEvent',
      severity: 'HIGH',
      event_id: '1674573196751',
    });
    expect(ofKind(run.entries, 'evidence')[0]!.artifacts).toEqual([
      { type: 'ip', value: '192.168.52.131', label: 'agent' },
      { type: 'file', value: 'c:\\temp\\55\\pageant.exe' },
    ]);
  });

  it('needs no severity nor event id', async () => {
    const run = await h.step('secdo.enrich_file_event', {
      timestamp: '2017-06-14T16:31:09Z',
      vendor: MCAFEE.vendor,
      product: MCAFEE.product,
      agent_ip: MCAFEE.agent_ip,
      file_path: MCAFEE.file_path,
    });
    expect(run.output).toMatchObject({ timestamp: '1497457869000' });
    expect(Object.keys(h.sim.accepted()[0] as object)).toEqual([
      'company',
      'apikey',
      'timestamp',
      'vendor',
      'product',
      'agent_ip',
      'file_path',
      'type',
    ]);
  });

  it.each([
    [{ agent_ip: 'WKS-FIN-017' }, /argument 'agent_ip' must be an IPv4 or IPv6 address/],
    [{ file_path: '' }, /argument 'file_path' must be a non-empty string/],
    [{ severity: 'INFORMATIONAL' }, /argument 'severity' must be one of LOW, MEDIUM, HIGH/],
  ])('refuses %j before any request', async (change, message) => {
    const run = await h.step(
      'secdo.enrich_file_event',
      { ...MCAFEE, ...change },
      { dynamic: true },
    );
    expect(run.summary.error).toMatch(message);
    expect(h.sim.enrichments).toEqual([]);
  });

  it('has no type argument: a file event is always SuspiciousFileEvent', async () => {
    await expect(
      h.step('secdo.enrich_file_event', { ...MCAFEE, type: 'OutgoingConnectionEvent' }),
    ).rejects.toThrow(/has no argument 'type'/);
  });
});
