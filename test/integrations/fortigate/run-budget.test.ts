import { afterEach, describe, expect, it } from 'vitest';
import { FortiGate } from '../../../integrations/fortigate/client.js';
import { RunBudget, runTag } from '../../../integrations/fortigate/run-budget.js';
import { fortigateHarness, type FortiGateHarness } from './harness.js';

let h: FortiGateHarness;
afterEach(() => h?.close());

describe('the per-run budget', () => {
  it('counts what the run already created on the device, as a new process would', async () => {
    h = await fortigateHarness({
      simulator: {
        seed: {
          vdoms: {
            root: {
              'firewall/address': [
                {
                  name: 'soar-203.0.113.1',
                  subnet: '203.0.113.1/32',
                  comment: `x ${runTag('run-a')}`,
                },
                {
                  name: 'soar-203.0.113.2',
                  subnet: '203.0.113.2/32',
                  comment: `x ${runTag('run-a')}`,
                },
                {
                  name: 'soar-203.0.113.3',
                  subnet: '203.0.113.3/32',
                  comment: `x ${runTag('run-b')}`,
                },
              ],
            },
          },
        },
      },
    });
    const ctx = h.context();
    await FortiGate.with(ctx, 'root', async (fortigate) => {
      const budget = await RunBudget.load(fortigate, {
        instance: 'resumed-process',
        run: 'run-a',
        cap: 3,
        ipv6: false,
      });
      expect(budget.take('soar-203.0.113.1')).toBe(true); // a retry of its own block: free
      expect(budget.take('soar-203.0.113.9')).toBe(true);
      expect(budget.take('soar-203.0.113.10')).toBe(false);
    });
    await ctx.http.close();
  });
});
