import { setupMain } from '@depot-actions/core';
import { GitHubAdapter } from './adapter';
import { githubContext } from './context';
import { githubProviders } from './credentials';
import { runPhase } from './run';

// The setup action has no post step: it leaves nothing behind but the tool cache entry and PATH.
const adapter = new GitHubAdapter(process.env);
// No top-level await: it would make webpack wrap the whole module graph in its async-module
// runtime, which costs start-up time on every step.
void runPhase(adapter, () =>
  setupMain({ adapter, ci: githubContext(process.env), providers: githubProviders(process.env, adapter) }),
);
