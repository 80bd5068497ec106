/**
 * What the core needs to know about the CI run, whatever the CI is. Front-ends fill it from their
 * own environment; the core never reads CI-specific variables itself.
 */
export interface CiContext {
  /** Which CI this is, for messages ("add permissions: id-token: write" only makes sense on GitHub). */
  provider: 'github' | 'circleci' | 'buildkite' | 'gitlab' | 'local';
  /** `owner/name` of the repository being built, when the CI knows it. */
  repository?: string;
  /** Base URL of the Git server (GitHub: GITHUB_SERVER_URL). */
  serverUrl?: string;
  /** Commit being built. */
  sha?: string;
  /** Git ref of the event (refs/heads/main, refs/pull/1/merge, ...). */
  ref?: string;
  /** Head commit of the pull request, on pull request events (GitHub: pull_request.head.sha). */
  pullRequestHeadSha?: string;
  /**
   * Whether the repository is private. Unknown (a CI that cannot tell) leaves the stricter, private
   * provenance default; the GitHub front-end reads a payload without the field as public, as the peers do.
   */
  repositoryPrivate?: boolean;
  /** Link to this CI run, used as the provenance builder-id. */
  runUrl?: string;
  /** Where relative paths resolve (the checkout). */
  workspace: string;
  /** Directory for this step's temp files (GitHub: RUNNER_TEMP). */
  tempDir: string;
  /**
   * True when tempDir is private to the job (GitHub's RUNNER_TEMP, which the runner also empties
   * after each job): a step's files then go straight into it, without a directory of their own.
   */
  tempDirIsPrivate?: boolean;
  /** Environment of the step, read-only; the core takes variables from here, never from process.env. */
  env: Readonly<Record<string, string | undefined>>;
}
