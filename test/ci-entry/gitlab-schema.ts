/**
 * A strict JSON schema of the keys the depot component uses, written from GitLab's CI/CD YAML
 * reference and the facts of its configuration schema (gitlab-org/gitlab,
 * app/assets/javascripts/editor/schema/ci.json) and validators (lib/gitlab/ci/config): a component
 * template is two documents, a `spec:` header whose `inputs` each have only `type` (array, boolean,
 * number, string), `default`, `description` (at most 1024 characters), `options` (at most 50) and
 * `regex`; then the jobs. A job here may use only stage, image, id_tokens (each with `aud`),
 * variables (scalars or {value, expand}), before_script / script / after_script, and artifacts with
 * paths, when, expose_as (letters, digits, `-`, `_` and spaces, at most 100 characters, and then no
 * `*` in paths) and reports.dotenv. Anything else is refused: a key GitLab would reject, or one
 * these templates never meant to use.
 */
type Schema = Record<string, unknown>;

const str = { type: 'string' };
const scriptList = { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } };

const input: Schema = {
  type: 'object',
  properties: {
    type: { enum: ['array', 'boolean', 'number', 'string'] },
    default: {},
    description: { type: 'string', maxLength: 1024 },
    options: { type: 'array', maxItems: 50, items: { type: ['string', 'number', 'boolean'] } },
    regex: str,
  },
  required: ['type', 'default', 'description'],
  additionalProperties: false,
  allOf: [
    { if: { properties: { type: { const: 'string' } } }, then: { properties: { default: str } } },
    {
      if: { properties: { type: { const: 'boolean' } } },
      then: { properties: { default: { type: 'boolean' }, options: false, regex: false } },
    },
    {
      if: { properties: { type: { const: 'number' } } },
      then: { properties: { default: { type: 'number' }, regex: false } },
    },
    {
      if: { properties: { type: { const: 'array' } } },
      then: { properties: { default: { type: 'array' }, options: false, regex: false } },
    },
  ],
};

/** The `spec:` document of a component template. */
export const gitlabSpecSchema: Schema = {
  type: 'object',
  required: ['spec'],
  properties: {
    spec: {
      type: 'object',
      required: ['inputs'],
      properties: {
        inputs: {
          type: 'object',
          propertyNames: { pattern: '^[A-Za-z0-9_-]+$' },
          additionalProperties: input,
        },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

const job: Schema = {
  type: 'object',
  required: ['stage', 'image', 'script'],
  properties: {
    stage: { type: 'string', minLength: 1 },
    image: { type: 'string', minLength: 1 },
    id_tokens: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      additionalProperties: {
        type: 'object',
        required: ['aud'],
        properties: {
          aud: { anyOf: [str, { type: 'array', items: str, minItems: 1, uniqueItems: true }] },
        },
        additionalProperties: false,
      },
    },
    variables: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      additionalProperties: {
        anyOf: [
          { type: ['string', 'number', 'boolean'] },
          {
            type: 'object',
            properties: { value: str, expand: { type: 'boolean' } },
            additionalProperties: false,
          },
        ],
      },
    },
    before_script: scriptList,
    // A whole-value `$[[ inputs.x ]]` (an array input) is a string until GitLab interpolates it.
    script: {
      anyOf: [scriptList, { type: 'string', pattern: '^\\$\\[\\[ inputs\\.[A-Za-z0-9_-]+ \\]\\]$' }],
    },
    after_script: scriptList,
    artifacts: {
      type: 'object',
      properties: {
        when: { enum: ['on_success', 'on_failure', 'always'] },
        expose_as: { type: 'string', pattern: '^\\w[-\\w ]*$', maxLength: 100 },
        paths: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[^*$]+$' } },
        reports: {
          type: 'object',
          properties: { dotenv: { anyOf: [str, { type: 'array', items: str }] } },
          additionalProperties: false,
        },
      },
      dependencies: { expose_as: ['paths'] },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};

/** The jobs document of a component template: hidden keys (`.name`) are not used here. */
export const gitlabJobsSchema: Schema = {
  type: 'object',
  minProperties: 1,
  propertyNames: { pattern: '^[^.]' },
  additionalProperties: job,
};
