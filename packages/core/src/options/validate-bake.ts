import { InputError } from '../errors';
import type { BakeOptions } from './bake';
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
  if (!options.save && options['save-tag'] !== '') {
    throw new InputError('save-tag', options['save-tag'], 'only together with save: true');
  }
  warnings.push(...checkShared('bake', options));
  if (options.allow.length > 0) {
    warnings.push(`Input "allow" (${options.allow.join(',')}) is ignored: depot bake has no --allow flag.`);
  }
  return { warnings };
}
