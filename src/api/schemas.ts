/*
 * Route schemas: fastify checks requests against them (a mismatch is a 400) and
 * @fastify/swagger publishes them as the OpenAPI document.
 */

const error = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
  required: ['error', 'message'],
} as const;

const errors = {
  400: error,
  401: error,
  403: error,
  404: error,
  409: error,
  410: error,
  413: error,
  415: error,
  422: error,
} as const;

const id = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,200}$' } },
  required: ['id'],
} as const;

export const postAlert = {
  summary: 'Ingest an alert: it becomes (or updates) an incident, whose playbooks start',
  tags: ['alerts'],
  security: [{ bearer: [] }, { webhookSignature: [] }],
  body: {
    type: 'object',
    description:
      'Any JSON object with a `type` (the incident type). `name`, `severity` and `fields` are optional; other keys become fields. `dedup_key`: a repeat updates the same incident.',
    properties: {
      type: { type: 'string' },
      name: { type: 'string' },
      severity: {
        type: 'string',
        enum: ['unknown', 'informational', 'low', 'medium', 'high', 'critical'],
      },
      fields: { type: 'object', additionalProperties: true },
      dedup_key: { type: 'string' },
    },
    additionalProperties: true,
  },
  response: {
    202: {
      type: 'object',
      properties: {
        incident: { type: 'string' },
        dedup_key: { type: 'string' },
        playbooks: { type: 'array', items: { type: 'string' } },
        status: { type: 'string' },
      },
    },
    ...errors,
  },
} as const;

export const listIncidents = {
  summary: 'Incidents, newest first',
  tags: ['incidents'],
  querystring: {
    type: 'object',
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: 500 },
      offset: { type: 'integer', minimum: 0 },
    },
    additionalProperties: false,
  },
} as const;

export const byId = { params: id, tags: ['incidents'] } as const;

export const postNote = {
  summary: "Journal an analyst's note on an incident",
  tags: ['incidents'],
  params: id,
  body: {
    type: 'object',
    properties: { text: { type: 'string', minLength: 1, maxLength: 4000 } },
    required: ['text'],
    additionalProperties: false,
  },
} as const;

export const listApprovals = {
  summary: 'Approvals waiting for a decision',
  tags: ['approvals'],
  querystring: {
    type: 'object',
    properties: {
      state: { type: 'string' },
      limit: { type: 'integer', minimum: 1, maximum: 1000 },
    },
    additionalProperties: false,
  },
} as const;

export const decide = {
  summary: 'Decide an approval (the token names who decided)',
  tags: ['approvals'],
  params: id,
  body: {
    type: 'object',
    properties: {
      option: { type: 'string', minLength: 1, maxLength: 200 },
      comment: { type: 'string', maxLength: 4000 },
    },
    required: ['option'],
    additionalProperties: false,
  },
} as const;

export const startRun = {
  summary: 'Start a run of a playbook',
  tags: ['runs'],
  params: id,
  body: {
    type: 'object',
    properties: {
      inputs: { type: 'object', additionalProperties: true },
      incident: { type: 'string' },
    },
    additionalProperties: false,
  },
} as const;
