import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { spawn } from 'node:child_process';
import { UserError } from '../errors';

/** An attest or output entry as `depot bake --print` shows it: an object (or, in files, a string). */
export type BakeEntry = string | Record<string, string>;

/** One resolved target of the printed definition (only the fields the actions use are typed). */
export interface BakeTarget {
  tags?: string[];
  platforms?: string[];
  output?: BakeEntry[];
  attest?: BakeEntry[];
  /** Depot project of this target: `project_id` in HCL, `x-depot.project-id` in Compose. */
  project_id?: string;
  [key: string]: unknown;
}

export interface BakeDefinition {
  group?: Record<string, { targets?: string[] }>;
  target: Record<string, BakeTarget>;
}

/** The `type` of an attest/output entry, whichever form it has; a bare path output is `local`. */
export function entryType(entry: BakeEntry): string {
  if (typeof entry !== 'string') return entry.type ?? (entry.dest ? 'local' : '');
  const type = /(?:^|,)type=([^,]+)/.exec(entry)?.[1];
  return type ?? (entry.includes('=') ? '' : 'local');
}

export interface PrintOptions {
  engine: string;
  /** Arguments before `bake` (`['buildx']` to ask `docker buildx bake`, which prints the same JSON). */
  prefix?: string[];
  cwd: string;
  files: string[];
  set: string[];
  targets: string[];
  env: Record<string, string | undefined>;
}

/**
 * Reads the resolved definition with `depot bake --print`, which the CLI does offline with no
 * token and no local buildx. An unknown target becomes an error that lists the defined ones.
 */
export async function readDefinition(options: PrintOptions): Promise<BakeDefinition> {
  const args = [...(options.prefix ?? []), 'bake', '--print', ...options.files.flatMap((f) => ['--file', f])];
  args.push(...options.set.flatMap((s) => ['--set', s]), ...options.targets);
  const { code, stdout, stderr } = await capture(options.engine, args, options.cwd, options.env);
  if (code !== 0) {
    const unknown = /failed to find target (\S+)/.exec(stderr)?.[1];
    if (unknown) {
      const names = definedNames(options.files, options.cwd);
      throw new UserError(
        `Unknown bake target "${unknown}".`,
        names.length
          ? `Targets and groups defined here: ${names.join(', ')}.`
          : 'Check the targets input and the files.',
      );
    }
    const reason = stderr.trim().split('\n').at(-1) ?? `exit code ${code}`;
    throw new UserError(
      `Cannot read the bake definition: ${reason}`,
      'Check the files, set and vars inputs.',
    );
  }
  try {
    const parsed = JSON.parse(stdout) as BakeDefinition;
    return { ...parsed, target: parsed.target ?? {} };
  } catch {
    throw new UserError('Cannot read the bake definition: depot bake --print did not print JSON.');
  }
}

function capture(command: string, args: string[], cwd: string, env: PrintOptions['env']) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** The files bake reads when none are named (buildx's default list, in its order). */
export const DEFAULT_BAKE_FILES = [
  'compose.yaml',
  'compose.yml',
  'docker-compose.yml',
  'docker-compose.yaml',
  'docker-bake.json',
  'docker-bake.hcl',
  'docker-bake.override.json',
  'docker-bake.override.hcl',
];

/**
 * Names of the targets and groups the definition files declare, for the unknown-target error.
 * A light read of each format (HCL blocks, JSON keys, Compose services), never used to build.
 */
export function definedNames(files: string[], cwd: string): string[] {
  const names = new Set<string>();
  const paths = (files.length ? files : DEFAULT_BAKE_FILES).map((f) => join(cwd, f.replace(/^cwd:\/\//, '')));
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8');
    const ext = extname(path);
    if (ext === '.hcl') {
      for (const m of text.matchAll(/^\s*(?:target|group)\s+"([^"]+)"/gm)) names.add(m[1]);
    } else if (ext === '.json') {
      try {
        const json = JSON.parse(text) as { target?: object; group?: object };
        for (const key of [...Object.keys(json.group ?? {}), ...Object.keys(json.target ?? {})])
          names.add(key);
      } catch {
        // a broken file is reported by depot bake itself
      }
    } else {
      for (const name of composeServices(text)) names.add(name);
    }
  }
  return [...names].sort();
}

/** Service names: the keys one level under a top-level `services:` block. */
function composeServices(text: string): string[] {
  const names: string[] = [];
  let indent: number | undefined;
  let inServices = false;
  for (const line of text.split(/\r?\n/)) {
    if (/^\S/.test(line)) {
      inServices = /^services:\s*$/.test(line);
      indent = undefined;
      continue;
    }
    const m = /^(\s+)([\w.-]+):/.exec(line);
    if (!inServices || !m) continue;
    indent ??= m[1].length;
    if (m[1].length === indent) names.push(m[2]);
  }
  return names;
}
