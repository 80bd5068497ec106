/**
 * A strict JSON schema of a CircleCI 2.1 configuration, written from CircleCI's configuration
 * reference (https://circleci.com/docs/configuration-reference/) and reusable-config reference:
 * the top-level keys, jobs with an executor and steps, the built-in steps and their keys, `run`
 * with `when: always | on_success | on_fail`, parameter declarations with the seven types,
 * workflows with requires / context / filters. Orb components (`alias/name`) are any step or job
 * whose key has a slash; circleci-lint.ts checks those against the packed orb.
 */
type Schema = Record<string, unknown>;

const str = { type: 'string' };
const strOrList = { anyOf: [str, { type: 'array', items: str }] };
const envMap = { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } };
const onlyIgnore = {
  type: 'object',
  properties: { only: strOrList, ignore: strOrList },
  additionalProperties: false,
};

const parameterDeclaration: Schema = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { enum: ['string', 'boolean', 'integer', 'enum', 'executor', 'steps', 'env_var_name'] },
    description: str,
    default: {},
    enum: { type: 'array', items: str },
  },
  additionalProperties: false,
};
const parameterDeclarations: Schema = {
  type: 'object',
  propertyNames: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]*$' },
  additionalProperties: parameterDeclaration,
};

const run: Schema = {
  anyOf: [
    str,
    {
      type: 'object',
      required: ['command'],
      properties: {
        command: str,
        name: str,
        shell: str,
        environment: envMap,
        background: { type: ['boolean', 'string'] },
        working_directory: str,
        no_output_timeout: { type: ['string', 'integer'] },
        when: { enum: ['always', 'on_success', 'on_fail'] },
        max_auto_reruns: { type: 'integer' },
        auto_rerun_delay: str,
      },
      additionalProperties: false,
    },
  ],
};

/** Built-in steps and the keys each accepts (a string step is one without arguments). */
const builtinSteps: Record<string, Schema> = {
  run,
  checkout: { type: 'object', properties: { path: str, method: str }, additionalProperties: false },
  setup_remote_docker: {
    type: 'object',
    properties: { version: str, docker_layer_caching: { type: 'boolean' } },
    additionalProperties: false,
  },
  store_artifacts: {
    type: 'object',
    required: ['path'],
    properties: { path: str, destination: str },
    additionalProperties: false,
  },
  store_test_results: {
    type: 'object',
    required: ['path'],
    properties: { path: str },
    additionalProperties: false,
  },
  persist_to_workspace: {
    type: 'object',
    required: ['root', 'paths'],
    properties: { root: str, paths: { type: 'array', items: str } },
    additionalProperties: false,
  },
  attach_workspace: {
    type: 'object',
    required: ['at'],
    properties: { at: str },
    additionalProperties: false,
  },
  save_cache: {
    type: 'object',
    required: ['key', 'paths'],
    properties: { key: str, paths: { type: 'array', items: str }, name: str, when: str },
    additionalProperties: false,
  },
  restore_cache: {
    type: 'object',
    properties: { key: str, keys: { type: 'array', items: str }, name: str },
    additionalProperties: false,
  },
  add_ssh_keys: {
    type: 'object',
    properties: { fingerprints: { type: 'array', items: str } },
    additionalProperties: false,
  },
  when: {
    type: 'object',
    required: ['condition', 'steps'],
    properties: { condition: {}, steps: { $ref: '#/definitions/steps' } },
    additionalProperties: false,
  },
  unless: {
    type: 'object',
    required: ['condition', 'steps'],
    properties: { condition: {}, steps: { $ref: '#/definitions/steps' } },
    additionalProperties: false,
  },
};

const step: Schema = {
  anyOf: [
    { enum: ['checkout', 'setup_remote_docker', 'add_ssh_keys'] },
    { type: 'string', pattern: '^[A-Za-z][\\w-]*/[A-Za-z][\\w-]*$' },
    // A step of one key: a built-in one with its arguments, or a command (orb or local).
    ...Object.entries(builtinSteps).map(([name, schema]) => ({
      type: 'object',
      required: [name],
      properties: { [name]: schema },
      additionalProperties: false,
    })),
    {
      type: 'object',
      minProperties: 1,
      maxProperties: 1,
      propertyNames: {
        pattern: '^([A-Za-z][\\w-]*/)?[A-Za-z][\\w-]*$',
        not: { enum: Object.keys(builtinSteps) },
      },
      additionalProperties: { type: ['object', 'null'] },
    },
  ],
};

const docker = {
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    required: ['image'],
    properties: {
      image: str,
      name: str,
      entrypoint: strOrList,
      command: strOrList,
      user: str,
      environment: envMap,
      auth: { type: 'object' },
    },
    additionalProperties: false,
  },
};

const executorFields = {
  docker,
  machine: { anyOf: [{ type: 'boolean' }, { type: 'object' }] },
  macos: { type: 'object' },
  resource_class: str,
  working_directory: str,
  shell: str,
  environment: envMap,
};

const job: Schema = {
  type: 'object',
  properties: {
    description: str,
    parameters: parameterDeclarations,
    executor: { anyOf: [str, { type: 'object', required: ['name'], properties: { name: str } }] },
    ...executorFields,
    parallelism: { type: ['integer', 'string'] },
    steps: { $ref: '#/definitions/steps' },
    circleci_ip_ranges: { type: 'boolean' },
    type: { enum: ['build', 'release', 'lock', 'unlock', 'approval', 'no-op'] },
  },
  additionalProperties: false,
};

const filters = {
  type: 'object',
  properties: { branches: onlyIgnore, tags: onlyIgnore },
  additionalProperties: false,
};

const workflowJob: Schema = {
  anyOf: [
    str,
    {
      type: 'object',
      minProperties: 1,
      maxProperties: 1,
      additionalProperties: {
        type: ['object', 'null'],
        properties: {
          name: str,
          requires: { type: 'array', items: str },
          context: strOrList,
          filters,
          matrix: { type: 'object' },
          type: { enum: ['approval'] },
          'pre-steps': { $ref: '#/definitions/steps' },
          'post-steps': { $ref: '#/definitions/steps' },
        },
      },
    },
  ],
};

/** The schema; `definitions.steps` is referenced from nested steps (when/unless, pre-/post-steps). */
export const circleciConfigSchema: Schema = {
  type: 'object',
  required: ['version'],
  definitions: { steps: { type: 'array', items: step } },
  properties: {
    version: { const: 2.1 },
    setup: { type: 'boolean' },
    orbs: {
      type: 'object',
      additionalProperties: {
        anyOf: [
          // ns/name@version, or a dev version named by a pipeline value (the commit's dev orb).
          { type: 'string', pattern: '^[a-z0-9_-]+/[a-z0-9_-]+@(\\S+|dev:<<\\s*pipeline\\.[a-z_.]+\\s*>>)$' },
          { type: 'object' },
        ],
      },
    },
    parameters: parameterDeclarations,
    commands: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['steps'],
        properties: {
          description: str,
          parameters: parameterDeclarations,
          steps: { $ref: '#/definitions/steps' },
        },
        additionalProperties: false,
      },
    },
    executors: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: { description: str, parameters: parameterDeclarations, ...executorFields },
        additionalProperties: false,
      },
    },
    jobs: { type: 'object', additionalProperties: job },
    workflows: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['jobs'],
        properties: {
          jobs: { type: 'array', minItems: 1, items: workflowJob },
          when: {},
          unless: {},
          triggers: { type: 'array' },
          max_auto_reruns: { type: 'integer' },
        },
        additionalProperties: false,
      },
    },
  },
  // YAML anchors (`filters: &filters`) live in top-level keys of their own; CircleCI ignores them.
  additionalProperties: { type: 'object' },
};
