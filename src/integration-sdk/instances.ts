import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseDuration } from '../playbook/duration.js';
import type { InstanceConfig, SoarConfig } from './config.js';
import { SECRET_REFERENCE } from './config.js';
import type { InstanceContext, IntegrationDefinition } from './define.js';
import { permanentError } from './errors.js';
import type { Registry } from './registry.js';

const DEFAULT_TIMEOUT_MS = 30_000;
const ajv = new Ajv({ allErrors: true, strict: false });
const settingsValidators = new WeakMap<object, ValidateFunction>();

export interface SecretSources {
  env: Record<string, string | undefined>;
  readFile: (path: string) => string;
}

const NODE_SOURCES: SecretSources = {
  env: process.env,
  readFile: (path) => readFileSync(path, 'utf8'),
};

/** A configured instance, as `soar integrations list` shows it: references, never values. */
export interface InstanceSummary {
  id: string;
  integration: string;
  url: string | null;
  default: boolean;
  credentials: Record<string, string>;
  implicit: boolean;
  /** How often the scheduler fetches incidents from it, in ms; null when it does not. */
  fetchIntervalMs: number | null;
  /** Its `rate_limit`: requests per second and steps at once, when configured. */
  rateLimit: { perSecond?: number; concurrency?: number } | null;
}

/**
 * The instances of `soar.config.yaml`, resolved on first use. An integration that needs no
 * configuration (core) gets an implicit instance named after it.
 */
export class Instances {
  private readonly resolved = new Map<string, InstanceContext>();

  constructor(
    private readonly config: SoarConfig,
    private readonly registry: Registry,
    private readonly sources: SecretSources = NODE_SOURCES,
  ) {}

  /** The instance a `uses: <integration>.<command>` step runs against. */
  forIntegration(integrationId: string): InstanceContext {
    const configured = Object.entries(this.config.instances ?? {}).filter(
      ([, i]) => i.integration === integrationId,
    );
    const chosen = configured.length === 1 ? configured[0] : configured.find(([, i]) => i.default);
    if (chosen) return this.get(chosen[0]);
    if (configured.length > 1) {
      throw permanentError(
        `several instances of '${integrationId}' are configured (${configured.map(([id]) => id).join(', ')}) and none is marked default: true`,
        'NO_INSTANCE',
      );
    }
    const integration = this.registry.list().find((i) => i.id === integrationId);
    if (integration && !needsInstance(integration)) return this.implicit(integrationId);
    throw permanentError(
      `no instance of '${integrationId}' is configured: add one under instances: in soar.config.yaml`,
      'NO_INSTANCE',
    );
  }

  get(instanceId: string): InstanceContext {
    const cached = this.resolved.get(instanceId);
    if (cached) return cached;
    const config = this.config.instances?.[instanceId];
    if (!config) {
      const integration = this.registry
        .list()
        .find((i) => i.id === instanceId && !needsInstance(i));
      if (integration) return this.implicit(instanceId);
      throw permanentError(`no instance '${instanceId}' in soar.config.yaml`, 'NO_INSTANCE');
    }
    const instance = this.resolve(instanceId, config);
    this.resolved.set(instanceId, instance);
    return instance;
  }

  list(): InstanceSummary[] {
    const configured = Object.entries(this.config.instances ?? {}).map(([id, i]) => ({
      id,
      integration: i.integration,
      url: i.url ?? null,
      default: i.default ?? false,
      credentials: { ...(i.credentials ?? {}) },
      implicit: false,
      fetchIntervalMs: i.fetch_interval ? parseDuration(i.fetch_interval) : null,
      rateLimit: i.rate_limit
        ? {
            ...(i.rate_limit.per_second !== undefined
              ? { perSecond: i.rate_limit.per_second }
              : {}),
            ...(i.rate_limit.concurrency !== undefined
              ? { concurrency: i.rate_limit.concurrency }
              : {}),
          }
        : null,
    }));
    const implicit = this.registry
      .list()
      .filter((i) => !needsInstance(i) && !configured.some((c) => c.integration === i.id))
      .map((i) => ({
        id: i.id,
        integration: i.id,
        url: null,
        default: true,
        credentials: {},
        implicit: true,
        fetchIntervalMs: null,
        rateLimit: null,
      }));
    return [...configured, ...implicit];
  }

  /** Every secret value that can be resolved now, for the journal's redactor. */
  secretValues(): string[] {
    const values: string[] = [];
    for (const config of Object.values(this.config.instances ?? {})) {
      for (const reference of Object.values(config.credentials ?? {})) {
        const value = this.tryResolve(reference);
        if (value) values.push(value);
      }
    }
    return values;
  }

  private resolve(id: string, config: InstanceConfig): InstanceContext {
    const integration = this.registry.list().find((i) => i.id === config.integration);
    if (!integration) {
      throw permanentError(
        `instance '${id}': no integration '${config.integration}' (known: ${this.registry
          .list()
          .map((i) => i.id)
          .join(', ')})`,
        'NO_INSTANCE',
      );
    }
    const needs = integration.instance ?? {};
    if (needs.url && !config.url)
      throw permanentError(`instance '${id}': '${integration.id}' needs a url`, 'BAD_INSTANCE');
    const credentials: Record<string, string> = {};
    for (const name of needs.credentials ?? []) {
      const reference = config.credentials?.[name];
      if (!reference)
        throw permanentError(
          `instance '${id}': '${integration.id}' needs credentials.${name}`,
          'BAD_INSTANCE',
        );
      credentials[name] = this.secret(id, name, reference);
    }
    for (const [name, reference] of Object.entries(config.credentials ?? {}))
      credentials[name] ??= this.secret(id, name, reference);
    const settings = { ...(config.settings ?? {}) };
    if (needs.settings) checkSettings(id, needs.settings, settings);
    const ca = config.tls?.ca_file ? this.readCa(id, config.tls.ca_file) : undefined;
    return {
      id,
      ...(config.url ? { url: config.url } : {}),
      credentials,
      settings,
      timeoutMs: config.timeout ? parseDuration(config.timeout) : DEFAULT_TIMEOUT_MS,
      tls: { verify: config.tls?.verify ?? true, ...(ca ? { ca } : {}) },
      dryRun: config.dry_run ?? false,
      ...(config.rate_limit
        ? {
            rateLimit: {
              ...(config.rate_limit.per_second !== undefined
                ? { perSecond: config.rate_limit.per_second }
                : {}),
              ...(config.rate_limit.concurrency !== undefined
                ? { concurrency: config.rate_limit.concurrency }
                : {}),
            },
          }
        : {}),
    };
  }

  private implicit(id: string): InstanceContext {
    return {
      id,
      credentials: {},
      settings: {},
      timeoutMs: DEFAULT_TIMEOUT_MS,
      tls: { verify: true },
      dryRun: false,
    };
  }

  private secret(instance: string, name: string, reference: string): string {
    const match = SECRET_REFERENCE.exec(reference);
    if (!match)
      throw permanentError(
        `instance '${instance}': credentials.${name} must be \${env:NAME} or \${file:/path}`,
        'BAD_INSTANCE',
      );
    const value = this.tryResolve(reference);
    if (value === null || value === '') {
      const source =
        match[1] === 'env'
          ? `the environment variable ${match[2]} is not set`
          : `the file ${match[2]} cannot be read or is empty`;
      throw permanentError(
        `instance '${instance}': credentials.${name} refers to ${reference}, but ${source}`,
        'SECRET_MISSING',
      );
    }
    return value;
  }

  /** The value a `${env:…}` or `${file:…}` reference names, or null when it names nothing. */
  resolveReference(reference: string): string | null {
    return this.tryResolve(reference);
  }

  private tryResolve(reference: string): string | null {
    const match = SECRET_REFERENCE.exec(reference);
    if (!match) return null;
    const [, kind, name] = match as unknown as [string, string, string];
    if (kind === 'env') return this.sources.env[name] ?? null;
    try {
      return this.sources.readFile(name).trim();
    } catch {
      return null;
    }
  }

  private readCa(id: string, path: string): string {
    try {
      return this.sources.readFile(path);
    } catch (error) {
      throw permanentError(
        `instance '${id}': cannot read tls.ca_file ${path}: ${(error as Error).message}`,
        'BAD_INSTANCE',
      );
    }
  }
}

function needsInstance(integration: IntegrationDefinition): boolean {
  const needs = integration.instance;
  return Boolean(needs && (needs.url || (needs.credentials?.length ?? 0) > 0 || needs.settings));
}

function checkSettings(id: string, schema: object, settings: Record<string, unknown>): void {
  let validate = settingsValidators.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    settingsValidators.set(schema, validate);
  }
  if (!validate(settings)) {
    const problem = validate.errors?.[0];
    throw permanentError(
      `instance '${id}': settings${problem?.instancePath.replace(/\//g, '.') ?? ''} ${problem?.message ?? 'are invalid'}`,
      'BAD_INSTANCE',
    );
  }
}
