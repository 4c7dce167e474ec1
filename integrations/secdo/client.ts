/*
 * Transport for SECDO's two public APIs, on the instance's `ctx.http`.
 *
 * - Enrichment (the vendor's integration guide v1.1): POST publicapi/v2/enrich_with_secdo/
 *   with the company and the API key inside the JSON body. Success is HTTP 200 with the
 *   JSON value `true`; anything else is a failure. The error shape is not public.
 * - Commands (a public third-party client; not in SECDO's guide): POST
 *   publicapiv2/run/command/ (no slash inside "publicapiv2") with the command in the
 *   COMMAND-NAME header, the key in API-KEY, and the company in the body.
 *
 * The key travels in the body and a header: the HTTP helper scrubs both from its error
 * messages and request records (by the names `apikey` and `API-KEY`), and no output, note or
 * evidence here ever carries it.
 */
import type { CommandContext } from '../../src/integration-sdk/index.js';
import { permanentError } from '../../src/integration-sdk/index.js';

export const ENRICH_PATH = 'publicapi/v2/enrich_with_secdo/';
export const COMMAND_PATH = 'publicapiv2/run/command/';
const EXCERPT_CHARS = 200;

type Ctx = Pick<CommandContext, 'http' | 'instance' | 'signal'> &
  Partial<Pick<CommandContext, 'note'>>;

/** The company (a setting) and API key (a credential) every SECDO call carries. */
export function secdoAccount(ctx: Pick<CommandContext, 'instance'>): {
  company: string;
  apikey: string;
} {
  const { credentials, settings, id } = ctx.instance;
  const apikey = credentials.apikey;
  const company = settings.company;
  if (!apikey) {
    throw permanentError(`instance '${id}': secdo needs credentials.apikey`, 'BAD_INSTANCE');
  }
  if (typeof company !== 'string' || company.trim() === '') {
    throw permanentError(
      `instance '${id}': secdo needs settings.company (the company name shown in the SECDO UI)`,
      'BAD_INSTANCE',
    );
  }
  return { company, apikey };
}

/**
 * Posts one alert for SECDO to investigate. `fields` are the event's fields, every value a
 * string as in the guide's examples; company and apikey are added first, as the guide orders
 * them. Resolves, with the company sent, when SECDO answered 200 `true`.
 */
export async function enrich(ctx: Ctx, fields: Record<string, string>): Promise<string> {
  const { company, apikey } = secdoAccount(ctx);
  const response = await ctx.http.request({
    method: 'POST',
    path: ENRICH_PATH,
    json: { company, apikey, ...fields },
    signal: ctx.signal,
  });
  if (response.status === 200 && response.body === true) return company;
  // A 2xx other than 200, or a 200 whose body is not `true` (false, an object, null).
  const excerpt = bodyExcerpt(response.text, apikey);
  ctx.note?.(`SECDO did not accept the enrichment: HTTP ${response.status}`, {
    status: response.status,
    body_excerpt: excerpt,
  });
  throw permanentError(
    `SECDO did not accept the enrichment: HTTP ${response.status} with ${excerpt === '' ? 'an empty body' : `body ${excerpt}`} (expected 200 true)`,
    'SECDO_REJECTED',
  );
}

/**
 * Runs one command of the command API and returns its parsed body. HTTP errors (status ≥ 400)
 * fail with the body as their message, classified by the HTTP helper (5xx and 429 retry).
 */
export async function runCommand<T>(
  ctx: Ctx,
  command: string,
  body: Record<string, string> = {},
): Promise<T> {
  const { company, apikey } = secdoAccount(ctx);
  const response = await ctx.http.request<T>({
    method: 'POST',
    path: COMMAND_PATH,
    headers: { 'COMMAND-NAME': command, 'API-KEY': apikey },
    json: { company, ...body },
    signal: ctx.signal,
  });
  return response.body;
}

/** A single-line, bounded excerpt of a response body, with the key removed if it was echoed. */
export function bodyExcerpt(text: string, apikey: string): string {
  const flat = text.replace(/\s+/g, ' ').trim().split(apikey).join('[REDACTED]');
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS - 1)}…` : flat;
}

/** For a response whose shape is not the one the command API documents. */
export function unexpectedShape(command: string, body: unknown, apikey: string): never {
  throw permanentError(
    `SECDO ${command}: unexpected response ${bodyExcerpt(JSON.stringify(body) ?? 'nothing', apikey)}`,
    'BAD_RESPONSE',
  );
}
