import type { ReportModel } from './report-model.js';
import type { VerifyResult } from './verify.js';

/** Format-neutral report content: markdown and HTML render the same tables and wording. */
export interface ReportTable {
  title: string;
  columns: string[];
  rows: string[][];
}

export interface ReportOutput {
  heading: string;
  json: string;
}

export interface ReportSections {
  title: string;
  header: [label: string, value: string][];
  tables: ReportTable[];
  outputs: ReportOutput[];
}

export function reportSections(model: ReportModel): ReportSections {
  const { journal } = model;
  const runs = model.runs.map((run) =>
    run.status === null ? run.run : `${run.run} (${run.status})`,
  );
  return {
    title: journal.title,
    header: [
      ['Journal', journal.id ?? '-'],
      ['Incident', journal.incidents.join(', ') || '-'],
      ['Runs', runs.join(', ') || '-'],
      ['First entry', journal.firstAt ?? '-'],
      ['Last entry', journal.lastAt ?? '-'],
      ['Entries', String(journal.entries)],
      ['Chain', verificationText(model.verification)],
    ],
    tables: [
      {
        title: 'Timeline',
        columns: ['Seq', 'Time', 'Kind', 'Step', 'Actor', 'Summary'],
        rows: model.timeline.map((row) => [
          String(row.seq),
          row.at,
          row.kind,
          row.step ?? '',
          row.actor,
          row.summary,
        ]),
      },
      {
        title: 'Evidence',
        columns: ['Type', 'Value', 'Label', 'Entries (seq)'],
        rows: model.artifacts.map((artifact) => [
          artifact.type,
          artifact.value,
          artifact.labels.join(', '),
          artifact.seqs.join(', '),
        ]),
      },
      {
        title: 'Approvals',
        columns: [
          'Approval',
          'Step',
          'Prompt',
          'Options',
          'Requested',
          'Outcome',
          'Option',
          'By',
          'When',
        ],
        rows: model.approvals.map((approval) => [
          approval.approval,
          approval.step ?? '',
          approval.prompt ?? '',
          approval.options.join(', '),
          approval.requested?.at ?? '',
          approval.status.replace('_', ' '),
          approval.decision?.option ?? '',
          approval.decision?.by ?? '',
          approval.decision?.at ?? approval.timedOut?.at ?? '',
        ]),
      },
    ],
    outputs: model.outputs.map((output) => ({
      heading: `Run ${output.run ?? '(none)'}: ${output.status ?? 'unknown status'} (seq ${output.seq}, ${output.at})`,
      json: JSON.stringify(output.outputs, null, 2) ?? 'null',
    })),
  };
}

export function verificationText(result: VerifyResult): string {
  if (result.ok) return `verified: ${result.count} entries, head ${result.head}`;
  return `BROKEN at line ${result.firstBroken.line}: ${result.firstBroken.reason} (${result.count} entries verified before it)`;
}
