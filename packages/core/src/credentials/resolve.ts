import type { CiContext } from '../ci';
import type { CredentialSource, Credentials } from './types';

/**
 * One way of getting a token from the CI's identity (GitHub OIDC, CircleCI, ...). `applies` is a
 * cheap check on the environment; `fetch` does the network work and returns a token or throws a
 * UserError that says what to fix.
 */
export interface CredentialProvider {
  source: CredentialSource;
  applies(ci: CiContext): boolean;
  fetch(ci: CiContext): Promise<string>;
}

export interface ResolveOptions {
  /** The step's `token` input. */
  tokenInput: string;
  ci: CiContext;
  providers: readonly CredentialProvider[];
  /** Called with every token the moment it exists, before anything can print it. */
  mask(secret: string): void;
  warn(message: string): void;
}

/**
 * Finds Depot credentials in order: the `token` input, then DEPOT_TOKEN, then the first identity
 * provider that applies to this CI, then none. The result names the source, never the secret.
 */
export async function resolveCredentials(options: ResolveOptions): Promise<Credentials> {
  const { tokenInput, ci, mask } = options;
  const input = tokenInput.trim();
  if (input) {
    mask(input);
    return { source: 'token input', token: input };
  }
  const fromEnv = (ci.env.DEPOT_TOKEN ?? '').trim();
  if (fromEnv) {
    mask(fromEnv);
    return { source: 'DEPOT_TOKEN', token: fromEnv };
  }
  for (const provider of options.providers) {
    if (!provider.applies(ci)) continue;
    const token = await provider.fetch(ci);
    mask(token);
    return { source: provider.source, token };
  }
  return { source: 'none' };
}

/** How to provide credentials on each CI, for the "no credentials" error. */
export function credentialHelp(provider: CiContext['provider']): string {
  const ways: Record<CiContext['provider'], string> = {
    github:
      'add `permissions: id-token: write` to the job and a trust relationship for this repository in the Depot project settings, or pass a project token as the `token` input or DEPOT_TOKEN',
    circleci:
      'enable OIDC (CIRCLE_OIDC_TOKEN_V2) with a trust relationship for this project in Depot, or set DEPOT_TOKEN in a context',
    buildkite:
      'add a Buildkite trust relationship in the Depot project settings (the agent requests an OIDC token), or set DEPOT_TOKEN from your secrets manager',
    gitlab:
      'expose an ID token as DEPOT_OIDC_TOKEN (id_tokens: with aud https://depot.dev), or set DEPOT_TOKEN',
    local: 'set DEPOT_TOKEN (see `depot login`), or use a local engine',
  };
  return `To authenticate with Depot, ${ways[provider]}.`;
}
