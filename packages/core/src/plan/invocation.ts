import type { BakeDefinition } from '../bake/definition';
import type { PlannedFile } from './types';

/**
 * The engines an invocation can be rendered for: the depot CLI, `docker buildx`, and the docker
 * client's built-in BuildKit builder (`DOCKER_BUILDKIT=1 docker build`, clients before 23.0).
 */
export type EngineName = 'depot' | 'buildx' | 'buildkit';

/** Every engine: arguments all three builders understand. */
export const ANY_ENGINE: readonly EngineName[] = ['depot', 'buildx', 'buildkit'];
/** The buildx flag set, which the depot CLI shares; the built-in builder lacks these. */
export const BUILDX_ONLY: readonly EngineName[] = ['depot', 'buildx'];
/** Depot's own flags: the Depot project, its registry, its builders and linter. */
export const DEPOT_ONLY: readonly EngineName[] = ['depot'];

/**
 * One argument of a build or bake: its flag, its value, the input that asked for it, and which
 * engines can honour it. Engines render arguments; nothing parses an argv back into these.
 */
export interface Argument {
  /** `--tag`; absent for a positional (the context, a target, a remote definition). */
  flag?: string;
  /** Absent for an on/off flag such as `--push`. */
  value?: string;
  /** The input that set it, as the user wrote it (`tags`), for "cannot honour" messages. */
  input: string;
  engines: readonly EngineName[];
  /**
   * Chosen by this project rather than the user (the default provenance, the result files): an
   * engine without it leaves it out instead of refusing the step.
   */
  implicit?: boolean;
}

/** Files the engine writes that the report stage reads back. */
export interface ExpectedOutputs {
  metadataFile: string;
  /** Absent when the build exports to a local directory or tarball (no image, so no ID). */
  iidFile?: string;
}

/**
 * Everything a build or bake asks for, as data: computed without side effects from the options
 * and the CI context, printed in a dry run, tested as a table, and rendered by each engine into
 * its own command line. Credentials are not part of it: the engine that runs adds its own.
 */
export interface Invocation {
  subcommand: 'build' | 'bake';
  args: Argument[];
  cwd: string;
  /** Variables the engine needs whatever it is (bake `vars`); credentials are added per engine. */
  env: Record<string, string>;
  /** Names in `env` whose values are secret (shown as *** when printed). */
  secretEnv: string[];
  files: PlannedFile[];
  outputs: ExpectedOutputs;
  /** Platforms asked for, which a local engine must be able to build. */
  platforms: string[];
  /** Tags the image is pushed under, for an engine that pushes after building. */
  pushTags: string[];
  /** Prefix of this step's private files (see run/temp-dir.ts); removed by cleanup. */
  stepFiles: string;
  /** Things the user should know before the build starts (removed gha cache entries, ...). */
  warnings: string[];
  /**
   * Where a Depot project is named other than by the `project` input (DEPOT_PROJECT_ID, a
   * depot.json, a bake target's project_id): Depot's own setting, which a local engine cannot use.
   */
  depotProject?: string[];
  /** Bake: the resolved definition, which the built-in builder builds target by target. */
  definition?: BakeDefinition;
}

/** Builds the argument list of an invocation, each argument once, in the order added. */
export class ArgumentList {
  readonly args: Argument[] = [];

  /** `--flag value` for each non-empty value. */
  each(flag: string, values: readonly string[], input: string, engines = ANY_ENGINE, implicit = false): this {
    for (const value of values) if (value !== '') this.args.push({ flag, value, input, engines, implicit });
    return this;
  }
  /** `--flag value` when the value is set. */
  one(flag: string, value: string | undefined, input: string, engines = ANY_ENGINE, implicit = false): this {
    return this.each(flag, value ? [value] : [], input, engines, implicit);
  }
  /** `--flag` when on. */
  when(flag: string, on: boolean, input: string, engines = ANY_ENGINE): this {
    if (on) this.args.push({ flag, input, engines });
    return this;
  }
  /** A positional argument. */
  positional(value: string, input: string, engines = ANY_ENGINE): this {
    this.args.push({ value, input, engines });
    return this;
  }
}

/** Flags, values and positionals in order, as an engine that takes them all writes them. */
export function argvOf(args: readonly Argument[]): string[] {
  return args.flatMap((a) => [...(a.flag ? [a.flag] : []), ...(a.value !== undefined ? [a.value] : [])]);
}

/** The user's arguments an engine cannot honour, by input name, each once. */
export function inputsNotHonoured(invocation: Invocation, engine: EngineName): string[] {
  const inputs = invocation.args
    .filter((a) => !a.implicit && !a.engines.includes(engine))
    .map((a) => a.input);
  return [...new Set(inputs)];
}
