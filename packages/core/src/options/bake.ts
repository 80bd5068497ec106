import { engineInputs } from './engine';
import { bool, list, text, type OptionsOf } from './schema';

const commaList = { comma: true } as const;
const verbatimLines = { comma: false, quote: false } as const;

/**
 * Every input of the bake action: depot/bake-action's, plus docker/bake-action's `source`,
 * `allow`, `call`, `vars`, `github-token` and `builder`, plus this project's own. `workdir` keeps
 * depot/bake-action's meaning, the same as a local `source`.
 */
export const bakeSchema = {
  allow: list(
    'Accepted for docker/bake-action compatibility and ignored: depot bake has no --allow',
    commaList,
    {
      origin: 'docker',
    },
  ),
  'build-platform': text('Platform the build runs on: dynamic (default), linux/amd64 or linux/arm64', {
    origin: 'depot',
    values: ['dynamic', 'linux/amd64', 'linux/arm64'],
  }),
  builder: text('Accepted for docker/bake-action compatibility and ignored: Depot picks the builder', {
    origin: 'docker',
  }),
  'buildx-fallback': bool('Fall back to a local docker buildx bake if Depot is unavailable', {
    origin: 'depot',
  }),
  call: text('Set the method for evaluating the build; Depot supports build (the default)', {
    origin: 'docker',
    values: ['build', 'check', 'outline', 'targets'],
  }),
  ...engineInputs,
  'dry-run': bool('Print the plan (command, credential source, files, expected outputs) and stop', {
    origin: 'depot-actions',
  }),
  files: list('List of bake definition files (HCL, JSON or Compose)', commaList),
  'github-token': text('GitHub token used to fetch a remote Git source', {
    default: '${{ github.token }}',
    secret: true,
    githubOnly: true,
  }),
  lint: bool('Lint Dockerfiles and fail the build if any issues are of lint-fail-on severity or higher', {
    origin: 'depot',
  }),
  'lint-fail-on': text('Severity of lint issues that fail the build (any case, as the CLI reads it)', {
    origin: 'depot',
    values: ['error', 'warn', 'warning', 'info', 'none'],
    ignoreCase: true,
  }),
  load: bool('Load the images into the local Docker daemon (shorthand for --set=*.output=type=docker)'),
  'no-cache': bool('Do not use cache when building the images'),
  project: text('Depot project ID; a target’s project_id (HCL) or x-depot.project-id (Compose) wins', {
    origin: 'depot',
  }),
  provenance: text('Provenance attestation for every target: true, false, or attributes such as mode=max', {
    booleanText: true,
  }),
  pull: bool('Always attempt to pull all referenced images'),
  push: bool('Push the images to their registries (shorthand for --set=*.output=type=registry)'),
  save: bool('Save the images to the Depot Registry', { origin: 'depot' }),
  'save-tag': text('Additional tag for the images saved in the Depot Registry (requires save)', {
    origin: 'depot',
  }),
  sbom: text('SBOM attestation for every target: true, false, or attributes such as generator=image', {
    booleanText: true,
  }),
  'sbom-dir': text('Directory to write the SBOMs of each built image to', { origin: 'depot' }),
  set: list('List of target overrides (targetpattern.key=value)', verbatimLines),
  source: text(
    'Where the definition lives: a local directory, or a remote Git URL ({{defaultContext}} is the commit)',
    {
      origin: 'docker',
    },
  ),
  targets: list('List of targets or groups to build (default: the default group)', commaList),
  token: text('Depot API token (default: DEPOT_TOKEN, then the CI OIDC identity)', {
    origin: 'depot',
    secret: true,
  }),
  vars: list(
    'List of bake variables (NAME=VALUE), passed to depot bake as environment variables',
    verbatimLines,
    {
      origin: 'docker',
    },
  ),
  workdir: text('Working directory of the bake run (same as a local source)', {
    default: '.',
    origin: 'depot',
  }),
} as const;

export type BakeOptions = OptionsOf<typeof bakeSchema>;

/** Outputs of the bake step. */
export const bakeOutputs = {
  metadata: 'Build result metadata (JSON, keyed by target)',
  targets: 'JSON object mapping each target to {digest, imageName, buildID}',
  'build-id': 'Depot build ID (the first, when targets span several projects)',
  'project-id': 'Depot project ID (the first, when targets span several projects)',
  'build-url': 'Link to the build in the Depot console',
} as const;
