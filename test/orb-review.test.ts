// orb-tools `review`, the standard orb pipeline's best-practice checks, reproduced from its
// review.bats (CircleCI-Public/orb-tools-orb) over the orb source: RC001-RC005 and RC008-RC010.
// RC006/RC007 fetch the source and home URLs, which needs the network: they run in the orb's own
// CircleCI pipeline (.circleci/config.yml), not here. Each check is also shown to catch a fault.
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ORB_SRC } from './ci-entry/helpers';

type Obj = Record<string, unknown>;
type Source = { orb: Obj; files: Record<string, Record<string, Obj>> };

const MAX_COMMAND_LENGTH = 64;
const KINDS = ['commands', 'jobs', 'executors', 'examples'];

function readSource(dir: string): Source {
  const files: Source['files'] = {};
  for (const kind of KINDS) {
    files[kind] = {};
    for (const f of readdirSync(join(dir, kind)).filter((n) => n.endsWith('.yml')))
      files[kind][f] = parse(readFileSync(join(dir, kind, f), 'utf8')) as Obj;
  }
  return { orb: parse(readFileSync(join(dir, '@orb.yml'), 'utf8')) as Obj, files };
}

/** The `run` steps of a job or command, as review.bats selects them (`.steps[] | .run`). */
const runSteps = (component: Obj): unknown[] =>
  ((component.steps ?? []) as unknown[])
    .map((s) => (s && typeof s === 'object' ? (s as Obj).run : undefined))
    .filter((r) => r !== undefined);

/** The failed checks, each with what failed. */
function review(source: Source): string[] {
  const problems: string[] = [];
  const { orb, files } = source;
  const display = (orb.display ?? {}) as Obj;
  if (!display.source_url) problems.push('RC001: no display.source_url');
  for (const kind of KINDS)
    for (const [f, c] of Object.entries(files[kind]))
      if (typeof c.description !== 'string' || c.description === '')
        problems.push(`RC002: ${kind}/${f} has no description`);
  if (Object.keys(files.examples).length < 1) problems.push('RC003: no usage example');
  for (const f of Object.keys(files.examples))
    if (f.includes('example')) problems.push(`RC004: ${f} says "example"`);
  if (String(orb.description ?? '').length < 64) problems.push('RC005: orb description under 64 characters');
  for (const kind of ['jobs', 'commands']) {
    for (const [f, c] of Object.entries(files[kind])) {
      for (const run of runSteps(c)) {
        if (typeof run === 'string') {
          problems.push(`RC008: ${kind}/${f} has a string run step`);
          continue;
        }
        const { name, command } = run as Obj;
        if (!name) problems.push(`RC008: ${kind}/${f} has a run step without a name`);
        const text = String(command ?? '');
        if (text.length > MAX_COMMAND_LENGTH && !text.startsWith('<<include('))
          problems.push(`RC009: ${kind}/${f} has a long command that is not included`);
      }
    }
  }
  for (const kind of ['jobs', 'commands', 'executors']) {
    for (const [f, c] of Object.entries(files[kind])) {
      if (f.includes('-')) problems.push(`RC010: ${kind}/${f} is not snake_case`);
      for (const p of Object.keys((c.parameters ?? {}) as Obj))
        if (p.includes('-')) problems.push(`RC010: ${kind}/${f} parameter ${p} is not snake_case`);
    }
  }
  return problems;
}

describe('orb-tools review', () => {
  const source = readSource(ORB_SRC);

  test('the orb source passes RC001-RC005 and RC008-RC010', () => {
    expect(Object.keys(source.files.commands).sort()).toEqual([
      'bake.yml',
      'build.yml',
      'install.yml',
      'pull.yml',
    ]);
    expect(review(source)).toEqual([]);
  });

  test('the checks catch a kebab-case parameter, an unnamed step and a long inline command', () => {
    const broken = structuredClone(source);
    const build = broken.files.commands['build.yml'];
    (build.parameters as Obj)['build-args'] = { type: 'string', description: 'x' };
    (build.steps as unknown[]).push({
      run: { command: 'echo "a command longer than sixty-four characters, written inline"' },
    });
    expect(review(broken)).toEqual([
      'RC008: commands/build.yml has a run step without a name',
      'RC009: commands/build.yml has a long command that is not included',
      'RC010: commands/build.yml parameter build-args is not snake_case',
    ]);
  });
});
