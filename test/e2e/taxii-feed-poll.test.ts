import { afterEach, describe, expect, it } from 'vitest';
import { labEngine, type LabEngine } from './lab-engine.js';

let lab: LabEngine | null = null;
afterEach(async () => {
  await lab?.close();
  lab = null;
});

describe('playbooks/taxii-feed-poll.yaml against the TAXII 2.1 simulator', () => {
  it('polls the feed into the indicator store, journaling every request and the counts', async () => {
    lab = await labEngine();
    const run = await lab.engine.start('taxii-feed-poll', {}, null);
    await lab.engine.idle();
    const summary = await lab.engine.summary(run);
    expect(summary.status).toBe('completed');
    expect(summary.outputs).toMatchObject({ feed: 'cti', expired: 0 });
    expect(summary.outputs.added as number).toBeGreaterThan(0);
    expect(summary.outputs.unsupported as number).toBeGreaterThan(0);
    expect(await lab.local.intel.count()).toBeGreaterThan(0);

    const { entries, text, verification } = await lab.journal(run);
    expect(verification.ok).toBe(true);
    const requests = entries.filter((e) => e.kind === 'request').map((e) => e.summary);
    expect(requests[0]).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/taxii2\/ → 200/);
    expect(requests.some((r) => r.includes('/objects/'))).toBe(true);
    expect(entries.find((e) => e.kind === 'note')!.summary).toMatch(
      /^Feed cti \(.*\): \d+ objects, \d+ indicators: \d+ added/,
    );
    for (const secret of lab.secrets) expect(text).not.toContain(secret);

    // The next run starts at the watermark the first one left.
    const second = await lab.engine.start('taxii-feed-poll', {}, null);
    await lab.engine.idle();
    expect((await lab.engine.summary(second)).outputs).toMatchObject({ objects: 0, added: 0 });
  });
});
