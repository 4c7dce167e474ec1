import type { ArtifactType, JournalEntry } from './entry.js';
import { verifyEntries } from './verify.js';
import type { VerifyResult } from './verify.js';
import { collectApprovals, fieldText } from './report-approvals.js';
import type { ApprovalRecord } from './report-approvals.js';

export interface ReportModel {
  journal: {
    id: string | null;
    title: string;
    incidents: string[];
    firstAt: string | null;
    lastAt: string | null;
    entries: number;
  };
  verification: VerifyResult;
  runs: {
    run: string;
    startedAt: string | null;
    finishedAt: string | null;
    status: string | null;
  }[];
  timeline: {
    seq: number;
    at: string;
    kind: string;
    step: string | null;
    actor: string;
    summary: string;
  }[];
  artifacts: { type: ArtifactType; value: string; labels: string[]; seqs: number[] }[];
  approvals: ApprovalRecord[];
  outputs: {
    run: string | null;
    seq: number;
    at: string;
    status: string | null;
    outputs: unknown;
  }[];
}

export interface ReportOptions {
  title?: string;
  /** The journal key; defaults to the incident (or run) the entries share. */
  journal?: string;
  /**
   * Verification of the stored bytes (verifyJournalText). Pass it when the entries come
   * from a file: lines that are not JSON never become entries, so only the text shows them.
   */
  verification?: VerifyResult;
}

export function buildReportModel(
  entries: readonly JournalEntry[],
  options: ReportOptions = {},
): ReportModel {
  const incidents = distinct(entries.map((entry) => entry.incident));
  const runIds = distinct(entries.map((entry) => entry.run));
  const id = options.journal ?? incidents[0] ?? runIds[0] ?? null;
  return {
    journal: {
      id,
      title: options.title ?? `Evidence report${id === null ? '' : `: ${id}`}`,
      incidents,
      firstAt: entries[0]?.at ?? null,
      lastAt: entries.at(-1)?.at ?? null,
      entries: entries.length,
    },
    verification: options.verification ?? verifyEntries(entries),
    runs: runIds.map((run) => summarizeRun(run, entries)),
    timeline: entries.map((entry) => ({
      seq: entry.seq,
      at: entry.at,
      kind: entry.kind,
      step: entry.step,
      actor: `${entry.actor.kind}:${entry.actor.id}`,
      summary: entry.summary,
    })),
    artifacts: collectArtifacts(entries),
    approvals: collectApprovals(entries),
    outputs: entries
      .filter((entry) => entry.kind === 'run.finished')
      .map((entry) => ({
        run: entry.run,
        seq: entry.seq,
        at: entry.at,
        status: fieldText(entry.data?.status),
        outputs: entry.data?.outputs ?? null,
      })),
  };
}

function summarizeRun(run: string, entries: readonly JournalEntry[]): ReportModel['runs'][number] {
  const ofRun = entries.filter((entry) => entry.run === run);
  const finished = ofRun.findLast((entry) => entry.kind === 'run.finished');
  return {
    run,
    startedAt: ofRun.find((entry) => entry.kind === 'run.started')?.at ?? ofRun[0]?.at ?? null,
    finishedAt: finished?.at ?? null,
    status: fieldText(finished?.data?.status),
  };
}

function collectArtifacts(entries: readonly JournalEntry[]): ReportModel['artifacts'] {
  const byIdentity = new Map<string, ReportModel['artifacts'][number]>();
  for (const entry of entries) {
    for (const artifact of entry.artifacts ?? []) {
      const identity = JSON.stringify([artifact.type, artifact.value]);
      let record = byIdentity.get(identity);
      if (record === undefined) {
        record = { type: artifact.type, value: artifact.value, labels: [], seqs: [] };
        byIdentity.set(identity, record);
      }
      if (artifact.label !== undefined && !record.labels.includes(artifact.label)) {
        record.labels.push(artifact.label);
      }
      if (!record.seqs.includes(entry.seq)) record.seqs.push(entry.seq);
    }
  }
  return [...byIdentity.values()];
}

function distinct(values: readonly (string | null)[]): string[] {
  return [...new Set(values.filter((value): value is string => value !== null))];
}
