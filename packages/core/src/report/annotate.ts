import { posix } from 'node:path';
import type { CiAdapter } from '../adapter';
import type { BakeDefinition } from '../bake/definition';
import type { BuildProblem } from './problems';

/** Where the Dockerfile of a build (or of a bake target) is, relative to the repository root. */
export type DockerfileLocator = (target?: string) => string | undefined;

/**
 * The Dockerfile a build step reads, relative to the repository root. An empty context (or
 * `{{defaultContext}}`) is this repository at the event's commit, where `file` is relative to
 * the repository root (or to the `:subdir` after `{{defaultContext}}`); a local context reads
 * `file` from the working directory, else `Dockerfile` in the context. Another remote context
 * has no path here: undefined, and annotations go on the job rather than on a file.
 */
export function dockerfileOf(context: string, file: string): string | undefined {
  const slash = (s: string): string => s.replace(/\\/g, '/');
  const git = /^\{\{\s*defaultContext\s*\}\}(?::(.*))?$/.exec(context.trim());
  if (context.trim() === '' || git) {
    return posix.normalize(posix.join(slash(git?.[1] ?? '.'), slash(file || 'Dockerfile')));
  }
  if (/^[a-z][\w+.-]*:\/\//i.test(context) || /^git@/.test(context)) return undefined;
  return posix.normalize(file ? slash(file) : posix.join(slash(context), 'Dockerfile'));
}

/**
 * The Dockerfile of each bake target, from the printed definition (`context`, and `dockerfile`
 * relative to it), under `workdir` (where bake ran, relative to the repository root). With one
 * target, a problem that names none is that target's. A remote context has no path: undefined.
 */
export function bakeDockerfiles(definition: BakeDefinition | undefined, workdir: string): DockerfileLocator {
  const targets = Object.keys(definition?.target ?? {});
  return (target) => {
    const name = target ?? (targets.length === 1 ? targets[0] : undefined);
    const spec = name === undefined ? undefined : definition?.target[name];
    if (!spec) return undefined;
    const context = typeof spec.context === 'string' ? spec.context : '.';
    const file = typeof spec.dockerfile === 'string' ? spec.dockerfile : 'Dockerfile';
    if (/^[a-z][\w+.-]*:\/\//i.test(context) || /^git@/.test(context) || posix.isAbsolute(file))
      return undefined;
    return posix.normalize(posix.join(workdir.replace(/\\/g, '/') || '.', context, file));
  };
}

/**
 * The repository path of the file an engine named. Engines send the Dockerfile's directory and
 * its base name separately, so they print `Dockerfile` (or `app.Dockerfile`) for
 * `docker/app.Dockerfile`: the name is resolved next to the Dockerfile the step built.
 */
export function problemFile(printed: string | undefined, dockerfile: string | undefined): string | undefined {
  if (!printed || !dockerfile) return undefined;
  const name = printed.replace(/^\.\//, '');
  if (posix.basename(dockerfile) === name || dockerfile === name) return dockerfile;
  const dir = posix.dirname(dockerfile);
  return dir === '.' ? name : posix.join(dir, name);
}

/**
 * Whether build check findings become annotations: on unless docker's
 * DOCKER_BUILD_CHECKS_ANNOTATIONS turns them off (Go's strconv.ParseBool false spellings).
 */
export function checkAnnotationsEnabled(env: Readonly<Record<string, string | undefined>>): boolean {
  return !['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(env.DOCKER_BUILD_CHECKS_ANNOTATIONS ?? '');
}

/**
 * The problems with `path` set to the repository path of the file each names, where the
 * Dockerfile of its build (or bake target) is known.
 */
export function locateProblems(problems: BuildProblem[], dockerfile: DockerfileLocator): BuildProblem[] {
  return problems.map((p) => {
    const path = problemFile(p.file, dockerfile(p.target));
    return path ? { ...p, path } : p;
  });
}

/** One line of a problem for the log or an annotation: `FromAsCasing: ... (Dockerfile:1)`. */
export function describeProblem(p: BuildProblem): string {
  const where = p.path ?? p.file;
  const at = where ? ` (${where}${p.line ? `:${p.line}` : ''})` : p.line ? ` (line ${p.line})` : '';
  return `${p.rule ? `${p.rule}: ` : ''}${p.message}${at}`;
}

/**
 * Turns located build problems into annotations on the Dockerfile line they name: every check or
 * lint finding (unless `checks` is false), and a build error that names a line. The text also
 * says where (`... (docker/app.Dockerfile:3)`): a CI that cannot place an annotation on a file
 * still shows it, and a file outside the repository is named as the engine printed it.
 * Returns how many annotations were made.
 */
export function annotateBuildProblems(
  adapter: Pick<CiAdapter, 'annotate'>,
  problems: BuildProblem[],
  options: { checks: boolean },
): number {
  let count = 0;
  for (const p of problems) {
    if (p.kind === 'check' && !options.checks) continue;
    if (p.kind === 'error' && p.line === undefined) continue;
    const title =
      p.kind === 'error' ? 'Build failed here' : p.rule ? `Build check: ${p.rule}` : 'Build check';
    const at = p.path ? { file: p.path, ...(p.line ? { line: p.line } : {}) } : undefined;
    adapter.annotate(p.level, describeProblem(p), title, at);
    count++;
  }
  return count;
}
