import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import {
  connectRedis,
  parseClusterUrl,
  RedisUrlError,
} from '../../src/runtime/redis-connection.js';

describe('Redis URLs', () => {
  it('reads the nodes and credentials of a cluster URL', () => {
    expect(parseClusterUrl('redis-cluster://user:p%40ss@10.0.0.1:7000,10.0.0.2:7001/')).toEqual({
      seeds: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      username: 'user',
      password: 'p@ss',
      tls: false,
    });
    expect(parseClusterUrl('rediss-cluster://:secret@redis-0.internal:6380')).toEqual({
      seeds: [{ host: 'redis-0.internal', port: 6380 }],
      password: 'secret',
      tls: true,
    });
    expect(parseClusterUrl('redis://127.0.0.1:6379')).toBeNull();
  });

  it('refuses a cluster node that is not host:port', () => {
    for (const bad of [
      'redis-cluster://127.0.0.1',
      'redis-cluster://127.0.0.1:7000,',
      'redis-cluster://127.0.0.1:0',
      'redis-cluster://127.0.0.1:70000',
    ]) {
      expect(() => parseClusterUrl(bad), bad).toThrow(RedisUrlError);
    }
    expect(() => parseClusterUrl('redis-cluster://10.0.0.1:7000,10.0.0.2')).toThrow(
      'Redis Cluster node "10.0.0.2": expected host:port',
    );
  });

  it('gives a Cluster client for a cluster URL and a plain client otherwise', () => {
    const cluster = connectRedis('redis-cluster://127.0.0.1:7000', { lazyConnect: true });
    const single = connectRedis('redis://127.0.0.1:6379', { lazyConnect: true });
    expect(cluster).toBeInstanceOf(Cluster);
    expect(single).toBeInstanceOf(Redis);
    cluster.disconnect();
    single.disconnect();
  });
});
