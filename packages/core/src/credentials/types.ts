/** Where the Depot token came from; shown in logs and summaries instead of the token. */
export type CredentialSource =
  | 'token input'
  | 'DEPOT_TOKEN'
  | 'GitHub OIDC'
  | 'GitHub public-fork OIDC'
  | 'CircleCI OIDC'
  | 'Buildkite OIDC'
  | 'GitLab OIDC'
  | 'depot CLI login'
  | 'none';

export interface Credentials {
  source: CredentialSource;
  /**
   * The token; already masked by the time anyone holds this object. Absent for `depot CLI login`,
   * whose token the CLI finds itself, and for `none`.
   */
  token?: string;
}
