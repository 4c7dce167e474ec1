import type { Cluster, Redis } from 'ioredis';

const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Deletes a lock or lease key only if `token` still holds it (a lapsed holder frees nothing). */
export async function releaseIfHeld(
  client: Redis | Cluster,
  key: string,
  token: string,
): Promise<void> {
  await client.eval(RELEASE_LUA, 1, key, token);
}
