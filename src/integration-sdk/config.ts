import { Type, type Static } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';
import type { Diagnostic } from '../playbook/diagnostics.js';
import { DURATION_PATTERN } from '../playbook/schema.js';
import { parsePlaybookText } from '../playbook/source.js';

/**
 * `soar.config.yaml`: the integration instances this installation talks to. Credentials are
 * never written in the file: each is a reference (`${env:NAME}` or `${file:/path}`) resolved
 * when the instance is used, so the file can be committed and reviewed.
 */
export const SECRET_REFERENCE = /^\$\{(env|file):([^}]+)\}$/;
const INSTANCE_ID = '^[a-z0-9][a-z0-9_-]{0,63}$';

export const InstanceConfig = Type.Object(
  {
    integration: Type.String({
      pattern: '^[a-z][a-z0-9_-]*$',
      description: 'The integration id, e.g. fortigate.',
    }),
    default: Type.Optional(
      Type.Boolean({ description: 'The instance used when several exist for one integration.' }),
    ),
    url: Type.Optional(
      Type.String({ pattern: '^https?://', description: 'Base URL of the vendor API.' }),
    ),
    credentials: Type.Optional(
      Type.Record(
        Type.String(),
        Type.String({
          pattern: SECRET_REFERENCE.source,
          description: '${env:NAME} or ${file:/path}',
        }),
      ),
    ),
    tls: Type.Optional(
      Type.Object(
        {
          verify: Type.Optional(
            Type.Boolean({ description: 'Check the server certificate (default true).' }),
          ),
          ca_file: Type.Optional(
            Type.String({ description: 'PEM file of the CA that signed the server certificate.' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    timeout: Type.Optional(
      Type.String({ pattern: DURATION_PATTERN, description: 'Per-request timeout, e.g. 30s.' }),
    ),
    rate_limit: Type.Optional(
      Type.Object(
        {
          per_second: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
          concurrency: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    dry_run: Type.Optional(
      Type.Boolean({
        description: 'Commands that change the vendor only report what they would do.',
      }),
    ),
    fetch_interval: Type.Optional(
      Type.String({
        pattern: DURATION_PATTERN,
        description:
          'How often the scheduler fetches new incidents from this instance (e.g. 5m); only for integrations that fetch incidents. Without it, only `soar fetch` does.',
      }),
    ),
    settings: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

export const IntelConfig = Type.Object(
  {
    exclusions: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 260 }), {
        maxItems: 100_000,
        description:
          'IPs, CIDRs and domains (a domain covers its subdomains) that lookups never flag (verdict "excluded") and FortiGate never blocks.',
      }),
    ),
    expiry: Type.Optional(
      Type.String({
        pattern: DURATION_PATTERN,
        description:
          "How long an indicator lasts after a feed last listed it, unless the feed's own settings.expiry says otherwise (default 30d).",
      }),
    ),
  },
  { additionalProperties: false },
);

const SecretReference = Type.String({
  pattern: SECRET_REFERENCE.source,
  description: 'A secret reference: ${env:NAME} or ${file:/path}; never the value itself.',
});

export const ApiConfig = Type.Object(
  {
    tokens: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({
              pattern: '^[A-Za-z0-9._@-]{1,64}$',
              description: 'Journaled as the actor.',
            }),
            role: Type.Union(
              [Type.Literal('ingest'), Type.Literal('analyst'), Type.Literal('admin')],
              {
                description:
                  'ingest: post alerts; analyst: read, note, decide, start runs; admin: all.',
              },
            ),
            token: SecretReference,
          },
          { additionalProperties: false },
        ),
        { maxItems: 1000 },
      ),
    ),
    webhooks: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ pattern: '^[A-Za-z0-9._@-]{1,64}$' }),
            secret: SecretReference,
          },
          { additionalProperties: false },
        ),
        {
          maxItems: 1000,
          description:
            'Senders that sign alerts with HMAC-SHA256 over "<timestamp>.<body>" (X-Soar-Timestamp, X-Soar-Signature: v1=<hex>) instead of a token.',
        },
      ),
    ),
  },
  { additionalProperties: false },
);

export const SoarConfig = Type.Object(
  {
    intel: Type.Optional(IntelConfig),
    api: Type.Optional(ApiConfig),
    instances: Type.Optional(
      Type.Record(Type.String({ pattern: INSTANCE_ID }), InstanceConfig, {
        additionalProperties: false,
      }),
    ),
  },
  { additionalProperties: false },
);

export type InstanceConfig = Static<typeof InstanceConfig>;
export type SoarConfig = Static<typeof SoarConfig>;
export type ApiConfig = Static<typeof ApiConfig>;

const validate = new Ajv({ allErrors: true, strict: false }).compile(SoarConfig);

export type ConfigResult =
  { ok: true; config: SoarConfig } | { ok: false; diagnostics: Diagnostic[] };

/** Parses and checks a config file with the same YAML safety rules as playbooks. */
export function parseConfig(file: string, text: string | Uint8Array): ConfigResult {
  const parsed = parsePlaybookText(file, text);
  if (!parsed.ok) return parsed;
  const value = parsed.source.value ?? {};
  if (validate(value)) {
    const config = value;
    const problems = checkDefaults(config).map((message) => ({
      file,
      line: 1,
      col: 1,
      path: 'instances',
      code: 'schema' as const,
      message,
    }));
    return problems.length > 0 ? { ok: false, diagnostics: problems } : { ok: true, config };
  }
  const { source } = parsed;
  const diagnostics = (validate.errors ?? []).map((error) =>
    toDiagnostic(file, error, (path, part) => source.locate(path, part)),
  );
  return { ok: false, diagnostics };
}

function toDiagnostic(
  file: string,
  error: ErrorObject,
  locate: (path: string[], part?: 'key' | 'value') => { line: number; col: number },
): Diagnostic {
  const path = error.instancePath === '' ? [] : error.instancePath.slice(1).split('/');
  const params = error.params as Record<string, unknown>;
  const where = path.length > 0 ? `'${path.join('.')}'` : 'the config';
  let message = `${where} ${error.message ?? 'is invalid'}`;
  let at = path;
  if (error.keyword === 'additionalProperties') {
    at = [...path, String(params.additionalProperty)];
    message = `unknown field '${String(params.additionalProperty)}' in ${where}`;
  } else if (error.keyword === 'pattern' && path.includes('credentials')) {
    message = `${where} must be a secret reference such as \${env:NAME} or \${file:/run/secrets/name}, never the secret itself`;
  } else if (error.keyword === 'required') {
    message = `${where} is missing the required field '${String(params.missingProperty)}'`;
  }
  return {
    file,
    ...locate(at, error.keyword === 'additionalProperties' ? 'key' : 'value'),
    path: at.join('.'),
    code: 'schema',
    message,
  };
}

function checkDefaults(config: SoarConfig): string[] {
  const byIntegration = new Map<string, string[]>();
  for (const [id, instance] of Object.entries(config.instances ?? {})) {
    if (instance.default)
      byIntegration.set(instance.integration, [
        ...(byIntegration.get(instance.integration) ?? []),
        id,
      ]);
  }
  return [...byIntegration.entries()]
    .filter(([, ids]) => ids.length > 1)
    .map(
      ([integration, ids]) =>
        `instances ${ids.join(' and ')} are both the default for '${integration}': mark only one`,
    );
}
