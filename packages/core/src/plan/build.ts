import type { CiContext } from '../ci';
import type { BuildOptions } from '../options/build';
import { csvField } from '../options/lists';
import { splitKeyValue } from '../options/values';
import { noDefaultAttestations } from '../options/checks';
import { defaultGitContext, gitHost, renderContext } from './git-context';
import { ArgumentList, BUILDX_ONLY, DEPOT_ONLY, ANY_ENGINE, type Invocation } from './invocation';
import { hasDockerExporter, hasLocalOrTarExporter, resolveProvenance } from './provenance';
import type { PlannedFile } from './types';
import { stepFile } from '../run/temp-dir';

export interface BuildPlanInput {
  options: BuildOptions;
  ci: CiContext;
  /** Prefix of this step's private files (see run/temp-dir.ts; made by the pipeline, removed by cleanup). */
  stepFiles: string;
}

const isGhaCache = (entry: string): boolean => /(^|,)type=gha(,|$)/.test(entry);
/** Outputs the built-in builder can write: files, not images (it only loads into the daemon). */
const isFileExport = (output: string): boolean => hasLocalOrTarExporter([output]);

/**
 * A --secret value as buildx (and so depot) reads it: CSV fields, so that a path such as
 * /runner/temp,1/secret-1 stays one field; written bare, the CLI would refuse it ("invalid field
 * ... must be a key=value pair").
 */
const secretSpec = (id: string, key: 'src' | 'env', value: string): string =>
  `${csvField(`id=${id}`)},${csvField(`${key}=${value}`)}`;

/**
 * Turns build-push options into the build invocation: flags in the peers' order, each once,
 * Depot-only flags after the buildx ones, the context last. Pure: secret values land only in
 * `files`, never in arguments; no engine and no credentials are involved.
 */
export function planBuild({ options, ci, stepFiles }: BuildPlanInput): Invocation {
  const warnings: string[] = [];
  const files: PlannedFile[] = [];
  const gitContext = defaultGitContext(ci);
  const defaultContext = gitContext ?? '.';
  const context = options.context ? renderContext(options.context, defaultContext) : defaultContext;

  const secrets: { input: string; value: string }[] = [];
  const secretFile = (input: string, id: string, content: string): void => {
    const path = stepFile(stepFiles, `secret-${files.length + 1}`);
    files.push({ path, purpose: `secret ${id}`, content, secret: true });
    secrets.push({ input, value: secretSpec(id, 'src', path) });
  };
  for (const item of options.secrets) secretFile('secrets', ...splitKeyValue('secrets', item, true));
  for (const item of options['secret-files']) {
    const [id, path] = splitKeyValue('secret-files', item);
    secrets.push({ input: 'secret-files', value: secretSpec(id, 'src', path) });
  }
  for (const item of options['secret-envs']) {
    const [id, name] = splitKeyValue('secret-envs', item);
    secrets.push({ input: 'secret-envs', value: secretSpec(id, 'env', name) });
  }
  // The builder fetches the default Git context itself; private repositories need the token.
  // Scoped to the CI's Git server, as docker does: BuildKit offers GIT_AUTH_TOKEN.<host> to that
  // host only, so a submodule or context on another host never receives it.
  const userGitAuth = options.secrets.some((s) => /^GIT_AUTH_TOKEN[=.]/.test(s));
  if (options['github-token'] && gitContext && !userGitAuth && context.startsWith(gitContext)) {
    secretFile('github-token', `GIT_AUTH_TOKEN.${gitHost(ci)}`, options['github-token']);
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
    noDefault: noDefaultAttestations(ci.env),
  });

  const metadataFile = stepFile(stepFiles, 'metadata.json');
  const iidFile = hasLocalOrTarExporter(options.outputs) ? undefined : stepFile(stepFiles, 'iidfile');
  const fileExports = options.outputs.filter(isFileExport);

  const args = new ArgumentList()
    .each('--add-host', options['add-hosts'], 'add-hosts')
    .each('--allow', options.allow, 'allow', BUILDX_ONLY)
    .each('--annotation', options.annotations, 'annotations', BUILDX_ONLY)
    .each('--attest', attests, 'attests', BUILDX_ONLY)
    .each('--build-arg', options['build-args'], 'build-args')
    .each(
      '--build-context',
      options['build-contexts'].map((c) => renderContext(c, defaultContext)),
      'build-contexts',
      BUILDX_ONLY,
    )
    .each('--cache-from', keepCache('cache-from'), 'cache-from')
    .each('--cache-to', keepCache('cache-to'), 'cache-to', BUILDX_ONLY)
    .one('--cgroup-parent', options['cgroup-parent'], 'cgroup-parent')
    .one('--file', options.file, 'file')
    .one('--iidfile', iidFile, 'imageid output', ANY_ENGINE, true)
    .each('--label', options.labels, 'labels')
    .when('--load', options.load, 'load')
    .one('--metadata-file', metadataFile, 'metadata output', BUILDX_ONLY, true)
    .one('--network', options.network, 'network')
    .when('--no-cache', options['no-cache'], 'no-cache')
    .each('--no-cache-filter', options['no-cache-filters'], 'no-cache-filters', BUILDX_ONLY)
    .each('--output', fileExports, 'outputs')
    .each(
      '--output',
      options.outputs.filter((o) => !isFileExport(o)),
      'outputs',
      BUILDX_ONLY,
    )
    .one('--platform', options.platforms.join(','), 'platforms')
    // Our default provenance is implicit, and so is `false`: an engine without attestations
    // builds without them anyway.
    .one(
      '--provenance',
      provenance,
      'provenance',
      BUILDX_ONLY,
      options.provenance === '' || provenance === 'false',
    )
    .when('--pull', options.pull, 'pull')
    .when('--push', options.push, 'push')
    .one('--sbom', options.sbom, 'sbom', BUILDX_ONLY, /^false$/i.test(options.sbom));
  for (const secret of secrets) args.one('--secret', secret.value, secret.input);
  args
    .one('--shm-size', options['shm-size'], 'shm-size')
    .each('--ssh', options.ssh, 'ssh')
    .each('--tag', options.tags, 'tags')
    .one('--target', options.target, 'target')
    .each('--ulimit', options.ulimit, 'ulimit')
    // Depot-only flags: never handed to another engine.
    .one('--project', options.project, 'project', DEPOT_ONLY)
    .one('--build-platform', options['build-platform'], 'build-platform', DEPOT_ONLY)
    .when('--lint', options.lint, 'lint', DEPOT_ONLY)
    .one('--lint-fail-on', options['lint-fail-on'], 'lint-fail-on', DEPOT_ONLY)
    .when('--save', options.save, 'save', DEPOT_ONLY)
    // save-tag and save-tags both feed --save-tag; a tag named in both is passed once.
    .each(
      '--save-tag',
      [...new Set([options['save-tag'], ...options['save-tags']].filter(Boolean))],
      'save-tag/save-tags',
      DEPOT_ONLY,
    )
    .one('--sbom-dir', options['sbom-dir'], 'sbom-dir', DEPOT_ONLY)
    .positional(context, 'context');

  return {
    subcommand: 'build',
    args: args.args,
    cwd: ci.workspace,
    env: {},
    secretEnv: [],
    files,
    outputs: { metadataFile, iidFile },
    platforms: options.platforms,
    pushTags: options.push ? options.tags : [],
    stepFiles,
    warnings,
  };
}
