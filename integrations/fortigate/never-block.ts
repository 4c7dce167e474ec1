/*
 * The never-block guard: addresses a playbook must not put in a deny group however sure it
 * is. A prefix is refused when it overlaps a protected range at all (0.0.0.0/1 covers
 * 10.0.0.0/8), a domain when it is a protected domain or under one.
 *
 * Documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) are not
 * refused: nothing real lives there, and examples, demos and the simulator use them.
 */
import { overlaps, parseCidr, type Cidr } from '../../src/net/ip.js';
import { normalizeDomain, parseTarget, type Target } from './targets.js';

interface RangeRule {
  cidr: Cidr;
  reason: string;
}

const RESERVED: [string, string][] = [
  ['0.0.0.0/8', '"this network" (0.0.0.0/8)'],
  ['10.0.0.0/8', 'private range 10.0.0.0/8'],
  ['100.64.0.0/10', 'carrier-grade NAT range 100.64.0.0/10'],
  ['127.0.0.0/8', 'loopback range 127.0.0.0/8'],
  ['169.254.0.0/16', 'link-local range 169.254.0.0/16'],
  ['172.16.0.0/12', 'private range 172.16.0.0/12'],
  ['192.0.0.0/24', 'reserved range 192.0.0.0/24 (IETF protocol assignments)'],
  ['192.88.99.0/24', 'reserved range 192.88.99.0/24 (6to4 relay)'],
  ['192.168.0.0/16', 'private range 192.168.0.0/16'],
  ['198.18.0.0/15', 'reserved range 198.18.0.0/15 (benchmarking)'],
  ['224.0.0.0/4', 'multicast range 224.0.0.0/4'],
  ['240.0.0.0/4', 'reserved range 240.0.0.0/4 (includes broadcast)'],
  ['::/128', 'the unspecified IPv6 address'],
  ['::1/128', 'IPv6 loopback ::1'],
  ['::ffff:0:0/96', 'IPv4-mapped IPv6 range ::ffff:0:0/96'],
  ['64:ff9b::/96', 'NAT64 range 64:ff9b::/96'],
  ['64:ff9b:1::/48', 'local-use NAT64 range 64:ff9b:1::/48'],
  ['100::/64', 'IPv6 discard range 100::/64'],
  ['2001::/23', 'reserved IPv6 range 2001::/23 (IETF protocol assignments)'],
  ['2002::/16', '6to4 range 2002::/16'],
  ['fc00::/7', 'unique-local (private) IPv6 range fc00::/7'],
  ['fe80::/10', 'IPv6 link-local range fe80::/10'],
  ['fec0::/10', 'IPv6 site-local range fec0::/10'],
  ['ff00::/8', 'IPv6 multicast range ff00::/8'],
  // Anything else outside global unicast 2000::/3 is unassigned or reserved.
  ['::/3', 'reserved IPv6 space outside global unicast 2000::/3'],
  ['4000::/2', 'reserved IPv6 space outside global unicast 2000::/3'],
  ['8000::/1', 'reserved IPv6 space outside global unicast 2000::/3'],
];

/** Names that only mean something inside a network. */
const RESERVED_DOMAINS = ['localhost', 'local', 'internal', 'arpa'];

const BUILT_IN: RangeRule[] = RESERVED.map(([text, reason]) => ({
  cidr: parseCidr(text)!,
  reason,
}));

export class NeverBlock {
  private constructor(
    private readonly ranges: RangeRule[],
    private readonly domains: { domain: string; reason: string }[],
  ) {}

  /**
   * The built-in ranges, the configured entries (IPs, CIDRs, domains; a domain covers its
   * subdomains) and the firewall's own address taken from the instance url. Throws a message
   * naming the first configured entry that is none of those.
   */
  static build(configured: readonly string[], instanceUrl: string | undefined): NeverBlock {
    const ranges = [...BUILT_IN];
    const domains = RESERVED_DOMAINS.map((domain) => ({
      domain,
      reason: `reserved name .${domain}`,
    }));
    configured.forEach((entry, index) => {
      const target = parseTarget(entry.replace(/^\*?\./, ''));
      if (typeof target === 'string') {
        throw new Error(`settings.never_block[${index}]: ${target}`);
      }
      add(target, `on the never_block list (${entry})`);
    });
    const host = ownHost(instanceUrl);
    if (host) {
      const target = parseTarget(host);
      if (typeof target !== 'string') add(target, `the FortiGate's own address (${host})`);
    }
    return new NeverBlock(ranges, domains);

    function add(target: Target, reason: string): void {
      if (target.kind === 'ip') ranges.push({ cidr: target.cidr, reason });
      else domains.push({ domain: target.fqdn, reason });
    }
  }

  /** Why the target must not be blocked, or null when it may be. */
  refusal(target: Target): string | null {
    if (target.kind === 'ip') {
      const hit = this.ranges.find((rule) => overlaps(target.cidr, rule.cidr));
      return hit ? `never-block: ${hit.reason}` : null;
    }
    const hit = this.domains.find(
      ({ domain }) => target.fqdn === domain || target.fqdn.endsWith(`.${domain}`),
    );
    return hit ? `never-block: ${hit.reason}` : null;
  }
}

/** The host of the instance url (brackets of an IPv6 literal removed), lower case. */
function ownHost(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return normalizeDomain(host) ?? (parseCidr(host) ? host : null);
  } catch {
    return null;
  }
}
