import type { Diagnosis } from '../run/diagnose';

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
  if (s.warnings.length) out.push('', ...s.warnings.map((w) => `> [!WARNING]\n> ${cell(w)}\n`));
  if (s.failure) {
    out.push('', `**Failure** (${s.failure.kind})`, '', '```text', ...s.failure.lines, '```');
    if (s.failure.hint) out.push('', `**Hint:** ${s.failure.hint}`);
  }
  return out.join('\n') + '\n';
}
