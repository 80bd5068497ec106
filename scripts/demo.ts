// `npm run demo` (bundled to dist/demo/index.js, so it needs nothing installed): runs the bundled
// build-push action on examples/hello through the runner-contract harness, exactly as the tests
// do. With no Depot credentials, engine: auto builds on the local Docker engine; when no Docker
// engine answers, it prints the plan instead (dry run) and says why.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, runAction } from '../test/harness/runner';

const docker = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' });
const reachable = docker.status === 0 && docker.stdout.trim() !== '';
// The end-to-end base image where the tests made one (no registry access needed), else busybox.
const e2eBase = 'depot-actions-e2e/busybox:latest';
const base =
  process.env.DEPOT_DEMO_BASE ??
  (spawnSync('docker', ['image', 'inspect', e2eBase]).status === 0 ? e2eBase : 'busybox:latest');

if (reachable) {
  console.log(
    `Docker ${docker.stdout.trim()} answers: building examples/hello for real with the embedded default engine.\n`,
  );
} else {
  const why = (docker.stderr || docker.error?.message || 'docker is not installed').trim().split('\n')[0];
  console.log(
    `No Docker engine is reachable (${why}), so this is a dry run: below is the plan the action would run.\n`,
  );
}

const result = await runAction('build-push', {
  cwd: REPO_ROOT,
  inputs: {
    context: join(REPO_ROOT, 'examples', 'hello'),
    tags: 'depot-actions-demo/hello:latest',
    'build-args': `BASE=${base}`,
    // Host networking lets RUN work on daemons started without a bridge network (as in CI).
    network: 'host',
    'dry-run': reachable ? 'false' : 'true',
  },
  env: { DOCKER_HOST: process.env.DOCKER_HOST },
  githubContext: { repository: 'example/hello', event: { repository: { private: false } } },
  timeoutMs: 300_000,
});
try {
  process.stdout.write(result.main.stdout);
  process.stderr.write(result.main.stderr);
  console.log(`\nbuild-push ${reachable ? '' : '(dry run) '}exited ${result.main.exitCode}`);
  const outputs = Object.entries(result.outputs);
  console.log(outputs.length ? 'Outputs:' : 'Outputs: none (a dry run builds nothing)');
  for (const [name, value] of outputs) console.log(`  ${name}=${value}`);
  if (result.summary) console.log(`\nJob summary:\n${result.summary}`);
  process.exitCode = result.main.exitCode ?? 1;
} finally {
  await result.cleanup();
}
