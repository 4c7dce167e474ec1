import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';

/*
 * Where an installation's Redis is, as one URL:
 *   redis://[user:password@]host:port[/db]     one server (rediss:// with TLS)
 *   redis-cluster://[user:password@]host:port[,host:port...]
 *                                              a Redis Cluster, reached from any of the nodes
 *                                              listed (rediss-cluster:// with TLS)
 * Every key the runtime writes together shares a hash tag (redis-names.ts), so the same
 * commands run on a Cluster.
 */

export class RedisUrlError extends Error {
  override readonly name = 'RedisUrlError';
}

const CLUSTER_URL = /^(rediss?)-cluster:\/\/(.*)$/i;

export function isClusterUrl(url: string): boolean {
  return CLUSTER_URL.test(url);
}

/** A client for `url`; `options` apply to every connection (for a Cluster, to each node's). */
export function connectRedis(url: string, options: RedisOptions = {}): Redis | Cluster {
  const cluster = parseClusterUrl(url);
  if (!cluster) return new Redis(url, options);
  const { seeds, username, password, tls } = cluster;
  const { lazyConnect, ...perNode } = options;
  return new Cluster(seeds, {
    ...(lazyConnect !== undefined ? { lazyConnect } : {}),
    redisOptions: {
      ...perNode,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(tls ? { tls: {} } : {}),
    },
  });
}

export interface ClusterUrl {
  seeds: ClusterNode[];
  username?: string;
  password?: string;
  tls: boolean;
}

/** The nodes and credentials of a `redis-cluster://` URL; null for any other URL. */
export function parseClusterUrl(url: string): ClusterUrl | null {
  const cluster = CLUSTER_URL.exec(url);
  if (!cluster) return null;
  return { ...clusterSeeds(cluster[2]!), tls: cluster[1]!.toLowerCase() === 'rediss' };
}

function clusterSeeds(rest: string): Omit<ClusterUrl, 'tls'> {
  const at = rest.lastIndexOf('@');
  const credentials = at >= 0 ? rest.slice(0, at) : null;
  const hosts = (at >= 0 ? rest.slice(at + 1) : rest).replace(/\/+$/, '');
  const seeds = hosts.split(',').map((hostPort) => {
    const match = /^([^:/\s]+):(\d{1,5})$/.exec(hostPort.trim());
    const port = match ? Number(match[2]) : NaN;
    if (!match || port < 1 || port > 65_535) {
      throw new RedisUrlError(
        `Redis Cluster node ${JSON.stringify(hostPort)}: expected host:port, as in redis-cluster://10.0.0.1:7000,10.0.0.2:7000`,
      );
    }
    return { host: match[1]!, port };
  });
  if (credentials === null) return { seeds };
  const colon = credentials.indexOf(':');
  const decode = (text: string) => decodeURIComponent(text);
  if (colon < 0) return { seeds, username: decode(credentials) };
  const username = credentials.slice(0, colon);
  return {
    seeds,
    ...(username ? { username: decode(username) } : {}),
    password: decode(credentials.slice(colon + 1)),
  };
}
