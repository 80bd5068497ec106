// Which npm registry (and proxy) this machine uses, read the way npm reads it, so the npm fallback
// goes through the same mirror (Artifactory, Verdaccio, a corporate proxy) as every other install on
// the runner. Precedence as npm's: environment (`npm_config_*`), then the user's config, then the
// global one; a scoped `@depot:registry` at any level wins over a plain `registry`.
//
// The checked-out repository's `.npmrc` is deliberately never read: a pull request controls it, and
// it could point the registry at its own host and have a runner variable expanded into the token
// sent there, then serve a binary that this step would cache and run.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { UserError } from '../errors';

type Env = Readonly<Record<string, string | undefined>>;

/** The registry to use, where that came from, its auth token if a config holds one, and npm's proxy. */
export interface NpmRegistry {
  url: string;
  /** `npm_config_registry`, a .npmrc path, or `default`. */
  from: string;
  /** Bearer token from `//host/path/:_authToken=`; never printed. */
  authToken?: string;
  /** npm's `https-proxy` / `proxy` for this registry, unless `noproxy` exempts it. */
  proxy?: string;
}

/**
 * Parses .npmrc text (ini, `;`/`#` comments) into key → value. `${VAR}` is left as written: it is
 * expanded (expandVariables) only in the few values used, so no variable ever ends up in a token
 * meant for another host.
 */
export function parseNpmrc(content: string): Record<string, string> {
  const config: Record<string, string> = {};
  for (const raw of content.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (/^".*"$/.test(value) || /^'.*'$/.test(value)) value = value.slice(1, -1);
    config[key] = value;
  }
  return config;
}

/** `${VAR}` replaced from env, as npm does when it reads a config value. */
export const expandVariables = (value: string, env: Env): string =>
  value.replace(/\$\{([^}]+)\}/g, (_m, name: string) => env[name] ?? '');

function readNpmrc(path: string): Record<string, string> | undefined {
  try {
    return parseNpmrc(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

const withSlash = (url: string): string => (url.endsWith('/') ? url : `${url}/`);

/** `//host/path/:_authToken` lookups for a registry URL, longest path first, as npm matches them. */
function authToken(config: Record<string, string>, registry: string): string | undefined {
  let u: URL;
  try {
    u = new URL(withSlash(registry));
  } catch {
    return undefined;
  }
  const segments = u.pathname.split('/').filter((s) => s !== '');
  for (let n = segments.length; n >= 0; n--) {
    const path = segments.slice(0, n).join('/');
    const key = `//${u.host}/${path ? `${path}/` : ''}:_authToken`;
    if (config[key]) return config[key];
  }
  return undefined;
}

/** Where npm keeps the user's and the machine's config: npm's own defaults and overrides. */
export function npmConfigFiles(env: Env, home = env.HOME || env.USERPROFILE): string[] {
  const value = (name: string): string | undefined => {
    for (const [key, v] of Object.entries(env)) if (key.toLowerCase() === name && v) return v;
    return undefined;
  };
  const user = value('npm_config_userconfig') ?? (home ? join(home, '.npmrc') : undefined);
  // npm's global config is `<prefix>/etc/npmrc`; the prefix defaults to the one of the node running.
  const prefix = value('npm_config_prefix') ?? dirname(dirname(process.execPath));
  const global = value('npm_config_globalconfig') ?? join(prefix, 'etc', 'npmrc');
  return [user, global].filter((p): p is string => p !== undefined);
}

/** Whether npm's `noproxy` list (comma or space separated, `.suffix` allowed) exempts a host. */
function exempt(noProxy: string | undefined, host: string): boolean {
  return (noProxy ?? '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .some(
      (entry) =>
        entry === '*' ||
        host === entry.replace(/^\./, '') ||
        host.endsWith(entry.startsWith('.') ? entry : `.${entry}`),
    );
}

function npmDefault(defaultRegistry: () => string | undefined): { url: string; from: string } {
  const url = defaultRegistry();
  if (url) return { url, from: 'default' };
  throw new UserError(
    'No npm registry is configured for the npm fallback, and no npm on PATH names its default.',
    'Set npm_config_registry (or registry= in ~/.npmrc) to the registry to install @depot/cli from.',
  );
}

/**
 * npm's own default registry, as the npm on PATH names it, with no user, global or project
 * configuration in play (those are read above, the project's never). Undefined without npm.
 */
export function npmDefaultRegistry(): string | undefined {
  // Files that do not exist (names relative to the temp dir npm runs in): npm then reads no user
  // or global configuration.
  const none = (which: string): string => `depot-actions-no-${which}-npmrc`;
  const env: Env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^npm_config_/i.test(key)),
  );
  try {
    // A fixed command line, with no path or other value from the environment in it: Windows needs
    // the shell to run npm.cmd.
    const answer = execFileSync(
      'npm',
      ['config', 'get', 'registry', `--userconfig=${none('user')}`, `--globalconfig=${none('global')}`],
      { cwd: tmpdir(), env, encoding: 'utf8', timeout: 20_000, shell: process.platform === 'win32' },
    ).trim();
    return /^https?:\/\//.test(answer) ? answer : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds the npm registry for `@depot/*` packages: `npm_config_@depot:registry` / `npm_config_registry`
 * in env, then `@depot:registry=` / `registry=` in the user's config (`npm_config_userconfig`, or
 * `~/.npmrc`), then in the global config, then npm's own default (`defaultRegistry`). The same
 * layers give npm's `https-proxy` / `proxy` / `noproxy`.
 */
export function npmRegistry(
  env: Env,
  home = env.HOME || env.USERPROFILE,
  defaultRegistry: () => string | undefined = npmDefaultRegistry,
): NpmRegistry {
  const layers: { from: string; config: Record<string, string> }[] = [];
  const fromEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const name = /^npm_config_(.+)$/i.exec(key)?.[1]?.toLowerCase();
    if (!name || value === undefined) continue;
    // npm reads `npm_config_https_proxy` as `https-proxy`.
    if (/^(@depot:)?registry$|^(https_proxy|proxy|noproxy)$/.test(name))
      fromEnv[name.replace('_', '-')] = value;
  }
  layers.push({ from: 'npm_config_registry', config: fromEnv });
  for (const path of npmConfigFiles(env, home)) {
    const config = readNpmrc(path);
    if (config) layers.push({ from: path, config });
  }
  const pick = (key: string): { url: string; from: string } | undefined => {
    for (const layer of layers)
      if (layer.config[key]) return { url: expandVariables(layer.config[key], env), from: layer.from };
    return undefined;
  };
  const chosen = pick('@depot:registry') ?? pick('registry') ?? npmDefault(defaultRegistry);
  const url = chosen.url.replace(/\/+$/, '');
  let token: string | undefined;
  for (const layer of layers) {
    token = authToken(layer.config, url);
    if (token) {
      // Expanded here, for the registry the install talks to, and nowhere else.
      token = expandVariables(token, env);
      break;
    }
  }
  let proxy: string | undefined;
  try {
    const registry = new URL(url);
    const setting = registry.protocol === 'https:' ? (pick('https-proxy') ?? pick('proxy')) : pick('proxy');
    // npm's noproxy defaults to NO_PROXY (either case), as npm itself goes direct for those hosts.
    const noProxy = pick('noproxy')?.url ?? env.NO_PROXY ?? env.no_proxy;
    if (setting && !exempt(noProxy, registry.hostname)) proxy = setting.url;
  } catch {
    // not a URL: the caller reports the registry setting itself
  }
  return { url, from: chosen.from, ...(token ? { authToken: token } : {}), ...(proxy ? { proxy } : {}) };
}
