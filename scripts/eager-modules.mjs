// Part of `npm run build`: marks the module functions of a bundle for compiling at once.
//
// V8 compiles a function lazily: when the script is compiled it only skims the function's body,
// and it parses that body again, fully, the first time the function is called. A webpack bundle
// keeps each module in a function of its own, `{41:(e,t,n)=>{...}}`, and calls it when the module
// is first required. The entry file's modules are required as the step starts (all but a few
// one-line wrappers of Node's own modules), so the skim is wasted: each of their bodies is read
// twice, and all the functions inside them three times.
// A function expression in parentheses, `(function(e,t,n){...})`, is V8's hint that the function
// runs at once (arrow functions do not get the hint): it is then compiled with the script, read
// once. Measured on the hot build-push step, this saves about 0.3 ms of its 8 ms overhead.
import { parse } from 'acorn';

/**
 * Rewrites the module functions of a bundle (its one table from module numbers to module
 * functions: the entry's `var r={...}`, a chunk's `exports.modules={...}`) as parenthesized
 * function expressions. Only plain (not async) arrow functions with a block body are rewritten,
 * and only when neither their parameters nor their body take anything from the arrow's
 * surroundings (`this`, `arguments`, `new.target`, `super`, a direct `eval`): for those, a function
 * expression behaves the same, since webpack calls a module function with no receiver and never
 * with `new`. The result is parsed again, so a bundle this breaks fails the build.
 */
export function eagerModules(code) {
  const table = moduleTable(parse(code, { ecmaVersion: 'latest' }));
  const edits = [];
  for (const { value: fn } of table?.properties ?? []) {
    if (fn.type !== 'ArrowFunctionExpression' || fn.async || fn.body.type !== 'BlockStatement') continue;
    if ([...fn.params, fn.body].some(usesArrowScope)) continue;
    const params = fn.params.map((p) => code.slice(p.start, p.end)).join(',');
    edits.push({ start: fn.start, end: fn.body.start, text: `(function(${params})` });
    edits.push({ start: fn.end, end: fn.end, text: ')' });
  }
  let out = code;
  for (const { start, end, text } of edits.sort((a, b) => b.start - a.start)) {
    out = out.slice(0, start) + text + out.slice(end);
  }
  parse(out, { ecmaVersion: 'latest' });
  return out;
}

/** The bundle's table of module functions: the first object whose keys are all module numbers. */
function moduleTable(ast) {
  let table;
  const visit = (node) => {
    if (table || !node || typeof node.type !== 'string') return;
    if (node.type === 'ObjectExpression' && isModuleTable(node)) {
      table = node;
      return;
    }
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value.type === 'string') visit(value);
    }
  };
  visit(ast);
  return table;
}

/**
 * Whether code takes something from the scope an arrow function sees through: `this`,
 * `arguments`, `new.target`, `super`, or a direct `eval` (which could read any of them). Nested
 * functions and class bodies have their own, except a class's computed keys and heritage.
 */
function usesArrowScope(node) {
  if (!node || typeof node.type !== 'string') return false;
  switch (node.type) {
    case 'ThisExpression':
    case 'Super':
    case 'MetaProperty':
      return true;
    case 'Identifier':
      return node.name === 'arguments';
    case 'CallExpression':
      if (node.callee.type === 'Identifier' && node.callee.name === 'eval') return true;
      break;
    case 'FunctionExpression':
    case 'FunctionDeclaration':
    case 'StaticBlock':
      return false;
    case 'PropertyDefinition':
    case 'MethodDefinition':
      return node.computed && usesArrowScope(node.key);
  }
  for (const value of Object.values(node)) {
    if (Array.isArray(value) ? value.some(usesArrowScope) : usesArrowScope(value)) return true;
  }
  return false;
}

const isModuleTable = (node) =>
  node.properties.length > 0 &&
  node.properties.every(
    (p) =>
      p.type === 'Property' &&
      p.key.type === 'Literal' &&
      typeof p.key.value === 'number' &&
      /FunctionExpression$/.test(p.value.type),
  );
