// No input value and no line of the engine's output can become a workflow command: every input
// of build-push and bake is run through the bundled action with a payload of command lines (raw,
// and CSV-quoted so list inputs keep it in one item), and the captured output is read the way
// the runner reads it. The step's own commands must still work around the engine's output.
import { afterAll, describe, expect, test } from '@jest/globals';
import { join } from 'node:path';
import { bakeSchema, buildSchema } from '@depot-actions/core';
import { createEngineStub, type EngineStub } from './harness/engine-stub';
import { REPO_ROOT, runAction, type ActionResult } from './harness/runner';
import { commandLines } from './harness/workflow-commands';

const HCL = join(REPO_ROOT, 'test', 'fixtures', 'bake', 'hcl');
const TOKEN = 'depot_injection_token_5a6b7c';
const MARKER = 'INJECTED';

/** Command lines in every form the runner reads: `::` at a line start, legacy `##[`, a lone CR. */
const payload = (input: string): string =>
  [
    'ok',
    `::warning::${MARKER} ${input}`,
    `  ::error title=x::${MARKER} ${input}`,
    `text ##[warning]${MARKER} ${input}`,
    `\r::add-mask::${MARKER}`,
    `::stop-commands::${MARKER}`,
    `::set-output name=digest::${MARKER}`,
  ].join('\n');

const engines: EngineStub[] = [];
afterAll(async () => {
  for (const engine of engines) await engine.cleanup();
});

async function engine(behaviour: Parameters<typeof createEngineStub>[0] = {}): Promise<EngineStub> {
  const stub = await createEngineStub(behaviour);
  engines.push(stub);
  return stub;
}

/** The commands of a run that the step did not issue itself: data that starts with the payload's marker. */
function injected(result: ActionResult): string[] {
  return [result.main, ...(result.post ? [result.post] : [])]
    .flatMap((step) => commandLines(step.stdout, step.stderr))
    .filter((c) => c.data.startsWith(MARKER))
    .map((c) => `${c.stream}: ${c.line}`);
}

/** Runs tasks a few at a time: the machine is shared, and each task is a node process. */
async function pool<T, R>(items: T[], size: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: size }, worker));
  return results;
}

interface Case {
  action: 'build-push' | 'bake';
  input: string;
  form: 'raw' | 'csv-quoted';
}

const cases = (action: Case['action'], names: string[]): Case[] =>
  names.flatMap((input) => [
    { action, input, form: 'raw' as const },
    { action, input, form: 'csv-quoted' as const },
  ]);

describe('input values never become workflow commands', () => {
  const all = [...cases('build-push', Object.keys(buildSchema)), ...cases('bake', Object.keys(bakeSchema))];

  test(`every input of build-push and bake, raw and CSV-quoted (${all.length} runs)`, async () => {
    const stub = await engine({ buildUrl: 'https://depot.dev/orgs/o/projects/p/builds/b' });
    const outcomes = await pool(all, 4, async (c) => {
      const value = c.form === 'raw' ? payload(c.input) : `"${payload(c.input)}"`;
      const base: Record<string, string> =
        c.action === 'bake' ? { token: TOKEN, workdir: HCL } : { token: TOKEN };
      const result = await runAction(c.action, {
        inputs: { ...base, [c.input]: value },
        ...stub.runnerOptions(),
      });
      const outcome = {
        name: `${c.action} ${c.input} (${c.form})`,
        injected: injected(result),
        // The value reached the log (escaped, quoted or inside a stopped region) or an annotation.
        shown: `${result.main.stdout}${result.main.stderr}`.includes(MARKER),
      };
      await result.cleanup();
      return outcome;
    });
    expect(outcomes.filter((o) => o.injected.length > 0)).toEqual([]);
    // The payload was printed in most runs, so the zero above is not for want of trying.
    expect(outcomes.filter((o) => o.shown).length).toBeGreaterThan(all.length / 2);
  }, 600_000);
});

describe("the engine's output is streamed with workflow commands stopped", () => {
  const LOG = [
    '#1 [internal] load build definition',
    `::warning::${MARKER} from a RUN step`,
    `#5 RUN echo '##[error]${MARKER} legacy form'`,
    `::add-mask::${MARKER}`,
    `::stop-commands::${MARKER}`,
  ].join('\n');

  test('no engine line is a command; the step masks first and issues its own commands afterwards', async () => {
    const stub = await engine({
      // stderr ends mid-line: the resume token must still start a line of its own.
      stderr: `${LOG}\nsecret in the log: ${TOKEN}\n::warning::${MARKER} last, no newline`,
      stdout: `${LOG}\n`,
      metadata: { 'containerimage.digest': 'sha256:' + 'a'.repeat(64) },
      buildUrl: 'https://depot.dev/orgs/o/projects/p/builds/b',
    });
    const result = await runAction('build-push', {
      inputs: { token: TOKEN, 'build-args': 'A=1' },
      ...stub.runnerOptions(),
    });
    try {
      expect(result.main.exitCode).toBe(0);
      expect(injected(result)).toEqual([]);
      // The engine's lines are all in the log, on stdout, inside one stopped region.
      const lines = result.main.stdout.split('\n');
      const stop = lines.findIndex((l) => l.startsWith('::stop-commands::'));
      const token = lines[stop].slice('::stop-commands::'.length);
      expect(token).toMatch(/^[0-9a-f]{32}$/);
      const resume = lines.indexOf(`::${token}::`);
      expect(resume).toBeGreaterThan(stop);
      const region = lines.slice(stop + 1, resume).join('\n');
      expect(region).toContain(`::warning::${MARKER} from a RUN step`);
      expect(region).toContain(`::warning::${MARKER} last, no newline`);
      // The token was masked before the region began: the runner masks it in every line.
      expect(lines.indexOf(`::add-mask::${TOKEN}`)).toBeGreaterThanOrEqual(0);
      expect(lines.indexOf(`::add-mask::${TOKEN}`)).toBeLessThan(stop);
      // The step's own commands after the engine were read: the Outputs group and the digest.
      expect(result.groups).toContain('Outputs');
      expect(result.outputs.digest).toBe('sha256:' + 'a'.repeat(64));
      // And nothing the step printed after the region is left stopped.
      expect(commandLines(result.main.stdout, '').at(-1)?.command).toBe('endgroup');
    } finally {
      await result.cleanup();
    }
  });

  test('each run stops commands with its own unpredictable token', async () => {
    const stub = await engine({ stderr: 'building\n' });
    const tokens: string[] = [];
    for (let i = 0; i < 2; i++) {
      const result = await runAction('build-push', { inputs: { token: TOKEN }, ...stub.runnerOptions() });
      tokens.push(/^::stop-commands::(\w+)$/m.exec(result.main.stdout)?.[1] ?? '');
      await result.cleanup();
    }
    expect(tokens[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(tokens[1]).toMatch(/^[0-9a-f]{32}$/);
    expect(tokens[0]).not.toBe(tokens[1]);
  });

  test('a failed build reports its error annotation outside the stopped region', async () => {
    const stub = await engine({ exitCode: 1, stderr: `::error::${MARKER}\nERROR: failed to solve: boom\n` });
    const result = await runAction('build-push', { inputs: { token: TOKEN }, ...stub.runnerOptions() });
    try {
      expect(result.main.exitCode).toBe(1);
      expect(injected(result)).toEqual([]);
      const errors = commandLines(result.main.stdout, result.main.stderr).filter(
        (c) => c.command === 'error',
      );
      expect(errors.map((e) => e.data)).toEqual([expect.stringContaining('failed to solve: boom')]);
    } finally {
      await result.cleanup();
    }
  });
});
