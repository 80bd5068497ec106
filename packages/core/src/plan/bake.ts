import { join } from 'node:path';
import type { BakeDefinition, BakeTarget } from '../bake/definition';
import { entryType } from '../bake/definition';
import type { BakeSource } from '../bake/source';
import type { CiContext } from '../ci';
import type { Credentials } from '../credentials/types';
import type { Engine } from '../engine/types';
import type { BakeOptions } from '../options/bake';
import { splitKeyValue } from '../options/values';
import { resolveProvenance } from './provenance';
import type { Plan } from './types';

export interface BakePlanInput {
  options: BakeOptions;
  ci: CiContext;
  credentials: Credentials;
  engine: Engine;
  source: BakeSource;
  /** The resolved definition; absent for a remote source (`--print` cannot read one). */
  definition?: BakeDefinition;
  stepDir: string;
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
      noDefault: Boolean(ci.env.BUILDX_NO_DEFAULT_ATTESTATIONS),
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
 * Turns bake options into the `depot bake` invocation: each flag once, `--set` once per item,
 * `--file` per file, Depot-only flags after bake's own, targets last. Runs in the source's
 * working directory; `vars` reach the definition as environment variables, as bake reads them.
 */
export function planBake(input: BakePlanInput): Plan {
  const { options, ci, credentials, engine, source, stepDir } = input;
  const metadataFile = join(stepDir, 'metadata.json');
  const argv = ['bake'];
  if (source.kind === 'remote') argv.push(source.ref);
  for (const file of options.files) argv.push('--file', file);
  argv.push('--metadata-file', metadataFile);
  if (options['no-cache']) argv.push('--no-cache');
  if (options.pull) argv.push('--pull');
  if (options.load) argv.push('--load');
  if (options.push) argv.push('--push');
  const provenance = options.provenance
    ? resolveProvenance({
        input: options.provenance,
        attests: [],
        dockerExporter: false,
        runUrl: ci.runUrl,
        noDefault: false,
      })
    : undefined;
  if (provenance) argv.push('--provenance', provenance);
  if (options.sbom) argv.push('--sbom', options.sbom);
  const sets = [...options.set, ...(options.provenance ? [] : defaultProvenanceSets(input))];
  for (const item of sets) argv.push('--set', item);
  if (options.project) argv.push('--project', options.project);
  if (options['build-platform']) argv.push('--build-platform', options['build-platform']);
  if (options.lint) argv.push('--lint');
  if (options['lint-fail-on']) argv.push('--lint-fail-on', options['lint-fail-on']);
  if (options.save) argv.push('--save');
  if (options['save-tag']) argv.push('--save-tag', options['save-tag']);
  if (options['sbom-dir']) argv.push('--sbom-dir', options['sbom-dir']);
  argv.push(...options.targets);

  const env: Record<string, string> = Object.fromEntries(options.vars.map((v) => splitKeyValue('vars', v)));
  const secretEnv: string[] = [];
  if (credentials.token) {
    env.DEPOT_TOKEN = credentials.token;
    secretEnv.push('DEPOT_TOKEN');
  }
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
  return {
    command: engine.path,
    args: argv,
    cwd: source.cwd,
    env,
    secretEnv,
    files: [],
    outputs: { metadataFile },
    tempDir: stepDir,
    warnings: [],
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
