import { describe, expect, it } from 'vitest';
import { addComment } from '../../../integrations/cybereason/commands/add-comment.js';
import { isolateMachine } from '../../../integrations/cybereason/commands/isolate-machine.js';
import { updateMalopStatus } from '../../../integrations/cybereason/commands/update-malop-status.js';
import { contextFor, failure, run, simulator } from './helpers.js';

const FIN023 = 'PYLUMCLIENT_INTEGRATION_WS-FIN-023_0050569F1A2B';

describe('cybereason.update_malop_status', () => {
  it('sets the status', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    const out = await run(updateMalopStatus, ctx, {
      malop_guid: 'AAAA0w7GERjl3oae',
      status: 'CLOSED',
    });
    expect(out).toEqual({ malop_guid: 'AAAA0w7GERjl3oae', status: 'CLOSED', dry_run: false });
    expect(JSON.parse(sim.requests.at(-1)!.body)).toEqual({ AAAA0w7GERjl3oae: 'CLOSED' });
    expect(sim.state.crimeStatus('AAAA0w7GERjl3oae')).toBe('CLOSED');
  });

  it('fails when the server does not confirm, and refuses unknown statuses', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    const error = await failure(
      run(updateMalopStatus, ctx, { malop_guid: 'AAAAnotthere0000', status: 'OPEN' }),
    );
    expect(error).toMatchObject({ code: 'REJECTED', retryable: false });
    expect(error.message).toMatch(/No malop with guid AAAAnotthere0000/);
    expect(
      await failure(
        run(updateMalopStatus, ctx, { malop_guid: 'AAAA0w7GERjl3oae', status: 'DONE' }),
      ),
    ).toMatchObject({ code: 'BAD_INPUT' });
  });
});

describe('cybereason.add_comment', () => {
  it('sends the raw text and the comment is on the malop', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    const text = 'Blocked 192.0.2.77 on FortiGate — ticket #4711, "approved"';
    expect(await run(addComment, ctx, { malop_guid: 'AAAA0ws7O-MUgDmB', comment: text })).toEqual({
      malop_guid: 'AAAA0ws7O-MUgDmB',
      added: true,
      dry_run: false,
    });
    expect(sim.state.comments('AAAA0ws7O-MUgDmB')).toEqual([text]);
  });

  it('fails on an unknown malop', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    expect(
      await failure(run(addComment, ctx, { malop_guid: 'AAAAnotthere0000', comment: 'x' })),
    ).toMatchObject({ code: 'HTTP_4XX', retryable: false });
  });
});

describe('cybereason.isolate_machine', () => {
  it('isolates and un-isolates by sensor id', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    expect(await run(isolateMachine, ctx, { pylum_ids: [FIN023] })).toEqual({
      action: 'isolate',
      succeeded: [FIN023],
      dry_run: false,
    });
    expect(sim.state.machine(FIN023)!.isolated).toBe(true);
    await run(isolateMachine, ctx, { pylum_ids: [FIN023], action: 'unisolate' });
    expect(sim.state.machine(FIN023)!.isolated).toBe(false);
    expect(sim.requests.at(-1)!.path).toBe('/rest/monitor/global/commands/un-isolate');
  });

  it('fails naming the sensors that did not succeed', async () => {
    const sim = await simulator();
    const { ctx, journal } = contextFor(sim);
    const error = await failure(run(isolateMachine, ctx, { pylum_ids: [FIN023, 'PYLUM_GONE'] }));
    expect(error).toMatchObject({ code: 'ISOLATION_FAILED', retryable: false });
    expect(error.message).toBe(`isolate failed for PYLUM_GONE (Failed); succeeded for ${FIN023}`);
    expect(journal.notes).toEqual(['1 machines isolated']);
  });

  it('changes nothing in dry-run mode', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim, { dryRun: true });
    expect(await run(isolateMachine, ctx, { pylum_ids: [FIN023] })).toMatchObject({
      dry_run: true,
    });
    expect(sim.state.machine(FIN023)!.isolated).toBe(false);
    expect(sim.requests).toHaveLength(0);
  });
});
