// `npm run build`: bundles every entry point into dist/<entry>/, self-contained (runnable with
// plain `node`, no node_modules): index.js plus the chunks it loads lazily; then regenerates the files derived from the
// option schemas (action.yml, README tables). CI runs this and fails on any difference.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ncc from '@vercel/ncc';
import { minify } from 'terser';
import { eagerModules } from './eager-modules.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// webpack names chunks and modules from paths relative to the working directory: from anywhere
// else the same sources would bundle to other files.
process.chdir(root);

/** Entry points shipped in dist/: name → source. */
const entries = {
  'build-push': 'packages/github/src/build-push.ts',
  bake: 'packages/github/src/bake.ts',
  setup: 'packages/github/src/setup.ts',
  pull: 'packages/github/src/pull.ts',
  circleci: 'packages/circleci/src/index.ts',
  buildkite: 'packages/buildkite/src/index.ts',
  gitlab: 'packages/gitlab/src/index.ts',
  // The demo drives build-push through the runner-contract harness; bundled so it runs on a fresh clone.
  demo: 'scripts/demo.ts',
};

async function bundle(source) {
  // Types are checked by `npm run lint` (tsc --noEmit); bundling only transpiles, so a type error
  // in one package never blocks bundling another.
  // @actions/http-client imports undici only for getAgentDispatcher (a proxy dispatcher for fetch
  // users), which nothing here calls; bundled, it would add ~430 kB to every entry. It resolves to a
  // built-in module instead, whose namespace simply has no ProxyAgent.
  // CommonJS rather than ES module output: Node starts a CommonJS script without its ES module
  // loader (resolving, linking, an async evaluation), which on Node 20 costs a step ~5 ms at start,
  // a sixth of its whole run. Chunks are loaded with require() too.
  // No persistent cache: ncc keeps webpack's cache in ~/.cache/ncc under a hash of the working
  // directory, and its key ignores options such as esm, so a CI machine that builds every run in the
  // same directory was handed ES-module code from a run before the switch to CommonJS. A cold build
  // costs a few seconds; a bundle that depends on what ran before on the machine costs a release.
  const options = {
    cache: false,
    quiet: true,
    esm: false,
    sourceMap: false,
    // Minified below, entry and chunks alike.
    minify: false,
    transpileOnly: true,
    externals: { undici: 'node:module' },
  };
  let result;
  try {
    result = await ncc(join(root, source), options);
  } catch (error) {
    // ncc's own stack would print its minified source; the message is what says what is wrong.
    console.error(`Bundling ${source} failed:\n${String(error?.message ?? error).slice(0, 4000)}`);
    process.exit(1);
  }
  const { assets } = result;
  // Code behind a dynamic import() becomes a chunk file that Node reads only when a step takes that
  // path (installing the CLI, an HTTP request, parsing a JWT): a step with an installed CLI and a
  // token never compiles it.
  const chunks = {};
  for (const [name, asset] of Object.entries(assets)) {
    if (name === 'package.json') continue;
    // ncc also copies files a literal path in the code names (it reads `/tmp/depot` as an asset when
    // such a directory exists), and would rewrite that path to point into dist/: only chunks may come.
    if (!/^\d+\.index\.js$/.test(name)) {
      console.error(`Bundling ${source} failed: ncc emitted ${name}, which is not a chunk of code.`);
      process.exit(1);
    }
    chunks[name] = await minified(String(asset.source));
  }
  return { code: await minified(result.code), chunks };
}

/**
 * Minifies a bundle file to ASCII, with its module functions marked for compiling at once (see
 * eager-modules.mjs). ASCII: one non-ASCII character (a ✅ in the summary) would make V8 hold
 * and scan the whole source as a two-byte string, twice the memory of the file and slower to parse.
 */
async function minified(source) {
  const result = await minify(source, {
    compress: true,
    mangle: true,
    // Function and class names stay readable in the stack of an unexpected error.
    keep_fnames: true,
    keep_classnames: true,
    format: { ascii_only: true },
  });
  return eagerModules(result.code);
}

const only = process.argv.slice(2);
for (const [name, source] of Object.entries(entries)) {
  if (only.length && !only.includes(name)) continue;
  const started = Date.now();
  const { code, chunks } = await bundle(source);
  const dir = join(root, 'dist', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.js'), code);
  for (const [file, text] of Object.entries(chunks)) writeFileSync(join(dir, file), text);
  // Marks the bundle as CommonJS, also where it is copied under a package.json of type module.
  writeFileSync(join(dir, 'package.json'), '{\n  "type": "commonjs"\n}\n');
  console.log(`dist/${name}/index.js  ${(code.length / 1024).toFixed(0)} kB  ${Date.now() - started} ms`);
}

// The generator imports the TypeScript schemas, so it is bundled the same way and run once.
const work = mkdtempSync(join(tmpdir(), 'depot-actions-generate-'));
try {
  const script = join(work, 'generate.cjs');
  const generator = await bundle('scripts/generate.ts');
  writeFileSync(script, generator.code);
  for (const [file, text] of Object.entries(generator.chunks)) writeFileSync(join(work, file), text);
  execFileSync(process.execPath, [script, root], { stdio: 'inherit' });
  console.log('generated action.yml files and README tables');
} finally {
  rmSync(work, { recursive: true, force: true });
}
