import { InputError } from '../errors';

const TRUE = new Set(['true', 'True', 'TRUE']);
const FALSE = new Set(['false', 'False', 'FALSE']);

/** YAML 1.2 core booleans, as @actions/core's getBooleanInput; empty means the default. */
export function parseBoolean(name: string, raw: string, fallback = false): boolean {
  const value = raw.trim();
  if (value === '') return fallback;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new InputError(name, raw, 'true or false (also True/TRUE/False/FALSE)');
}

/** True when a string is one of the YAML 1.2 core boolean spellings. */
export function isBooleanText(value: string): boolean {
  return TRUE.has(value.trim()) || FALSE.has(value.trim());
}

// A platform as containerd's platforms package (and so the depot CLI and buildx) parses one:
// os/arch[/variant], any case, or a lone OS or architecture, which it completes.
const PLATFORM = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+){1,2}$/;
const LONE_PLATFORM = new Set(
  (
    'local aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 ' +
    'solaris windows zos 386 amd64 amd64p32 arm armbe arm64 arm64be loong64 mips mipsle mips64 ' +
    'mips64le mips64p32 mips64p32le ppc ppc64 ppc64le riscv riscv64 s390 s390x sparc sparc64 wasm ' +
    'i386 x86_64 x86-64 aarch64 armhf armel macos'
  ).split(' '),
);

/**
 * Checks each platform is one the CLI parses: os/arch[/variant], or a lone OS or architecture
 * ("local" is BuildKit's alias for the builder's own).
 */
export function checkPlatforms(name: string, platforms: string[]): void {
  for (const platform of platforms) {
    if (!PLATFORM.test(platform) && !LONE_PLATFORM.has(platform.toLowerCase())) {
      throw new InputError(name, platform, 'os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8');
    }
  }
}

/**
 * Splits KEY=VALUE items at the first "="; an item without "=" or with an empty key is an error.
 * `secret` keeps the item out of the message (a bare secret is a common slip in `secrets`).
 */
export function splitKeyValue(name: string, item: string, secret = false): [string, string] {
  const at = item.indexOf('=');
  if (at <= 0) throw new InputError(name, item, 'KEY=VALUE items, one per line', secret);
  return [item.slice(0, at), item.slice(at + 1)];
}

/** Checks every item has the KEY=VALUE shape without splitting (values are passed on verbatim). */
export function checkKeyValues(name: string, items: string[]): void {
  for (const item of items) splitKeyValue(name, item);
}
