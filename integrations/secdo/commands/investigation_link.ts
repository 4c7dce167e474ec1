import { Type } from '@sinclair/typebox';
import { defineCommand, permanentError } from '../../../src/integration-sdk/index.js';
import {
  ENTITIES,
  ENTITY_NAMES,
  investigationUrl,
  type Entity,
  type EntitySpec,
} from '../investigation.js';

const USES = 'secdo.investigation_link';
const AttributeValue = Type.Union([Type.String({ minLength: 1 }), Type.Number()]);

export const investigationLink = defineCommand({
  name: 'investigation_link',
  title: 'Link to a SECDO investigation query',
  description:
    "Builds the URL of SECDO's investigationNG query builder for an entity, its actions and " +
    'attribute filters, and journals it as a link artifact so an analyst can pivot from the ' +
    'incident into SECDO. Makes no call to SECDO.',
  input: Type.Object(
    {
      entity: Type.Union(
        ENTITY_NAMES.map((e) => Type.Literal(e)),
        { description: 'process, registry, file, network or host.' },
      ),
      actions: Type.Optional(
        Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String(), { minItems: 1 })], {
          description:
            "Actions of the entity (network: outgoing_network, incoming_network, failed_network; …). Default: all of the entity's actions. host has none.",
        }),
      ),
      attributes: Type.Record(
        Type.String(),
        Type.Union([AttributeValue, Type.Array(AttributeValue, { minItems: 1 })]),
        {
          minProperties: 1,
          description:
            'Attribute filters, e.g. {remote_ip: [8.8.8.8, 8.8.4.4]} or {cmd: "*download*|*encoded*"}: ' +
            'a list or `|` gives alternatives, `*` is a wildcard.',
        },
      ),
    },
    { additionalProperties: false },
  ),
  output: Type.Object({ url: Type.String() }),
  run: (ctx, input) => {
    const entity = checkEntity(input.entity);
    const spec: EntitySpec = ENTITIES[entity];
    const actions = checkActions(entity, spec, input.actions);
    const attributes = checkAttributes(entity, spec, input.attributes);
    if (!ctx.instance.url) {
      throw permanentError(`instance '${ctx.instance.id}' has no url`, 'BAD_INSTANCE');
    }
    const url = investigationUrl(ctx.instance.url, { entity, actions, attributes });
    const filters = attributes.map(([name, values]) => `${name}=${values.join('|')}`).join(', ');
    ctx.evidence(`SECDO investigation of ${entity} where ${filters}`, [
      { type: 'link', value: url, label: 'SECDO investigation' },
    ]);
    return Promise.resolve({ url });
  },
});

function bad(message: string): never {
  throw permanentError(`${USES}: ${message}`, 'BAD_INPUT');
}

function checkEntity(value: unknown): Entity {
  if (typeof value === 'string' && (ENTITY_NAMES as string[]).includes(value)) {
    return value as Entity;
  }
  return bad(`'entity' must be one of ${ENTITY_NAMES.join(', ')}, got ${JSON.stringify(value)}`);
}

function checkActions(entity: Entity, spec: EntitySpec, value: unknown): string[] {
  if (value === undefined || value === null) return [...spec.actions];
  const given =
    typeof value === 'string'
      ? value.split(',').map((a) => a.trim())
      : Array.isArray(value)
        ? value
        : bad(`'actions' must be a list of action names`);
  if (spec.actions.length === 0) bad(`the ${entity} entity has no actions; leave 'actions' out`);
  if (given.length === 0) bad(`'actions' is empty; leave it out for all of ${entity}'s actions`);
  const actions: string[] = [];
  for (const action of given) {
    if (typeof action !== 'string' || !spec.actions.includes(action)) {
      bad(
        `${JSON.stringify(action)} is not an action of ${entity} (expected ${spec.actions.join(', ')})`,
      );
    }
    if (!actions.includes(action)) actions.push(action);
  }
  return actions;
}

function checkAttributes(
  entity: Entity,
  spec: EntitySpec,
  value: unknown,
): Array<readonly [string, string[]]> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return bad(`'attributes' must be a map of attribute name to value`);
  }
  const entries = Object.entries(value);
  if (entries.length === 0) bad(`'attributes' needs at least one filter`);
  return entries.map(([name, raw]) => {
    if (!spec.attributes.includes(name)) {
      const near = spec.attributes.find((a) => a.toLowerCase() === name.toLowerCase());
      bad(
        `'${name}' is not an attribute of ${entity}${near ? ` (did you mean '${near}'?)` : ''}; expected ${spec.attributes.join(', ')}`,
      );
    }
    const alternatives = (Array.isArray(raw) ? raw : [raw]).flatMap((item: unknown) => {
      if (typeof item === 'number' && Number.isFinite(item)) return [String(item)];
      if (typeof item !== 'string') {
        return bad(`attribute '${name}' must be text or a number, got ${JSON.stringify(item)}`);
      }
      return item.split('|').map((part) => part.trim());
    });
    if (alternatives.some((a) => a === '')) bad(`attribute '${name}' has an empty value`);
    const allowed = spec.values?.[name];
    const wrong = allowed ? alternatives.find((a) => !allowed.includes(a)) : undefined;
    if (allowed && wrong !== undefined) {
      bad(`attribute '${name}' must be one of ${allowed.join(', ')}, got ${JSON.stringify(wrong)}`);
    }
    return [name, alternatives] as const;
  });
}
