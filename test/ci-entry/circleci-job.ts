/**
 * One step of the depot orb as CircleCI runs it: the orb's run.sh with the packed entry point in
 * DEPOT_ORB_ENTRY and the parameters as PARAM_* variables, in a CircleCI-like environment
 * (CIRCLECI, CIRCLE_*, BASH_ENV), with the recording depot stub.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stubEnv } from '../harness/engine-stub';
import {
  DEPOT_STUB_DIR,
  ORB_SRC,
  orbEntry,
  pathWith,
  runProcess,
  tempDir,
  type ProcessResult,
} from './helpers';

/** What `$name` is after a later step sources BASH_ENV (CircleCI sources it in every bash step). */
export async function exportedVariable(run: OrbRun, name: string): Promise<string> {
  const script = `. "$BASH_ENV"; printf '%s' "\${${name}-<unset>}"`;
  return (await runProcess('bash', ['-c', script], { PATH: pathWith(), BASH_ENV: run.bashEnv }, run.work))
    .stdout;
}

const RUN_SH = join(ORB_SRC, 'scripts', 'run.sh');

export interface OrbRun extends ProcessResult {
  cleanup: () => void;
  work: string;
  bashEnv: string;
  outputDir: string;
  tmp: string;
  records: string;
}

/** Runs one orb command through run.sh with PARAM_* variables, as a CircleCI job step would. */
export async function runOrbStep(
  command: string,
  params: Record<string, string>,
  extra: Record<string, string | undefined> = {},
  path = pathWith(DEPOT_STUB_DIR),
  onStart?: (pid: number, paths: { tmp: string; records: string }) => void,
): Promise<OrbRun> {
  const { dir: work, cleanup } = tempDir('circleci-');
  const bashEnv = join(work, 'bash_env');
  writeFileSync(bashEnv, '');
  const tmp = join(work, 'tmp');
  const outputDir = join(work, 'out');
  const records = join(work, 'records.jsonl');
  await runProcess('mkdir', ['-p', tmp, join(work, 'project')], { PATH: pathWith() }, work);
  const result = await runProcess(
    'bash',
    [RUN_SH],
    {
      PATH: path,
      HOME: work,
      TMPDIR: tmp,
      CIRCLECI: 'true',
      CIRCLE_SHA1: 'abc123def456',
      CIRCLE_BRANCH: 'main',
      CIRCLE_BUILD_URL: 'https://circleci.com/gh/acme/app/42',
      CIRCLE_PROJECT_USERNAME: 'acme',
      CIRCLE_PROJECT_REPONAME: 'app',
      CIRCLE_WORKING_DIRECTORY: '~/project',
      BASH_ENV: bashEnv,
      DEPOT_OUTPUT_DIR: outputDir,
      DEPOT_ORB_COMMAND: command,
      DEPOT_ORB_ENTRY: orbEntry(),
      ...stubEnv(records, {
        metadata: {
          'containerimage.digest': 'sha256:0123abcd',
          'depot.build': { buildID: 'bld_orb1', projectID: 'prj_orb' },
          note: "it's $(touch x) `y`",
        },
        buildUrl: 'https://depot.dev/orgs/acme/projects/prj_orb/builds/bld_orb1',
      }),
      ...Object.fromEntries(Object.entries(params).map(([k, v]) => [`PARAM_${k}`, v])),
      ...extra,
    },
    join(work, 'project'),
    onStart && ((pid: number) => onStart(pid, { tmp, records })),
  );
  return { ...result, work, bashEnv, outputDir, tmp, records, cleanup };
}
