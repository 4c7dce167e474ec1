import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ofKind, secdoHarness, type SecdoHarness } from './harness.js';

/** The guide's Check Point example, with the time as ISO-8601. */
const CHECK_POINT = {
  timestamp: '2017-04-26T12:24:45Z',
  vendor: 'Check Point',
  product: 'FireWall-1 GX',
  source_port: 59661,
  destination_ip: '137.254.120.31',
  source_ip: '192.168.52.131',
  destination_port: 80,
  type: 'OutgoingConnectionEvent',
  severity: 'HIGH',
  event_id: '1674573196751',
};

let h: SecdoHarness;
beforeEach(async () => {
  h = await secdoHarness();
});
afterEach(() => h.close());

describe('secdo.enrich_network_event', () => {
  it('posts every field as a string, with company and apikey, and is accepted', async () => {
    const run = await h.step('secdo.enrich_network_event', CHECK_POINT);
    expect(run.summary.status).toBe('completed');
    expect(h.sim.accepted()).toEqual([
      {
        company: 'acme',
        apikey: h.apikey,
        timestamp: '1493209485000',
        vendor: 'Check Point',
        product: 'FireWall-1 GX',
        source_port: '59661',
        destination_ip: '137.254.120.31',
        source_ip: '192.168.52.131',
        destination_port: '80',
        type: 'OutgoingConnectionEvent',
        severity: 'HIGH',
        event_id: '1674573196751',
      },
    ]);
    expect(run.output).toEqual({
      accepted: true,
      company: 'acme',
      timestamp: '1493209485000',
      vendor: 'Check Point',
      product: 'FireWall-1 GX',
      source_port: '59661',
      destination_ip: '137.254.120.31',
      source_ip: '192.168.52.131',
      destination_port: '80',
      type: 'OutgoingConnectionEvent',
      severity: 'HIGH',
      event_id: '1674573196751',
    });
    expect(ofKind(run.entries, 'evidence').map((e) => e.artifacts)).toEqual([
      [
        { type: 'ip', value: '192.168.52.131', label: 'source' },
        { type: 'ip', value: '137.254.120.31', label: 'destination' },
      ],
    ]);
    expect(ofKind(run.entries, 'request')[0]!.summary).toMatch(
      /^POST http:\/\/127\.0\.0\.1:\d+\/publicapi\/v2\/enrich_with_secdo\/ → 200 /,
    );
    expect(run.stored).not.toContain(h.apikey);
  });

  it('takes epoch milliseconds, defaults the type to outgoing and leaves out what was not given', async () => {
    const run = await h.step('secdo.enrich_network_event', {
      timestamp: 1490209247000,
      vendor: 'Palo Alto Networks',
      product: 'PAN-OS',
      source_ip: '192.168.204.133',
      destination_ip: '66.186.100.181',
      destination_port: '9000',
    });
    expect(run.summary.status).toBe('completed');
    const [sent] = h.sim.accepted() as Record<string, unknown>[];
    expect(sent).toMatchObject({ timestamp: '1490209247000', type: 'OutgoingConnectionEvent' });
    expect(Object.keys(sent!)).not.toContain('source_port');
    expect(Object.keys(sent!)).not.toContain('severity');
    expect(Object.keys(sent!)).not.toContain('event_id');
  });

  it('converts ISO-8601 with an offset and fractions to UTC epoch ms', async () => {
    const run = await h.step(
      'secdo.enrich_network_event',
      {
        ...CHECK_POINT,
        timestamp: '2017-04-26T21:24:45.250+09:00',
        type: 'IncomingConnectionEvent',
      },
      { dynamic: true },
    );
    expect(run.output).toMatchObject({
      timestamp: '1493209485250',
      type: 'IncomingConnectionEvent',
    });
  });

  it.each([
    [
      { severity: 'high' },
      /argument 'severity' must be one of LOW, MEDIUM, HIGH \(SECDO's values are upper case/,
    ],
    [
      { severity: 'CRITICAL' },
      /argument 'severity' must be one of LOW, MEDIUM, HIGH, got "CRITICAL"/,
    ],
    [
      { type: 'SuspiciousFileEvent' },
      /argument 'type' must be one of OutgoingConnectionEvent, IncomingConnectionEvent/,
    ],
    [{ source_ip: 'not-an-ip' }, /argument 'source_ip' must be an IPv4 or IPv6 address/],
    [
      { destination_ip: null },
      /argument 'destination_ip' must be an IPv4 or IPv6 address, got null/,
    ],
    [{ destination_port: 70000 }, /argument 'destination_port' must be a port number/],
    [{ timestamp: 1490209247 }, /looks like epoch seconds/],
    [
      { timestamp: '2017-02-30T10:00:00Z' },
      /argument 'timestamp' must be an ISO-8601 date-time with a zone/,
    ],
    [
      { timestamp: '2017-04-26T12:24:45' },
      /argument 'timestamp' must be an ISO-8601 date-time with a zone/,
    ],
    [{ vendor: '  ' }, /argument 'vendor' must be a non-empty string/],
  ])('refuses %j at run time, before any request', async (change, message) => {
    const run = await h.step(
      'secdo.enrich_network_event',
      { ...CHECK_POINT, ...change },
      { dynamic: true, retry: 2 },
    );
    expect(run.summary.status).toBe('failed');
    expect(run.summary.error).toMatch(message);
    const failed = ofKind(run.entries, 'step.failed')[0]!;
    expect(failed.data).toMatchObject({ error: { code: 'BAD_INPUT', retryable: false } });
    expect(h.sim.enrichments).toEqual([]);
  });

  it('refuses a literal argument outside the enum when the playbook is validated', async () => {
    await expect(
      h.step('secdo.enrich_network_event', { ...CHECK_POINT, severity: 'low' }),
    ).rejects.toThrow(/severity/);
    await expect(
      h.step('secdo.enrich_network_event', { ...CHECK_POINT, destination_port: undefined }),
    ).rejects.toThrow(/needs the argument 'destination_port'/);
    expect(h.sim.enrichments).toEqual([]);
  });
});
