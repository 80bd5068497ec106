import { depotTokenEnv } from './run-engine';
import { maskSecret } from '../adapter';
import { credentialHelp } from '../credentials/resolve';
import type { Credentials } from '../credentials/types';
import { UserError } from '../errors';
import { readOptions } from '../options/schema';
import { pullSchema, validatePullOptions, type PullOptions } from '../options/pull';
import type { CommandLine } from '../plan/types';
import { renderSummary } from '../report/summary';
import type { Diagnosis } from '../run/diagnose';
import { runCommand } from '../run/execute';
import { chooseEngine } from './engine-choice';
import {
  engineSink,
  engineVersion,
  failureOf,
  reportFailure,
  setOutputs,
  summaryEnabled,
  type StepContext,
} from './engine-step';

/**
 * `depot pull`'s command line: flags as `--flag=value` so no value can read as another flag, the
 * build last; the token goes by environment, never argv.
 */
export function pullCommandLine(
  options: PullOptions,
  buildId: string,
  depot: string,
  cwd: string,
  credentials: Credentials,
): CommandLine {
  const args = ['pull', '--progress=plain'];
  if (options.project) args.push(`--project=${options.project}`);
  if (options.platform) args.push(`--platform=${options.platform}`);
  for (const tag of options.tags) args.push(`--tag=${tag}`);
  for (const target of options.targets) args.push(`--target=${target}`);
  args.push(buildId);
  return {
    command: depot,
    args,
    cwd,
    ...depotTokenEnv(credentials),
  };
}

// What `depot pull` says when there is nothing to pull, and what to do about it.
const NOTHING_SAVED =
  /not[ _]found|no (saved )?image|not been saved|was not saved|unknown build|failed to get pull (info|token)/i;

/** The diagnosis, with a pull-specific hint where the shared table of failures has none. */
export function pullFailure(failure: Diagnosis): Diagnosis {
  if (failure.hint || !failure.lines.some((l) => NOTHING_SAVED.test(l))) return failure;
  return {
    ...failure,
    kind: 'configuration',
    hint: "Depot can pull only a build whose image it kept: build with save: true (or push it), pass that step's build-id output, and set project for a saved tag.",
  };
}

/**
 * The pull step: `depot pull` of a saved build into the runner's Docker, with the same
 * credentials as build-push (token, DEPOT_TOKEN, the CLI's login, the CI's OIDC identity).
 * Returns the process exit code.
 */
export async function pullMain(step: StepContext): Promise<number> {
  const { adapter, ci } = step;
  const options = await readOptions(pullSchema, (name) => adapter.input(name));
  maskSecret(adapter, options.token);
  const buildId = validatePullOptions(options, ci.env);

  const choice = await chooseEngine(step, { engine: 'depot', token: options.token, dryRun: false });
  if (choice.kind !== 'depot') throw new Error('pull runs on Depot only');
  if (choice.credentials.source === 'none')
    throw new UserError('No Depot credentials were found.', credentialHelp(ci.provider));

  const line = pullCommandLine(options, buildId, choice.engine.path, ci.workspace, choice.credentials);
  adapter.info(`depot ${line.args.join(' ')}`);
  const result = await runCommand(line, ci.env, engineSink(step));
  const diagnosed = await failureOf(result);
  const failure = diagnosed && pullFailure(diagnosed);

  await setOutputs(adapter, {
    'build-id': buildId,
    tags: options.tags.length ? options.tags.join('\n') : undefined,
  });
  if (summaryEnabled(ci.env)) {
    adapter.summary(
      renderSummary({
        title: failure ? 'Depot pull failed' : 'Depot pull',
        ok: !failure,
        buildId,
        projectId: options.project || undefined,
        tags: options.tags,
        platforms: options.platform ? [options.platform] : [],
        durationMs: result.durationMs,
        credentialSource: choice.credentials.source,
        engine: await engineVersion(step, choice.engine, Boolean(failure)),
        warnings: [],
        ...(options.targets.length ? { targets: options.targets.map((name) => ({ name })) } : {}),
        failure,
      }),
    );
  }
  if (!failure) return 0;
  reportFailure(step, 'depot pull', result, failure);
  return 1;
}
