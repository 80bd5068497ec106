import { InputError } from '../errors';
import type { BakeOptions } from './bake';
import { checkAttestation } from './checks';
import { checkShared, type Findings } from './validate-build';
import { splitKeyValue } from './values';

// targetpattern.key=value: the pattern and key are separated by the first "." before the "=".
const SET_ITEM = /^[^=.\s]+\.[^=\s]+=/;

// A name as HCL declares a variable (`variable "TAG" {}`): letters, digits, "_" and "-".
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
// What the engines read from their environment themselves. depot bake has no --var, so `vars`
// reach the definition as environment variables; these names would change the engine instead
// (where it sends the token, which config it reads, which libraries it loads).
// Whole namespaces where they belong to the engines or the runner, single names where users name
// variables too (DOCKER_REGISTRY, GIT_SHA, GO_VERSION). Environment names are case-sensitive; the
// proxy variables are read in both cases.
const ENGINE_VARIABLE =
  /^(DEPOT_|BUILDX_|BUILDKIT_|ACTIONS_|LD_|DOCKER_(CONFIG|HOST|CONTEXT|CERT_PATH|TLS|TLS_VERIFY|API_VERSION|DEFAULT_PLATFORM|BUILDKIT|CLI_.*)$|GIT_(CONFIG.*|SSH|SSH_COMMAND|ASKPASS|DIR|WORK_TREE|EXEC_PATH)$|GO(DEBUG|FLAGS|GC|MAXPROCS|MEMLIMIT|TRACEBACK)$|SSH_AUTH_SOCK$|PATH$|HOME$|TMPDIR$|SSL_CERT_(FILE|DIR)$|XDG_CONFIG_HOME$)|^((HTTPS?|ALL|NO)_PROXY|(https?|all|no)_proxy)$/;

/**
 * `vars`: NAME=VALUE with NAME an HCL variable name that the engine does not read itself. The
 * peer's `--var` sets bake variables only; as environment variables, anything else would not be a
 * variable of the definition.
 */
function checkVars(items: string[]): void {
  for (const item of items) {
    const [name] = splitKeyValue('vars', item);
    if (!VARIABLE_NAME.test(name))
      throw new InputError('vars', item, 'NAME=VALUE items whose NAME is an HCL variable name');
    if (ENGINE_VARIABLE.test(name))
      throw new InputError(
        'vars',
        item,
        `NAME=VALUE items naming a variable of the bake definition (${name} is read by the engine itself)`,
      );
  }
}

/**
 * `targets`: target and group names. One that starts with "-" would reach the CLI as a flag
 * (`--push`, `--file=...`) after all the step's own.
 */
function checkTargets(items: string[]): void {
  for (const item of items) {
    if (item.startsWith('-'))
      throw new InputError('targets', item, 'target or group names (a name cannot start with "-")');
  }
}

/** Checks the bake options as a whole before anything runs; returns warnings for ignored inputs. */
export function validateBakeOptions(options: BakeOptions): Findings {
  const warnings: string[] = [];
  checkVars(options.vars);
  checkTargets(options.targets);
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
