import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { publishedSchema } from '../../src/playbook/schema.js';

const file = join(import.meta.dirname, '..', '..', 'playbooks', 'playbook.schema.json');

describe('playbooks/playbook.schema.json', () => {
  it('is the schema the validator uses (run `npm run schema` after changing it)', () => {
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(
      JSON.parse(JSON.stringify(publishedSchema())),
    );
  });

  it('accepts every shipped playbook', () => {
    const validate = new Ajv({ strict: false }).compile(publishedSchema());
    const dir = join(import.meta.dirname, '..', '..', 'playbooks');
    const shipped = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(shipped.length).toBeGreaterThanOrEqual(4);
    for (const name of shipped) {
      expect(validate(parse(readFileSync(join(dir, name), 'utf8'))), name).toBe(true);
    }
  });

  it('accepts the shipped example and rejects a step of the wrong shape, as an editor would', () => {
    const validate = new Ajv({ strict: false }).compile(publishedSchema());
    const example = parse(
      readFileSync(
        join(import.meta.dirname, '..', '..', 'playbooks', 'example-triage.yaml'),
        'utf8',
      ),
    ) as Record<string, unknown>;
    expect(validate(example)).toBe(true);
    const broken = {
      ...example,
      steps: { ...(example.steps as object), bad: { type: 'choice', uses: 'core.echo' } },
    };
    expect(validate(broken)).toBe(false);
  });
});
