import type { RunSummary } from '../runtime/local/local-engine.js';
import type { RunDetails } from '../runtime/run-views.js';

/** Thrown by commands for an expected failure: printed without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** The run object of `soar run --json` and `soar approve --json`. */
export function runJson(summary: RunSummary): Record<string, unknown> {
  const { run, incident, status, outputs, approvals, error } = summary;
  return { run, incident, status, outputs, approvals, ...(error ? { error } : {}) };
}

/** `approveFlags`: what `soar approve` needs besides the id (`--redis` for the distributed runtime). */
export function printRunSummary(summary: RunSummary, journalFile: string, approveFlags = ''): void {
  const lines = [
    `run ${summary.run}: ${summary.status}${summary.incident ? ` (incident ${summary.incident})` : ''}`,
  ];
  if (summary.error) lines.push(`error: ${summary.error}`);
  if (Object.keys(summary.outputs).length > 0)
    lines.push(`outputs: ${JSON.stringify(summary.outputs, null, 2)}`);
  for (const approval of summary.approvals) {
    lines.push(`waiting for approval ${approval.id} (step ${approval.step}): ${approval.prompt}`);
    lines.push(`  options: ${approval.options.join(', ')}`);
    lines.push(
      `  decide with: npx soar approve ${approval.id} <option> --as <name>${approveFlags}`,
    );
  }
  lines.push(`journal: ${journalFile}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function exitCodeOf(summary: RunSummary): number {
  return summary.status === 'failed' ? 1 : 0;
}

/** `soar runs show`: the summary, then the pinned playbook and what the run waits on. */
export function printRunDetails(details: RunDetails, journalName: string, approveFlags = ''): void {
  printRunSummary(details, journalName, approveFlags);
  const lines = [
    `playbook: ${details.playbook.id} (${details.playbook.hash.slice(0, 12)}), ${details.events} events, last at ${details.updated_at}`,
    ...details.pending.map((p) => `pending: ${p.kind} ${p.step}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
