import type { CiAdapter } from '../adapter';
import type { RunResult } from '../run/execute';
import {
  annotateBuildProblems,
  checkAnnotationsEnabled,
  locateProblems,
  type DockerfileLocator,
} from './annotate';
import type { BuildProblem } from './problems';
import { summarizeSteps, type ProgressSummary } from './progress';

/** What a finished build's output adds to its summary. */
export interface BuildReport {
  /** Undefined when the output had no progress lines (a dry run, an engine that never started). */
  progress?: ProgressSummary;
  /** Located problems, for the summary's table (the same ones that were annotated). */
  problems: BuildProblem[];
}

/**
 * Reads a finished run's output: annotates its build check and lint findings, and a failure's
 * Dockerfile line, on the files they name (unless DOCKER_BUILD_CHECKS_ANNOTATIONS turns check
 * annotations off), and returns the steps and problems for `renderSummary`.
 */
export function reportBuildOutput(
  adapter: Pick<CiAdapter, 'annotate'>,
  result: Pick<RunResult, 'output' | 'cancelled'>,
  options: { dockerfile: DockerfileLocator; env: Readonly<Record<string, string | undefined>> },
): BuildReport {
  // After a cancel, the error BuildKit prints ("context canceled") is no fault of the Dockerfile.
  if (!result.output || result.cancelled) return { problems: [] };
  const steps = result.output.progress.steps();
  const problems = locateProblems(result.output.problems(), options.dockerfile);
  annotateBuildProblems(adapter, problems, { checks: checkAnnotationsEnabled(options.env) });
  return { ...(steps.length ? { progress: summarizeSteps(steps) } : {}), problems };
}
