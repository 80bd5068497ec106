/**
 * The CircleCI config linter the tests use: CircleCI's configuration rules (circleci-schema.ts)
 * plus the depot orb's own components and parameter types, read from the packed orb.
 */
import { Ajv } from 'ajv';
import { circleciConfigSchema } from './circleci-schema';
import { asList, asMap, isMap, strings, type Obj } from './values';

const validateStructure = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(
  circleciConfigSchema,
);

/** The depot orb, released (`@1.0.0`) or a dev version (`@dev:<< pipeline.git.revision >>`). */
const ORB_NAME = /^depot-actions\/depot@\S+/;
const CIRCLE_BUILTIN_STEPS = new Set([
  'run',
  'checkout',
  'store_artifacts',
  'store_test_results',
  'setup_remote_docker',
  'persist_to_workspace',
  'attach_workspace',
  'save_cache',
  'restore_cache',
  'add_ssh_keys',
  'when',
  'unless',
]);
/** Keys a workflow job entry takes besides the job's parameters. */
const WORKFLOW_JOB_KEYS = new Set([
  'name',
  'context',
  'requires',
  'filters',
  'matrix',
  'pre-steps',
  'post-steps',
  'type',
  'serial-group',
  'override-with',
]);
const PIPELINE_VALUES = new Set([
  'pipeline.id',
  'pipeline.number',
  'pipeline.project.git_url',
  'pipeline.project.type',
  'pipeline.git.tag',
  'pipeline.git.branch',
  'pipeline.git.revision',
  'pipeline.git.base_revision',
  'pipeline.trigger_source',
  'pipeline.schedule.name',
  'pipeline.schedule.id',
]);
const WHOLE_EXPRESSION = /^<<\s*[^>]+\s*>>$/;

/** Errors in the parameters passed to an orb component, against its declared parameters. */
function checkParams(where: string, args: Obj, declared: Obj, skip: Set<string> = new Set()): string[] {
  const errors: string[] = [];
  for (const [key, value] of Object.entries(args)) {
    if (skip.has(key)) continue;
    const spec = declared[key];
    if (!isMap(spec)) {
      errors.push(`${where}: unknown parameter ${key}`);
      continue;
    }
    // A whole `<< ... >>` value is resolved by CircleCI before the type applies.
    if (typeof value === 'string' && WHOLE_EXPRESSION.test(value.trim()) && spec.type !== 'string') continue;
    const bad = (expected: string): void => {
      errors.push(
        `${where}: parameter ${key} is ${spec.type as string}: expected ${expected}, got ${JSON.stringify(value)}`,
      );
    };
    switch (spec.type) {
      case 'boolean':
        if (typeof value !== 'boolean') bad('true or false');
        break;
      case 'integer':
        if (!Number.isInteger(value)) bad('a whole number');
        break;
      case 'string':
        if (typeof value !== 'string') bad('a string');
        break;
      case 'env_var_name':
        if (typeof value !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(value))
          bad('an environment variable name');
        break;
      case 'enum':
        if (!asList(spec.enum).includes(value)) bad(`one of ${asList(spec.enum).join(', ')}`);
        break;
      case 'steps':
        if (!Array.isArray(value)) bad('a list of steps');
        break;
      case 'executor':
        if (typeof value !== 'string' && !isMap(value)) bad('an executor');
        break;
      default:
        errors.push(`${where}: parameter ${key} has an unknown type ${String(spec.type)}`);
    }
  }
  return errors;
}

/**
 * Errors in a CircleCI 2.1 config: its structure against the strict schema, then every use of the
 * depot orb against the packed orb (components, parameters and their types), every `<< >>`
 * reference, and every `requires`. Components of other orbs are accepted by name only.
 */
export function lintCircleciConfig(doc: Obj, ORB: Obj): string[] {
  const errors: string[] = [];
  if (doc.version !== 2.1) errors.push(`version is ${JSON.stringify(doc.version)}, not 2.1`);
  else if (!validateStructure(doc))
    for (const e of validateStructure.errors ?? [])
      errors.push(`structure: ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  const alias =
    Object.entries(asMap(doc.orbs)).find(([, ref]) => typeof ref === 'string' && ORB_NAME.test(ref))?.[0] ??
    '';
  const otherOrbs = Object.keys(asMap(doc.orbs)).filter((a) => a !== alias);
  const otherOrb = (name: string): boolean => otherOrbs.some((a) => name.startsWith(`${a}/`));
  const orbPart = (kind: string, ref: string): Obj | undefined =>
    ref.startsWith(`${alias}/`)
      ? (asMap(ORB[kind])[ref.slice(alias.length + 1)] as Obj | undefined)
      : undefined;
  const localJobs = asMap(doc.jobs);
  const localCommands = asMap(doc.commands);

  const checkExecutor = (where: string, executor: unknown): void => {
    if (executor === undefined) return;
    const [name, args] =
      typeof executor === 'string' ? [executor, {}] : [String(asMap(executor).name), asMap(executor)];
    if (!name.startsWith(`${alias}/`)) return;
    const orbExecutor = orbPart('executors', name);
    if (!orbExecutor) errors.push(`${where}: executor ${name} is not in the orb`);
    else
      errors.push(
        ...checkParams(`${where}: executor ${name}`, args, asMap(orbExecutor.parameters), new Set(['name'])),
      );
  };

  const checkSteps = (where: string, steps: unknown, params: Obj): void => {
    asList(steps).forEach((step, i) => {
      const [name, args] =
        typeof step === 'string'
          ? [step, {}]
          : [Object.keys(asMap(step))[0] ?? '', asMap(step)[Object.keys(asMap(step))[0]]];
      const at = `${where}.steps[${i}] ${name}`;
      if (name.startsWith(`${alias}/`)) {
        const command = orbPart('commands', name);
        if (!command) errors.push(`${at}: the orb has no command ${name.slice(alias.length + 1)}`);
        else errors.push(...checkParams(at, asMap(args), asMap(command.parameters)));
      } else if (!CIRCLE_BUILTIN_STEPS.has(name) && !(name in localCommands) && !otherOrb(name)) {
        errors.push(`${at}: not a built-in step, an orb command or a command of this config`);
      }
    });
    for (const text of strings(steps)) checkExpressions(where, text, params);
  };

  const checkExpressions = (where: string, text: string, params: Obj): void => {
    for (const m of text.matchAll(/<<\s*([^>]+?)\s*>>/g)) {
      const expr = m[1];
      const param = /^parameters\.([\w-]+)$/.exec(expr)?.[1];
      const pipelineParam = /^pipeline\.parameters\.([\w-]+)$/.exec(expr)?.[1];
      const ok = param
        ? param in params
        : pipelineParam
          ? pipelineParam in asMap(doc.parameters)
          : PIPELINE_VALUES.has(expr);
      if (!ok) errors.push(`${where}: << ${expr} >> does not resolve`);
    }
  };

  for (const [name, value] of Object.entries(localJobs)) {
    const job = asMap(value);
    checkExecutor(`jobs.${name}`, job.executor);
    checkSteps(`jobs.${name}`, job.steps, asMap(job.parameters));
  }

  const workflows = asMap(doc.workflows);
  if (Object.keys(workflows).length === 0) errors.push('no workflows');
  for (const [wfName, wfValue] of Object.entries(workflows)) {
    const entries = asList(asMap(wfValue).jobs);
    const names = entries.map((entry) => {
      const [job, args] =
        typeof entry === 'string' ? [entry, {}] : (Object.entries(asMap(entry))[0] ?? ['', {}]);
      return String(asMap(args).name ?? job);
    });
    entries.forEach((entry, i) => {
      const [job, rawArgs] =
        typeof entry === 'string' ? [entry, {}] : (Object.entries(asMap(entry))[0] ?? ['', {}]);
      const args = asMap(rawArgs);
      const at = `workflows.${wfName}.jobs[${i}] ${job}`;
      if (job.startsWith(`${alias}/`)) {
        const orbJob = orbPart('jobs', job);
        if (!orbJob) errors.push(`${at}: the orb has no job ${job.slice(alias.length + 1)}`);
        else errors.push(...checkParams(at, args, asMap(orbJob.parameters), WORKFLOW_JOB_KEYS));
      } else if (otherOrb(job)) {
        // Another orb's job: its parameters are that orb's business.
      } else if (!(job in localJobs)) {
        errors.push(`${at}: no job ${job} in this config or the orb`);
      } else {
        errors.push(...checkParams(at, args, asMap(asMap(localJobs[job]).parameters), WORKFLOW_JOB_KEYS));
      }
      for (const req of asList(args.requires))
        if (!names.includes(String(req)))
          errors.push(`${at}: requires ${String(req)}, which is not in the workflow`);
      for (const text of strings(args)) checkExpressions(at, text, {});
    });
  }
  return errors;
}
