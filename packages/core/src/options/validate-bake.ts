import { InputError } from '../errors';
import type { BakeOptions } from './bake';
import { checkAttestation } from './checks';
import { checkShared, type Findings } from './validate-build';
import { checkKeyValues } from './values';

// targetpattern.key=value: the pattern and key are separated by the first "." before the "=".
const SET_ITEM = /^[^=.\s]+\.[^=\s]+=/;

/** Checks the bake options as a whole before anything runs; returns warnings for ignored inputs. */
export function validateBakeOptions(options: BakeOptions): Findings {
  const warnings: string[] = [];
  checkKeyValues('vars', options.vars);
  for (const item of options.set) {
    if (!SET_ITEM.test(item))
      throw new InputError('set', item, 'targetpattern.key=value items, e.g. *.platform=linux/arm64');
  }
  checkAttestation('provenance', options.provenance);
  checkAttestation('sbom', options.sbom);
  // As in build-push: depot/bake-action passes save-tag without save too, so this only warns.
  if (!options.save && options['save-tag'] !== '') {
    warnings.push(
      'Input "save-tag" has no effect without save: true: the images are not saved to the Depot Registry, so they get no tags there.',
    );
  }
  warnings.push(...checkShared('bake', options));
  if (options.allow.length > 0) {
    warnings.push(`Input "allow" (${options.allow.join(',')}) is ignored: depot bake has no --allow flag.`);
  }
  return { warnings };
}
