import type { JournalEntry } from './entry.js';

export interface ApprovalRecord {
  approval: string;
  run: string | null;
  step: string | null;
  prompt: string | null;
  options: string[];
  requested: { at: string; seq: number } | null;
  status: 'pending' | 'decided' | 'timed_out';
  decision: { option: string | null; by: string; at: string; seq: number } | null;
  timedOut: { at: string; seq: number } | null;
}

/** One record per approval id, joining its request, decision and timeout entries. */
export function collectApprovals(entries: readonly JournalEntry[]): ApprovalRecord[] {
  const byId = new Map<string, ApprovalRecord>();
  for (const entry of entries) {
    if (!entry.kind.startsWith('approval.')) continue;
    const approval = fieldText(entry.data?.approval);
    if (approval === null) continue;
    const record = byId.get(approval) ?? newRecord(byId, approval, entry);
    const mark = { at: entry.at, seq: entry.seq };
    if (entry.kind === 'approval.requested') {
      record.prompt = fieldText(entry.data?.prompt);
      record.options = Array.isArray(entry.data?.options) ? entry.data.options.map(display) : [];
      record.requested = mark;
    } else if (entry.kind === 'approval.decided') {
      const by = fieldText(entry.data?.by) ?? entry.actor.id;
      record.decision = { option: fieldText(entry.data?.option), by, ...mark };
      record.status = 'decided';
    } else if (entry.kind === 'approval.timed_out') {
      record.timedOut = mark;
      if (record.status === 'pending') record.status = 'timed_out';
    }
  }
  return [...byId.values()];
}

function newRecord(
  byId: Map<string, ApprovalRecord>,
  approval: string,
  entry: JournalEntry,
): ApprovalRecord {
  const record: ApprovalRecord = {
    approval,
    run: entry.run,
    step: entry.step,
    prompt: null,
    options: [],
    requested: null,
    status: 'pending',
    decision: null,
    timedOut: null,
  };
  byId.set(approval, record);
  return record;
}

export function fieldText(value: unknown): string | null {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
}

/** Options may be plain strings or objects such as {id, label}. */
function display(value: unknown): string {
  if (typeof value === 'string') return value;
  const labelled = value as { label?: unknown; id?: unknown } | null;
  return fieldText(labelled?.label) ?? fieldText(labelled?.id) ?? JSON.stringify(value);
}
