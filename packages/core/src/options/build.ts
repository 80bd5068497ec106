import { engineInputs } from './engine';
import { bool, list, text, type OptionsOf } from './schema';

// List styles, named by docker/actions-toolkit's getInputList options (reference: docker-actions §1.1.1).
const commaList = { comma: true } as const;
const lineList = { comma: false } as const;
const verbatimLines = { comma: false, quote: false } as const;

/**
 * Every input of the build-push action: depot/build-push-action's, plus docker/build-push-action's
 * `annotations`, `call`, `secret-envs` and `builder`, plus this project's own. One schema feeds
 * action.yml, the orb parameters, plugin.yml and the README tables.
 */
export const buildSchema = {
  'add-hosts': list('List of custom host-to-IP mappings (e.g., docker:10.180.0.1)', commaList),
  allow: list('List of extra privileged entitlements (e.g., network.host,security.insecure)', commaList),
  annotations: list('List of annotations to set on the image', lineList),
  attests: list('List of attestation parameters (e.g., type=sbom,generator=image)', lineList),
  'build-args': list('List of build-time variables (KEY=VALUE)', lineList),
  'build-contexts': list('List of additional build contexts (e.g., name=path)', lineList),
  'build-platform': text('Platform the build runs on: dynamic (default), linux/amd64 or linux/arm64', {
    origin: 'depot',
    values: ['dynamic', 'linux/amd64', 'linux/arm64'],
  }),
  builder: text('Accepted for docker/build-push-action compatibility and ignored: Depot picks the builder', {
    origin: 'docker',
  }),
  'buildx-fallback': bool('Fall back to a local docker buildx build if Depot is unavailable', {
    origin: 'depot',
  }),
  'cache-from': list(
    'List of external cache sources (type=gha is removed: Depot caches automatically)',
    lineList,
  ),
  'cache-to': list(
    'List of cache export destinations (type=gha is removed: Depot caches automatically)',
    lineList,
  ),
  call: text('Set the method for evaluating the build; Depot supports build (the default)', {
    origin: 'docker',
    values: ['build', 'check', 'outline', 'targets'],
  }),
  'cgroup-parent': text('Optional parent cgroup for the container used in the build'),
  context: text('Build context: a path or URL. Defaults to the Git context of the commit being built', {
    default: '',
  }),
  ...engineInputs,
  'dry-run': bool('Print the plan (command, credential source, files, expected outputs) and stop', {
    origin: 'depot-actions',
  }),
  file: text('Path to the Dockerfile (default: {context}/Dockerfile)'),
  'github-token': text('GitHub token used to fetch the default Git context', {
    default: '${{ github.token }}',
    secret: true,
    githubOnly: true,
  }),
  labels: list('List of metadata for an image', lineList),
  lint: bool('Lint Dockerfiles and fail the build if any issues are of lint-fail-on severity or higher', {
    origin: 'depot',
  }),
  'lint-fail-on': text('Severity of lint issues that fail the build (any case, as the CLI reads it)', {
    origin: 'depot',
    values: ['error', 'warn', 'warning', 'info', 'none'],
    ignoreCase: true,
  }),
  load: bool('Load the image into the local Docker daemon (shorthand for --output=type=docker)'),
  network: text('Networking mode for RUN instructions during the build'),
  'no-cache': bool('Do not use cache when building the image'),
  'no-cache-filters': list('Do not cache the given stages', commaList),
  outputs: list('List of output destinations (format: type=local,dest=path)', verbatimLines),
  platforms: list('List of target platforms (e.g., linux/amd64,linux/arm64)', commaList),
  project: text('Depot project ID (or set DEPOT_PROJECT_ID, or a depot.json in the context)', {
    origin: 'depot',
  }),
  provenance: text('Generate provenance attestation: true, false, or attributes such as mode=max', {
    booleanText: true,
  }),
  pull: bool('Always attempt to pull all referenced images'),
  push: bool('Push the image to the registry (shorthand for --output=type=registry)'),
  save: bool('Save the image to the Depot Registry', { origin: 'depot' }),
  'save-tag': text('Additional tag for the image saved in the Depot Registry (requires save)', {
    origin: 'depot',
  }),
  'save-tags': list('List of tags for the image saved in the Depot Registry (requires save)', commaList, {
    origin: 'depot',
  }),
  sbom: text('Generate SBOM attestation: true, false, or attributes such as generator=image', {
    booleanText: true,
  }),
  'sbom-dir': text('Directory to write the SBOMs of each built image to', { origin: 'depot' }),
  secrets: list(
    'List of secrets to expose to the build (ID=VALUE)',
    { comma: false, trim: false },
    {
      secret: true,
    },
  ),
  'secret-envs': list('List of secret environment variables to expose to the build (ID=ENVNAME)', commaList, {
    origin: 'docker',
  }),
  'secret-files': list('List of secret files to expose to the build (ID=PATH)', lineList),
  'shm-size': text('Size of /dev/shm (e.g., 2g)'),
  ssh: list('List of SSH agent sockets or keys to expose to the build', lineList),
  tags: list('List of tags', commaList),
  target: text('Target stage to build'),
  token: text('Depot API token (default: DEPOT_TOKEN, then the CI OIDC identity)', {
    origin: 'depot',
    secret: true,
  }),
  ulimit: list('Ulimit options (e.g., nofile=1024:1024)', lineList),
} as const;

export type BuildOptions = OptionsOf<typeof buildSchema>;

/** Outputs of the build-push step, with their descriptions for action.yml and the README. */
export const buildOutputs = {
  imageid: 'Image ID',
  digest: 'Image digest',
  metadata: 'Build result metadata (JSON)',
  'build-id': 'Depot build ID',
  'project-id': 'Depot project ID',
  'build-url': 'Link to the build in the Depot console',
} as const;
