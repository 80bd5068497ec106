import { accessSync, constants } from 'node:fs';
import { InputError, UserError } from '../errors';
import type { BuildOptions } from './build';
import { checkKeyValues, checkPlatforms, splitKeyValue } from './values';

/** What validation found that is not fatal: shown as warnings before anything runs. */
export interface Findings {
  warnings: string[];
}

/**
 * Checks the build options as a whole before anything runs, so a bad value fails in one line
 * instead of half-way through a build. Returns warnings for inputs accepted but not honoured.
 */
export function validateBuildOptions(options: BuildOptions): Findings {
  const warnings: string[] = [];
  checkPlatforms('platforms', options.platforms);
  checkKeyValues('build-args', options['build-args']);
  checkKeyValues('build-contexts', options['build-contexts']);
  checkKeyValues('annotations', options.annotations);
  checkKeyValues('ulimit', options.ulimit);
  checkSecrets(options);

  if (!options.save && options['save-tag'] !== '') {
    throw new InputError('save-tag', options['save-tag'], 'only together with save: true');
  }
  if (!options.save && options['save-tags'].length > 0) {
    throw new InputError('save-tags', options['save-tags'].join(','), 'only together with save: true');
  }
  warnings.push(...checkShared('build', options));
  return { warnings };
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

function checkSecrets(options: BuildOptions): void {
  for (const item of options.secrets) splitKeyValue('secrets', item, true);
  for (const item of options['secret-envs']) splitKeyValue('secret-envs', item);
  for (const item of options['secret-files']) {
    const [, path] = splitKeyValue('secret-files', item);
    try {
      accessSync(path, constants.R_OK);
    } catch {
      throw new InputError('secret-files', item, 'ID=PATH items naming a readable file');
    }
  }
}
