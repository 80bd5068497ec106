/** The engine a step runs: the depot CLI (local Docker arrives with the local-engine work). */
export interface Engine {
  kind: 'depot';
  /** Absolute path of the executable. */
  path: string;
  /** Version, when already known without running the binary (e.g. from the tool cache path). */
  version?: string;
}
