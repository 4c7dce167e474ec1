/**
 * What the validator needs to know about the world outside the playbook: which commands
 * exist (with their input schemas) and which playbooks can be called. Pure data.
 */
export interface CommandCatalog {
  /** JSON Schema of the command's input, or undefined when no such command exists. */
  inputSchema(uses: string): Record<string, unknown> | undefined;
  names(): string[];
}

export interface PlaybookCatalog {
  /** Declared inputs of a playbook, or undefined when there is no such playbook. */
  inputsOf(id: string): Record<string, { required?: boolean; default?: unknown }> | undefined;
}

export const NO_PLAYBOOKS: PlaybookCatalog = { inputsOf: () => undefined };
