import { isAbsolute, join } from 'node:path';
import { entryType, type BakeDefinition, type BakeTarget } from '../bake/definition';
import { UserError } from '../errors';
import type { BakeOptions } from '../options/bake';
import type { Plan } from '../plan/types';
import { DEPOT_ONLY, joinArgs, parseArgs } from './argv';
import type { LocalEngine } from './types';

/** `docker buildx bake` with the depot bake plan's flags, minus Depot's own. */
export function planBuildxBake(depot: Plan, engine: LocalEngine): { plan: Plan; dropped: string[] } {
  const dropped = new Set<string>();
  const kept = parseArgs(depot.args.slice(1)).filter((arg) => {
    if (!arg.flag || !(arg.flag in DEPOT_ONLY)) return true;
    dropped.add(DEPOT_ONLY[arg.flag]);
    return false;
  });
  const env = { ...depot.env };
  delete env.DEPOT_TOKEN;
  return {
    plan: {
      ...depot,
      command: engine.docker,
      args: ['buildx', 'bake', ...joinArgs(kept)],
      env,
      secretEnv: depot.secretEnv.filter((n) => n !== 'DEPOT_TOKEN'),
    },
    dropped: [...dropped],
  };
}

/** One `docker build` of a bake target, and what to do with its image afterwards. */
export interface TargetBuild {
  target: string;
  plan: Plan;
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

const contextsOf = (t: BakeTarget | undefined): Record<string, string> =>
  (t?.contexts as Record<string, string> | undefined) ?? {};

/**
 * Bake without buildx: the resolved definition becomes one classic BuildKit `docker build` per
 * target, in dependency order. A `target:` context is served by tagging the dependency's image
 * under the context name, which the daemon's BuildKit resolves locally. What the classic
 * builder cannot do (several platforms, other named contexts, attestations) is refused or warned.
 */
export function planClassicBake(
  definition: BakeDefinition,
  options: BakeOptions,
  engine: LocalEngine,
  cwd: string,
  stepDir: string,
  env: Record<string, string>,
): { builds: TargetBuild[]; warnings: string[] } {
  const warnings: string[] = [];
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
    if (platforms.length > 1) {
      throw new UserError(
        `Bake target "${name}" lists ${platforms.length} platforms; the local engine without buildx builds one.`,
        'Install the docker buildx plugin, or build on Depot.',
      );
    }
    for (const [ctx, value] of Object.entries(contextsOf(t))) {
      if (!targetRef(value))
        warnings.push(`Target "${name}": context "${ctx}" (${value}) needs buildx and is ignored.`);
    }
    if ((t.attest ?? []).length)
      warnings.push(`Target "${name}": attestations need buildx and are not produced.`);
    const outputs = t.output ?? [];
    const pushes =
      options.push ||
      outputs.some(
        (o) =>
          entryType(o) === 'registry' || (typeof o !== 'string' && o.type === 'image' && o.push === 'true'),
      );
    const iidFile = join(stepDir, `${index + 1}.iid`);
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
    if (t['no-cache'] || options['no-cache']) args.push('--no-cache');
    if (t.pull || options.pull) args.push('--pull');
    if (typeof t.network === 'string' && t.network !== '') args.push('--network', t.network);
    args.push(context);
    return {
      target: name,
      iidFile,
      aliases: aliases.get(name) ?? [],
      push: pushes ? (t.tags ?? []) : [],
      tags: t.tags ?? [],
      plan: {
        command: engine.docker,
        args,
        cwd,
        env: { ...env, DOCKER_BUILDKIT: '1' },
        secretEnv: [],
        files: [],
        outputs: { metadataFile: join(stepDir, 'metadata.json'), iidFile },
        tempDir: stepDir,
        warnings: [],
      },
    };
  });
  return { builds, warnings };
}
