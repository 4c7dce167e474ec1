/*
 * The simulator's configuration database: FortiOS CMDB tables per VDOM with the rules that
 * matter to blocking. Every operation runs to completion synchronously, as writes to a real
 * FortiGate's configuration are serialized, so concurrent clients interleave between requests
 * exactly as they would against the device.
 */
import { randomUUID } from 'node:crypto';
import { formatIp, maskToPrefix, parseCidr, prefixToMask } from '../../src/net/ip.js';

export type CmdbRecord = Record<string, unknown>;

/** What a CMDB operation answers: the HTTP status and the envelope fields it adds. */
export interface CmdbAnswer {
  status: number;
  fields: Record<string, unknown>;
}

interface TableRules {
  /** The primary key field. */
  key: string;
  /** Fields a client may write. */
  fields: ReadonlySet<string>;
  /** Fields whose value is a list of `{name}` references, and the tables they may refer to. */
  references?: Record<string, readonly string[]>;
  /** Fills defaults and checks values; a string explains a refused value. */
  normalize?: (record: CmdbRecord) => string | null;
}

const ADDRESS_FIELDS = [
  'name',
  'type',
  'subnet',
  'fqdn',
  'start-ip',
  'end-ip',
  'comment',
  'color',
  'uuid',
  'associated-interface',
];

const TABLES: Record<string, TableRules> = {
  'firewall/address': {
    key: 'name',
    fields: new Set(ADDRESS_FIELDS),
    normalize: normalizeAddress,
  },
  'firewall/address6': {
    key: 'name',
    fields: new Set([...ADDRESS_FIELDS.filter((f) => f !== 'subnet'), 'ip6']),
    normalize: normalizeAddress6,
  },
  'firewall/addrgrp': {
    key: 'name',
    fields: new Set(['name', 'member', 'comment', 'exclude', 'exclude-member', 'color', 'uuid']),
    references: { member: ['firewall/address', 'firewall/addrgrp'] },
  },
  'firewall/addrgrp6': {
    key: 'name',
    fields: new Set(['name', 'member', 'comment', 'exclude', 'exclude-member', 'color', 'uuid']),
    references: { member: ['firewall/address6', 'firewall/addrgrp6'] },
  },
  'firewall/policy': {
    key: 'policyid',
    fields: new Set([
      'policyid',
      'name',
      'srcintf',
      'dstintf',
      'srcaddr',
      'dstaddr',
      'srcaddr6',
      'dstaddr6',
      'action',
      'service',
      'schedule',
      'status',
      'comments',
    ]),
    references: {
      srcaddr: ['firewall/address', 'firewall/addrgrp'],
      dstaddr: ['firewall/address', 'firewall/addrgrp'],
      srcaddr6: ['firewall/address6', 'firewall/addrgrp6'],
      dstaddr6: ['firewall/address6', 'firewall/addrgrp6'],
    },
  },
};

/** The member sub-tables this simulator serves (`firewall/addrgrp/<name>/member`). */
const CHILD_TABLES = new Set(['firewall/addrgrp/member', 'firewall/addrgrp6/member']);

export interface CmdbSeed {
  vdoms: Record<string, Record<string, CmdbRecord[]>>;
}

export interface CmdbOptions {
  /** Members one group may hold (model-dependent on real devices); default unlimited. */
  maxGroupMembers?: number;
}

export class Cmdb {
  private readonly vdoms = new Map<string, Map<string, Map<string, CmdbRecord>>>();
  private revisionCounter = 1;

  constructor(
    seed: CmdbSeed,
    private readonly options: CmdbOptions = {},
  ) {
    for (const [vdom, tables] of Object.entries(seed.vdoms)) {
      const store = this.vdomTables(vdom, true)!;
      for (const table of Object.keys(TABLES)) {
        for (const record of tables[table] ?? []) {
          const copy = structuredClone(record);
          TABLES[table]!.normalize?.(copy);
          copy.uuid ??= randomUUID();
          store.get(table)!.set(String(copy[TABLES[table]!.key]), copy);
        }
      }
    }
  }

  get revision(): string {
    return this.revisionCounter.toString(16).padStart(32, '0');
  }

  /** A copy of one table's entries (for tests to inspect). */
  entries(vdom: string, table: string): CmdbRecord[] {
    return [...(this.vdomTables(vdom)?.get(table)?.values() ?? [])].map((r) => structuredClone(r));
  }

  /** Names of a group's members, in order. */
  members(vdom: string, groupTable: string, group: string): string[] {
    const record = this.vdomTables(vdom)?.get(groupTable)?.get(group);
    return record ? refs(record.member) : [];
  }

  hasVdom(vdom: string): boolean {
    return this.vdoms.has(vdom);
  }

  handle(
    method: string,
    vdom: string,
    segments: string[],
    body: CmdbRecord | null,
    query: URLSearchParams,
  ): CmdbAnswer {
    const tables = this.vdomTables(vdom);
    if (!tables) return error(404, -3, `vdom ${vdom} not found`);
    const [path, name, key, child, childKey, ...rest] = segments;
    const table = `${path}/${name}`;
    const rules = TABLES[table];
    if (!rules || rest.length > 0) return error(404, -3);
    if (child !== undefined) {
      if (!CHILD_TABLES.has(`${table}/${child}`)) return error(404, -3);
      return this.member(method, tables, table, key!, childKey, body);
    }
    const store = tables.get(table)!;
    if (method === 'GET') {
      if (key === undefined) return listing([...store.values()], query);
      const record = store.get(key);
      return record ? listing([record], query, key) : error(404, -3, undefined, key);
    }
    if (method === 'POST') {
      if (key !== undefined) return error(405, -1);
      if (!body || body[rules.key] === undefined || body[rules.key] === '') {
        return error(424, -1, `missing ${rules.key}`);
      }
      const id = String(body[rules.key]);
      if (store.has(id)) return error(500, -5, undefined, id);
      const problem = this.validate(tables, rules, body);
      if (problem) return problem;
      const record: CmdbRecord = { ...structuredClone(body), uuid: randomUUID() };
      const refused = rules.normalize?.(record);
      if (refused) return error(500, -651, refused, id);
      store.set(id, record);
      return this.written(id);
    }
    if (key === undefined) return error(405, -1);
    const existing = store.get(key);
    if (!existing) return error(404, -3, undefined, key);
    if (method === 'PUT') {
      if (!body) return error(424, -1, 'missing body');
      const problem = this.validate(tables, rules, body);
      if (problem) return problem;
      // PUT replaces every field it names, a member list included: the whole list.
      const record = { ...existing, ...structuredClone(body), [rules.key]: existing[rules.key] };
      const refused = rules.normalize?.(record);
      if (refused) return error(500, -651, refused, key);
      if (rules.key === 'name' && this.tooManyMembers(record))
        return error(500, -1, 'too many members', key);
      store.set(key, record);
      return this.written(key);
    }
    if (method === 'DELETE') {
      const user = this.referrer(tables, table, key);
      if (user) return error(500, -23, `entry is used by ${user}`, key);
      store.delete(key);
      return this.written(key);
    }
    return error(405, -1);
  }

  private member(
    method: string,
    tables: Map<string, Map<string, CmdbRecord>>,
    table: string,
    groupName: string,
    memberName: string | undefined,
    body: CmdbRecord | null,
  ): CmdbAnswer {
    const group = tables.get(table)!.get(groupName);
    if (!group) return error(404, -3, undefined, groupName);
    const members = refs(group.member);
    const asRecords = (names: string[]) => names.map((n) => ({ name: n, q_origin_key: n }));
    if (method === 'GET') {
      if (memberName === undefined) return listing(asRecords(members), new URLSearchParams());
      return members.includes(memberName)
        ? listing(asRecords([memberName]), new URLSearchParams(), memberName)
        : error(404, -3, undefined, memberName);
    }
    if (method === 'POST' && memberName === undefined) {
      const name = typeof body?.name === 'string' ? body.name : '';
      if (name === '') return error(424, -1, 'missing name');
      if (members.includes(name)) return error(500, -5, undefined, name);
      const allowed = TABLES[table]!.references!.member!;
      if (!allowed.some((t) => tables.get(t)!.has(name))) {
        const otherFamily = table === 'firewall/addrgrp' ? 'firewall/address6' : 'firewall/address';
        return tables.get(otherFamily)!.has(name)
          ? error(
              500,
              -3,
              `IPv4 and IPv6 addresses cannot be mixed in one group: ${name} is in ${otherFamily}`,
              name,
            )
          : error(500, -3, `entry not found in datasource: ${name}`, name);
      }
      if (
        this.options.maxGroupMembers !== undefined &&
        members.length >= this.options.maxGroupMembers
      ) {
        return error(
          500,
          -1,
          `the group already holds the maximum of ${this.options.maxGroupMembers} members`,
          name,
        );
      }
      group.member = [...asRecords(members), { name, q_origin_key: name }];
      return this.written(name);
    }
    if (method === 'DELETE' && memberName !== undefined) {
      if (!members.includes(memberName)) return error(404, -3, undefined, memberName);
      group.member = asRecords(members.filter((m) => m !== memberName));
      return this.written(memberName);
    }
    return error(405, -1);
  }

  private validate(
    tables: Map<string, Map<string, CmdbRecord>>,
    rules: TableRules,
    body: CmdbRecord,
  ): CmdbAnswer | null {
    const unknown = Object.keys(body).find((field) => !rules.fields.has(field));
    if (unknown) return error(500, -651, `unknown field '${unknown}'`);
    for (const [field, allowed] of Object.entries(rules.references ?? {})) {
      if (body[field] === undefined) continue;
      if (!Array.isArray(body[field])) return error(500, -651, `${field} must be a list`);
      const missing = refs(body[field]).find((n) => !allowed.some((t) => tables.get(t)!.has(n)));
      if (missing) return error(500, -3, `entry not found in datasource: ${missing}`);
      body[field] = refs(body[field]).map((n) => ({ name: n, q_origin_key: n }));
    }
    return null;
  }

  private tooManyMembers(record: CmdbRecord): boolean {
    const max = this.options.maxGroupMembers;
    return max !== undefined && Array.isArray(record.member) && record.member.length > max;
  }

  /** Which entry refers to `table/key`, if any (a group member, a policy address). */
  private referrer(
    tables: Map<string, Map<string, CmdbRecord>>,
    table: string,
    key: string,
  ): string | null {
    for (const [otherTable, rules] of Object.entries(TABLES)) {
      for (const [field, allowed] of Object.entries(rules.references ?? {})) {
        if (!allowed.includes(table)) continue;
        for (const record of tables.get(otherTable)!.values()) {
          if (refs(record[field]).includes(key))
            return `${otherTable} ${String(record[rules.key])}`;
        }
      }
    }
    return null;
  }

  private written(mkey: string): CmdbAnswer {
    const old = this.revision;
    this.revisionCounter++;
    return {
      status: 200,
      fields: { mkey, revision: this.revision, old_revision: old, revision_changed: true },
    };
  }

  private vdomTables(
    vdom: string,
    create = false,
  ): Map<string, Map<string, CmdbRecord>> | undefined {
    let tables = this.vdoms.get(vdom);
    if (!tables && create) {
      tables = new Map(Object.keys(TABLES).map((t) => [t, new Map<string, CmdbRecord>()]));
      this.vdoms.set(vdom, tables);
    }
    return tables;
  }
}

function refs(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((m: unknown) =>
    typeof m === 'object' && m !== null && typeof (m as CmdbRecord).name === 'string'
      ? [(m as CmdbRecord).name as string]
      : [],
  );
}

function error(status: number, code: number, cliError?: string, mkey?: string): CmdbAnswer {
  return {
    status,
    fields: {
      status: 'error',
      http_status: status,
      error: code,
      ...(cliError ? { cli_error: cliError } : {}),
      ...(mkey !== undefined ? { mkey } : {}),
    },
  };
}

/** A GET answer: `filter` (==, !=, =@, !@; several are ANDed) and `format` (a|b|c) applied. */
function listing(records: CmdbRecord[], query: URLSearchParams, mkey?: string): CmdbAnswer {
  const filters = query.getAll('filter').map(parseFilter);
  const matched = records.filter((r) => filters.every((f) => f(r)));
  const format = query.get('format')?.split('|');
  const results = matched.map((r) => {
    const full: CmdbRecord = { ...structuredClone(r), q_origin_key: r.name ?? r.policyid };
    return format
      ? Object.fromEntries(format.filter((f) => f in full).map((f) => [f, full[f]]))
      : full;
  });
  return {
    status: 200,
    fields: {
      size: records.length,
      matched_count: matched.length,
      next_idx: matched.length - 1,
      results,
      ...(mkey !== undefined ? { mkey } : {}),
    },
  };
}

function parseFilter(text: string): (record: CmdbRecord) => boolean {
  const match = /^([\w-]+)(==|!=|=@|!@)(.*)$/.exec(text);
  if (!match) return () => false;
  const [, field, op, value] = match as unknown as [string, string, string, string];
  return (record) => {
    const stored = record[field];
    const actual = typeof stored === 'string' || typeof stored === 'number' ? String(stored) : '';
    if (op === '==') return actual === value;
    if (op === '!=') return actual !== value;
    if (op === '=@') return actual.includes(value);
    return !actual.includes(value);
  };
}

function normalizeAddress(record: CmdbRecord): string | null {
  record.type ??= record.fqdn !== undefined ? 'fqdn' : 'ipmask';
  record.comment ??= '';
  record.color ??= 0;
  if (record.type === 'fqdn') {
    if (typeof record.fqdn !== 'string' || record.fqdn === '') return 'fqdn is empty';
    record.subnet = '0.0.0.0 0.0.0.0';
    return null;
  }
  if (record.type !== 'ipmask') return null;
  record.fqdn = '';
  const text = (typeof record.subnet === 'string' ? record.subnet : '0.0.0.0 0.0.0.0').trim();
  // FortiOS takes "a.b.c.d m.m.m.m" or "a.b.c.d/len" and stores address and mask.
  const [address = '', mask = '255.255.255.255'] = text.includes('/')
    ? text.split('/')
    : text.split(/\s+/);
  const prefix = /^\d+$/.test(mask) ? Number(mask) : maskToPrefix(mask);
  const cidr = prefix === null ? null : parseCidr(`${address}/${prefix}`);
  if (!cidr || cidr.version !== 4) return `invalid subnet '${text}'`;
  record.subnet = `${formatIp(4, cidr.network)} ${prefixToMask(cidr.prefix)}`;
  return null;
}

function normalizeAddress6(record: CmdbRecord): string | null {
  record.type ??= record.fqdn !== undefined ? 'fqdn' : 'ipprefix';
  record.comment ??= '';
  record.color ??= 0;
  if (record.type !== 'ipprefix') return null;
  const cidr = parseCidr(typeof record.ip6 === 'string' ? record.ip6 : '::/0');
  if (!cidr || cidr.version !== 6) return `invalid ip6 '${JSON.stringify(record.ip6)}'`;
  record.ip6 = `${formatIp(6, cidr.network)}/${cidr.prefix}`;
  return null;
}
