// Which npm registry this machine uses, read the way npm reads it, so the npm fallback goes through
// the same mirror (Artifactory, Verdaccio, a corporate proxy) as every other install on the runner.
// Precedence as npm's: environment, then the project's .npmrc, then the user's ~/.npmrc; a scoped
// `@depot:registry` at any level wins over a plain `registry`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_NPM_REGISTRY } from './platform';

type Env = Readonly<Record<string, string | undefined>>;

/** The registry to use, where that came from, and its auth token if an .npmrc holds one. */
export interface NpmRegistry {
  url: string;
  /** `npm_config_registry`, a .npmrc path, or `default`. */
  from: string;
  /** Bearer token from `//host/path/:_authToken=`; never printed. */
  authToken?: string;
}

/** Parses .npmrc text (ini, `;`/`#` comments) into key → value, expanding `${VAR}` from env as npm does. */
export function parseNpmrc(content: string, env: Env): Record<string, string> {
  const config: Record<string, string> = {};
  for (const raw of content.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (/^".*"$/.test(value) || /^'.*'$/.test(value)) value = value.slice(1, -1);
    config[key] = value.replace(/\$\{([^}]+)\}/g, (_m, name: string) => env[name] ?? '');
  }
  return config;
}

function readNpmrc(path: string, env: Env): Record<string, string> | undefined {
  try {
    return parseNpmrc(readFileSync(path, 'utf8'), env);
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

/**
 * Finds the npm registry for `@depot/*` packages: `npm_config_@depot:registry` / `npm_config_registry`
 * in env, then `@depot:registry=` / `registry=` in `<cwd>/.npmrc`, then in `~/.npmrc`, then the
 * public registry.
 */
export function npmRegistry(
  env: Env,
  cwd: string | undefined,
  home = env.HOME || env.USERPROFILE,
): NpmRegistry {
  const layers: { from: string; config: Record<string, string> }[] = [];
  const fromEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const name = /^npm_config_(.+)$/i.exec(key)?.[1];
    if (name && value !== undefined && /^(@depot:)?registry$/i.test(name))
      fromEnv[name.toLowerCase()] = value;
  }
  layers.push({ from: 'npm_config_registry', config: fromEnv });
  for (const dir of [cwd, home]) {
    if (!dir) continue;
    const path = join(dir, '.npmrc');
    const config = readNpmrc(path, env);
    if (config) layers.push({ from: path, config });
  }
  const pick = (key: string): { url: string; from: string } | undefined => {
    for (const layer of layers) if (layer.config[key]) return { url: layer.config[key], from: layer.from };
    return undefined;
  };
  const chosen = pick('@depot:registry') ??
    pick('registry') ?? { url: DEFAULT_NPM_REGISTRY, from: 'default' };
  const url = chosen.url.replace(/\/+$/, '');
  let token: string | undefined;
  for (const layer of layers) {
    token = authToken(layer.config, url);
    if (token) break;
  }
  return { url, from: chosen.from, ...(token ? { authToken: token } : {}) };
}
