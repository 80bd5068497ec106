import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CiContext } from '../ci';

type Env = CiContext['env'];

/**
 * The depot CLI's config file, where `depot login` writes `api_token`:
 * `$XDG_CONFIG_HOME/depot/depot.yaml`, by default `~/.config/depot/depot.yaml`.
 */
export function cliConfigPath(env: Env): string | undefined {
  const base = env.XDG_CONFIG_HOME || (env.HOME ? join(env.HOME, '.config') : undefined);
  return base ? join(base, 'depot', 'depot.yaml') : undefined;
}

/** The `api_token` of the CLI's config file, or undefined when there is no file or no token. */
function configToken(env: Env): string | undefined {
  const path = cliConfigPath(env);
  if (!path) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const value = /^api_token:[ \t]*(.*?)[ \t]*$/m.exec(text)?.[1] ?? '';
  const token = value.replace(/^(["'])(.*)\1$/, '$2');
  return token === '' ? undefined : token;
}

/**
 * Credentials the depot CLI finds by itself and that this step leaves to it: `depot login`'s
 * config file (or DEPOT_API_TOKEN, its environment form), then DEPOT_JIT_TOKEN and
 * DEPOT_CACHE_TOKEN. Returns the secret values (to mask), or none. `beforeIdentity` picks the
 * sources the CLI tries before its own CI identity providers; the others come after them.
 */
export function cliLoginSecrets(env: Env, beforeIdentity: boolean): string[] {
  const secrets = beforeIdentity
    ? [env.DEPOT_API_TOKEN?.trim(), configToken(env)]
    : [env.DEPOT_JIT_TOKEN?.trim(), env.DEPOT_CACHE_TOKEN?.trim()];
  return secrets.filter((s): s is string => Boolean(s));
}
