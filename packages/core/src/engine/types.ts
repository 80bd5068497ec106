/** Where an installed engine came from, for the log line and the summary. */
export type EngineSource =
  { kind: 'cached' } | { kind: 'downloaded'; host: string } | { kind: 'npm'; registry: string };

/** The engine a step runs: the depot CLI (local Docker arrives with the local-engine work). */
export interface Engine {
  kind: 'depot';
  /** Absolute path of the executable. */
  path: string;
  /** Version, when already known without running the binary (e.g. from the tool cache path). */
  version?: string;
  /** How the engine was obtained, when this step installed or found it in the tool cache. */
  source?: EngineSource;
  /** Time spent making sure it is installed (milliseconds), when this step did that. */
  durationMs?: number;
}
