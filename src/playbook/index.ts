export { advance, persistSnapshot, restoreSnapshot, startRun } from './advance.js';
export type { Advanced } from './advance.js';
export type { CommandCatalog, PlaybookCatalog } from './catalog.js';
export { compilePlaybook } from './compile.js';
export type { CompiledPlaybook } from './compile.js';
export { formatDiagnostic, PlaybookInvalidError } from './diagnostics.js';
export type { Diagnostic, DiagnosticCode } from './diagnostics.js';
export { parseDuration } from './duration.js';
export { toMermaid } from './mermaid.js';
export { effectKey, isEffectLive, isPendingKind } from './outbox.js';
export type { PendingEffect } from './outbox.js';
export type {
  IncidentView,
  IoEffect,
  RunContext,
  RunEvent,
  RunInput,
  RunOutcome,
} from './run-model.js';
export { matchesType } from './semantic-check.js';
export { publishedSchema } from './schema.js';
export type { InputDeclaration, Playbook, Step } from './schema.js';
export { validatePlaybook } from './validate.js';
export type { ValidationResult } from './validate.js';
export { InputError, resolveInputs } from './inputs.js';
