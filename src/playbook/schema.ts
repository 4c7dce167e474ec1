import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * The one definition of the playbook format. It feeds the TypeScript types, the ajv
 * validator and the published `playbooks/playbook.schema.json`.
 */

export const STEP_ID_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,63}$';
export const DURATION_PATTERN = '^[0-9]+(ms|s|m|h|d)$';

const StepId = Type.String({
  pattern: STEP_ID_PATTERN,
  description: 'A step id: letters, digits and underscores, starting with a letter or underscore.',
});
const Duration = Type.String({
  pattern: DURATION_PATTERN,
  description: 'A duration such as 500ms, 30s, 5m, 4h or 1d.',
});
const Expression = Type.String({
  description: 'A JSONata expression in ${{ … }}, or plain text with ${{ … }} interpolations.',
});
const Args = Type.Record(Type.String(), Type.Unknown(), {
  description: 'Arguments; string values may hold ${{ … }} expressions.',
});

const Retry = Type.Object(
  {
    max: Type.Integer({
      minimum: 0,
      maximum: 100,
      description: 'Retries after the first attempt.',
    }),
    backoff: Type.Optional(Type.Union([Type.Literal('fixed'), Type.Literal('exponential')])),
    delay: Type.Optional(Duration),
  },
  { additionalProperties: false, description: 'Retry transient failures.' },
);

const OnError = Type.String({
  description: '`continue`, `fail` (the default), or the id of a step that handles the error.',
});

/** Fields every step may carry. */
const common = {
  name: Type.Optional(Type.String({ maxLength: 200 })),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  if: Type.Optional(Type.Union([Expression, Type.Boolean()], { description: 'Skip when false.' })),
  max_visits: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 100000,
      description: 'Bound for a loop through this step.',
    }),
  ),
};
const failurePolicy = {
  retry: Type.Optional(Retry),
  timeout: Type.Optional(Duration),
  on_error: Type.Optional(OnError),
};
const next = { next: Type.Optional(StepId) };

function step<K extends string, T extends Record<string, TSchema>>(
  type: K,
  props: T,
  description: string,
) {
  return Type.Object(
    { type: Type.Literal(type), ...common, ...props },
    { additionalProperties: false, description },
  );
}

export const ActionStep = Type.Object(
  {
    type: Type.Optional(Type.Literal('action')),
    ...common,
    uses: Type.String({
      pattern: '^[a-z][a-z0-9_-]*\\.[a-z][a-z0-9_]*$',
      description: 'The command to run: <integration>.<command>.',
    }),
    instance: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9][a-z0-9_-]{0,63}$',
        description:
          "The configured instance to run against (soar.config.yaml); default: the integration's default instance.",
      }),
    ),
    with: Type.Optional(Args),
    ...failurePolicy,
    ...next,
  },
  { additionalProperties: false, description: 'Runs an integration command.' },
);

export const InlineAction = Type.Object(
  {
    uses: ActionStep.properties.uses,
    instance: ActionStep.properties.instance,
    with: Type.Optional(Args),
    retry: Type.Optional(Retry),
    timeout: Type.Optional(Duration),
  },
  { additionalProperties: false, description: 'The action run for each item.' },
);

export const ChoiceStep = step(
  'choice',
  {
    choices: Type.Array(
      Type.Object(
        { when: Type.Union([Expression, Type.Boolean()]), next: StepId },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    default: Type.Optional(StepId),
  },
  'Goes to the first choice whose `when` is true, else to `default`.',
);

export const ParallelStep = step(
  'parallel',
  {
    branches: Type.Array(StepId, { minItems: 1, uniqueItems: true }),
    join: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('any')])),
    on_error: Type.Optional(OnError),
    ...next,
  },
  'Runs branches at once; each branch follows `next` from its first step.',
);

export const ForeachStep = step(
  'foreach',
  {
    items: Type.Union([Expression, Type.Array(Type.Unknown())]),
    do: InlineAction,
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    ...failurePolicy,
    ...next,
  },
  'Runs an action for each item; output is the list of item outputs, in item order.',
);

export const PlaybookStep = step(
  'playbook',
  {
    playbook: Type.String({ minLength: 1 }),
    inputs: Type.Optional(Args),
    ...failurePolicy,
    ...next,
  },
  'Runs another playbook; output is its outputs.',
);

export const ApprovalStep = step(
  'approval',
  {
    prompt: Type.String({ minLength: 1, maxLength: 4000 }),
    options: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
      minItems: 1,
      uniqueItems: true,
    }),
    assignees: Type.Optional(Type.Array(Type.String())),
    timeout: Type.Optional(Duration),
    on_timeout: Type.Optional(StepId),
    on_error: Type.Optional(OnError),
    next: Type.Optional(
      Type.Union([StepId, Type.Record(Type.String(), StepId)], {
        description: 'A step id, or a map from each option to a step id.',
      }),
    ),
  },
  'Asks an analyst to choose an option.',
);

export const WaitStep = step(
  'wait',
  {
    for: Type.Optional(Duration),
    until: Type.Optional(Expression),
    on_error: Type.Optional(OnError),
    ...next,
  },
  'Waits for a duration (`for`) or until a time (`until`).',
);

export const SetStep = step(
  'set',
  { vars: Args, on_error: Type.Optional(OnError), ...next },
  'Assigns run variables.',
);

export const EndStep = step(
  'end',
  {
    status: Type.Optional(
      Type.String({ pattern: '^[a-z][a-z_]*$', description: 'resolved (default), failed, …' }),
    ),
    outputs: Type.Optional(Args),
  },
  'Ends the run with a status and outputs.',
);

export const STEP_VARIANTS = {
  action: ActionStep,
  choice: ChoiceStep,
  parallel: ParallelStep,
  foreach: ForeachStep,
  playbook: PlaybookStep,
  approval: ApprovalStep,
  wait: WaitStep,
  set: SetStep,
  end: EndStep,
} as const;
export type StepType = keyof typeof STEP_VARIANTS;
export const STEP_TYPES = Object.keys(STEP_VARIANTS) as StepType[];

const InputType = Type.Union(
  ['string', 'number', 'integer', 'boolean', 'object', 'array'].map((t) => Type.Literal(t)),
);
export const InputDeclaration = Type.Object(
  {
    type: InputType,
    description: Type.Optional(Type.String()),
    default: Type.Optional(Type.Unknown()),
    required: Type.Optional(Type.Boolean()),
    enum: Type.Optional(Type.Array(Type.Unknown(), { minItems: 1 })),
  },
  { additionalProperties: false },
);

/** The top level, with steps checked only for being objects; each step is checked by its variant. */
export const PlaybookShape = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,99}$', description: 'Unique playbook id.' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
    description: Type.Optional(Type.String()),
    trigger: Type.Optional(
      Type.Object(
        {
          incident_types: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
          schedule: Type.Optional(Type.String({ description: 'A cron expression.' })),
        },
        { additionalProperties: false },
      ),
    ),
    inputs: Type.Optional(Type.Record(Type.String({ pattern: STEP_ID_PATTERN }), InputDeclaration)),
    start: StepId,
    steps: Type.Record(Type.String(), Type.Object({}), { minProperties: 1 }),
  },
  { additionalProperties: false },
);

export type Retry = Static<typeof Retry>;
export type ActionStep = Static<typeof ActionStep>;
export type InlineAction = Static<typeof InlineAction>;
export type ChoiceStep = Static<typeof ChoiceStep>;
export type ParallelStep = Static<typeof ParallelStep>;
export type ForeachStep = Static<typeof ForeachStep>;
export type PlaybookStep = Static<typeof PlaybookStep>;
export type ApprovalStep = Static<typeof ApprovalStep>;
export type WaitStep = Static<typeof WaitStep>;
export type SetStep = Static<typeof SetStep>;
export type EndStep = Static<typeof EndStep>;
export type InputDeclaration = Static<typeof InputDeclaration>;

/** A step after validation: `type` is always present. */
export type Step =
  | (ActionStep & { type: 'action' })
  | ChoiceStep
  | ParallelStep
  | ForeachStep
  | PlaybookStep
  | ApprovalStep
  | WaitStep
  | SetStep
  | EndStep;

export type Playbook = Omit<Static<typeof PlaybookShape>, 'steps'> & {
  steps: Record<string, Step>;
};

/** The published JSON Schema: the top level plus an if/then per step type, so editors check each step. */
export function publishedSchema(): Record<string, unknown> {
  const variants = STEP_TYPES.map((type) => ({
    if:
      type === 'action'
        ? { not: { required: ['type'] } }
        : { properties: { type: { const: type } }, required: ['type'] },
    then: STEP_VARIANTS[type],
  }));
  const stepSchema = {
    type: 'object',
    properties: { type: { enum: STEP_TYPES } },
    allOf: variants,
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://soar-engine.dev/schema/playbook.schema.json',
    title: 'SOAR playbook',
    ...PlaybookShape,
    properties: {
      ...PlaybookShape.properties,
      // A record's patternProperties would match every key and bypass the per-type checks.
      steps: {
        type: 'object',
        description: 'The steps, by id.',
        minProperties: 1,
        propertyNames: { pattern: STEP_ID_PATTERN },
        additionalProperties: stepSchema,
      },
    },
  };
}
