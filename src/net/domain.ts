import { domainToASCII } from 'node:url';

/** Lower case, no trailing dot, IDNs in punycode; null when not a host name. */
export function normalizeDomain(text: string): string | null {
  const trimmed = text.replace(/\.$/, '');
  if (trimmed.length > 253 || trimmed.includes('/')) return null;
  const ascii = domainToASCII(trimmed);
  const labels = ascii.split('.');
  if (ascii === '' || labels.length < 2) return null;
  for (const label of labels) {
    if (!/^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label)) return null;
  }
  // A last label of digits only would be an IPv4 address written wrongly, not a domain.
  if (/^\d+$/.test(labels[labels.length - 1]!)) return null;
  return ascii;
}
