import { MemoryJournalStore } from '../../src/journal/index.js';
import type { JournalDraft, JournalEntry } from '../../src/journal/index.js';
import { draft as baseDraft } from './helpers.js';

const draft = (n: number, overrides: Partial<JournalDraft>): JournalDraft =>
  baseDraft(n, { incident: 'INC-7', ...overrides });

/** A phishing run: evidence, an approval decided by a user, another that timed out, outputs. */
export async function phishingJournal(): Promise<JournalEntry[]> {
  const store = new MemoryJournalStore();
  const engine = { kind: 'system', id: 'engine' } as const;
  return store.append('INC-7', [
    draft(1, {
      kind: 'incident.created',
      actor: engine,
      run: null,
      step: null,
      summary: 'Phishing reported | by mail',
    }),
    draft(2, { kind: 'run.started', actor: engine, step: null, summary: 'Run started' }),
    draft(3, {
      kind: 'evidence',
      step: 'enrich',
      actor: { kind: 'integration', id: 'virustotal' },
      summary: 'Sender IP is malicious <script>alert(1)</script>',
      artifacts: [
        { type: 'ip', value: '203.0.113.9', label: 'sender' },
        { type: 'domain', value: 'evil.example' },
      ],
    }),
    draft(4, {
      kind: 'evidence',
      step: 'enrich',
      summary: 'Same IP seen in proxy logs',
      artifacts: [{ type: 'ip', value: '203.0.113.9' }],
    }),
    draft(5, {
      kind: 'approval.requested',
      step: 'block',
      summary: 'Block sender IP?',
      data: {
        approval: 'apr-1',
        prompt: 'Block 203.0.113.9 at the firewall?',
        options: ['block', 'ignore'],
      },
    }),
    draft(6, {
      kind: 'approval.decided',
      step: 'block',
      actor: { kind: 'user', id: 'alice' },
      summary: 'alice chose block',
      data: { approval: 'apr-1', option: 'block', by: 'alice' },
    }),
    draft(7, {
      kind: 'approval.requested',
      step: 'notify',
      summary: 'Notify the CEO?',
      data: { approval: 'apr-2', prompt: 'Notify?', options: [{ id: 'yes', label: 'Yes' }] },
    }),
    draft(8, {
      kind: 'approval.timed_out',
      step: 'notify',
      summary: 'No answer',
      data: { approval: 'apr-2' },
    }),
    draft(9, {
      kind: 'run.finished',
      step: null,
      summary: 'Run finished',
      data: { status: 'succeeded', outputs: { blocked: ['203.0.113.9'], ticket: 'SEC-1' } },
    }),
  ]);
}
