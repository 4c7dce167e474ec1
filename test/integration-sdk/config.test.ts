import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/integration-sdk/config.js';
import { defineCommand, defineIntegration } from '../../src/integration-sdk/define.js';
import { Instances } from '../../src/integration-sdk/instances.js';
import { Registry } from '../../src/integration-sdk/registry.js';
import { builtinIntegrations } from '../../integrations/index.js';

const vendor = defineIntegration({
  id: 'vendor',
  title: 'Vendor',
  description: 'test vendor',
  instance: {
    url: true,
    credentials: ['token'],
    settings: Type.Object({ group: Type.String() }, { additionalProperties: false }),
  },
  commands: [
    defineCommand({
      name: 'noop',
      title: 'No-op',
      description: '',
      input: Type.Object({}),
      output: Type.Object({}),
      run: () => Promise.resolve({}),
    }),
  ],
});
const registry = new Registry([...builtinIntegrations, vendor]);
const sources = (env: Record<string, string>, files: Record<string, string> = {}) => ({
  env,
  readFile: (path: string) => {
    if (!(path in files)) throw new Error(`ENOENT: ${path}`);
    return files[path]!;
  },
});

const CONFIG = `
instances:
  fw-lab:
    integration: vendor
    default: true
    url: https://192.0.2.10
    credentials: { token: "\${env:VENDOR_TOKEN}" }
    tls: { verify: false }
    timeout: 5s
    settings: { group: SOAR-Block }
  fw-dr:
    integration: vendor
    url: https://192.0.2.11
    credentials: { token: "\${file:/run/secrets/dr-token}" }
    settings: { group: SOAR-Block }
`;

function config(text: string) {
  const result = parseConfig('soar.config.yaml', text);
  if (!result.ok) throw new Error(result.diagnostics.map((d) => d.message).join('\n'));
  return result.config;
}

describe('soar.config.yaml', () => {
  it('resolves credentials from the environment and from files, and picks the default instance', () => {
    const instances = new Instances(
      config(CONFIG),
      registry,
      sources({ VENDOR_TOKEN: 'tok-lab-123456' }, { '/run/secrets/dr-token': 'tok-dr-654321\n' }),
    );
    expect(instances.forIntegration('vendor')).toMatchObject({
      id: 'fw-lab',
      url: 'https://192.0.2.10',
      credentials: { token: 'tok-lab-123456' },
      timeoutMs: 5000,
      tls: { verify: false },
      settings: { group: 'SOAR-Block' },
    });
    expect(instances.get('fw-dr').credentials.token).toBe('tok-dr-654321');
    expect(instances.secretValues().sort()).toEqual(['tok-dr-654321', 'tok-lab-123456']);
    expect(instances.forIntegration('core')).toMatchObject({ id: 'core', credentials: {} });
  });

  it('lists references, never secret values', () => {
    const instances = new Instances(
      config(CONFIG),
      registry,
      sources({ VENDOR_TOKEN: 'tok-lab-123456' }),
    );
    const listed = JSON.stringify(instances.list());
    expect(listed).toContain('${env:VENDOR_TOKEN}');
    expect(listed).not.toContain('tok-lab-123456');
  });

  it('refuses a literal secret in the file, with its location', () => {
    const result = parseConfig(
      'soar.config.yaml',
      'instances:\n  fw:\n    integration: vendor\n    credentials:\n      token: hunter2hunter2\n',
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.diagnostics[0]).toMatchObject({
        line: 5,
        col: 14,
        message: expect.stringMatching(/must be a secret reference/) as string,
      });
      expect(JSON.stringify(result.diagnostics)).not.toContain('hunter2hunter2');
    }
  });

  it.each([
    [
      'an unknown field',
      'instances:\n  fw:\n    integration: vendor\n    urll: https://x\n',
      /unknown field 'urll'/,
    ],
    [
      'two defaults',
      'instances:\n  a: { integration: vendor, default: true }\n  b: { integration: vendor, default: true }\n',
      /both the default/,
    ],
    ['a __proto__ key', 'instances:\n  __proto__: { integration: vendor }\n', /not allowed/],
    ['a bad instance id', 'instances:\n  "Bad Id": { integration: vendor }\n', /instances/],
  ])('rejects %s', (_what, text, message) => {
    const result = parseConfig('soar.config.yaml', text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.diagnostics.map((d) => d.message).join('\n')).toMatch(message);
  });

  it('says which variable is missing, and what an instance lacks', () => {
    const instances = new Instances(config(CONFIG), registry, sources({}));
    expect(() => instances.get('fw-lab')).toThrow(
      /credentials.token refers to \$\{env:VENDOR_TOKEN\}, but the environment variable VENDOR_TOKEN is not set/,
    );
    const bare = new Instances(
      config('instances:\n  fw:\n    integration: vendor\n    url: https://x\n'),
      registry,
      sources({}),
    );
    expect(() => bare.get('fw')).toThrow(/needs credentials.token/);
    const badSettings = new Instances(
      config(
        'instances:\n  fw:\n    integration: vendor\n    url: https://x\n    credentials: { token: "${env:T}" }\n    settings: { grp: x }\n',
      ),
      registry,
      sources({ T: 'abcdef' }),
    );
    expect(() => badSettings.get('fw')).toThrow(/settings/);
  });

  it('refuses to guess between several instances with no default', () => {
    const two = config(
      'instances:\n  a: { integration: vendor, url: "https://a" }\n  b: { integration: vendor, url: "https://b" }\n',
    );
    expect(() => new Instances(two, registry, sources({})).forIntegration('vendor')).toThrow(
      /none is marked default/,
    );
    expect(() => new Instances({}, registry, sources({})).forIntegration('vendor')).toThrow(
      /no instance of 'vendor' is configured/,
    );
  });
});
