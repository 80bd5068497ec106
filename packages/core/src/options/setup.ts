import { parseEngineRequest, type EngineRequest } from '../engine/request';
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
} as const;

export type SetupOptions = OptionsOf<typeof setupSchema>;

/** Outputs of the setup step, with their descriptions for action.yml and the README. */
export const setupOutputs = {
  version: 'Installed depot CLI version',
  path: 'Absolute path of the depot executable',
  'cache-hit': 'Whether the CLI came from the tool cache (true) or was downloaded (false)',
} as const;

/**
 * Checks the setup options before anything runs: a bad version or range, a malformed checksum or
 * a download-url that is not http(s) is a one-line InputError naming the input.
 */
export function validateSetupOptions(
  options: SetupOptions,
  env: Readonly<Record<string, string | undefined>>,
): EngineRequest {
  return parseEngineRequest(
    { version: options.version, downloadUrl: options['download-url'], checksum: options.checksum },
    env,
  );
}
