import { Type, type Static } from '@sinclair/typebox';
import type { InstanceContext } from '../../src/integration-sdk/define.js';
import { permanentError } from '../../src/integration-sdk/index.js';
import type { Tlp } from '../../src/intel/model.js';
import { parseDuration } from '../../src/playbook/duration.js';
import { DURATION_PATTERN } from '../../src/playbook/schema.js';

/** `settings:` of a taxii instance: one feed (a collection on a TAXII server). */
export const TaxiiSettings = Type.Object(
  {
    version: Type.Union([Type.Literal('2.1'), Type.Literal('1.1')], {
      description: 'TAXII version the server speaks.',
    }),
    collection: Type.String({
      minLength: 1,
      description:
        'TAXII 2.1: collection id or title. TAXII 1.1: collection name (user_AlienVault).',
    }),
    discovery: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Discovery service path or URL on the instance url (2.1 default taxii2/; 1.1 e.g. /taxii/discovery).',
      }),
    ),
    api_root: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'TAXII 2.1: API root path or URL (skips discovery).',
      }),
    ),
    poll: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'TAXII 1.1: poll service path or URL (skips discovery).',
      }),
    ),
    types: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'TAXII 2.1: only these STIX types (match[type]), e.g. [indicator, ipv4-addr].',
      }),
    ),
    page_size: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10_000,
        description: 'TAXII 2.1 limit per page (default 1000).',
      }),
    ),
    tlp: Type.Optional(
      Type.Union(
        ['clear', 'green', 'amber', 'amber+strict', 'red'].map((t) => Type.Literal(t)),
        { description: 'TLP for indicators the feed does not mark.' },
      ),
    ),
    confidence: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 100,
        description: 'Confidence for indicators that carry none.',
      }),
    ),
    expiry: Type.Optional(
      Type.String({
        pattern: DURATION_PATTERN,
        description:
          'How long an indicator lasts after this feed last listed it (default intel.expiry, 30d).',
      }),
    ),
    first_poll: Type.Optional(
      Type.String({
        pattern: DURATION_PATTERN,
        description:
          'How far back the first poll reaches (default 30d); later polls start at the watermark.',
      }),
    ),
  },
  { additionalProperties: false },
);

export interface FeedSettings {
  version: '2.1' | '1.1';
  collection: string;
  discovery: string | undefined;
  apiRoot: string | undefined;
  poll: string | undefined;
  types: string[] | undefined;
  pageSize: number;
  tlp: Tlp | undefined;
  confidence: number | undefined;
  firstPollMs: number;
  username: string;
  password: string;
}

const DEFAULT_PAGE_SIZE = 1000;
const DEFAULT_FIRST_POLL = '30d';

export function readFeedSettings(instance: InstanceContext): FeedSettings {
  const raw = instance.settings as Partial<Static<typeof TaxiiSettings>>;
  if (raw.version !== '2.1' && raw.version !== '1.1') {
    throw permanentError(
      `instance '${instance.id}': settings.version must be '2.1' or '1.1'`,
      'BAD_INSTANCE',
    );
  }
  if (typeof raw.collection !== 'string' || raw.collection === '') {
    throw permanentError(
      `instance '${instance.id}': settings.collection is required`,
      'BAD_INSTANCE',
    );
  }
  return {
    version: raw.version,
    collection: raw.collection,
    discovery: raw.discovery,
    apiRoot: raw.api_root,
    poll: raw.poll,
    types: raw.types,
    pageSize: raw.page_size ?? DEFAULT_PAGE_SIZE,
    tlp: raw.tlp as Tlp | undefined,
    confidence: raw.confidence,
    firstPollMs: parseDuration(raw.first_poll ?? DEFAULT_FIRST_POLL),
    username: instance.credentials.username ?? '',
    password: instance.credentials.password ?? '',
  };
}
