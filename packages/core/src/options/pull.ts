import { InputError, UserError } from '../errors';
import { LAST_BUILD_ID_ENV } from './last-build';
import { list, text, type OptionsOf } from './schema';
import { isImageReference } from './checks';
import { checkPlatforms } from './values';

/**
 * Every input of the pull action: depot/pull-action's (`build-id`, `platform`, `tags`, `targets`,
 * `token`) plus `project`, which `depot pull` needs for a saved tag.
 */
export const pullSchema = {
  'build-id': text(
    'Build to pull: a build ID, a saved tag, or <project>:<tag> (default: the build-id of an earlier build-push or bake step in the job)',
    { origin: 'depot' },
  ),
  project: text('Depot project ID, needed to pull by a saved tag', { origin: 'depot-actions' }),
  platform: text('Platform to pull, e.g. linux/amd64 (default: the runner’s)', { origin: 'depot' }),
  tags: list(
    'List of tags to give the pulled image (default: as the build tagged it)',
    { comma: true },
    {
      origin: 'depot',
    },
  ),
  targets: list(
    'List of bake targets to pull (default: every target of the build)',
    { comma: true },
    {
      origin: 'depot',
    },
  ),
  token: text('Depot API token (default: DEPOT_TOKEN, then the CI OIDC identity)', {
    origin: 'depot',
    secret: true,
  }),
} as const;

export type PullOptions = OptionsOf<typeof pullSchema>;

/** Outputs of the pull step, with their descriptions for action.yml and the README. */
export const pullOutputs = {
  'build-id': 'The build that was pulled',
  tags: 'The tags given to the pulled image, one per line (when the tags input set them)',
} as const;

// A build ID, a saved tag or project:tag, or a registry reference: no spaces, not a flag.
const BUILD_REF = /^[A-Za-z0-9][\w.:/@-]*$/;

/**
 * Checks the inputs and resolves which build to pull: `build-id`, else the one an earlier
 * build-push or bake step of the job exported. Returns the build to pull.
 */
export function validatePullOptions(
  options: PullOptions,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const buildId = options['build-id'] || (env[LAST_BUILD_ID_ENV] ?? '').trim();
  if (!buildId)
    throw new UserError(
      'No build to pull: the "build-id" input is empty, and no earlier build-push or bake step of this job built on Depot.',
      'Pass build-id: ${{ steps.<id>.outputs.build-id }} from the build step, a saved tag, or <project>:<tag>.',
    );
  if (!BUILD_REF.test(buildId))
    throw new InputError('build-id', buildId, 'a build ID, a saved tag, or <project>:<tag>, without spaces');
  if (options.platform) checkPlatforms('platform', [options.platform]);
  for (const tag of options.tags)
    // Docker's reference grammar, as build-push's tags, less a digest: a tag names, it does not pin.
    if (!isImageReference(tag) || tag.includes('@'))
      throw new InputError('tags', tag, 'image names such as app:latest or ghcr.io/acme/app:1.2');
  for (const target of options.targets)
    if (!/^[\w.-]+$/.test(target))
      throw new InputError('targets', target, 'bake target names (letters, digits, _ . -)');
  if (options.project && !/^[\w-]+$/.test(options.project))
    throw new InputError('project', options.project, 'a Depot project ID (letters and digits)');
  return buildId;
}
