import { parseEngineRequest, type EngineRequest } from '../engine/request';
import { InputError } from '../errors';
import { bool, text, type OptionsOf } from './schema';

/**
 * Every input of the setup action: depot/setup-action's (`version`, `oidc`, `configure-docker`),
 * plus a mirror for the release downloads and a pinned checksum.
 */
export const setupSchema = {
  version: text('Version of the depot CLI: latest, an exact version (2.102.12) or a range (2.x, ^2.100.0)', {
    default: 'latest',
    origin: 'depot',
  }),
  oidc: bool(
    'Exchange the job OIDC identity for a Depot token, best-effort (a failure is a warning): on GitHub it is exported as DEPOT_TOKEN (masked) for later steps; elsewhere later steps get the identity themselves',
    {
      origin: 'depot',
    },
  ),
  'configure-docker': bool('Run depot configure-docker: make Depot the Docker buildx builder', {
    origin: 'depot',
  }),
  'download-url': text(
    'Mirror of the CLI release downloads, laid out as {url}/v{version}/{asset} (default: GitHub Releases)',
    { origin: 'depot-actions' },
  ),
  checksum: text('Expected sha256 of the release archive (needs an exact version)', {
    origin: 'depot-actions',
  }),
  // depot/use-action's inputs. GitHub only: on CircleCI and Buildkite the job's own identity
  // reaches the CLI in every step, and a token there is an env_var_name parameter.
  use: bool(
    'Make Depot the Docker buildx builder for later docker build and docker buildx build steps (depot/use-action): runs depot configure-docker with project and token',
    { origin: 'depot-actions', githubOnly: true },
  ),
  project: text('Depot project ID, exported as DEPOT_PROJECT_ID for later steps', {
    origin: 'depot',
    githubOnly: true,
  }),
  token: text('Depot API token, exported (masked) as DEPOT_TOKEN for later steps', {
    origin: 'depot',
    secret: true,
    githubOnly: true,
  }),
} as const;

export type SetupOptions = OptionsOf<typeof setupSchema>;

/** Outputs of the setup step, with their descriptions for action.yml and the README. */
export const setupOutputs = {
  version: 'Installed depot CLI version',
  path: 'Absolute path of the depot executable',
  'cache-hit': 'Whether the CLI came from the tool cache (true) or was downloaded (false)',
} as const;

/**
 * Checks the setup options before anything runs: a bad version or range, a malformed checksum, a
 * download-url that is not http(s) or a malformed project is a one-line InputError naming the input.
 */
export function validateSetupOptions(
  options: SetupOptions,
  env: Readonly<Record<string, string | undefined>>,
  mask?: (secret: string) => void,
): EngineRequest {
  if (options.project && !/^[\w-]+$/.test(options.project))
    throw new InputError('project', options.project, 'a Depot project ID (letters and digits)');
  return parseEngineRequest(
    { version: options.version, downloadUrl: options['download-url'], checksum: options.checksum },
    env,
    mask,
  );
}
