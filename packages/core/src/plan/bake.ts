import type { BakeDefinition, BakeTarget } from '../bake/definition';
import { entryType } from '../bake/definition';
import type { BakeSource } from '../bake/source';
import type { CiContext } from '../ci';
import type { BakeOptions } from '../options/bake';
import { splitKeyValue } from '../options/values';
import { noDefaultAttestations } from '../options/checks';
import { resolveProvenance } from './provenance';
import { ANY_ENGINE, ArgumentList, BUILDX_ONLY, DEPOT_ONLY, type Invocation } from './invocation';
import { stepFile } from '../run/temp-dir';

export interface BakePlanInput {
  options: BakeOptions;
  ci: CiContext;
  source: BakeSource;
  /** The resolved definition; absent for a remote source (`--print` cannot read one). */
  definition?: BakeDefinition;
  /** Prefix of this step's private files (see run/temp-dir.ts). */
  stepFiles: string;
}

const hasProvenance = (t: BakeTarget): boolean => (t.attest ?? []).some((a) => entryType(a) === 'provenance');
const exportsToDocker = (t: BakeTarget, load: boolean): boolean =>
  load || (t.output ?? []).some((o) => entryType(o) === 'docker');

/**
 * The default provenance, per target, as `--set <target>.attest=...` (which appends, keeping the
 * target's other attests): only for targets that set no provenance of their own (unlike
 * docker/bake-action#349) and do not export to Docker, which cannot carry attestations.
 */
function defaultProvenanceSets(input: BakePlanInput): string[] {
  const { options, ci, definition } = input;
  const resolve = (dockerExporter: boolean): string | undefined =>
    resolveProvenance({
      input: '',
      attests: [],
      dockerExporter,
      repositoryPrivate: ci.repositoryPrivate,
      runUrl: ci.runUrl,
      noDefault: noDefaultAttestations(ci.env),
    });
  if (!definition) {
    // No definition to inspect (remote source): one default for all, unless loading into Docker.
    const attrs = resolve(options.load);
    return attrs ? [`*.attest=type=provenance,${attrs}`] : [];
  }
  return Object.entries(definition.target)
    .filter(([, target]) => !hasProvenance(target))
    .flatMap(([name, target]) => {
      const attrs = resolve(exportsToDocker(target, options.load));
      return attrs ? [`${name}.attest=type=provenance,${attrs}`] : [];
    });
}

/**
 * Turns bake options into the bake invocation: each flag once, `--set` once per item, `--file`
 * per file, Depot-only flags after bake's own, targets last. Runs in the source's working
 * directory; `vars` reach the definition as environment variables, as bake reads them.
 */
export function planBake(input: BakePlanInput): Invocation {
  const { options, ci, source, stepFiles, definition } = input;
  const metadataFile = stepFile(stepFiles, 'metadata.json');
  const provenance = options.provenance
    ? resolveProvenance({
        input: options.provenance,
        attests: [],
        dockerExporter: false,
        runUrl: ci.runUrl,
        noDefault: false,
      })
    : undefined;
  const args = new ArgumentList();
  // A remote definition is fetched by the builder, which the built-in builder cannot do.
  if (source.kind === 'remote') args.positional(source.ref, 'source', BUILDX_ONLY);
  args
    .each('--file', options.files, 'files')
    .one('--metadata-file', metadataFile, 'metadata output', ANY_ENGINE, true)
    .when('--no-cache', options['no-cache'], 'no-cache')
    .when('--pull', options.pull, 'pull')
    .when('--load', options.load, 'load')
    .when('--push', options.push, 'push')
    // `false` is implicit: an engine without attestations builds without them anyway.
    .one('--provenance', provenance, 'provenance', BUILDX_ONLY, provenance === 'false')
    .one('--sbom', options.sbom, 'sbom', BUILDX_ONLY, /^false$/i.test(options.sbom))
    // The definition the built-in builder builds was printed with these already applied.
    .each('--set', options.set, 'set')
    .each('--set', options.provenance ? [] : defaultProvenanceSets(input), 'provenance', BUILDX_ONLY, true)
    .one('--project', options.project, 'project', DEPOT_ONLY)
    .one('--build-platform', options['build-platform'], 'build-platform', DEPOT_ONLY)
    .when('--lint', options.lint, 'lint', DEPOT_ONLY)
    .one('--lint-fail-on', options['lint-fail-on'], 'lint-fail-on', DEPOT_ONLY)
    .when('--save', options.save, 'save', DEPOT_ONLY)
    .one('--save-tag', options['save-tag'], 'save-tag', DEPOT_ONLY)
    .one('--sbom-dir', options['sbom-dir'], 'sbom-dir', DEPOT_ONLY);
  for (const target of options.targets) args.positional(target, 'targets');

  const env: Record<string, string> = Object.fromEntries(options.vars.map((v) => splitKeyValue('vars', v)));
  const secretEnv: string[] = [];
  // A remote definition is fetched by Git; buildx reads this variable for private repositories.
  // The token is for this CI's Git server only, never for another host the source may name.
  if (
    source.kind === 'remote' &&
    options['github-token'] &&
    !ci.env.BUILDX_BAKE_GIT_AUTH_TOKEN &&
    sameHost(source.ref, ci)
  ) {
    env.BUILDX_BAKE_GIT_AUTH_TOKEN = options['github-token'];
    secretEnv.push('BUILDX_BAKE_GIT_AUTH_TOKEN');
  }
  const targets = Object.values(definition?.target ?? {});
  return {
    subcommand: 'bake',
    args: args.args,
    cwd: source.cwd,
    env,
    secretEnv,
    files: [],
    outputs: { metadataFile },
    platforms: [...new Set(targets.flatMap((t) => t.platforms ?? []))],
    pushTags: options.push ? targets.flatMap((t) => t.tags ?? []) : [],
    stepFiles,
    warnings: [],
    definition,
  };
}

/** Whether a Git URL points at the CI's own Git server (GITHUB_SERVER_URL, default github.com). */
function sameHost(ref: string, ci: CiContext): boolean {
  const host = (url: string): string | undefined => {
    try {
      return new URL(url.replace(/^git@([^:]+):/, 'ssh://$1/')).host.toLowerCase();
    } catch {
      return /^github\.com\//.test(url) ? 'github.com' : undefined;
    }
  };
  const server = host(ci.serverUrl || 'https://github.com');
  return server !== undefined && host(ref.startsWith('github.com/') ? `https://${ref}` : ref) === server;
}
