import { isIP } from 'node:net';
import { InputError, quoteOneLine, UserError } from '../errors';
import { csvKeyValues, isCsvError } from './lists';
import { isBooleanText } from './values';

// Checks for the values buildx parses itself: each accepts what buildx (and so depot) accepts,
// so a typo fails in one line before a builder is started instead of minutes into a build.

// Go's strconv.ParseBool spellings, which buildx uses for --provenance and --sbom.
const GO_BOOLEANS = new Set([
  '1',
  't',
  'T',
  'TRUE',
  'true',
  'True',
  '0',
  'f',
  'F',
  'FALSE',
  'false',
  'False',
]);

/** True when a value is one of Go's strconv.ParseBool spellings. */
export const isGoBoolean = (value: string): boolean => GO_BOOLEANS.has(value);

/** Go's strconv.ParseBool: the value, or undefined when the text is not a boolean. */
export function parseGoBoolean(value: string): boolean | undefined {
  if (!GO_BOOLEANS.has(value)) return undefined;
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value);
}

// distribution/reference: a lower-case path, an optional registry host[:port] first, then
// :tag and/or @digest. The host is recognised as docker does: it has a "." or ":" or is localhost.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/** Whether a string is an image reference docker accepts (`registry:5000/team/app:1.2@sha256:…`). */
export function isImageReference(value: string): boolean {
  const at = value.indexOf('@');
  const named = at < 0 ? value : value.slice(0, at);
  if (at >= 0 && !DIGEST.test(value.slice(at + 1))) return false;
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  const name = colon > slash ? named.slice(0, colon) : named;
  if (colon > slash && !TAG.test(named.slice(colon + 1))) return false;
  if (name === '' || name.length > 255) return false;
  const parts = name.split('/');
  const first = parts[0];
  const hasDomain = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasDomain && !DOMAIN.test(first)) return false;
  return (hasDomain ? parts.slice(1) : parts).every((part) => COMPONENT.test(part));
}

/** `tags`: each an image reference. */
export function checkTags(name: string, tags: string[]): void {
  for (const tag of tags) {
    if (!isImageReference(tag)) {
      throw new InputError(name, tag, 'image references such as user/app:1.0 or registry:5000/app:latest');
    }
  }
}

/** `add-hosts`: host:ip or host=ip, the IP v4 or v6 (brackets allowed), or host-gateway. */
export function checkHosts(name: string, items: string[]): void {
  for (const item of items) {
    const separator = item.includes('=') ? '=' : ':';
    const at = item.indexOf(separator);
    const host = item.slice(0, at);
    const ip = item.slice(at + 1).replace(/^\[(.*)\]$/, '$1');
    if (at <= 0 || /\s/.test(host) || (ip !== 'host-gateway' && isIP(ip) === 0)) {
      throw new InputError(name, item, 'host:ip items, e.g. docker:10.180.0.1 (or host-gateway as the IP)');
    }
  }
}

/** `allow`: the entitlements buildx build grants. */
export function checkEntitlements(name: string, items: string[]): void {
  for (const item of items) {
    if (!/^(network\.host|security\.insecure|device(=.+)?)$/.test(item)) {
      throw new InputError(name, item, 'network.host, security.insecure or device[=name]');
    }
  }
}

/** One of the fixed values a text input takes, when set. */
export function checkOneOf(name: string, value: string, accepted: readonly string[]): void {
  if (value !== '' && !accepted.includes(value))
    throw new InputError(name, value, `one of ${accepted.join(', ')}`);
}

/** `shm-size`: a size as docker reads it (RAMInBytes): 64m, 2g, 1.5GB, 1024. */
export function checkSize(name: string, value: string): void {
  if (value !== '' && !/^\d+(\.\d+)* ?[kKmMgGtTpP]?[iI]?[bB]?$/.test(value)) {
    throw new InputError(name, value, 'a size such as 64m, 2g or 1024 (bytes)');
  }
}

/** `ssh`: `default`, or an ID with optional socket or key paths (`id=path[,path]`). */
export function checkSsh(name: string, items: string[]): void {
  for (const item of items) {
    const [id, paths] = item.split(/=(.*)/s, 2);
    if (!/^[\w.-]+$/.test(id) || (paths !== undefined && paths.split(',').some((p) => p.trim() === ''))) {
      throw new InputError(name, item, 'default, or id=path[,path] items');
    }
  }
}

interface Exporters {
  /** What the item means; used in the error message. */
  accepted: string;
  types: readonly string[];
  /** A single value without "=" (a cache ref, an output directory) is allowed. */
  bare?: boolean;
}

/** The key=value fields of a CSV value, or none when it cannot be read (a quote left open). */
function fieldsOf(value: string): { key: string; value?: string }[] | undefined {
  try {
    return csvKeyValues(value);
  } catch (error) {
    if (isCsvError(error)) return undefined;
    throw error;
  }
}

/**
 * CSV key=value items with a known `type`, as buildx reads `--cache-from`, `--cache-to`,
 * `--output` and `--attest`: every field has a key, and the type is one buildx knows.
 */
export function checkTypedEntries(name: string, items: string[], rule: Exporters): void {
  for (const item of items) {
    const fields = fieldsOf(item);
    if (!fields) throw new InputError(name, item, rule.accepted);
    if (rule.bare && fields.length === 1 && fields[0].value === undefined && fields[0].key !== '') continue;
    const type = fields.find((f) => f.key === 'type')?.value;
    if (fields.some((f) => f.value === undefined || f.key === '') || !type || !rule.types.includes(type)) {
      throw new InputError(name, item, rule.accepted);
    }
  }
}

export const CACHE_TYPES = ['registry', 'local', 'inline', 'gha', 's3', 'azblob'] as const;
export const OUTPUT_TYPES = ['local', 'tar', 'oci', 'docker', 'image', 'registry', 'cacheonly'] as const;

/**
 * `provenance` and `sbom`: a boolean or key=value attributes; provenance's `mode` is min or max.
 * The peers read `provenance` as a YAML boolean (anything else is attributes) and hand `sbom` to
 * buildx, which reads Go's boolean spellings.
 */
export function checkAttestation(name: 'provenance' | 'sbom', value: string): void {
  if (value === '' || (name === 'sbom' ? isGoBoolean(value) : isBooleanText(value))) return;
  const fields = fieldsOf(value);
  const bad = !fields || fields.some((f) => f.value === undefined || f.key === '');
  const mode = fields?.find((f) => f.key === 'mode')?.value;
  if (bad || (name === 'provenance' && mode !== undefined && !['min', 'max'].includes(mode))) {
    throw new InputError(
      name,
      value,
      name === 'provenance'
        ? 'true, false, or attributes such as mode=max or mode=min,inline-only=true'
        : 'true, false, or attributes such as generator=image',
    );
  }
}

/**
 * BUILDX_NO_DEFAULT_ATTESTATIONS as buildx reads it (Go's ParseBool): unset or empty is false,
 * and a value that is not a boolean is an error rather than a silent "set, so true".
 */
export function noDefaultAttestations(env: Readonly<Record<string, string | undefined>>): boolean {
  const raw = env.BUILDX_NO_DEFAULT_ATTESTATIONS ?? '';
  if (raw === '') return false;
  const value = parseGoBoolean(raw);
  if (value === undefined) {
    throw new UserError(
      `Invalid value for BUILDX_NO_DEFAULT_ATTESTATIONS: ${quoteOneLine(raw)}. Expected a boolean: 1, t, true, TRUE, True, 0, f, false, FALSE or False.`,
    );
  }
  return value;
}
