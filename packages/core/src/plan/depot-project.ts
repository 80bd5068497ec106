import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BakeDefinition } from '../bake/definition';
import type { CiContext } from '../ci';

/**
 * Where a step names a Depot project without the `project` input, as the depot CLI finds one:
 * DEPOT_PROJECT_ID, a depot.json (made by `depot init`) in the build context or the working
 * directory, and a bake target's own project (HCL `project_id`, Compose `x-depot.project-id`).
 * A local engine cannot build into a Depot project, so each is a gap it has to report.
 */
export function depotProjectElsewhere(
  ci: CiContext,
  dirs: readonly string[],
  definition?: BakeDefinition,
): string[] {
  const found: string[] = [];
  if ((ci.env.DEPOT_PROJECT_ID ?? '').trim()) found.push('DEPOT_PROJECT_ID');
  const depotJson = [...new Set(dirs)].map((dir) => join(dir, 'depot.json')).find((f) => existsSync(f));
  if (depotJson) found.push(`depot.json (${depotJson})`);
  for (const [name, target] of Object.entries(definition?.target ?? {}))
    if (target.project_id) found.push(`target "${name}" project_id`);
  return found;
}
