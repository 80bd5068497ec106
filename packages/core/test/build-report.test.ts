// The build output readers against what the engines print (test/fixtures/build-output: captured
// from Docker 20.10's BuildKit, and written from buildx's, BuildKit's and the depot CLI's printers).
import { describe, expect, jest, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  annotateBuildProblems,
  bakeDockerfiles,
  BuildOutputReader,
  checkAnnotationsEnabled,
  dockerfileOf,
  locateProblems,
  problemFile,
  progressSummary,
  readBuildProblems,
  renderSummary,
  reportBuildOutput,
  type AnnotationLevel,
  type SourceLocation,
} from '../src/index';

const HERE = dirname(fileURLToPath(import.meta.url));
const fixture = (name: string): string[] =>
  readFileSync(join(HERE, '..', '..', '..', 'test', 'fixtures', 'build-output', name), 'utf8').split('\n');

describe('progressSummary', () => {
  // prettier-ignore
  test.each([
    // fixture, Dockerfile steps, cached, slowest (name, seconds). In the docker-20.10 builds,
    // BuildKit runs stage-1's FROM as the same vertex as build's: one step, not two.
    ['docker-20.10-build.txt', 3, 1, [['[build 2/2] RUN sleep 1 && echo built > /out', 1.2], ['exporting to image', 0.8], ['[stage-1 2/2] COPY --from=build /out /out', 0.1]]],
    ['docker-20.10-cached.txt', 3, 2, []], // every step took 0.0s: none is worth listing
    ['buildx-checks.txt', 3, 1, [['[build 2/2] RUN sleep 3 && echo built > /out', 3.2], ['[internal] load metadata for docker.io/library/busybox:1.36', 1.4], ['exporting to image', 0.2]]],
    ['depot-lint.txt', 4, 2, [['[3/4] RUN npm install -g pnpm@9', 12], ['[lint]', 2.1], ['[internal] load metadata for docker.io/library/node:latest', 0.9]]],
    ['depot-bake-lint.txt', 6, 3, [['[worker lint]', 1.4], ['[app linux/arm64 2/2] RUN echo arm64 > /arch', 0.4], ['[app linux/amd64 2/2] RUN echo amd64 > /arch', 0.3]]],
  ])('%s: %i steps, %i cached', (name, instructions, cached, slowest) => {
    const summary = progressSummary(fixture(name), 3);
    expect(summary.instructions).toBe(instructions);
    expect(summary.cached).toBe(cached);
    expect(summary.slowest.map((s) => [s.name, s.seconds])).toEqual(slowest);
  });

  test('a failed step has no duration; its error is kept', () => {
    const reader = new BuildOutputReader();
    for (const line of fixture('docker-20.10-run-error.txt')) reader.push(line);
    const failed = reader.progress.steps().find((s) => s.name.startsWith('[3/3]'));
    expect(failed?.seconds).toBeUndefined();
    expect(failed).toEqual(
      expect.objectContaining({
        error: 'executor failed running [/bin/sh -c echo compiling && exit 2]: exit code: 2',
      }),
    );
    // The log line (`#6 0.067 compiling`) is not kept; the digest line of old BuildKit is a note.
    expect(failed?.notes).toEqual([expect.stringMatching(/^sha256:/)]);
  });

  test('a step that pauses (#2 ...) and resumes keeps one record', () => {
    const summary = progressSummary([
      '#1 [1/2] FROM busybox',
      '#2 [internal] load metadata for docker.io/library/busybox:latest',
      '#2 ...',
      '#3 [auth] library/busybox:pull token for registry-1.docker.io',
      '#3 DONE 0.0s',
      '#2 [internal] load metadata for docker.io/library/busybox:latest',
      '#2 DONE 0.8s',
      '#1 CACHED',
    ]);
    expect(summary.slowest[0]).toEqual({
      name: '[internal] load metadata for docker.io/library/busybox:latest',
      seconds: 0.8,
    });
    expect(summary).toEqual(expect.objectContaining({ instructions: 1, cached: 1 }));
  });

  test('output without progress lines has no steps', () => {
    expect(progressSummary(['depot: not logged in', ''])).toEqual({
      instructions: 0,
      cached: 0,
      slowest: [],
      totalSeconds: 0,
    });
  });
});

describe('readBuildProblems', () => {
  test('BuildKit build checks: on the Dockerfile that was loaded, each once', () => {
    expect(readBuildProblems(fixture('buildx-checks.txt'))).toEqual([
      {
        level: 'warning',
        kind: 'check',
        rule: 'FromAsCasing',
        message: "'as' and 'FROM' keywords' casing do not match",
        file: 'Dockerfile',
        line: 1,
      },
      {
        level: 'warning',
        kind: 'check',
        rule: 'JSONArgsRecommended',
        message: 'JSON arguments recommended for CMD to prevent unintended behavior related to OS signals',
        file: 'Dockerfile',
        line: 5,
      },
    ]);
  });

  test('depot --lint: levels, rules, files and lines from the [lint] step', () => {
    expect(readBuildProblems(fixture('depot-lint.txt'))).toEqual([
      {
        level: 'warning',
        kind: 'check',
        rule: 'DL3007',
        message:
          'Using latest is prone to errors if the image will ever update. Pin the version explicitly to a release tag',
        file: 'Dockerfile',
        line: 1,
      },
      {
        level: 'notice',
        kind: 'check',
        rule: 'DL3059',
        message: 'Multiple consecutive `RUN` instructions. Consider consolidation.',
        file: 'Dockerfile',
        line: 4,
      },
    ]);
  });

  test('bake: each finding keeps its target and its own Dockerfile', () => {
    expect(readBuildProblems(fixture('depot-bake-lint.txt'))).toEqual([
      expect.objectContaining({
        rule: 'StageNameCasing',
        file: 'worker.Dockerfile',
        line: 1,
        target: 'worker',
        level: 'warning',
      }),
      expect.objectContaining({
        rule: 'DL3004',
        file: 'worker.Dockerfile',
        line: 3,
        target: 'worker',
        level: 'error',
      }),
    ]);
  });

  test("buildx's error source block: the failed step's file and line", () => {
    expect(readBuildProblems(fixture('buildx-run-error.txt'))).toEqual([
      {
        level: 'error',
        kind: 'error',
        message:
          'failed to solve: process "/bin/sh -c echo compiling && exit 2" did not complete successfully: exit code: 2',
        file: 'app.Dockerfile',
        line: 3,
      },
    ]);
  });

  test('a Dockerfile that does not parse (Docker 20.10 wording)', () => {
    expect(readBuildProblems(fixture('docker-20.10-parse-error.txt'))).toEqual([
      { level: 'error', kind: 'error', message: 'unknown instruction: FORM', file: 'Dockerfile', line: 3 },
    ]);
  });

  test('an error that names no line, and a clean build, give no problems', () => {
    expect(readBuildProblems(fixture('docker-20.10-run-error.txt'))).toEqual([]);
    expect(readBuildProblems(fixture('docker-20.10-build.txt'))).toEqual([]);
  });

  test('lines that only look like findings outside their steps are ignored', () => {
    expect(
      readBuildProblems([
        '#4 [2/3] RUN ./check',
        '#4 0.100 WARN: FromAsCasing: printed by the build itself (line 1)',
        '#4 WARNING Dockerfile:1 DL3007: a status line outside a [lint] step',
        ' - FromAsCasing: a list item that follows no "warnings found" line (line 1)',
        'Dockerfile:3',
        'not a source rule',
        'ERROR: failed to solve: without a source block',
      ]),
    ).toEqual([]);
  });
});

describe('locating and annotating', () => {
  // prettier-ignore
  test.each([
    // context, file, Dockerfile in the repository
    ['', '', 'Dockerfile'],
    ['', 'docker/app.Dockerfile', 'docker/app.Dockerfile'],
    ['{{defaultContext}}', '', 'Dockerfile'],
    ['{{defaultContext}}:services/api', '', 'services/api/Dockerfile'],
    ['.', '', 'Dockerfile'],
    ['./examples/hello', '', 'examples/hello/Dockerfile'],
    ['examples/hello', 'examples/hello/Dockerfile.ci', 'examples/hello/Dockerfile.ci'],
    ['https://github.com/acme/app.git#main', '', undefined],
  ])('context %j, file %j: %s', (context, file, expected) => {
    expect(dockerfileOf(context, file)).toBe(expected);
  });

  test("bake: each target's Dockerfile from the printed definition, under the workdir", () => {
    const definition = {
      target: {
        app: { context: '.', dockerfile: 'Dockerfile' },
        worker: { context: 'services/worker', dockerfile: 'worker.Dockerfile' },
        remote: { context: 'https://github.com/acme/app.git', dockerfile: 'Dockerfile' },
      },
    };
    const locate = bakeDockerfiles(definition, 'deploy');
    expect(['app', 'worker', 'remote', 'missing'].map(locate)).toEqual([
      'deploy/Dockerfile',
      'deploy/services/worker/worker.Dockerfile',
      undefined,
      undefined,
    ]);
    expect(locate(undefined)).toBeUndefined();
    expect(bakeDockerfiles({ target: { only: {} } }, '.')(undefined)).toBe('Dockerfile');
    const located = locateProblems(readBuildProblems(fixture('depot-bake-lint.txt')), locate);
    expect(located.map((p) => p.path)).toEqual([
      'deploy/services/worker/worker.Dockerfile',
      'deploy/services/worker/worker.Dockerfile',
    ]);
  });

  test('a printed name resolves next to the Dockerfile the step built', () => {
    expect(problemFile('Dockerfile', 'examples/hello/Dockerfile')).toBe('examples/hello/Dockerfile');
    expect(problemFile('app.Dockerfile', 'docker/app.Dockerfile')).toBe('docker/app.Dockerfile');
    expect(problemFile('worker.Dockerfile', 'docker/app.Dockerfile')).toBe('docker/worker.Dockerfile');
    expect(problemFile('Dockerfile', undefined)).toBeUndefined();
  });

  test('DOCKER_BUILD_CHECKS_ANNOTATIONS turns check annotations off with Go false spellings only', () => {
    for (const off of ['false', '0', 'F', 'False'])
      expect(checkAnnotationsEnabled({ DOCKER_BUILD_CHECKS_ANNOTATIONS: off })).toBe(false);
    for (const on of [undefined, '', 'true', '1', 'no'])
      expect(checkAnnotationsEnabled({ DOCKER_BUILD_CHECKS_ANNOTATIONS: on })).toBe(true);
  });

  type Call = [AnnotationLevel, string, string | undefined, SourceLocation | undefined];
  const recorder = (): { calls: Call[]; annotate: (...args: Call) => void } => {
    const calls: Call[] = [];
    return { calls, annotate: (...args) => void calls.push(args) };
  };

  test('findings go on their file and line; a remote context puts them on the job', () => {
    const problems = readBuildProblems(fixture('depot-bake-lint.txt'));
    const adapter = recorder();
    const located = locateProblems(problems, (target) =>
      target === 'worker' ? 'services/worker.Dockerfile' : undefined,
    );
    expect(annotateBuildProblems(adapter, located, { checks: true })).toBe(2);
    expect(adapter.calls).toEqual([
      [
        'warning',
        "StageNameCasing: Stage name 'Builder' should be lowercase (services/worker.Dockerfile:1)",
        'Build check: StageNameCasing',
        { file: 'services/worker.Dockerfile', line: 1 },
      ],
      [
        'error',
        expect.stringMatching(/^DL3004: Do not use sudo/),
        'Build check: DL3004',
        { file: 'services/worker.Dockerfile', line: 3 },
      ],
    ]);

    const remote = recorder();
    annotateBuildProblems(
      remote,
      locateProblems(problems, () => undefined),
      { checks: true },
    );
    expect(remote.calls[0]).toEqual([
      'warning',
      "StageNameCasing: Stage name 'Builder' should be lowercase (worker.Dockerfile:1)",
      'Build check: StageNameCasing',
      undefined,
    ]);
  });

  test('with check annotations off, only a located build error is annotated', () => {
    const adapter = recorder();
    const problems = [
      ...readBuildProblems(fixture('buildx-checks.txt')),
      ...readBuildProblems(fixture('buildx-run-error.txt')),
    ];
    annotateBuildProblems(
      adapter,
      locateProblems(problems, () => 'docker/app.Dockerfile'),
      { checks: false },
    );
    expect(adapter.calls).toEqual([
      [
        'error',
        expect.stringContaining('exit code: 2'),
        'Build failed here',
        { file: 'docker/app.Dockerfile', line: 3 },
      ],
    ]);
  });
});

describe('the summary', () => {
  test('shows the cache share, the slowest steps and the problems with their repository paths', () => {
    const adapter = { annotate: jest.fn() };
    const reader = new BuildOutputReader();
    for (const line of fixture('depot-lint.txt')) reader.push(line);
    const report = reportBuildOutput(
      adapter,
      { output: reader },
      { dockerfile: () => 'web/Dockerfile', env: {} },
    );
    expect(adapter.annotate).toHaveBeenCalledTimes(2);
    const markdown = renderSummary({
      title: 'Depot build',
      ok: true,
      buildUrl: 'https://depot.dev/orgs/org123/projects/prj456/builds/bld789',
      buildId: 'bld789',
      tags: [],
      platforms: [],
      credentialSource: 'token input',
      engine: 'depot 2.102.12',
      warnings: [],
      ...report,
    });
    expect(markdown).toContain(
      '| Build | [bld789](https://depot.dev/orgs/org123/projects/prj456/builds/bld789) |',
    );
    expect(markdown).toContain('**Cache:** 2 of 4 Dockerfile steps cached (50%)');
    expect(markdown).toContain(
      '| Slowest steps | Duration |\n|---|---|\n| `[3/4] RUN npm install -g pnpm@9` | 12.0 s |\n| `[lint]` | 2.1 s |',
    );
    expect(markdown).toContain('| ⚠️ warning | `web/Dockerfile:1` | DL3007: Using latest is prone to errors');
    expect(markdown).toContain(
      '| ℹ️ notice | `web/Dockerfile:4` | DL3059: Multiple consecutive `RUN` instructions',
    );
  });

  test('a run without collected output reports nothing', () => {
    const adapter = { annotate: jest.fn() };
    expect(reportBuildOutput(adapter, {}, { dockerfile: () => 'Dockerfile', env: {} })).toEqual({
      problems: [],
    });
    expect(adapter.annotate).not.toHaveBeenCalled();
  });
});
