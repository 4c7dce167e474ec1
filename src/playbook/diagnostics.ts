/** A problem found in a playbook, located for the analyst who has to fix it. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  /** The YAML path, e.g. `steps.enrich.with.ip`. Empty for the document itself. */
  path: string;
  /** A stable code, e.g. `schema`, `unknown-target`, `unreachable`. */
  code: DiagnosticCode;
  message: string;
}

export type DiagnosticCode =
  | 'too-large'
  | 'not-text'
  | 'yaml'
  | 'alias-limit'
  | 'forbidden-key'
  | 'schema'
  | 'duplicate-id'
  | 'unknown-target'
  | 'unreachable'
  | 'unbounded-loop'
  | 'unknown-uses'
  | 'bad-argument'
  | 'expression'
  | 'unknown-reference'
  | 'branch-escape'
  | 'unknown-playbook'
  | 'bad-schedule';

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.path ? ` (at ${d.path})` : '';
  return `${d.file}:${d.line}:${d.col}: ${d.message}${where}`;
}

/** Thrown when a playbook cannot be used; carries every problem found. */
export class PlaybookInvalidError extends Error {
  override readonly name = 'PlaybookInvalidError';
  readonly code = 'PLAYBOOK_INVALID';
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
  }
}
