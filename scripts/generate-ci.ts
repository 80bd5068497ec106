// Generates the CircleCI orb, the Buildkite plugins and the GitLab component from the option schemas, the same way
// generate.ts writes action.yml. Deterministic: CI rebuilds and diffs the result.
import { generateComponent } from './generate-gitlab';
import { generateOrb } from './generate-orb';
import { generatePlugins } from './generate-plugin';

export { ORB_ENTRY_BUDGET, orbName, orbParameter, packOrb } from './generate-orb';
export { pluginSchema, PLUGIN_DIRS } from './generate-plugin';

/** Writes every CircleCI, Buildkite and GitLab file generated from the schemas under `root`. */
export function generateCi(root: string): void {
  generateOrb(root);
  generatePlugins(root);
  generateComponent(root);
}
