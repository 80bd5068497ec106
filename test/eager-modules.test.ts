// The build's rewrite of a bundle's module functions (scripts/eager-modules.mjs), run the way the
// build runs it: in node, on a bundle's text. What it rewrites must behave the same; what it cannot
// prove the same (`this`, `arguments`, an expression body) it must leave alone.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { runProcess } from './ci-entry/helpers';
import { REPO_ROOT } from './harness/runner';

/** eagerModules(source), computed by a node process that imports the build's module. */
async function eagerModules(source: string): Promise<string> {
  const script = `import { eagerModules } from ${JSON.stringify(join(REPO_ROOT, 'scripts', 'eager-modules.mjs'))};
process.stdout.write(eagerModules(${JSON.stringify(source)}));`;
  const result = await runProcess(
    process.execPath,
    ['--input-type=module', '-e', script],
    process.env,
    REPO_ROOT,
  );
  if (result.exitCode !== 0) throw new Error(result.stderr);
  return result.stdout;
}

/** Runs a bundle-like script and returns what it put in `out`. */
const run = (source: string): unknown =>
  new Function(`const out = {}; ${source}; return out;`).call({ outer: 1 });

// The shape webpack gives a bundle: a table from module number to module function, and a require.
const BUNDLE = `(function () {
  var modules = {
    10: (module, exports, require) => { exports.value = require(20).twice(21); },
    20: (module) => { module.exports = { twice: (n) => n * 2 }; },
    30: (module) => { module.exports = this; },
    40: (module) => module.exports = { args: arguments.length },
    50: (module) => { class Box { self = this; } module.exports = new Box().self instanceof Box; },
    60: (module) => { class Box { [this] = 1; } module.exports = Box; },
    70: async (module) => { module.exports = await 7; },
    80: (module, exports, require, outer = this) => { module.exports = outer; },
    90: (module) => { module.exports = new.target === undefined; },
    91: (module) => { module.exports = eval('this'); },
    92: (module) => { const list = { 1: () => { return 1; } }; module.exports = list; },
  };
  var cache = {};
  function require(id) {
    if (!cache[id]) { cache[id] = { exports: {} }; modules[id](cache[id], cache[id].exports, require); }
    return cache[id].exports;
  }
  out.value = require(10).value;
  out.receiver = require(30);
  out.field = require(50);
  out.defaulted = require(80);
  out.evaluated = require(91);
})`;

describe('scripts/eager-modules.mjs', () => {
  it('puts each module function that behaves the same as a function expression in parentheses', async () => {
    const rewritten = await eagerModules(BUNDLE);
    expect(rewritten).toContain('10: (function(module,exports,require){ exports.value');
    expect(rewritten).toContain('20: (function(module){ module.exports = { twice: (n) => n * 2 }; })');
    // The arrow inside a module keeps its form: only the module functions themselves are hinted.
    expect(rewritten).toContain('twice: (n) => n * 2');
  });

  it('leaves a module function that takes anything from its surroundings, is async, or has an expression body', async () => {
    const rewritten = await eagerModules(BUNDLE);
    expect(rewritten).toContain('70: async (module) => {');
    expect(rewritten).toContain('80: (module, exports, require, outer = this) => {');
    expect(rewritten).toContain('90: (module) => { module.exports = new.target');
    expect(rewritten).toContain("91: (module) => { module.exports = eval('this'); }");
    // Only the bundle's one module table: another object with number keys inside a module is code.
    expect(rewritten).toContain('const list = { 1: () => { return 1; } }');
    expect(rewritten).toContain('30: (module) => { module.exports = this; }');
    expect(rewritten).toContain('40: (module) => module.exports = { args: arguments.length }');
    expect(rewritten).toContain('60: (module) => { class Box { [this] = 1; }');
  });

  it('changes nothing the bundle does', async () => {
    const rewritten = await eagerModules(BUNDLE);
    const before = run(`(${BUNDLE}).call(this)`);
    const after = run(`(${rewritten}).call(this)`);
    expect(after).toEqual(before);
    expect(after).toEqual({
      value: 42,
      receiver: { outer: 1 },
      field: true,
      defaulted: { outer: 1 },
      evaluated: { outer: 1 },
    });
  });

  it('has rewritten the shipped bundles', () => {
    for (const entry of ['build-push', 'bake', 'setup', 'pull', 'circleci', 'buildkite', 'gitlab']) {
      const code = readFileSync(join(REPO_ROOT, 'dist', entry, 'index.js'), 'utf8');
      const hinted = code.match(/[{,]\d+:\(function\(\w+(?:,\w+)*\)\{/g) ?? [];
      // Module functions still written as block-bodied arrows (none of ours uses `this`).
      const left = code.match(/[{,]\d+:\(?\w+(?:,\w+)*\)?=>\{/g) ?? [];
      expect({ entry, left, hinted: hinted.length > 10 }).toEqual({ entry, left: [], hinted: true });
    }
  });
});
