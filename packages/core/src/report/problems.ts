// Finds the problems a build printed that point at a Dockerfile line, so they can become file/line
// annotations (as docker's actions do with DOCKER_BUILD_CHECKS_ANNOTATIONS). The formats, from the
// engines' sources:
//
// - BuildKit build checks, on the step that loads the Dockerfile (frontend/dockerui/config.go warns
//   on that vertex; linter.LintFormatShort formats the text):
//     #1 [internal] load build definition from Dockerfile
//     #1 WARN: FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)
//   and again, without the file, after the build (buildx printWarnings):
//     - FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)
// - `depot build --lint` (hadolint and semgrep; depot/cli pkg/buildx/commands/lint.go), as status
//   lines of a `[lint]` step (`[<target> lint]` in bake):
//     #9 WARNING Dockerfile:3 DL3006: Always tag the version of an image explicitly done
// - A failed build's location (buildx prints the error's source, solver/errdefs/source.go):
//     Dockerfile:12
//     --------------------
//     ...
//     ERROR: failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2
// - A Dockerfile that does not parse, in any engine's error text:
//     failed to solve: dockerfile parse error on line 3: unknown instruction: FORM
//     failed to solve with frontend dockerfile.v0: ...: dockerfile parse error line 3: ...
import { ProgressReader, type BuildStep } from './progress';

/** How serious a problem is, in the CI's annotation levels. */
export type ProblemLevel = 'error' | 'warning' | 'notice';

/** A problem the build reported, with the Dockerfile line it points at when it names one. */
export interface BuildProblem {
  level: ProblemLevel;
  /** `check`: a build check or lint finding; `error`: the build failed there. */
  kind: 'check' | 'error';
  /** The rule, e.g. `FromAsCasing` or `DL3006`. */
  rule?: string;
  message: string;
  /** The Dockerfile as the engine named it: relative to the Dockerfile's directory, usually `Dockerfile`. */
  file?: string;
  line?: number;
  /** The bake target the step belonged to, when the engine printed one. */
  target?: string;
  /** The file's path in the repository, once `locateProblems` placed it there. */
  path?: string;
}

const DEFINITION = /^\[(?:(\S+) )?internal\] load build definition from (.+)$/;
const LINT_STEP = /^\[(?:(\S+) )?lint\]$/;
const CHECK_WARNING = /^WARN: ([A-Za-z][\w-]*): (.*?)(?: \(line (\d+)\))?$/;
const WARNING_LIST = /^ ?\d+ warnings? found\b/;
const SUMMARY_WARNING = /^ - ([A-Za-z][\w-]*): (.*?)(?: \(line (\d+)\))?$/;
const LINT_STATUS = /^(ERROR|WARNING|INFO|STYLE) (\S+):(\d+) (\S+): (.*?)(?: \d+\.\d+s)?(?: done)?$/;
const SOURCE_HEADER = /^(\S+):(\d+)$/;
const SOURCE_RULE = /^-{20}$/;
const TOP_ERROR = /^(?:ERROR: |error: )?(failed to solve\b.*)$/;
// `on line` since BuildKit 0.9; Docker 20.10's embedded BuildKit prints `parse error line 3`.
const PARSE_ERROR = /dockerfile parse error (?:on )?line (\d+): (.*)$/;
const MAX_PROBLEMS = 200;

const LINT_LEVELS: Record<string, ProblemLevel> = {
  ERROR: 'error',
  WARNING: 'warning',
  INFO: 'notice',
  STYLE: 'notice',
};

/**
 * Follows an engine's output line by line and collects its problems, next to the progress reader
 * the summary uses. Feed it every line of the engine's output.
 */
export class BuildOutputReader {
  readonly progress = new ProgressReader();
  private readonly found: BuildProblem[] = [];
  /** A `<file>:<line>` line that may open a source block. */
  private candidate?: { file: string; line: number };
  /** The source block of the error buildx is about to print. */
  private location?: { file: string; line: number };
  private summaryWarnings: BuildProblem[] = [];
  /** Inside buildx's "N warnings found:" list, printed after the build. */
  private inWarningList = false;

  /** Reads one line of engine output (no trailing newline). */
  push(raw: string): void {
    const line = raw.replace(/\r$/, '');
    this.progress.push(line);
    if (this.candidate && SOURCE_RULE.test(line)) this.location = this.candidate;
    const header = SOURCE_HEADER.exec(line);
    this.candidate = header ? { file: header[1], line: Number(header[2]) } : undefined;

    if (WARNING_LIST.test(line)) this.inWarningList = true;
    const summary = this.inWarningList ? SUMMARY_WARNING.exec(line) : null;
    if (summary && this.summaryWarnings.length < MAX_PROBLEMS) {
      this.summaryWarnings.push(check('warning', summary[1], summary[2], undefined, summary[3]));
    }
    const error = TOP_ERROR.exec(line);
    if (error) {
      const parse = PARSE_ERROR.exec(error[1]);
      if (parse) this.add({ level: 'error', kind: 'error', message: parse[2], line: Number(parse[1]) });
      else if (this.location)
        this.add({ level: 'error', kind: 'error', message: error[1], ...this.location });
      this.location = undefined;
    }
  }

  /** The problems seen so far, each once, in the order the engine printed them. */
  problems(): BuildProblem[] {
    const fromSteps = this.progress.steps().flatMap(stepProblems);
    const all = [...fromSteps, ...this.found];
    // A parse error names no file: it is in the Dockerfile the build loaded.
    const dockerfile = fromSteps.find((p) => p.file)?.file ?? definitionFile(this.progress.steps());
    for (const p of all) if (p.kind === 'error' && p.line !== undefined && !p.file) p.file = dockerfile;
    // buildx repeats each check warning after the build, without the file: keep the first.
    for (const w of this.summaryWarnings) all.push({ ...w, file: dockerfile });
    const seen = new Set<string>();
    return all
      .filter((p) => {
        const key = `${p.kind}|${p.rule ?? ''}|${p.message}|${p.line ?? ''}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .slice(0, MAX_PROBLEMS);
  }

  private add(problem: BuildProblem): void {
    if (this.found.length < MAX_PROBLEMS) this.found.push(problem);
  }
}

function check(
  level: ProblemLevel,
  rule: string,
  message: string,
  file: string | undefined,
  line: string | undefined,
  target?: string,
): BuildProblem {
  return {
    level,
    kind: 'check',
    rule,
    message,
    ...(file ? { file } : {}),
    ...(line ? { line: Number(line) } : {}),
    ...(target ? { target } : {}),
  };
}

/** Check warnings of a step that loads a Dockerfile, lint findings of a `[lint]` step, parse errors. */
function stepProblems(step: BuildStep): BuildProblem[] {
  const definition = DEFINITION.exec(step.name);
  const lint = LINT_STEP.exec(step.name);
  const out: BuildProblem[] = [];
  for (const note of step.notes) {
    const warning = CHECK_WARNING.exec(note);
    if (warning)
      out.push(check('warning', warning[1], warning[2], definition?.[2], warning[3], definition?.[1]));
    const finding = lint ? LINT_STATUS.exec(note) : null;
    if (finding && lint)
      out.push(check(LINT_LEVELS[finding[1]], finding[4], finding[5], finding[2], finding[3], lint[1]));
  }
  const parse = step.error ? PARSE_ERROR.exec(step.error) : null;
  if (parse)
    out.push({
      level: 'error',
      kind: 'error',
      message: parse[2],
      line: Number(parse[1]),
      ...(definition ? { file: definition[2] } : {}),
      ...(definition?.[1] ? { target: definition[1] } : {}),
    });
  return out;
}

/** The Dockerfile of the first step that loaded one. */
function definitionFile(steps: BuildStep[]): string | undefined {
  for (const s of steps) {
    const m = DEFINITION.exec(s.name);
    if (m) return m[2];
  }
  return undefined;
}

/**
 * The problems in a build's output that name a Dockerfile line or rule: build check and lint
 * findings, a Dockerfile that does not parse, and a failed step's location.
 */
export function readBuildProblems(lines: Iterable<string>): BuildProblem[] {
  const reader = new BuildOutputReader();
  for (const line of lines) reader.push(line);
  return reader.problems();
}
