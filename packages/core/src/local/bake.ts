import { isAbsolute, join } from 'node:path';
import { entryType, type BakeDefinition, type BakeTarget } from '../bake/definition';
import { UserError } from '../errors';
import type { Invocation } from '../plan/invocation';
import type { CommandLine } from '../plan/types';
import type { Gap } from './gaps';
import type { LocalEngine } from './types';
import { stepFile } from '../run/temp-dir';

/** One `docker build` of a bake target, and what to do with its image afterwards. */
export interface TargetBuild {
  target: string;
  command: CommandLine;
  iidFile: string;
  /** Context names other targets use this image under (`contexts = { base = "target:base" }`). */
  aliases: string[];
  /** Tags to `docker push` after building. */
  push: string[];
  tags: string[];
}

const targetRef = (value: string): string | undefined => /^target:(.+)$/.exec(value)?.[1];

/** Targets in build order: each after the targets its `contexts` name. */
function buildOrder(definition: BakeDefinition): string[] {
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string): void => {
    if (order.includes(name)) return;
    if (visiting.has(name))
      throw new UserError(`Bake target "${name}" depends on itself through its contexts.`);
    visiting.add(name);
    for (const value of Object.values(contextsOf(definition.target[name]))) {
      const dep = targetRef(value);
      if (dep && definition.target[dep]) visit(dep);
    }
    visiting.delete(name);
    order.push(name);
  };
  for (const name of Object.keys(definition.target).sort()) visit(name);
  return order;
}

/**
 * The target fields a bake without buildx renders (or checks itself just below); `project_id`
 * is Depot's, and the step's own check reports it.
 */
const RENDERED = new Set([
  'context',
  'dockerfile',
  'args',
  'labels',
  'tags',
  'target',
  'platforms',
  'no-cache',
  'pull',
  'network',
  'contexts',
  'attest',
  'output',
  'project_id',
]);
/** Outputs the built-in builder gives anyway: the image in the daemon, pushed afterwards. */
const CLASSIC_OUTPUTS = new Set(['docker', 'registry', 'image']);
/** Whether a printed definition field asks for anything (bake prints unset fields as false/empty). */
const isSet = (value: unknown): boolean =>
  !(
    value === undefined ||
    value === null ||
    value === false ||
    value === '' ||
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === 'object' && Object.keys(value as object).length === 0)
  );

const contextsOf = (t: BakeTarget | undefined): Record<string, string> =>
  (t?.contexts as Record<string, string> | undefined) ?? {};

/**
 * Bake without buildx: the resolved definition becomes one classic BuildKit `docker build` per
 * target, in dependency order. A `target:` context is served by tagging the dependency's image
 * under the context name, which the daemon's BuildKit resolves locally. What the classic
 * builder cannot do (several platforms, other named contexts, attestations, any field it does
 * not render) is returned as gaps, which refuse the step and a fallback alike.
 */
export function planClassicBake(
  invocation: Invocation,
  engine: LocalEngine,
): { builds: TargetBuild[]; gaps: Gap[] } {
  const { definition, cwd, env, stepFiles } = invocation;
  const asked = (flag: string): boolean => invocation.args.some((a) => a.flag === flag);
  const gaps: Gap[] = [];
  if (!definition) {
    // Only a local definition can be read up front and built target by target.
    gaps.push({ what: 'source', why: 'a remote definition needs docker buildx', blocking: true });
    return { builds: [], gaps };
  }
  const aliases = new Map<string, string[]>();
  for (const target of Object.values(definition.target)) {
    for (const [name, value] of Object.entries(contextsOf(target))) {
      const dep = targetRef(value);
      if (dep) aliases.set(dep, [...(aliases.get(dep) ?? []), name]);
    }
  }
  const builds = buildOrder(definition).map((name, index): TargetBuild => {
    const t = definition.target[name];
    const context = (t.context as string | undefined) ?? '.';
    const dockerfile = (t.dockerfile as string | undefined) ?? 'Dockerfile';
    const platforms = t.platforms ?? [];
    // Each one changes the image, so a fallback cannot leave it out either.
    const needsBuildx = (what: string): number =>
      gaps.push({ what: `target "${name}" ${what}`, why: 'needs docker buildx', blocking: true });
    if (platforms.length > 1) needsBuildx(`platforms ${platforms.join(',')}`);
    for (const [ctx, value] of Object.entries(contextsOf(t))) {
      if (!targetRef(value)) needsBuildx(`context "${ctx}" (${value})`);
    }
    if ((t.attest ?? []).length) needsBuildx('attest');
    // Everything else a target sets that one `docker build` here does not render is a gap too.
    for (const key of Object.keys(t)) if (!RENDERED.has(key) && isSet(t[key])) needsBuildx(key);
    const outputs = t.output ?? [];
    for (const output of outputs) if (!CLASSIC_OUTPUTS.has(entryType(output))) needsBuildx('output');
    const pushes =
      asked('--push') ||
      outputs.some(
        (o) =>
          entryType(o) === 'registry' || (typeof o !== 'string' && o.type === 'image' && o.push === 'true'),
      );
    const iidFile = stepFile(stepFiles, `${index + 1}.iid`);
    const args = [
      'build',
      '--progress',
      'plain',
      '--file',
      isAbsolute(dockerfile) ? dockerfile : join(context, dockerfile),
    ];
    args.push('--iidfile', iidFile);
    for (const [k, v] of Object.entries((t.args as Record<string, string> | undefined) ?? {}))
      args.push('--build-arg', `${k}=${v}`);
    for (const [k, v] of Object.entries((t.labels as Record<string, string> | undefined) ?? {}))
      args.push('--label', `${k}=${v}`);
    for (const tag of t.tags ?? []) args.push('--tag', tag);
    if (t.target) args.push('--target', String(t.target));
    if (platforms.length === 1) args.push('--platform', platforms[0]);
    if (t['no-cache'] || asked('--no-cache')) args.push('--no-cache');
    if (t.pull || asked('--pull')) args.push('--pull');
    if (typeof t.network === 'string' && t.network !== '') args.push('--network', t.network);
    args.push(context);
    return {
      target: name,
      iidFile,
      aliases: aliases.get(name) ?? [],
      push: pushes ? (t.tags ?? []) : [],
      tags: t.tags ?? [],
      command: { command: engine.docker, args, cwd, env: { ...env, DOCKER_BUILDKIT: '1' }, secretEnv: [] },
    };
  });
  return { builds, gaps };
}
