import type { CommandCatalog, PlaybookCatalog } from './catalog.js';
import { NO_PLAYBOOKS } from './catalog.js';
import type { Diagnostic } from './diagnostics.js';
import type { Playbook } from './schema.js';
import { checkSchema } from './schema-check.js';
import { checkSemantics } from './semantic-check.js';
import { parsePlaybookText } from './source.js';

export interface ValidationResult {
  playbook?: Playbook;
  diagnostics: Diagnostic[];
}

/**
 * Parses and checks a playbook: YAML safety, schema, then graph, commands, arguments and
 * expressions. A playbook is returned only when no problem was found.
 */
export function validatePlaybook(
  file: string,
  text: string | Uint8Array,
  commands: CommandCatalog,
  playbooks: PlaybookCatalog = NO_PLAYBOOKS,
): ValidationResult {
  const parsed = parsePlaybookText(file, text);
  if (!parsed.ok) return { diagnostics: parsed.diagnostics };
  const shaped = checkSchema(parsed.source);
  if (!shaped.playbook) return { diagnostics: sortDiagnostics(shaped.diagnostics) };
  const diagnostics = checkSemantics(parsed.source, shaped.playbook, commands, playbooks);
  if (diagnostics.length > 0) return { diagnostics: sortDiagnostics(diagnostics) };
  return { playbook: shaped.playbook, diagnostics: [] };
}

function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort((a, b) => a.line - b.line || a.col - b.col);
}
