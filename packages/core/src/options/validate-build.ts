import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { isRemoteRef } from './remote-ref';
import { InputError, UserError } from '../errors';
import type { BuildOptions } from './build';
import {
  CACHE_TYPES,
  checkAttestation,
  checkEntitlements,
  checkHosts,
  checkOneOf,
  checkSize,
  checkSsh,
  checkTags,
  checkTypedEntries,
  OUTPUT_TYPES,
} from './checks';
import { checkKeyValues, checkPlatforms, splitKeyValue } from './values';

/** What validation found that is not fatal: shown as warnings before anything runs. */
export interface Findings {
  warnings: string[];
}

/**
 * Checks the build options as a whole before anything runs, so a bad value fails in one line
 * instead of half-way through a build. Returns warnings for inputs accepted but not honoured.
 */
export function validateBuildOptions(
  options: BuildOptions,
  workspace = process.cwd(),
  env: Readonly<Record<string, string | undefined>> = {},
): Findings {
  const warnings: string[] = [];
  checkPlatforms('platforms', options.platforms);
  checkBuildArgs(options['build-args']);
  checkKeyValues('build-contexts', options['build-contexts']);
  checkKeyValues('annotations', options.annotations);
  checkKeyValues('ulimit', options.ulimit);
  checkSecrets(options, env);
  checkHosts('add-hosts', options['add-hosts']);
  checkEntitlements('allow', options.allow);
  checkTypedEntries('attests', options.attests, {
    types: ['sbom', 'provenance'],
    accepted: 'type=sbom or type=provenance followed by key=value attributes',
  });
  checkTypedEntries('cache-from', options['cache-from'], {
    types: CACHE_TYPES,
    bare: true,
    accepted: `an image reference, or type=${CACHE_TYPES.join('|')} with key=value attributes`,
  });
  checkTypedEntries('cache-to', options['cache-to'], {
    types: CACHE_TYPES,
    accepted: `type=${CACHE_TYPES.join('|')} with key=value attributes`,
  });
  checkTypedEntries('outputs', options.outputs, {
    types: OUTPUT_TYPES,
    bare: true,
    accepted: `a directory, or type=${OUTPUT_TYPES.join('|')} with key=value attributes`,
  });
  checkOneOf('network', options.network, ['default', 'none', 'host']);
  checkAttestation('provenance', options.provenance);
  checkAttestation('sbom', options.sbom);
  checkSize('shm-size', options['shm-size']);
  checkSsh('ssh', options.ssh);
  checkTags('tags', options.tags);
  checkLocalPaths(options, workspace);

  // depot/build-push-action passes save tags without save as well; the CLI then records them
  // on a build it does not save, so say so rather than fail a workflow that works with the peer.
  if (!options.save && (options['save-tag'] !== '' || options['save-tags'].length > 0)) {
    const input = options['save-tag'] !== '' ? 'save-tag' : 'save-tags';
    warnings.push(
      `Input "${input}" has no effect without save: true: the image is not saved to the Depot Registry, so it gets no tags there.`,
    );
  }
  warnings.push(...checkShared('build', options));
  return { warnings };
}

/** build-args: KEY=VALUE, or a bare NAME that buildx and depot take from the environment. */
function checkBuildArgs(items: string[]): void {
  for (const item of items) {
    if (item.includes('=')) splitKeyValue('build-args', item);
    else if (/\s/.test(item))
      throw new InputError('build-args', item, 'KEY=VALUE or NAME items, one per line');
  }
}

/**
 * A local `context` must be an existing directory and, with a local context, `file` an existing
 * file (buildx reads it relative to the working directory). Remote contexts are fetched by the
 * builder, and there `file` names a path inside the repository, so neither is checked.
 */
function checkLocalPaths(options: BuildOptions, workspace: string): void {
  const context = options.context;
  if (context === '' || context === '-' || context.includes('{{') || isRemoteRef(context)) return;
  // A missing workspace is its own error (no checkout), reported where the engine would run.
  if (!isDirectory(workspace)) return;
  if (!isDirectory(resolve(workspace, context))) {
    throw new InputError(
      'context',
      context,
      'an existing directory (relative to the workspace) or a Git URL',
    );
  }
  const file = options.file;
  if (file !== '' && file !== '-' && !isFile(resolve(workspace, file))) {
    throw new InputError('file', file, 'an existing Dockerfile (relative to the workspace)');
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The inputs build-push and bake both take: what each accepts of `call`, `builder`, `lint-fail-on`. */
export interface SharedInputs {
  call: string;
  builder: string;
  lint: boolean;
  'lint-fail-on': string;
}

/**
 * Checks shared by depot build and depot bake: `call` accepts only build (neither has --call),
 * `builder` is accepted for docker compatibility with a warning, `lint-fail-on` needs `lint`.
 */
export function checkShared(command: 'build' | 'bake', options: SharedInputs): string[] {
  if (options.call !== '' && options.call !== 'build') {
    throw new UserError(
      `Invalid value for input "call": "${options.call}". depot ${command} supports only "build".`,
      command === 'build'
        ? 'To check a Dockerfile without building it elsewhere, use lint: true (lints, then builds).'
        : 'To check Dockerfiles while building, use lint: true.',
    );
  }
  const warnings: string[] = [];
  if (options.builder !== '') {
    warnings.push(
      `Input "builder" (${options.builder}) is ignored: Depot chooses the builder for each build.`,
    );
  }
  if (options['lint-fail-on'] !== '' && !options.lint) {
    warnings.push('Input "lint-fail-on" has no effect without lint: true.');
  }
  return warnings;
}

/**
 * Secrets must name a value: docker skips an empty one with a warning, which would hand the
 * build a missing secret; an empty value here is almost always an unset CI secret, so it fails.
 */
function checkSecrets(options: BuildOptions, env: Readonly<Record<string, string | undefined>>): void {
  for (const item of options.secrets) {
    const [id, value] = splitKeyValue('secrets', item, true);
    if (value === '') throw new InputError('secrets', `${id}=`, 'ID=VALUE items with a non-empty value');
  }
  for (const item of options['secret-envs']) {
    const [id, name] = splitKeyValue('secret-envs', item);
    if (name.trim() === '') {
      throw new InputError('secret-envs', `${id}=`, 'ID=ENVNAME items naming an environment variable');
    }
    // The same unset CI secret, one step removed: the variable it names is missing or empty.
    if (!env[name.trim()]) {
      throw new InputError(
        'secret-envs',
        item,
        `ID=ENVNAME items naming a set variable (${name.trim()} is empty or not set)`,
      );
    }
  }
  for (const item of options['secret-files']) {
    const [, path] = splitKeyValue('secret-files', item);
    // The CLI reads the path as a CSV field, which turns a carriage return and newline into a newline.
    if (path.includes('\r')) {
      throw new InputError('secret-files', item, 'ID=PATH items whose path has no carriage return');
    }
    try {
      accessSync(path, constants.R_OK);
    } catch {
      throw new InputError('secret-files', item, 'ID=PATH items naming a readable file');
    }
  }
}
