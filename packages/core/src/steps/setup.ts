import { spawn } from 'node:child_process';
import { delimiter, dirname } from 'node:path';
import { maskSecret, type CiAdapter } from '../adapter';
import type { CiContext } from '../ci';
import { describeEngineSource, ensureEngine, installLogFor, type InstalledEngine } from '../engine/install';
import { credentialHelp, expiredJwtWarning, type CredentialProvider } from '../credentials/resolve';
import { messageOf, UserError } from '../errors';
import { readOptions } from '../options/schema';
import { setupSchema, validateSetupOptions } from '../options/setup';

export interface SetupStepContext {
  adapter: CiAdapter;
  ci: CiContext;
  /** The CI's identity providers, for `oidc: true` (the same chain build-push uses). */
  providers: readonly CredentialProvider[];
}

/**
 * `oidc: true`: turns the CI's identity into a Depot token. Best-effort, as depot/setup-action:
 * a refused exchange or a job that may not request an ID token is a warning, and the install
 * goes on. On GitHub the token is exported as DEPOT_TOKEN for later steps, masked first; other
 * CIs give every step the identity itself, and the depot CLI reads it there, so nothing is
 * exported that could outlive its lifetime.
 */
async function oidcToken(step: SetupStepContext): Promise<string | undefined> {
  const { adapter, ci } = step;
  // As depot/setup-action: a DEPOT_TOKEN the job already has wins, and no exchange happens;
  // unless it is a JWT that has expired (one an earlier step exported), which the build steps
  // would pass over too.
  const existing = (ci.env.DEPOT_TOKEN ?? '').trim();
  if (existing) {
    maskSecret(adapter, existing);
    const expired = await expiredJwtWarning(existing, Date.now());
    if (!expired) {
      adapter.info('DEPOT_TOKEN is already set; skipping the OIDC exchange.');
      return;
    }
    adapter.annotate('warning', expired);
  }
  const provider = step.providers.find((p) => p.applies(ci));
  if (!provider) {
    adapter.annotate(
      'warning',
      `oidc: this job has no OIDC identity to exchange for a Depot token. ${credentialHelp(ci.provider)}`,
    );
    return;
  }
  let token: string;
  try {
    token = (
      await provider.fetch(ci, {
        mask: (s) => maskSecret(adapter, s),
        warn: (m) => adapter.annotate('warning', m),
      })
    ).trim();
  } catch (error) {
    const hint = error instanceof UserError && error.hint ? ` ${error.hint}` : '';
    adapter.annotate('warning', `oidc: no Depot token from ${provider.source}: ${messageOf(error)}${hint}`);
    return;
  }
  maskSecret(adapter, token);
  const credentials = { source: provider.source, token };
  if (ci.provider !== 'github') {
    adapter.info(
      `Depot credentials: ${credentials.source} (not exported: later depot steps find them by themselves)`,
    );
    return;
  }
  adapter.exportEnv('DEPOT_TOKEN', credentials.token);
  adapter.info(`Exported DEPOT_TOKEN (from ${credentials.source}) for later steps.`);
  return credentials.token;
}

/**
 * Runs `depot configure-docker` without a shell, streaming its output; a failure is a UserError.
 * `extra` carries the project and token of the use mode (by environment, never argv).
 */
function configureDocker(
  step: SetupStepContext,
  engine: InstalledEngine,
  extra: Record<string, string>,
): Promise<void> {
  const { adapter, ci } = step;
  const env = { ...ci.env, ...extra, PATH: [dirname(engine.path), ci.env.PATH ?? ''].join(delimiter) };
  return new Promise((resolve, reject) => {
    const child = spawn(engine.path, ['configure-docker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => adapter.writeStdout(chunk));
    child.stderr.on('data', (chunk: Buffer) => adapter.writeStderr(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      reject(
        new UserError(
          `depot configure-docker ${signal ? `was stopped by ${signal}` : `failed with exit code ${code}`}.`,
          'Its output is above. It needs the docker CLI on PATH and a writable ~/.docker directory.',
        ),
      );
    });
  });
}

/**
 * The use mode's exports (depot/use-action): `project` as DEPOT_PROJECT_ID and `token` as
 * DEPOT_TOKEN (already masked) for later steps. Returns them for configure-docker.
 */
function exportUseEnv(adapter: CiAdapter, project: string, token: string): Record<string, string> {
  const env: Record<string, string> = {};
  if (project) {
    adapter.exportEnv('DEPOT_PROJECT_ID', project);
    env.DEPOT_PROJECT_ID = project;
  }
  if (token) {
    adapter.exportEnv('DEPOT_TOKEN', token);
    env.DEPOT_TOKEN = token;
  }
  if (project || token) adapter.info(`Exported ${Object.keys(env).join(' and ')} for later steps.`);
  return env;
}

/** The setup step: installs the depot CLI, puts it on PATH and reports how. Returns the exit code. */
export async function setupMain(step: SetupStepContext): Promise<number> {
  const { adapter, ci } = step;

  // 1. options
  const options = await readOptions(setupSchema, (name) => adapter.input(name));
  maskSecret(adapter, options.token);
  const request = validateSetupOptions(options, ci.env, (secret) => adapter.mask(secret));

  // 2. credentials (only with oidc: true) and 3. engine, at the same time
  const [engine, oidc] = await Promise.all([
    ensureEngine({
      version: options.version,
      downloadUrl: request.downloadUrl,
      checksum: request.checksum,
      env: ci.env,
      tempDir: ci.tempDir,
      mask: (secret) => adapter.mask(secret),
      log: installLogFor(adapter),
    }),
    options.oidc && !options.token ? oidcToken(step) : undefined,
  ]);
  const dir = dirname(engine.path);
  adapter.addPath(dir);
  const how = describeEngineSource(engine.source);
  adapter.info(`depot ${engine.version} (${how}) in ${engine.durationMs} ms`);
  adapter.debug(`depot executable: ${engine.path}`);

  // 5. report (outputs first: the install stands even if configure-docker fails below)
  adapter.output('version', engine.version);
  adapter.output('path', engine.path);
  adapter.output('cache-hit', String(engine.source.kind === 'cached'));

  const useEnv = exportUseEnv(adapter, options.project, options.token);
  if (oidc) useEnv.DEPOT_TOKEN = oidc;
  if (options['configure-docker'] || options.use) {
    await adapter.group('depot configure-docker', () => configureDocker(step, engine, useEnv));
    if (options.use)
      adapter.info('Later docker build and docker buildx build steps of this job build on Depot.');
  }
  adapter.summary(`depot CLI ${engine.version} installed (${how}) in ${engine.durationMs} ms.`);
  return 0;
}
