import type { CiIdentity, CredentialSource } from '@depot-actions/core';

/**
 * An OIDC identity the CI hands the job in a variable, which Depot accepts as the token itself:
 * CircleCI's CIRCLE_OIDC_TOKEN_V2 (only V2, as the depot CLI reads it; its audience is the
 * organization ID, which the trust relationship matches) and GitLab's DEPOT_OIDC_TOKEN, declared
 * under `id_tokens` with `aud: https://depot.dev`. `onlyIf` names a variable that must be set too
 * (GITLAB_CI: a DEPOT_OIDC_TOKEN elsewhere would be someone's leftover).
 */
export function variableIdentity(source: CredentialSource, variable: string, onlyIf?: string): CiIdentity {
  const read = (env: Readonly<Record<string, string | undefined>>, name: string): string =>
    (env[name] ?? '').trim();
  return {
    source,
    depotToken: 'direct',
    available: (ci) => read(ci.env, variable) !== '' && (!onlyIf || read(ci.env, onlyIf) !== ''),
    async idToken(_audience, ci, io) {
      const token = read(ci.env, variable);
      io.mask(token);
      return token;
    },
  };
}

/** CircleCI's identity: the job's CIRCLE_OIDC_TOKEN_V2. */
export const circleciIdentity = (): CiIdentity => variableIdentity('CircleCI OIDC', 'CIRCLE_OIDC_TOKEN_V2');

/** GitLab's identity: the ID token the job declares as DEPOT_OIDC_TOKEN, inside GitLab CI only. */
export const gitlabIdentity = (): CiIdentity =>
  variableIdentity('GitLab OIDC', 'DEPOT_OIDC_TOKEN', 'GITLAB_CI');
