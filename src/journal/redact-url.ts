import { isCredentialQueryParam } from './credential-names.js';

const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

/**
 * Redacts userinfo and credential-like query/fragment parameters in every URL inside
 * `text`. Works on the raw string rather than `new URL()` so the rest of the URL keeps
 * its exact original spelling (the URL class would re-encode it).
 */
export function redactUrls(text: string, redacted: string): string {
  if (!text.includes('://')) return text;
  return text.replace(URL_PATTERN, (url) => redactUrl(url, redacted));
}

function redactUrl(url: string, redacted: string): string {
  const authorityStart = url.indexOf('://') + 3;
  const authorityEnd = firstIndexOf(url, ['/', '?', '#'], authorityStart);
  const authority = url.slice(authorityStart, authorityEnd);
  const at = authority.lastIndexOf('@');
  let result = url.slice(0, authorityStart);
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    // A bare userinfo is usually a token (https://<token>@github.com), so it goes entirely.
    result += colon >= 0 ? `${userinfo.slice(0, colon)}:${redacted}` : redacted;
    result += authority.slice(at);
  } else {
    result += authority;
  }
  const rest = url.slice(authorityEnd);
  const hash = rest.indexOf('#');
  const beforeHash = hash >= 0 ? rest.slice(0, hash) : rest;
  const query = beforeHash.indexOf('?');
  if (query < 0) {
    result += beforeHash;
  } else {
    result += beforeHash.slice(0, query + 1) + redactParams(beforeHash.slice(query + 1), redacted);
  }
  // OAuth implicit flows put access tokens in the fragment, in query syntax.
  if (hash >= 0) result += '#' + redactParams(rest.slice(hash + 1), redacted);
  return result;
}

function redactParams(params: string, redacted: string): string {
  return params
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals < 0) return pair;
      const name = pair.slice(0, equals);
      return isCredentialQueryParam(safeDecode(name)) ? `${name}=${redacted}` : pair;
    })
    .join('&');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function firstIndexOf(text: string, needles: string[], from: number): number {
  let first = text.length;
  for (const needle of needles) {
    const index = text.indexOf(needle, from);
    if (index >= 0 && index < first) first = index;
  }
  return first;
}
