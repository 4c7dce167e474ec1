import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/integration-sdk/config.js';
import { soar } from '../cli/cli-helpers.js';

/*
 * docker-compose.yml and the configuration it mounts: Redis durable (AOF) and never evicting,
 * and each engine service running a command this build has.
 */

const root = join(import.meta.dirname, '..', '..');

interface Service {
  command?: string[];
  image?: string;
  environment?: Record<string, string>;
}

const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as { services: Record<string, Service> };

describe('docker-compose.yml', () => {
  it('runs Redis with AOF persistence and no eviction', () => {
    const command = compose.services.redis!.command!.join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
  });

  it.each(['api', 'scheduler', 'worker'])(
    'runs %s with a command the CLI knows, on Redis',
    (name) => {
      const service = compose.services[name]!;
      expect(service.environment?.REDIS_URL).toBe('redis://redis:6379');
      const help = soar([...service.command!, '--help']);
      expect(help.stderr).toBe('');
      expect(help.code).toBe(0);
    },
  );

  it('mounts a configuration that parses, with secrets as environment references', () => {
    const text = readFileSync(join(root, 'deploy', 'soar.config.yaml'));
    const parsed = parseConfig('deploy/soar.config.yaml', text);
    expect(parsed.ok).toBe(true);
    expect(text.toString()).not.toMatch(/token: '(?!\$\{env:)/);
  });
});
