// Generates the CircleCI orb and the Buildkite plugins from the option schemas, the same way
// generate.ts writes action.yml. Deterministic: CI rebuilds and diffs the result.
import { generateOrb } from './generate-orb';
import { generatePlugins } from './generate-plugin';

export { ORB_ENTRY_BUDGET, orbName, orbParameter, packOrb } from './generate-orb';
export { pluginSchema, PLUGIN_DIRS } from './generate-plugin';

/** Writes every CircleCI and Buildkite file generated from the schemas under `root`. */
export function generateCi(root: string): void {
  generateOrb(root);
  generatePlugins(root);
}
