/*
 * Which names (object keys, query parameters) hold credentials. Names are split into
 * words (snake, kebab, camelCase) and judged by their last word, so `access_token` and
 * `X-Api-Key` are credentials while `token_type`, `password_policy` or `sort_key` stay
 * visible: an auditor needs the evidence around a secret, just not the secret.
 */

const CREDENTIAL_WORDS = new Set([
  'password',
  // FortiOS: the admin API key field, and the CSRF token of a login session.
  'secretkey',
  'ccsrftoken',
  'passwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'apikey',
  'privatekey',
  'authorization',
  'cookie',
  'cookies',
  'credential',
  'credentials',
  'jsessionid',
  'phpsessid',
  'sessionid',
]);

/** `key` alone is too common (sort key, dedup key) to hide unless its qualifier says credential. */
const SECRET_KEY_QUALIFIERS = new Set([
  'api',
  'private',
  'secret',
  'access',
  'signing',
  'encryption',
  'ssh',
  'client',
  'master',
]);

/** Query strings are short and opaque; URL-signing schemes use these bare names. */
const CREDENTIAL_QUERY_WORDS = new Set(['key', 'sig', 'signature', 'auth', 'pwd', 'code']);

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
}

/** Journals repeat the same few hundred key names; splitting each every time dominated redaction. */
const verdicts = new Map<string, boolean>();
const MAX_CACHED_VERDICTS = 10_000;

export function isCredentialKey(name: string): boolean {
  let verdict = verdicts.get(name);
  if (verdict === undefined) {
    verdict = judgeKey(name);
    // Keys can be data (say, IPs as keys), so the cache is bounded rather than unbounded.
    if (verdicts.size >= MAX_CACHED_VERDICTS) verdicts.clear();
    verdicts.set(name, verdict);
  }
  return verdict;
}

function judgeKey(name: string): boolean {
  const parts = words(name);
  const last = parts.at(-1);
  if (last === undefined) return false;
  if (CREDENTIAL_WORDS.has(last) || last.endsWith('sessionid') || last.endsWith('sessid')) {
    return true;
  }
  const qualifier = parts.at(-2);
  if (qualifier === undefined) return false;
  if (last === 'key') return SECRET_KEY_QUALIFIERS.has(qualifier);
  return last === 'id' && qualifier === 'session';
}

export function isCredentialQueryParam(name: string): boolean {
  return isCredentialKey(name) || CREDENTIAL_QUERY_WORDS.has(words(name).at(-1) ?? '');
}
