import type { Diagnosis } from '../run/diagnose';
import type { BuildProblem } from './problems';
import type { ProgressSummary } from './progress';

/** What a build summary shows; every field optional so a failed or partial run still reports. */
export interface BuildSummary {
  title: string;
  ok: boolean;
  buildUrl?: string;
  buildId?: string;
  projectId?: string;
  tags: string[];
  platforms: string[];
  digest?: string;
  durationMs?: number;
  credentialSource: string;
  engine: string;
  warnings: string[];
  failure?: Diagnosis;
  /** From the engine's progress output: the slowest steps and the cached count. */
  progress?: ProgressSummary;
  /** Build check and lint findings, and the Dockerfile line a failure points at. */
  problems?: BuildProblem[];
  /** Bake: one row per target. */
  targets?: { name: string; image?: string; digest?: string; buildId?: string }[];
}

const code = (s: string): string => '`' + s.replace(/`/g, "'") + '`';
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** Renders the summary as GitHub-flavoured Markdown (also valid for Buildkite annotations). */
export function renderSummary(s: BuildSummary): string {
  const rows: [string, string][] = [];
  const build = s.buildId ?? (s.buildUrl ? 'open' : undefined);
  if (build) rows.push(['Build', s.buildUrl ? `[${cell(build)}](${s.buildUrl})` : code(build)]);
  if (s.projectId) rows.push(['Project', code(s.projectId)]);
  if (s.tags.length) rows.push(['Tags', s.tags.map(code).join('<br>')]);
  if (s.platforms.length) rows.push(['Platforms', s.platforms.map(code).join(', ')]);
  if (s.digest) rows.push(['Digest', code(s.digest)]);
  if (s.durationMs !== undefined) rows.push(['Duration', `${(s.durationMs / 1000).toFixed(1)} s`]);
  rows.push(['Credentials', cell(s.credentialSource)]);
  rows.push(['Engine', cell(s.engine)]);

  const out = [`### ${s.ok ? '✅' : '❌'} ${cell(s.title)}`, '', '| | |', '|---|---|'];
  for (const [name, value] of rows) out.push(`| ${name} | ${value} |`);
  if (s.targets?.length) {
    out.push('', '| Target | Image | Digest | Build |', '|---|---|---|---|');
    for (const t of s.targets) {
      const image = t.image ? t.image.split(',').map(code).join('<br>') : '';
      const link =
        t.buildId && s.buildUrl && s.buildUrl.endsWith(t.buildId)
          ? `[${cell(t.buildId)}](${s.buildUrl})`
          : t.buildId
            ? code(t.buildId)
            : '';
      out.push(`| ${code(t.name)} | ${image} | ${t.digest ? code(t.digest) : ''} | ${link} |`);
    }
  }
  if (s.progress) out.push(...renderProgress(s.progress));
  if (s.problems?.length) out.push(...renderProblems(s.problems));
  if (s.warnings.length) out.push('', ...s.warnings.map((w) => `> [!WARNING]\n> ${cell(w)}\n`));
  if (s.failure) {
    out.push('', `**Failure** (${s.failure.kind})`, '', '```text', ...s.failure.lines, '```');
    if (s.failure.hint) out.push('', `**Hint:** ${s.failure.hint}`);
  }
  return out.join('\n') + '\n';
}

const LEVEL_ICONS = { error: '❌', warning: '⚠️', notice: 'ℹ️' } as const;

/** The steps section: how much came from the cache, then the slowest steps. */
function renderProgress(p: ProgressSummary): string[] {
  const out: string[] = [];
  if (p.instructions > 0) {
    const share = Math.round((p.cached / p.instructions) * 100);
    out.push('', `**Cache:** ${p.cached} of ${p.instructions} Dockerfile steps cached (${share}%)`);
  }
  if (p.slowest.length) {
    out.push('', '| Slowest steps | Duration |', '|---|---|');
    for (const step of p.slowest) out.push(`| ${code(step.name)} | ${step.seconds.toFixed(1)} s |`);
  }
  return out;
}

/** The problems table: level, where, what (the same findings the annotations show). */
function renderProblems(problems: BuildProblem[]): string[] {
  const out = ['', '| | Where | Problem |', '|---|---|---|'];
  for (const p of problems) {
    const where = p.path ?? p.file;
    const at = where ? code(`${where}${p.line ? `:${p.line}` : ''}`) : p.line ? `line ${p.line}` : '';
    out.push(
      `| ${LEVEL_ICONS[p.level]} ${p.level} | ${at} | ${cell(`${p.rule ? `${p.rule}: ` : ''}${p.message}`)} |`,
    );
  }
  return out;
}
