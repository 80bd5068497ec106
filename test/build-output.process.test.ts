// The engine's output as it streams from a real process: the recording engine stub prints the
// engines' plain progress and lint formats (test/fixtures/build-output) in small pieces, and
// runCommand's collector must read the same steps and problems as the parsers read from the whole
// text. The GitHub adapter then turns the problems into file/line workflow commands.
import { afterEach, describe, expect, jest, test } from '@jest/globals';
import { join } from 'node:path';
import {
  locateProblems,
  progressSummary,
  readBuildProblems,
  reportBuildOutput,
  runCommand,
  type CommandLine,
} from '@depot-actions/core';
import { GitHubAdapter, jobLog } from '@depot-actions/github';
import { buildOutputFixture, createEngineStub, STUB_DIR, type EngineStub } from './harness/engine-stub';

let stub: EngineStub | undefined;
afterEach(async () => {
  await stub?.cleanup();
  stub = undefined;
  jest.restoreAllMocks();
});

async function runStub(fixture: string, exitCode: number) {
  stub = await createEngineStub({ stderr: buildOutputFixture(fixture), stderrChunk: 7, exitCode });
  const line: CommandLine = {
    command: join(STUB_DIR, 'depot'),
    args: ['build', '.'],
    cwd: stub.dir,
    env: stub.env,
    secretEnv: [],
  };
  const chunks: Buffer[] = [];
  const result = await runCommand(
    line,
    { PATH: process.env.PATH },
    { write: (c) => void chunks.push(c), dir: stub.dir },
  );
  return { result, printed: Buffer.concat(chunks).toString('utf8') };
}

describe.each([
  ['depot-lint.txt', 0],
  ['depot-bake-lint.txt', 1],
  ['buildx-checks.txt', 0],
  ['buildx-run-error.txt', 1],
  ['docker-20.10-parse-error.txt', 1],
])('%s streamed by the engine stub', (fixture, exitCode) => {
  test('the run collects the same steps and problems as the parsers read from the whole text', async () => {
    const { result, printed } = await runStub(fixture, exitCode);
    expect(result.exitCode).toBe(exitCode);
    expect(printed).toBe(buildOutputFixture(fixture));
    const lines = buildOutputFixture(fixture).split('\n');
    const output = result.output;
    if (!output) throw new Error('runCommand returned no output reader');
    expect(output.problems()).toEqual(readBuildProblems(lines));
    expect(output.problems().length).toBeGreaterThan(0);
    expect(
      reportBuildOutput({ annotate: () => {} }, result, { dockerfile: () => 'Dockerfile', env: {} }).progress,
    ).toEqual(progressSummary(lines));
  });
});

describe('annotations on GitHub', () => {
  test('lint findings become ::warning/::notice commands on the Dockerfile line', async () => {
    const { result } = await runStub('depot-lint.txt', 0);
    expect(result.buildUrl).toBe('https://depot.dev/orgs/org123/projects/prj456/builds/bld789');
    const written: string[] = [];
    const write = jobLog.write;
    jobLog.write = (chunk) => void written.push(String(chunk));
    const report = reportBuildOutput(new GitHubAdapter({}), result, {
      dockerfile: () => 'web/Dockerfile',
      env: {},
    });
    jobLog.write = write;
    expect(written).toEqual([
      '::warning title=Build check%3A DL3007,file=web/Dockerfile,line=1::DL3007: Using latest is prone to errors if the image will ever update. Pin the version explicitly to a release tag (web/Dockerfile:1)\n',
      '::notice title=Build check%3A DL3059,file=web/Dockerfile,line=4::DL3059: Multiple consecutive `RUN` instructions. Consider consolidation. (web/Dockerfile:4)\n',
    ]);
    expect(report.problems).toEqual(
      locateProblems(
        readBuildProblems(buildOutputFixture('depot-lint.txt').split('\n')),
        () => 'web/Dockerfile',
      ),
    );
  });

  test('a build error on a Dockerfile line becomes an ::error command there; checks can be turned off', async () => {
    const { result } = await runStub('buildx-run-error.txt', 1);
    const written: string[] = [];
    const write = jobLog.write;
    jobLog.write = (chunk) => void written.push(String(chunk));
    reportBuildOutput(new GitHubAdapter({}), result, {
      dockerfile: () => 'docker/app.Dockerfile',
      env: { DOCKER_BUILD_CHECKS_ANNOTATIONS: 'false' },
    });
    jobLog.write = write;
    expect(written).toEqual([
      '::error title=Build failed here,file=docker/app.Dockerfile,line=3::failed to solve: process "/bin/sh -c echo compiling && exit 2" did not complete successfully: exit code: 2 (docker/app.Dockerfile:3)\n',
    ]);
  });
});
