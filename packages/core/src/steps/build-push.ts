import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { maskSecret, type CiAdapter } from '../adapter';
import type { CiContext } from '../ci';
import { buildSchema, type BuildOptions } from '../options/build';
import { readOptions } from '../options/schema';
import { validateBuildOptions } from '../options/validate-build';
import { planBuild } from '../plan/build';
import { depotProjectElsewhere } from '../plan/depot-project';
import type { Invocation } from '../plan/invocation';
import { dockerfileOf } from '../report/annotate';
import { readBuildOutputs } from '../report/outputs';
import { valueOf, type StepContext } from './engine-step';
import { engineSettings, runEngineStep, type EngineCommand } from './pipeline';

/**
 * Masks every secret value the options carry before anything can print it, including the values
 * of malformed items, which validation is about to reject.
 */
function maskOptionSecrets(adapter: CiAdapter, options: BuildOptions, ci: CiContext): void {
  maskSecret(adapter, options.token);
  maskSecret(adapter, options['github-token']);
  for (const item of options.secrets) maskSecret(adapter, valueOf(item));
  for (const item of options['secret-envs']) {
    const value = item.includes('=') ? ci.env[valueOf(item)] : undefined;
    if (value) maskSecret(adapter, value);
  }
  for (const item of options['secret-files']) {
    if (!item.includes('=')) continue;
    try {
      maskSecret(adapter, readFileSync(valueOf(item), 'utf8'));
    } catch {
      // validation reports unreadable files with the input's name
    }
  }
}

/** Where each build output comes from, for the printed plan. */
const describeOutputs = (invocation: Invocation): Record<string, string> => ({
  ...(invocation.outputs.iidFile ? { imageid: invocation.outputs.iidFile } : {}),
  'digest, metadata, build-id, project-id': invocation.outputs.metadataFile,
  'build-url': 'the "[depot] build:" line of the engine log',
});

/** build-push as an engine command: `depot build` (or `docker buildx build`, `docker build`). */
export const buildCommand: EngineCommand<BuildOptions> = {
  name: 'build',
  async readOptions(step) {
    const options = await readOptions(buildSchema, (name) => step.adapter.input(name));
    maskOptionSecrets(step.adapter, options, step.ci);
    const { warnings } = validateBuildOptions(options, step.ci.workspace, step.ci.env);
    return { options, settings: engineSettings(options), warnings };
  },
  async plan(options, step, _choice, stepFiles) {
    const invocation = planBuild({ options, ci: step.ci, stepFiles });
    if (!options.project) {
      const context = invocation.args.find((a) => a.input === 'context' && !a.flag)?.value ?? '.';
      const local = !/^[a-z][\w+.-]*:\/\/|^git@/i.test(context);
      const dirs = [...(local ? [resolve(step.ci.workspace, context)] : []), step.ci.workspace];
      invocation.depotProject = depotProjectElsewhere(step.ci, dirs);
    }
    return invocation;
  },
  describeOutputs,
  report(options, invocation, result) {
    const outputs = readBuildOutputs(invocation.outputs, result.buildUrl);
    return {
      outputs: { ...outputs },
      summary: {
        tags: options.tags,
        platforms: options.platforms,
        digest: outputs.digest,
        projectId: outputs['project-id'] ?? (options.project || undefined),
      },
      dockerfile: () => dockerfileOf(options.context, options.file),
    };
  },
};

/** The build-push step's main phase. Returns the process exit code. */
export const buildPushMain = (step: StepContext): Promise<number> => runEngineStep(step, buildCommand);
