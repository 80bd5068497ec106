// @actions/tool-cache, loaded on the install path only (it pulls in an HTTP client, semver and
// @actions/core at import). Two things it assumes are made true here: RUNNER_TOOL_CACHE names the
// cache root (other CIs have none), and its progress lines are GitHub workflow commands
// (`::debug::`), which must not reach a CircleCI or Buildkite log.

type ToolCache = typeof import('@actions/tool-cache');
type Env = Readonly<Record<string, string | undefined>>;

let loaded: Promise<ToolCache> | undefined;

/**
 * Starts loading the library without waiting for it: the install path calls this before its
 * downloads, so the load overlaps the network instead of following the last byte.
 */
export function preloadToolCache(): void {
  loaded ??= import('@actions/tool-cache');
  loaded.catch(() => {}); // a failure surfaces where the library is used
}

/** Runs `fn` with the tool-cache library, its cache root set to `root` when given. */
export async function withToolCache<T>(
  env: Env,
  root: string | undefined,
  fn: (tc: ToolCache) => Promise<T>,
): Promise<T> {
  loaded ??= import('@actions/tool-cache');
  const tc = await loaded;
  // The library reads the root from the process environment on every call.
  if (root) process.env.RUNNER_TOOL_CACHE = root;
  if (env.GITHUB_ACTIONS === 'true') return fn(tc);
  return withoutWorkflowCommands(() => fn(tc));
}

let depth = 0;
let original: typeof process.stdout.write | undefined;

/** Drops stdout writes that are workflow commands (`::debug::...`) while `fn` runs; the rest passes. */
async function withoutWorkflowCommands<T>(fn: () => Promise<T>): Promise<T> {
  if (depth++ === 0) {
    const write = process.stdout.write.bind(process.stdout);
    original = process.stdout.write;
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
      typeof chunk === 'string' && chunk.startsWith('::') ? true : write(chunk, ...rest)) as typeof write;
  }
  try {
    return await fn();
  } finally {
    if (--depth === 0 && original) process.stdout.write = original;
  }
}
