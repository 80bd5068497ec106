// Lints GitHub workflows that use this repository's actions, against actions/*/action.yml:
// the reference itself (`depot-actions/depot-actions/actions/<name>@<ref>` in the ready-to-copy
// templates, `./actions/<name>` in the repository's own CI), every `with:` input, every
// `steps.<id>.outputs.<name>` read, and the OIDC permission a Depot build needs. actionlint checks
// the rest of a workflow but cannot see these: it does not read local or third-party action.yml
// files offline.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './runner';

import { asList, asMap, strings, type Obj } from '../ci-entry/values';

// The YAML readers are shared with the CircleCI linter; re-exported for the workflow tests.
export { asList, asMap, isMap, strings, type Obj } from '../ci-entry/values';

/** Parses a YAML file. */
export const readYaml = (path: string): Obj => parse(readFileSync(path, 'utf8')) as Obj;

interface ActionSpec {
  inputs: Set<string>;
  required: Set<string>;
  outputs: Set<string>;
}

/** This repository's actions, by folder name, as their action.yml declares them. */
export const ACTIONS = new Map<string, ActionSpec>(
  readdirSync(join(REPO_ROOT, 'actions'))
    .filter((name) => existsSync(join(REPO_ROOT, 'actions', name, 'action.yml')))
    .map((name) => {
      const spec = readYaml(join(REPO_ROOT, 'actions', name, 'action.yml'));
      const inputs = asMap(spec.inputs);
      return [
        name,
        {
          inputs: new Set(Object.keys(inputs)),
          required: new Set(
            Object.entries(inputs)
              .filter(([, v]) => asMap(v).required === true && asMap(v).default === undefined)
              .map(([k]) => k),
          ),
          outputs: new Set(Object.keys(asMap(spec.outputs))),
        },
      ];
    }),
);

/** How the templates reference the actions. */
export const DEPOT_OWNER = 'depot-actions/depot-actions/';
/** A published reference: `depot-actions/depot-actions/actions/<name>@<ref>`. */
export const DEPOT_USES = /^depot-actions\/depot-actions\/actions\/([a-z0-9-]+)@(\S+)$/;
/** A reference from this repository's own workflows: `./actions/<name>`. */
const LOCAL_USES = /^\.\/actions\/([a-z0-9-]+)\/?$/;
/** `steps.<id>.outputs.<name>` and `steps.<id>.outputs['<name>']`, in or out of `${{ }}` (if: needs none). */
const OUTPUT_REF = /\bsteps\.([A-Za-z_][\w-]*)\.outputs(?:\.([A-Za-z_][\w-]*)|\[\s*'([^']+)'\s*\])/g;

/** The depot action a step uses, or undefined; a malformed depot reference is an error. */
function depotAction(step: Obj, where: string, errors: string[]): string | undefined {
  const uses = step.uses;
  if (typeof uses !== 'string') return undefined;
  const local = uses.startsWith('./actions/');
  if (!local && !uses.startsWith(DEPOT_OWNER)) return undefined;
  const m = (local ? LOCAL_USES : DEPOT_USES).exec(uses);
  if (!m) {
    errors.push(
      `${where}: uses ${uses}: expected ${local ? './actions/<name>' : `${DEPOT_OWNER}actions/<name>@<ref>`}`,
    );
    return undefined;
  }
  if (!ACTIONS.has(m[1])) {
    errors.push(`${where}: uses ${uses}: there is no actions/${m[1]}/action.yml`);
    return undefined;
  }
  return m[1];
}

/** Whether a step of this action asks Depot for credentials through the job's OIDC identity. */
function usesOidc(action: string, inputs: Obj): boolean {
  if (action === 'build-push' || action === 'bake')
    return !('token' in inputs) && String(inputs.engine ?? 'auto') !== 'local';
  return action === 'setup' && String(inputs.oidc) === 'true';
}

/** Errors in one GitHub workflow: depot action references, inputs, output references, OIDC permission. */
export function lintWorkflow(doc: Obj): string[] {
  const errors: string[] = [];
  if (!('on' in doc)) errors.push('workflow: no `on:` trigger');
  const jobs = asMap(doc.jobs);
  if (Object.keys(jobs).length === 0) errors.push('workflow: no jobs');
  for (const [jobId, jobValue] of Object.entries(jobs)) {
    const job = asMap(jobValue);
    // A job that calls a reusable workflow has no steps or runner of its own.
    if (typeof job.uses === 'string') continue;
    const steps = asList(job.steps).map(asMap);
    if (!job['runs-on']) errors.push(`jobs.${jobId}: no runs-on`);
    if (steps.length === 0) errors.push(`jobs.${jobId}: no steps`);

    // Step ids, in order, with the depot action each uses.
    const ids = new Map<string, { index: number; action?: string }>();
    const actions = steps.map((step, i) => depotAction(step, `jobs.${jobId}.steps[${i}]`, errors));
    steps.forEach((step, i) => {
      if (typeof step.id !== 'string') return;
      if (ids.has(step.id)) errors.push(`jobs.${jobId}: step id ${step.id} is used twice`);
      ids.set(step.id, { index: i, action: actions[i] });
    });

    const checkRefs = (value: unknown, where: string, before: number): void => {
      for (const text of strings(value)) {
        for (const m of text.matchAll(OUTPUT_REF)) {
          const [id, name] = [m[1], m[2] ?? m[3]];
          const target = ids.get(id);
          if (!target)
            errors.push(`${where}: steps.${id}.outputs.${name}: no step with id ${id} in this job`);
          else if (target.index >= before)
            errors.push(`${where}: steps.${id}.outputs.${name}: step ${id} runs later, not before`);
          else if (!target.action)
            continue; // another action's outputs: actionlint's business
          else if (!ACTIONS.get(target.action)?.outputs.has(name))
            errors.push(
              `${where}: steps.${id}.outputs.${name}: actions/${target.action} has no output ${name}`,
            );
        }
      }
    };

    let needsIdToken = false;
    steps.forEach((step, i) => {
      const where = `jobs.${jobId}.steps[${i}]`;
      const action = actions[i];
      const inputs = asMap(step.with);
      if (action) {
        const spec = ACTIONS.get(action) as ActionSpec;
        for (const [key, value] of Object.entries(inputs)) {
          if (!spec.inputs.has(key)) errors.push(`${where}: actions/${action} has no input ${key}`);
          if (typeof value === 'object' && value !== null)
            errors.push(`${where}: input ${key} must be a string, number or boolean`);
        }
        for (const key of spec.required)
          if (!(key in inputs)) errors.push(`${where}: actions/${action} needs input ${key}`);
        if (usesOidc(action, inputs)) needsIdToken = true;
      }
      checkRefs(step, where, i);
    });
    const rest = Object.fromEntries(Object.entries(job).filter(([key]) => key !== 'steps'));
    checkRefs(rest, `jobs.${jobId}`, steps.length);

    // A job's permissions replace the workflow's; without id-token: write there is no OIDC token.
    const permissions = job.permissions ?? doc.permissions;
    const idToken = permissions === 'write-all' || asMap(permissions)['id-token'] === 'write';
    if (needsIdToken && !idToken)
      errors.push(
        `jobs.${jobId}: uses Depot OIDC credentials (no token input) without permissions.id-token: write`,
      );
  }
  return errors;
}
