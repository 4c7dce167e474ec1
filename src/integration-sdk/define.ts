import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { Artifact } from '../journal/entry.js';

export interface CommandLogger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
}

/** What a command may do besides computing its output. */
export interface CommandContext {
  /** Aborted when the step times out or the run is cancelled. */
  signal: AbortSignal;
  log: CommandLogger;
  /** Journals evidence (IOCs, links) found by the command. */
  evidence(summary: string, artifacts: Artifact[], data?: Record<string, unknown>): void;
  /** Journals a note. */
  note(summary: string, data?: Record<string, unknown>): void;
  run: { id: string; step: string; attempt: number; incident: string | null; dryRun: boolean };
  /** The integration instance's configuration (secrets already resolved). */
  config: Record<string, unknown>;
}

export interface CommandDefinition<I extends TObject = TObject, O extends TSchema = TSchema> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  run(ctx: CommandContext, input: Static<I>): Promise<Static<O>>;
}

export interface IntegrationDefinition {
  /** The `<integration>` part of `uses`. */
  id: string;
  title: string;
  description: string;
  docs?: string;
  /** Names of config fields that hold secrets; their values are redacted everywhere. */
  secrets?: string[];
  commands: CommandDefinition[];
}

/** Declares a command; typing `run` from the input schema. */
export function defineCommand<I extends TObject, O extends TSchema>(
  definition: CommandDefinition<I, O>,
): CommandDefinition {
  return definition;
}

export function defineIntegration(definition: IntegrationDefinition): IntegrationDefinition {
  const seen = new Set<string>();
  for (const command of definition.commands) {
    if (!/^[a-z][a-z0-9_]*$/.test(command.name)) {
      throw new Error(
        `integration ${definition.id}: command name '${command.name}' must be snake_case`,
      );
    }
    if (seen.has(command.name)) {
      throw new Error(`integration ${definition.id}: command '${command.name}' is defined twice`);
    }
    seen.add(command.name);
  }
  return definition;
}
