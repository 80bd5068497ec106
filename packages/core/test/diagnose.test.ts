import { describe, expect, test } from '@jest/globals';
import { diagnose, knownFailures, meaningfulLines, renderSummary } from '@depot-actions/core';

// Lines as the engine prints them (BuildKit plain progress, Connect errors from the Depot API).
// prettier-ignore
const cases: [string, string[], string, RegExp][] = [
  ['missing project', ['Error: missing project ID'], 'configuration', /DEPOT_PROJECT_ID.*depot\.json/],
  ['API refuses the token', ['unauthenticated: invalid token'], 'infrastructure', /trust relationship/],
  ['API permission denied', ['permission_denied: not allowed'], 'infrastructure', /credentials/],
  ['gha cache outage', ["#12 ERROR: Our services aren't available right now"], 'configuration', /type=gha/],
  ['multi-platform load', ['ERROR: docker exporter does not currently support exporting manifest lists'], 'configuration', /single platform/],
  ['unknown/unknown', ['manifest for unknown/unknown not found'], 'configuration', /provenance: false/],
  ['missing .git', ['fatal: not a git repository (or any of the parent directories): .git'], 'build', /BUILDKIT_CONTEXT_KEEP_GIT_DIR=1/],
  ['Docker Hub rate limit', ['#3 ERROR: failed to resolve source metadata: 401 Unauthorized'], 'build', /public\.ecr\.aws/],
  ['registry auth', ['ERROR: failed to push: unauthorized: authentication required'], 'build', /docker\/login-action/],
  ['keep-alive', ['Keep alive ping failed to receive ACK within timeout'], 'infrastructure', /builder size|autoscaling/],
  ['OOM', ['#9 0.512 OOMKilled'], 'infrastructure', /autoscaling/],
  ['damaged cache', ['failed to mount /tmp/buildkit-mount123: no such file'], 'infrastructure', /depot cache reset/],
  ['no machine', ['Unable to acquire machine, please retry'], 'infrastructure', /status\.depot\.dev/],
  ['evicted ref', ['ERROR: failed to load ref abc'], 'infrastructure', /retention/],
  ['otel schema', ['cannot merge resource due to conflicting Schema URL'], 'infrastructure', /DEPOT_DISABLE_OTEL=1/],
  ['flaky network', ['remote error: tls: bad record MAC'], 'infrastructure', /retrying/],
  ['temp file', ['timed out connecting to machine: failed to create temp file'], 'infrastructure', /disk space/],
  ['lint', ['Error: linting failed 2 rules'], 'build', /lint-fail-on/],
  ['COPY missing file', ['ERROR: failed to compute cache key: "/app/package.json": not found'], 'build', /\.dockerignore.*context: \./],
  ['cancelled', ['ERROR: context canceled'], 'infrastructure', /interrupted/],
];

describe('diagnose', () => {
  // A build step's own output can look like a network failure; the step failing makes it a build error.
  test('a RUN that cannot resolve a host is a build failure, not Depot infrastructure', () => {
    const result = diagnose([
      '#7 [3/3] RUN curl -fsS https://api.internal.example/config',
      '#7 0.512 curl: (6) Could not resolve host: api.internal.example',
      '#7 0.512 dial tcp: lookup api.internal.example: no such host',
      '#7 ERROR: process "/bin/sh -c curl -fsS https://api.internal.example/config" did not complete successfully: exit code: 6',
      'ERROR: failed to solve: process "/bin/sh -c curl -fsS https://api.internal.example/config" did not complete successfully: exit code: 6',
    ]);
    expect(result.kind).toBe('build');
    expect(result.hint).toBeUndefined();
  });

  test('the engine itself failing to reach Depot is still infrastructure', () => {
    const result = diagnose(['error: dial tcp: lookup api.depot.dev: no such host']);
    expect(result.kind).toBe('infrastructure');
    expect(result.hint).toMatch(/retrying/);
  });

  test.each(cases)('%s', (_title, lines, kind, hint) => {
    const result = diagnose(['#1 [internal] load build definition', ...lines, '']);
    expect(result.kind).toBe(kind);
    expect(result.hint).toMatch(hint);
  });

  test('every known failure has a case', () => {
    const matched = new Set(
      cases.map(([, lines]) => knownFailures.find((f) => f.pattern.test(lines.join('\n')))),
    );
    expect(knownFailures.filter((f) => !matched.has(f))).toEqual([]);
  });

  test('a failing RUN step is a build failure without a hint', () => {
    const result = diagnose([
      '#5 [2/2] RUN exit 3',
      '#5 ERROR: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3',
      '------',
      ' > [2/2] RUN exit 3:',
      '------',
      'ERROR: failed to solve: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3',
    ]);
    expect(result).toEqual({
      kind: 'build',
      hint: undefined,
      lines: [
        '#5 ERROR: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3',
        'ERROR: failed to solve: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3',
      ],
    });
  });

  test('keeps every meaningful line, not only the last', () => {
    const lines = meaningfulLines([
      'step 1',
      'error: first problem',
      'progress',
      'failed: second problem',
      'done',
    ]);
    expect(lines).toEqual(['error: first problem', 'failed: second problem', 'done']);
  });

  test('an unknown failure that never reached a build is infrastructure', () => {
    expect(diagnose(['something odd happened']).kind).toBe('infrastructure');
  });
});

describe('renderSummary', () => {
  test('a successful build', () => {
    const md = renderSummary({
      title: 'Depot build',
      ok: true,
      buildUrl: 'https://depot.dev/orgs/o/projects/p/builds/b1',
      buildId: 'b1',
      projectId: 'p',
      tags: ['a/b:1', 'a/b:latest'],
      platforms: ['linux/amd64', 'linux/arm64'],
      digest: 'sha256:abc',
      durationMs: 12_345,
      credentialSource: 'GitHub OIDC',
      engine: 'depot 2.102.12',
      warnings: [],
    });
    expect(md).toContain('### ✅ Depot build');
    expect(md).toContain('| Build | [b1](https://depot.dev/orgs/o/projects/p/builds/b1) |');
    expect(md).toContain('| Tags | `a/b:1`<br>`a/b:latest` |');
    expect(md).toContain('| Platforms | `linux/amd64`, `linux/arm64` |');
    expect(md).toContain('| Duration | 12.3 s |');
    expect(md).toContain('| Credentials | GitHub OIDC |');
  });

  test('a failure shows the lines and the hint', () => {
    const md = renderSummary({
      title: 'Depot build failed',
      ok: false,
      tags: [],
      platforms: [],
      credentialSource: 'token input',
      engine: 'depot',
      warnings: ['careful | here'],
      failure: { kind: 'configuration', lines: ['Error: missing project ID'], hint: 'Set the project.' },
    });
    expect(md).toContain('### ❌ Depot build failed');
    expect(md).toContain('```text\nError: missing project ID\n```');
    expect(md).toContain('**Hint:** Set the project.');
    expect(md).toContain('careful \\| here');
  });
});
