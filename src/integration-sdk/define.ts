import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { Artifact } from '../journal/entry.js';
import type { Extraction } from '../intel/model.js';
import type { IntelService } from '../intel/service.js';
import { permanentError } from './errors.js';
import type { HttpRequester } from './http.js';

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
  /** The integration instance the command runs against, credentials resolved. */
  instance: InstanceContext;
  /**
   * The instance's HTTP client (base URL, TLS, timeouts, fault classification). Every call is
   * journaled with the step. Throws when the instance has no url.
   */
  readonly http: HttpRequester;
  /**
   * Threat intelligence: the indicator store (lookups, feed ingest, expiry), the exclusion
   * list, feed watermarks. Absent when the runtime has none: use `intelOf(ctx)`.
   */
  readonly intel?: IntelService;
}

/** An instance as a command sees it. Credentials are resolved and redacted from the journal. */
export interface InstanceContext {
  id: string;
  url?: string;
  credentials: Record<string, string>;
  settings: Record<string, unknown>;
  timeoutMs: number;
  tls: { verify: boolean; ca?: string };
  /** `rate_limit` from the configuration: the HTTP client keeps to it. */
  rateLimit?: { perSecond?: number; concurrency?: number };
  dryRun: boolean;
}

/** What an integration needs from `soar.config.yaml`. */
export interface InstanceRequirements {
  url?: boolean;
  /** Names of the credentials the instance must reference (token, password, …). */
  credentials?: string[];
  /** Schema of `settings` (block group name, VDOM, …). */
  settings?: TObject;
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
  /** What an instance must configure; without it the integration needs no instance. */
  instance?: InstanceRequirements;
  commands: CommandDefinition[];
  /** Checks connectivity and credentials for `soar integrations test`. */
  test?(ctx: Omit<CommandContext, 'run'>): Promise<{ detail: string }>;
  /**
   * Alerts that became incidents at the vendor since `since` (the watermark this function
   * returned last time; null on the first fetch). Fetching the same record again must give the
   * same `key`: a repeat updates its incident instead of creating another.
   */
  fetchIncidents?(
    ctx: Omit<CommandContext, 'run'>,
    since: string | null,
  ): Promise<FetchedIncidents>;
  /**
   * A threat-intel feed: fetches what the feed added since `since` (the watermark this hook
   * returned last time; null on the first poll) and hands each batch of extracted indicators
   * to `sink` as it arrives, so a long poll is stored page by page. The runtime stores them,
   * moves the watermark once the fetch has succeeded, and expires stale indicators.
   */
  fetchIndicators?(
    ctx: Omit<CommandContext, 'run'>,
    since: string | null,
    sink: IndicatorSink,
  ): Promise<FetchedIndicators>;
}

/** Receives one batch of a feed's indicators, from one collection. */
export type IndicatorSink = (batch: Extraction, collection: string) => Promise<void>;

export interface FetchedIndicators {
  collection: string;
  /** Where the next fetch starts; null when the feed gave none (the old one stays). */
  watermark: string | null;
}

export interface FetchedIncident {
  /** The vendor's id for the record (a malop guid): the incident's dedup key. */
  key: string;
  /** The incident type that selects a playbook, e.g. `cybereason.malop`. */
  type: string;
  name: string;
  /** unknown, informational, low, medium, high or critical. */
  severity: string;
  fields: Record<string, unknown>;
}

export interface FetchedIncidents {
  incidents: FetchedIncident[];
  /** Where the next fetch starts; null keeps the previous one. */
  watermark: string | null;
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

/** The runtime's threat intelligence, or a permanent error saying it has none. */
export function intelOf(ctx: Pick<CommandContext, 'intel'>): IntelService {
  if (!ctx.intel) {
    throw permanentError('threat intelligence is not available in this runtime', 'NO_INTEL');
  }
  return ctx.intel;
}
