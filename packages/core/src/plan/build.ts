import { join } from 'node:path';
import type { CiContext } from '../ci';
import type { Credentials } from '../credentials/types';
import type { Engine } from '../engine/types';
import type { BuildOptions } from '../options/build';
import { splitKeyValue } from '../options/values';
import { defaultGitContext, renderContext } from './git-context';
import { hasDockerExporter, hasLocalOrTarExporter, resolveProvenance } from './provenance';
import type { Plan, PlannedFile } from './types';

export interface BuildPlanInput {
  options: BuildOptions;
  ci: CiContext;
  credentials: Credentials;
  engine: Engine;
  /** Private directory for this step's files (created by the runner, removed by cleanup). */
  stepDir: string;
}

/** Adds `--flag value` for each value; nothing for none, so no flag is ever pushed empty. */
function each(argv: string[], flag: string, values: readonly string[]): void {
  for (const value of values) argv.push(flag, value);
}
function one(argv: string[], flag: string, value: string | undefined): void {
  if (value) argv.push(flag, value);
}
function when(argv: string[], flag: string, on: boolean): void {
  if (on) argv.push(flag);
}

const isGhaCache = (entry: string): boolean => /(^|,)type=gha(,|$)/.test(entry);

/**
 * Turns build-push options into the `depot build` invocation: flags in the peers' order, each
 * once, Depot-only flags after the buildx ones, the context last. Pure: secret values land only
 * in `files` and `env`, never in argv.
 */
export function planBuild({ options, ci, credentials, engine, stepDir }: BuildPlanInput): Plan {
  const warnings: string[] = [];
  const files: PlannedFile[] = [];
  const gitContext = defaultGitContext(ci);
  const defaultContext = gitContext ?? '.';
  const context = options.context ? renderContext(options.context, defaultContext) : defaultContext;

  const secretArgs: string[] = [];
  const secretFile = (id: string, content: string): void => {
    const path = join(stepDir, `secret-${files.length + 1}`);
    files.push({ path, purpose: `secret ${id}`, content, secret: true });
    secretArgs.push(`id=${id},src=${path}`);
  };
  for (const item of options.secrets) secretFile(...splitKeyValue('secrets', item, true));
  for (const item of options['secret-files']) {
    const [id, path] = splitKeyValue('secret-files', item);
    secretArgs.push(`id=${id},src=${path}`);
  }
  for (const item of options['secret-envs']) {
    const [id, name] = splitKeyValue('secret-envs', item);
    secretArgs.push(`id=${id},env=${name}`);
  }
  // The builder fetches the default Git context itself; private repositories need the token.
  const userGitAuth = options.secrets.some((s) => s.startsWith('GIT_AUTH_TOKEN='));
  if (options['github-token'] && gitContext && !userGitAuth && context.startsWith(gitContext)) {
    secretFile('GIT_AUTH_TOKEN', options['github-token']);
  }

  const keepCache = (input: 'cache-from' | 'cache-to'): string[] =>
    options[input].filter((entry) => {
      if (!isGhaCache(entry)) return true;
      warnings.push(
        `Removed ${input} entry "${entry}": Depot keeps each project's cache on the builder's own disks, ` +
          'so the GitHub Actions cache would only add upload and download time.',
      );
      return false;
    });

  // The dedicated inputs win over attests entries of the same type, as in docker/build-push-action.
  const attests = options.attests.filter(
    (a) =>
      !(options.provenance && /(^|,)type=provenance(,|$)/.test(a)) &&
      !(options.sbom && /(^|,)type=sbom(,|$)/.test(a)),
  );
  const provenance = resolveProvenance({
    input: options.provenance,
    attests: options.attests,
    dockerExporter: hasDockerExporter(options.outputs, options.load),
    repositoryPrivate: ci.repositoryPrivate,
    runUrl: ci.runUrl,
    noDefault: Boolean(ci.env.BUILDX_NO_DEFAULT_ATTESTATIONS),
  });

  const metadataFile = join(stepDir, 'metadata.json');
  const iidFile = hasLocalOrTarExporter(options.outputs) ? undefined : join(stepDir, 'iidfile');

  const argv = ['build'];
  each(argv, '--add-host', options['add-hosts']);
  each(argv, '--allow', options.allow);
  each(argv, '--annotation', options.annotations);
  each(argv, '--attest', attests);
  each(argv, '--build-arg', options['build-args']);
  each(
    argv,
    '--build-context',
    options['build-contexts'].map((c) => renderContext(c, defaultContext)),
  );
  each(argv, '--cache-from', keepCache('cache-from'));
  each(argv, '--cache-to', keepCache('cache-to'));
  one(argv, '--cgroup-parent', options['cgroup-parent']);
  one(argv, '--file', options.file);
  one(argv, '--iidfile', iidFile);
  each(argv, '--label', options.labels);
  when(argv, '--load', options.load);
  one(argv, '--metadata-file', metadataFile);
  one(argv, '--network', options.network);
  when(argv, '--no-cache', options['no-cache']);
  each(argv, '--no-cache-filter', options['no-cache-filters']);
  each(argv, '--output', options.outputs);
  one(argv, '--platform', options.platforms.join(','));
  one(argv, '--provenance', provenance);
  when(argv, '--pull', options.pull);
  when(argv, '--push', options.push);
  one(argv, '--sbom', options.sbom);
  each(argv, '--secret', secretArgs);
  one(argv, '--shm-size', options['shm-size']);
  each(argv, '--ssh', options.ssh);
  each(argv, '--tag', options.tags);
  one(argv, '--target', options.target);
  each(argv, '--ulimit', options.ulimit);
  // Depot-only flags: never handed to another engine.
  one(argv, '--project', options.project);
  one(argv, '--build-platform', options['build-platform']);
  when(argv, '--lint', options.lint);
  one(argv, '--lint-fail-on', options['lint-fail-on']);
  when(argv, '--save', options.save);
  // save-tag and save-tags both feed --save-tag; a tag named in both is passed once.
  each(argv, '--save-tag', [...new Set([options['save-tag'], ...options['save-tags']].filter(Boolean))]);
  one(argv, '--sbom-dir', options['sbom-dir']);
  argv.push(context);

  const env: Record<string, string> = {};
  if (credentials.token) env.DEPOT_TOKEN = credentials.token;
  return {
    command: engine.path,
    args: argv,
    cwd: ci.workspace,
    env,
    secretEnv: credentials.token ? ['DEPOT_TOKEN'] : [],
    files,
    outputs: { metadataFile, iidFile },
    tempDir: stepDir,
    warnings,
  };
}
