// Reads BuildKit's plain progress output, which `depot build`, `depot bake`, `docker buildx` and
// `docker build` with BuildKit all print (buildkit util/progress/progressui/printer.go):
//
//   #5 [2/3] RUN make                  a step starts: "#<index> <name>", the first line of an index
//   #5 0.412 compiling...              its log, its status lines ("#5 resolve ... 0.1s done")
//   #5 WARN: FromAsCasing: ... (line 1)  a build check warning attached to the step
//   #5 DONE 12.3s                      it finished: DONE <seconds>, CACHED, CANCELED, or ERROR: <why>
//
// The reader keeps one small record per step, not the log, so it can follow a build of any length.

/** One step of the build (a BuildKit vertex), as the progress output showed it. */
export interface BuildStep {
  /** The `#<index>` BuildKit printed. */
  index: number;
  /** The step's name, e.g. `[2/3] RUN make` or `[internal] load metadata for ...`. */
  name: string;
  /** Seconds from DONE; undefined until it finished, or when cached, cancelled or failed. */
  seconds?: number;
  cached: boolean;
  /** The error BuildKit printed for the step (`#5 ERROR: ...`). */
  error?: string;
  canceled?: boolean;
  /** Lines of the step that are not log output: status lines and warnings, in order (bounded). */
  notes: string[];
}

const STEP_LINE = /^#(\d+) (.*)$/;
const DONE = /^DONE(?: (\d+(?:\.\d+)?)s)?$/;
/** A log line of a step: BuildKit prefixes each with the seconds since the step started. */
const LOG_LINE = /^\d+\.\d+(?: |$)/;
const NOTES_PER_STEP = 200;
const MAX_STEPS = 5000;

/**
 * Follows the plain progress output line by line. Feed it every line of the engine's output
 * (stdout and stderr, any order); lines that are not progress lines are ignored.
 */
export class ProgressReader {
  private readonly byIndex = new Map<number, BuildStep>();

  /** Reads one line of engine output (no trailing newline). */
  push(line: string): void {
    const m = STEP_LINE.exec(line.replace(/\r$/, ''));
    if (!m) return;
    const index = Number(m[1]);
    const rest = m[2];
    let step = this.byIndex.get(index);
    if (!step) {
      // The first line of an index names the step; `#3 ...` only says another step took the screen.
      if (rest === '...' || this.byIndex.size >= MAX_STEPS) return;
      step = { index, name: rest, cached: false, notes: [] };
      this.byIndex.set(index, step);
      return;
    }
    if (rest === step.name || rest === '...') return; // printed again when the step resumes
    const done = DONE.exec(rest);
    if (done) {
      step.seconds = done[1] === undefined ? undefined : Number(done[1]);
      return;
    }
    if (rest === 'CACHED') step.cached = true;
    else if (rest === 'CANCELED') step.canceled = true;
    else if (rest.startsWith('ERROR: ')) step.error = rest.slice('ERROR: '.length);
    else if (!LOG_LINE.test(rest) && step.notes.length < NOTES_PER_STEP) step.notes.push(rest);
  }

  /** The steps seen so far, in the order BuildKit numbered them. */
  steps(): BuildStep[] {
    return [...this.byIndex.values()].sort((a, b) => a.index - b.index);
  }
}

/** What the summary shows about the build's steps. */
export interface ProgressSummary {
  /** Steps that ran an instruction of the Dockerfile (`[2/3] RUN ...`, `[app 1/4] FROM ...`). */
  instructions: number;
  /** How many of those BuildKit took from its cache. */
  cached: number;
  /** The slowest finished steps that took at least 0.1 s, slowest first. */
  slowest: { name: string; seconds: number }[];
  /** Seconds of all finished steps together (steps run in parallel, so this can exceed the wall time). */
  totalSeconds: number;
}

/** A Dockerfile instruction step: `[<stage or target or platform> ]<n>/<m>] ...`. */
const INSTRUCTION = /^\[(?:[^\]]* )?\d+\/\d+\] /;

/** Summarises steps: the slowest (at most `top`), and how many instructions were cached. */
export function summarizeSteps(steps: BuildStep[], top = 5): ProgressSummary {
  const instructions = steps.filter((s) => INSTRUCTION.test(s.name));
  const finished = steps.filter((s): s is BuildStep & { seconds: number } => s.seconds !== undefined);
  // BuildKit prints tenths: a 0.0s step took no time worth listing.
  const timed = finished.filter((s) => s.seconds >= 0.1);
  return {
    instructions: instructions.length,
    cached: instructions.filter((s) => s.cached).length,
    slowest: timed
      .sort((a, b) => b.seconds - a.seconds || a.index - b.index)
      .slice(0, top)
      .map((s) => ({ name: s.name, seconds: s.seconds })),
    totalSeconds: Math.round(finished.reduce((sum, s) => sum + s.seconds, 0) * 10) / 10,
  };
}

/**
 * The slowest steps and the cached count of a build, from its plain progress output (the lines
 * of `RunResult`, or any log of `depot build`, `docker buildx build --progress plain`).
 */
export function progressSummary(lines: Iterable<string>, top = 5): ProgressSummary {
  const reader = new ProgressReader();
  for (const line of lines) reader.push(line);
  return summarizeSteps(reader.steps(), top);
}
