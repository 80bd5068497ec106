// `npm run demo` (bundled to dist/demo/index.js, so it needs nothing installed): runs the bundled
// build-push action on examples/hello through the runner-contract harness, exactly as the tests
// do, in dry-run. It prints the plan the action would run, then the outputs and summary it left.
import { join } from 'node:path';
import { REPO_ROOT, runAction } from '../test/harness/runner';

const result = await runAction('build-push', {
  cwd: REPO_ROOT,
  inputs: {
    context: join(REPO_ROOT, 'examples', 'hello'),
    tags: 'registry.example.com/hello:demo',
    platforms: 'linux/amd64,linux/arm64',
    push: 'true',
    'dry-run': 'true',
  },
  githubContext: { repository: 'example/hello', event: { repository: { private: false } } },
});
try {
  process.stdout.write(result.main.stdout);
  process.stderr.write(result.main.stderr);
  console.log(`\nbuild-push (dry run) exited ${result.main.exitCode}`);
  const outputs = Object.entries(result.outputs);
  console.log(outputs.length ? 'Outputs:' : 'Outputs: none (a dry run builds nothing)');
  for (const [name, value] of outputs) console.log(`  ${name}=${value}`);
  if (result.summary) console.log(`Job summary:\n${result.summary}`);
  process.exitCode = result.main.exitCode ?? 1;
} finally {
  await result.cleanup();
}
