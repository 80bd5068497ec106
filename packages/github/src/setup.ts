import { resolveCredentials, setupMain } from '@depot-actions/core';
import { GitHubAdapter } from './adapter';
import { githubContext } from './context';
import { githubProviders } from './credentials';
import { runPhase } from './run';

// The setup action has no post step: it leaves nothing behind but the tool cache entry and PATH.
const adapter = new GitHubAdapter(process.env);
const ci = githubContext(process.env);
await runPhase(adapter, () =>
  setupMain({
    adapter,
    ci,
    // oidc: true runs the same chain as build-push, minus the token input and DEPOT_TOKEN.
    resolveToken: async () =>
      (
        await resolveCredentials({
          tokenInput: '',
          ci: { ...ci, env: { ...ci.env, DEPOT_TOKEN: undefined } },
          providers: githubProviders(process.env, adapter),
          mask: (s) => adapter.mask(s),
          warn: (m) => adapter.annotate('warning', m),
        })
      ).token,
  }),
);
