/*
 * SECDO's investigationNG query builder, reached by URL (integration guide v1.1, "Querying
 * SECDO via URL"):
 *   https://<server>/#/investigationNG/builder?entity=<e>&action=<a1,a2>&attr=<n:v,n2:v2>
 * An attribute value may hold alternatives separated by `|`, and `*` wildcards.
 */

export interface EntitySpec {
  actions: readonly string[];
  attributes: readonly string[];
  /** Attributes whose values come from a closed list. */
  values?: Readonly<Record<string, readonly string[]>>;
}

export const ENTITIES = {
  process: {
    actions: ['run', 'parent', 'child', 'injection', 'injector'],
    attributes: [
      'file_name',
      'file_path',
      'process_hash',
      'pid',
      'thread_id',
      'username',
      'cmd',
      'CGN',
      'signed',
      'instanceId',
    ],
    // 0 signed, 1 unsigned, 2 invalid signature.
    values: { signed: ['0', '1', '2'] },
  },
  registry: {
    actions: ['exists', 'write_registry', 'rename_registry', 'delete_registry'],
    attributes: ['key_name', 'key_value', 'thread_id', 'instanceId'],
  },
  file: {
    actions: ['exists', 'create_file', 'write_file', 'read_file', 'delete_file', 'rename_file'],
    attributes: ['file_name', 'file_path', 'file_hash', 'old_file_path', 'thread_id', 'instanceId'],
  },
  network: {
    actions: ['outgoing_network', 'incoming_network', 'failed_network'],
    attributes: [
      'remote_ip',
      'remote_port',
      'remote_host',
      'country',
      'access_type',
      'local_ip',
      'local_port',
      'thread_id',
      'instanceId',
    ],
    values: { access_type: ['tcp', 'udp'] },
  },
  host: { actions: [], attributes: ['host_name', 'host_ip'] },
} as const satisfies Record<string, EntitySpec>;

export type Entity = keyof typeof ENTITIES;
export const ENTITY_NAMES = Object.keys(ENTITIES) as Entity[];

export interface InvestigationQuery {
  entity: Entity;
  actions: readonly string[];
  /** Attribute name → its alternatives (each already checked). */
  attributes: ReadonlyArray<readonly [string, readonly string[]]>;
}

/**
 * The builder URL on `serverUrl`'s origin and path. Each alternative is URL-encoded; the
 * separators `,` `:` `|` and the wildcard `*` stay literal, as in the guide's examples.
 */
export function investigationUrl(serverUrl: string, query: InvestigationQuery): string {
  const base = new URL(serverUrl);
  const root = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  const attr = query.attributes
    .map(([name, alternatives]) => `${name}:${alternatives.map(encodeURIComponent).join('|')}`)
    .join(',');
  const params = [
    `entity=${query.entity}`,
    ...(query.actions.length > 0 ? [`action=${query.actions.join(',')}`] : []),
    `attr=${attr}`,
  ];
  return `${root}/#/investigationNG/builder?${params.join('&')}`;
}
