import { spawn } from 'node:child_process';
import { delimiter, dirname } from 'node:path';
import { maskSecret, type CiAdapter } from '../adapter';
import type { CiContext } from '../ci';
import { describeEngineSource, ensureEngine, installLogFor, type InstalledEngine } from '../engine/install';
import { UserError } from '../errors';
import { readOptions } from '../options/schema';
import { setupSchema, validateSetupOptions } from '../options/setup';

export interface SetupStepContext {
  adapter: CiAdapter;
  ci: CiContext;
  /**
   * HOOK (credentials): turns the CI's OIDC identity into a Depot token for `oidc: true`. Wired by
   * the front-end to the credential chain; when absent, `oidc: true` fails with a UserError.
   * Resolves undefined when the exchange produced no token.
   */
  resolveToken?: () => Promise<string | undefined>;
}

/** `oidc: true`: exports a Depot token as DEPOT_TOKEN for later steps, masked first. */
async function exportOidcToken(step: SetupStepContext): Promise<void> {
  const { adapter, ci } = step;
  // As depot/setup-action: a DEPOT_TOKEN the job already has wins, and no exchange happens.
  if (ci.env.DEPOT_TOKEN) {
    adapter.info('DEPOT_TOKEN is already set; skipping the OIDC exchange.');
    return;
  }
  if (!step.resolveToken) {
    throw new UserError(
      'oidc: true is not available in this version of the setup step: OIDC is unavailable.',
      'Set DEPOT_TOKEN from a secret instead, or let build-push find credentials itself (it tries OIDC).',
    );
  }
  const token = await step.resolveToken();
  if (!token) {
    throw new UserError(
      'The OIDC exchange produced no Depot token.',
      ci.provider === 'github'
        ? 'Give the job `permissions: id-token: write` and connect the repository to a Depot project (trust relationship).'
        : 'Check that this CI job has an OIDC identity that your Depot project trusts.',
    );
  }
  maskSecret(adapter, token);
  adapter.exportEnv('DEPOT_TOKEN', token);
  adapter.info('Exported DEPOT_TOKEN (from OIDC) for later steps.');
}

/** Runs `depot configure-docker` without a shell, streaming its output; a failure is a UserError. */
function configureDocker(step: SetupStepContext, engine: InstalledEngine): Promise<void> {
  const { adapter, ci } = step;
  const env = { ...ci.env, PATH: [dirname(engine.path), ci.env.PATH ?? ''].join(delimiter) };
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

/** The setup step: installs the depot CLI, puts it on PATH and reports how. Returns the exit code. */
export async function setupMain(step: SetupStepContext): Promise<number> {
  const { adapter, ci } = step;

  // 1. options
  const options = await readOptions(setupSchema, (name) => adapter.input(name));
  const request = validateSetupOptions(options, ci.env, (secret) => adapter.mask(secret));

  // 2. credentials (only with oidc: true)
  if (options.oidc) await exportOidcToken(step);

  // 3. engine
  const engine = await ensureEngine({
    version: options.version,
    downloadUrl: request.downloadUrl,
    checksum: request.checksum,
    env: ci.env,
    tempDir: ci.tempDir,
    mask: (secret) => adapter.mask(secret),
    log: installLogFor(adapter),
  });
  const dir = dirname(engine.path);
  adapter.addPath(dir);
  const how = describeEngineSource(engine.source);
  adapter.info(`depot ${engine.version} (${how}) in ${engine.durationMs} ms`);
  adapter.debug(`depot executable: ${engine.path}`);

  // 5. report (outputs first: the install stands even if configure-docker fails below)
  adapter.output('version', engine.version);
  adapter.output('path', engine.path);
  adapter.output('cache-hit', String(engine.source.kind === 'cached'));

  if (options['configure-docker']) {
    await adapter.group('depot configure-docker', () => configureDocker(step, engine));
  }
  adapter.summary(`depot CLI ${engine.version} installed (${how}) in ${engine.durationMs} ms.`);
  return 0;
}
