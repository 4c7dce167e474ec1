import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, soar, tempDir } from './cli-helpers.js';

describe('soar integrations', () => {
  it('lists integrations, commands and built-in instances', () => {
    const out = JSON.parse(soar(['integrations', 'list', '--json'], tempDir()).stdout) as {
      integrations: { id: string; commands: { uses: string }[] }[];
      instances: { id: string; implicit: boolean }[];
    };
    expect(out.integrations.find((i) => i.id === 'core')?.commands.map((c) => c.uses)).toEqual([
      'core.echo',
      'core.fail',
      'core.sleep',
      'core.log',
    ]);
    expect(out.instances).toContainEqual(expect.objectContaining({ id: 'core', implicit: true }));
  });

  it('shows credential references, never their values, and tests an instance', () => {
    const dir = tempDir();
    const config = join(dir, 'soar.config.yaml');
    writeFileSync(
      config,
      'instances:\n  core-ops:\n    integration: core\n    credentials: { token: "${env:CORE_TOKEN}" }\n',
    );
    const env = { ...process.env, CORE_TOKEN: 'very-secret-token-42' };
    const list = spawnSync(process.execPath, [BIN, 'integrations', 'list', '--config', config], {
      encoding: 'utf8',
      env,
    });
    expect(list.stdout).toContain('core-ops  (core)  token=${env:CORE_TOKEN}');
    expect(list.stdout).not.toContain('very-secret-token-42');
    const ok = spawnSync(
      process.execPath,
      [BIN, 'integrations', 'test', 'core-ops', '--config', config],
      { encoding: 'utf8', env },
    );
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^ok: core-ops \(core\)/);
    const missing = spawnSync(
      process.execPath,
      [BIN, 'integrations', 'test', 'core-ops', '--config', config],
      { encoding: 'utf8', env: { ...process.env, CORE_TOKEN: '' } },
    );
    expect(missing.status).toBe(1);
    expect(missing.stdout).toMatch(/FAILED: .*CORE_TOKEN is not set \[SECRET_MISSING\]/);
  });

  it('prints config problems with their location and exits 1', () => {
    const dir = tempDir();
    const config = join(dir, 'soar.config.yaml');
    writeFileSync(
      config,
      'instances:\n  fw:\n    integration: core\n    credentials:\n      token: plain-text-secret\n',
    );
    const result = soar(['integrations', 'list', '--config', config]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `${config}:5:14: 'instances.fw.credentials.token' must be a secret reference`,
    );
    expect(result.stderr).not.toContain('plain-text-secret');
  });
});
