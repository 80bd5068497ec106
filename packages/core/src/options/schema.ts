import { InputError, messageOf } from '../errors';
import { isCsvError, loadListParser, parseList, type ListStyle } from './lists';
import { parseBoolean } from './values';

/** Where an input comes from, shown in the generated docs so migrating users know what to expect. */
export type InputOrigin = 'depot' | 'docker' | 'both' | 'depot-actions';

interface SpecBase {
  description: string;
  /** Default as written in action.yml (may be a `${{ }}` expression the runner evaluates). */
  default?: string;
  origin: InputOrigin;
  /** Shown as `deprecationMessage` in action.yml and warned about when used. */
  deprecated?: string;
  /** Never printed (plan, summary, logs): masked at read time. */
  secret?: boolean;
  /** Only meaningful on GitHub Actions (left out of the orb and the plugin). */
  githubOnly?: boolean;
}

export interface TextSpec extends SpecBase {
  kind: 'text';
  /** When set, the value must be one of these (or empty). */
  values?: readonly string[];
  /** Compare with `values` in lower case and pass the lower-cased value on (the CLI lower-cases it too). */
  ignoreCase?: boolean;
  /** A whole number greater than 0 (a count of seconds, ...): CI front-ends with typed config accept a number. */
  integer?: boolean;
  /** Also takes true or false (attributes otherwise): CI front-ends with typed config accept a boolean. */
  booleanText?: boolean;
}
export interface BooleanSpec extends SpecBase {
  kind: 'boolean';
}
export interface ListSpec extends SpecBase {
  kind: 'list';
  style: ListStyle;
}
export type InputSpec = TextSpec | BooleanSpec | ListSpec;
export type Schema = Record<string, InputSpec>;

/** The parsed value type of one spec. */
export type ValueOf<S extends InputSpec> = S extends BooleanSpec
  ? boolean
  : S extends ListSpec
    ? string[]
    : string;
/** Options object for a schema: keys are the input names users write, so they read the same everywhere. */
export type OptionsOf<S extends Schema> = { -readonly [K in keyof S]: ValueOf<S[K]> };

export const text = (description: string, extra: Partial<Omit<TextSpec, 'kind'>> = {}): TextSpec => ({
  kind: 'text',
  description,
  origin: 'both',
  ...extra,
});
export const bool = (description: string, extra: Partial<Omit<BooleanSpec, 'kind'>> = {}): BooleanSpec => ({
  kind: 'boolean',
  description,
  default: 'false',
  origin: 'both',
  ...extra,
});
export const list = (
  description: string,
  style: ListStyle,
  extra: Partial<Omit<ListSpec, 'kind' | 'style'>> = {},
): ListSpec => ({ kind: 'list', description, style, origin: 'both', ...extra });

/**
 * An input as the CI hands it over: text (GitHub's INPUT_*, CircleCI's PARAM_*), or, where the CI
 * keeps a list as separate items (a YAML list in Buildkite's plugin configuration), the items
 * themselves. Items are never joined and split again: an item may hold newlines or commas (a PEM
 * in `secrets`, a multi-line build-arg).
 */
export type RawInput = string | readonly string[];

/** How the front-end hands raw input to the core (GitHub: INPUT_*, CircleCI: PARAM_*, ...). */
export type ReadInput = (name: string) => RawInput;

/** List items given one by one: trimmed as the list style says, empty ones dropped. */
function parseItems(items: readonly string[], style: ListStyle): string[] {
  const trim = style.trim !== false;
  return items.map((item) => (trim ? item.trim() : item)).filter((item) => item.trim() !== '');
}

/** Parses one input by its spec; a raw value is never trimmed before list parsing decides. */
export function parseInput(name: string, spec: InputSpec, raw: RawInput): boolean | string[] | string {
  // No engine, shell or file takes a NUL byte: it would cut the value short somewhere downstream.
  const nul = typeof raw === 'string' ? raw.includes('\0') : raw.some((item) => item.includes('\0'));
  if (nul) throw new InputError(name, String(raw), 'a value without NUL bytes', spec.secret);
  if (typeof raw !== 'string') {
    if (spec.kind === 'list') return parseItems(raw, spec.style);
    throw new InputError(name, JSON.stringify(raw), 'a single value, not a list', spec.secret);
  }
  switch (spec.kind) {
    case 'boolean':
      return parseBoolean(name, raw, spec.default === 'true');
    case 'list':
      try {
        return parseList(raw, spec.style);
      } catch (error) {
        if (!isCsvError(error)) throw error;
        const accepted = `a list whose "quotes" are closed (${messageOf(error)})`;
        throw new InputError(name, raw, accepted, spec.secret);
      }
    case 'text': {
      const value = spec.ignoreCase ? raw.trim().toLowerCase() : raw.trim();
      if (spec.values && value !== '' && !spec.values.includes(value)) {
        throw new InputError(name, value, `one of ${spec.values.join(', ')}`);
      }
      return value;
    }
  }
}

/**
 * Reads and parses every input of a schema. Defaults for booleans apply when the CI passes nothing.
 * A quote in any value loads the CSV parser first: list inputs are read as CSV, and so are the
 * attributes of text inputs (`provenance`, `sbom`) and the items of lists handed over one by one.
 */
export async function readOptions<S extends Schema>(schema: S, read: ReadInput): Promise<OptionsOf<S>> {
  const raw = Object.fromEntries(Object.keys(schema).map((name) => [name, read(name)]));
  const quoted = Object.values(raw).some((value) =>
    typeof value === 'string' ? value.includes('"') : value.some((item) => item.includes('"')),
  );
  if (quoted) await loadListParser();
  const options: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema)) options[name] = parseInput(name, spec, raw[name]);
  return options as OptionsOf<S>;
}
