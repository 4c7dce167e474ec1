import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { builtinIntegrations } from '../../integrations/index.js';
import { Registry } from '../../src/integration-sdk/registry.js';
import type { PlaybookCatalog } from '../../src/playbook/catalog.js';
import { compilePlaybook } from '../../src/playbook/compile.js';
import { STEP_TYPES, type Playbook, type Step } from '../../src/playbook/schema.js';
import { parsePlaybookText } from '../../src/playbook/source.js';
import { validatePlaybook } from '../../src/playbook/validate.js';

const here = dirname(fileURLToPath(import.meta.url));
const VALID_DIR = join(here, '..', 'fixtures', 'valid');
const files = readdirSync(VALID_DIR)
  .filter((name) => name.endsWith('.yaml'))
  .sort();
const commands = new Registry(builtinIntegrations);

/** Sub-playbooks resolve among the files of the folder, as the playbook library does. */
function folderCatalog(): PlaybookCatalog {
  const inputs = new Map<string, Record<string, { required?: boolean; default?: unknown }>>();
  for (const name of files) {
    const parsed = parsePlaybookText(name, readFileSync(join(VALID_DIR, name)));
    if (!parsed.ok) throw new Error(`${name} does not parse`);
    const value = parsed.source.value as { id: string; inputs?: Record<string, object> };
    if (inputs.has(value.id)) throw new Error(`two fixtures have the id '${value.id}'`);
    inputs.set(value.id, value.inputs ?? {});
  }
  return { inputsOf: (id) => inputs.get(id) };
}
const playbooks = folderCatalog();

function load(name: string): Playbook {
  const result = validatePlaybook(name, readFileSync(join(VALID_DIR, name)), commands, playbooks);
  expect(result.diagnostics).toEqual([]);
  expect(result.playbook).toBeDefined();
  return result.playbook!;
}

describe('valid fixtures', () => {
  it('exist', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  it.each(files)('%s validates with no diagnostics and compiles', (name) => {
    const playbook = load(name);
    expect(() => compilePlaybook(playbook, 'test-hash')).not.toThrow();
  });

  it.each(files)('%s validates the same as text', (name) => {
    const text = readFileSync(join(VALID_DIR, name), 'utf8');
    const result = validatePlaybook(name, text, commands, playbooks);
    expect(result.diagnostics).toEqual([]);
    expect(result.playbook).toEqual(load(name));
  });

  it('fill in the default step type: a step with `uses` and no `type` is an action', () => {
    const playbook = load('triage.yaml');
    expect(playbook.steps.note?.type).toBe('action');
    expect(playbook.steps.recover?.type).toBe('action');
  });

  it('cover every step type and the forms of each', () => {
    const steps: Step[] = files.flatMap((name) => Object.values(load(name).steps));
    expect(new Set(steps.map((s) => s.type))).toEqual(new Set(STEP_TYPES));
    const of = <T extends Step['type']>(type: T) =>
      steps.filter((s): s is Extract<Step, { type: T }> => s.type === type);

    expect(new Set(of('parallel').map((s) => s.join))).toEqual(new Set(['all', 'any']));
    expect(
      of('approval').some((s) => typeof s.next === 'object' && s.timeout && s.on_timeout),
    ).toBe(true);
    expect(of('wait').some((s) => s.for !== undefined)).toBe(true);
    expect(of('wait').some((s) => s.until !== undefined)).toBe(true);
    expect(of('choice').some((s) => s.default !== undefined)).toBe(true);
    expect(of('foreach').some((s) => s.concurrency !== undefined)).toBe(true);
    expect(of('playbook').map((s) => s.playbook)).toContain('valid-child');
    expect(of('set').length).toBeGreaterThan(0);
    expect(of('end').some((s) => s.status === 'failed')).toBe(true);
    expect(of('action').some((s) => s.retry && s.timeout && s.on_error)).toBe(true);
    expect(steps.some((s) => s.max_visits !== undefined)).toBe(true);
    expect(steps.some((s) => s.if !== undefined)).toBe(true);
  });

  it('the sub-playbook check sees the folder: without the catalog, the parent is invalid', () => {
    const result = validatePlaybook(
      'parent.yaml',
      readFileSync(join(VALID_DIR, 'parent.yaml')),
      commands,
    );
    expect(result.playbook).toBeUndefined();
    expect(result.diagnostics.map((d) => d.code)).toEqual(['unknown-playbook']);
  });
});
