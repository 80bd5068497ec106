/** Infrastructure failures are Depot's or the network's (a fallback may help); build failures are the user's. */
/** What kind of failure a run had; `cancelled`: the job was cancelled and the engine stopped. */
export type FailureKind = 'infrastructure' | 'configuration' | 'build' | 'cancelled';

export interface KnownFailure {
  pattern: RegExp;
  kind: FailureKind;
  hint: string;
  /** Matched only against the engine's own lines, and never once a build step has failed. */
  engineOnly?: boolean;
}

/**
 * Failures Depot's documentation lists under "Common Mistakes", "Common Errors" and "Common Build
 * Failure Patterns", with the fix each one needs. First match wins, so specific rows come first.
 */
export const knownFailures: readonly KnownFailure[] = [
  {
    pattern:
      /missing project|no project (id )?(found|specified)|unknown project|\bproject(?: id)?(?: "?[\w-]+"?)? (was )?not found/i,
    kind: 'configuration',
    hint: 'Depot needs a project ID: set the "project" input, or the DEPOT_PROJECT_ID environment variable, or commit a depot.json (made by `depot init`) at the root of the build context.',
  },
  {
    pattern: /unauthenticated|invalid token|token (is )?expired|permission_denied/i,
    kind: 'infrastructure',
    hint: "Depot refused the credentials: check the token's project and expiry, or the project's OIDC trust relationship (repository, and on GitHub `permissions: id-token: write`).",
  },
  {
    pattern: /Our services aren't available right now/i,
    kind: 'configuration',
    hint: 'Remove cache-from/cache-to entries with type=gha and rely on the Depot cache.',
  },
  {
    pattern: /docker exporter does not currently support exporting manifest lists/i,
    kind: 'configuration',
    hint: 'load: true can only load a single platform into Docker: build one platform to load, or push the multi-platform image instead.',
  },
  {
    pattern: /unknown\/unknown/,
    kind: 'configuration',
    hint: 'The unknown/unknown platform is the provenance attestation: set provenance: false if your registry or tooling cannot handle it.',
  },
  {
    pattern: /\.git( directory)?.{0,40}(not found|missing|no such file)|not a git repository/i,
    kind: 'build',
    hint: 'The .git directory is left out of the build context by default: add the build arg BUILDKIT_CONTEXT_KEEP_GIT_DIR=1.',
  },
  {
    pattern: /401 Unauthorized|toomanyrequests|pull access denied|unauthorized: authentication required/i,
    kind: 'build',
    hint: 'A registry refused a pull or push: log in first (docker/login-action or docker login). For Docker Hub rate limits, log in or use the public.ecr.aws/docker/library/ mirror.',
  },
  {
    pattern: /keep ?alive ping failed|OOMKilled|out of memory|cannot allocate memory/i,
    kind: 'infrastructure',
    hint: 'The builder ran out of resources: choose a larger builder size or enable autoscaling in the project settings.',
  },
  {
    pattern: /failed to mount|buildkit-mount/i,
    kind: 'infrastructure',
    hint: 'The build cache looks damaged: reset it in the project settings or with `depot cache reset`.',
  },
  {
    pattern: /Unable to acquire machine/i,
    kind: 'infrastructure',
    hint: 'No builder was available: check status.depot.dev and retry; a larger builder size or autoscaling also helps.',
  },
  {
    pattern: /failed to load ref/i,
    kind: 'infrastructure',
    hint: 'A cache entry was evicted mid-build: raise the cache storage or retention policy if this keeps happening.',
  },
  {
    pattern: /conflicting Schema URL/i,
    kind: 'infrastructure',
    hint: 'Set DEPOT_DISABLE_OTEL=1 in the step environment.',
  },
  {
    pattern: /bad record MAC|connection reset by peer|i\/o timeout|no such host|connection refused/i,
    kind: 'infrastructure',
    engineOnly: true,
    hint: 'The connection to Depot failed: this is usually passing network trouble, so retrying the job should help.',
  },
  {
    pattern: /failed to create temp file/i,
    kind: 'infrastructure',
    hint: 'The runner could not write a temp file: check free disk space and the permissions of the temp directory.',
  },
  {
    pattern: /linting failed/i,
    kind: 'build',
    hint: 'The Dockerfile linter found issues at or above lint-fail-on: fix them, or raise lint-fail-on.',
  },
  {
    pattern: /COPY failed|failed to compute cache key|"\/[^"]*": not found/i,
    kind: 'build',
    hint: 'A file the Dockerfile copies is not in the build context: check the path and .dockerignore. The default Git context holds only committed files; use context: . to build the checkout.',
  },
  {
    pattern: /context canceled/i,
    kind: 'infrastructure',
    hint: 'The build was interrupted (cancelled or timed out): check the job timeout and the builder resources.',
  },
];

export interface Diagnosis {
  kind: FailureKind;
  /** The lines that say what went wrong, in order, without progress noise. */
  lines: string[];
  hint?: string;
}

const MEANINGFUL =
  /\b(error|failed|failure|denied|unauthori[sz]ed|unauthenticated|forbidden|not found|invalid|cannot|could not|unable|timed? ?out|refused)\b/i;

/** Picks the lines of an engine's output that explain a failure, plus the last line for context. */
export function meaningfulLines(output: readonly string[], max = 12): string[] {
  const picked: string[] = [];
  const seen = new Set<string>();
  const push = (line: string): void => {
    const text = line.trimEnd();
    if (text.trim() === '' || seen.has(text)) return;
    seen.add(text);
    picked.push(text);
  };
  for (const line of output) if (MEANINGFUL.test(line)) push(line);
  const last = [...output].reverse().find((l) => l.trim() !== '');
  if (last) push(last);
  return picked.slice(-max);
}

/** A line of BuildKit's plain progress (`#7 0.512 ...`, `#7 ERROR: ...`): the build's own output. */
const PROGRESS_LINE = /^#\d+ /;
/** A build step (RUN) that ran and exited non-zero: whatever it printed, the build failed. */
const STEP_FAILED = /did not complete successfully/i;

/**
 * Classifies a failed run and finds the hint for it from the known-failure table. A build step
 * prints what it likes (a `curl` that cannot resolve a host looks like a network failure), so
 * infrastructure patterns are matched only against the engine's own lines, never against build
 * progress, and a step that exited non-zero is a build failure whatever it printed (the table's
 * network entry is marked `engineOnly`; running out of memory stays Depot's, wherever it shows).
 */
export function diagnose(output: readonly string[]): Diagnosis {
  const lines = meaningfulLines(output);
  const text = output.join('\n');
  const engineText = output.filter((line) => !PROGRESS_LINE.test(line)).join('\n');
  const stepFailed = STEP_FAILED.test(text);
  const known = knownFailures.find((f) =>
    f.engineOnly ? !stepFailed && f.pattern.test(engineText) : f.pattern.test(text),
  );
  if (known) return { kind: known.kind, lines, hint: known.hint };
  // BuildKit reports build-step failures as "failed to solve"; anything else never reached a build.
  return { kind: stepFailed || /failed to solve/i.test(text) ? 'build' : 'infrastructure', lines };
}
