import { InputError, UserError, type InputSpec, type RawInput, type Schema } from '@depot-actions/core';

// The plugin's configuration as the agent hands it over (buildkite/agent, agent/plugin/plugin.go):
// BUILDKITE_PLUGIN_CONFIGURATION holds the plugin's block as JSON and each option also becomes
// BUILDKITE_PLUGIN_<NAME>_<OPTION> (a list item `_<N>`, a map key `_<KEY>`). A `null` anywhere in
// the block cannot be turned into variables: the agent then sets none of them, only warns, and
// runs the hooks anyway. BUILDKITE_PLUGINS still holds every plugin of the step as JSON.

type Env = Readonly<Record<string, string | undefined>>;
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The agent's variable form of a name: upper case, `-` and spaces as `_`. */
export const envKey = (name: string): string => name.toUpperCase().replace(/[-\s]/g, '_');

/**
 * A plugin's name as the agent derives it from its location: the last path segment, lower-cased,
 * other characters than letters and digits as `-`, without `-buildkite-plugin` (and `-git`).
 */
export function pluginName(location: string): string {
  const path = location.replace(/#.*$/, '').replace(/\\/g, '/');
  return (path.split('/').at(-1) ?? '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[^a-z0-9]/g, '-')
    .replace(/-buildkite-plugin-git/g, '')
    .replace(/-buildkite-plugin/g, '');
}

const describe = (value: Json): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** The path of the first `null` in a configuration value (`tags`, `tags[1]`, `secrets.id`). */
function nullPath(value: Json, path: string): string | undefined {
  if (value === null) return path;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = nullPath(item, `${path}[${i}]`);
      if (found) return found;
    }
  } else if (typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = nullPath(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Explains a configuration the agent dropped: BUILDKITE_PLUGINS names this plugin but no
 * BUILDKITE_PLUGIN_* variable arrived. One line, naming the empty option when there is one.
 */
function droppedConfiguration(env: Env, name: string): UserError | undefined {
  let plugins: unknown;
  try {
    plugins = JSON.parse(env.BUILDKITE_PLUGINS ?? '');
  } catch {
    return undefined;
  }
  if (!Array.isArray(plugins)) return undefined;
  for (const entry of plugins as Json[]) {
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) continue;
    for (const [location, config] of Object.entries(entry)) {
      if (pluginName(location) !== name) continue;
      const empty =
        config && typeof config === 'object' ? nullPath(config, '')?.replace(/^\./, '') : undefined;
      const option = empty?.replace(/^([^.[]+).*$/, '$1');
      return new UserError(
        empty
          ? `The ${name} plugin's option "${option}" is empty (${empty}: null), so the agent passed no configuration at all.`
          : `The agent passed no configuration for the ${name} plugin (BUILDKITE_PLUGINS names it, but no BUILDKITE_PLUGIN_${envKey(name)}_* variable arrived).`,
        empty
          ? `Give "${option}" a value or remove it from the plugin block in pipeline.yml.`
          : 'Check the agent log for a warning about the plugin configuration.',
      );
    }
  }
  return undefined;
}

/**
 * The plugin's options as JSON values: BUILDKITE_PLUGIN_CONFIGURATION, else (agents that do not
 * set it) the per-option variables, each list item its own value. Throws the one-line error when
 * the agent dropped the configuration.
 */
export function readConfiguration(env: Env, name: string, schema: Schema): Map<string, Json> {
  const text = env.BUILDKITE_PLUGIN_CONFIGURATION;
  if (text) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UserError(
        'BUILDKITE_PLUGIN_CONFIGURATION is not valid JSON.',
        'Check the plugin block in pipeline.yml.',
      );
    }
    if (parsed === null) return new Map();
    if (typeof parsed !== 'object' || Array.isArray(parsed))
      throw new UserError(
        `The ${name} plugin configuration must be a map of options.`,
        'See the plugin README.',
      );
    return new Map(Object.entries(parsed as Record<string, Json>));
  }
  const prefix = `BUILDKITE_PLUGIN_${envKey(name)}_`;
  const config = new Map<string, Json>();
  for (const option of ['command', ...Object.keys(schema)]) {
    const key = prefix + envKey(option);
    const scalar = env[key];
    // The variables lost the JSON types: true/false of a boolean option were booleans.
    if (scalar !== undefined)
      config.set(
        option,
        schema[option]?.kind === 'boolean' && /^(true|false)$/.test(scalar) ? scalar === 'true' : scalar,
      );
    const items: string[] = [];
    for (let i = 0; env[`${key}_${i}`] !== undefined; i++) items.push(env[`${key}_${i}`] ?? '');
    if (items.length) config.set(option, items);
    // Only a map (`_<KEY>` variables) is left: no option takes one, and it must not pass unnoticed.
    else if (scalar === undefined && Object.keys(env).some((k) => k.startsWith(`${key}_`)))
      config.set(option, {});
  }
  if (config.size === 0 && !Object.keys(env).some((k) => k.startsWith(prefix))) {
    const dropped = droppedConfiguration(env, name);
    if (dropped) throw dropped;
  }
  return config;
}

const WHOLE_NUMBER = /^[1-9][0-9]*$/;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * One option's value as core input, or an InputError: the same rules plugin.yml states (a test
 * holds them to each other), so the agent's `--plugin-validation` and the plugin agree.
 */
export function optionValue(name: string, spec: InputSpec, value: Json): RawInput {
  // A secret option's value stays out of the message, whatever its shape: the agent does not
  // redact annotations, and the value has not been masked yet.
  const refuse = (accepted: string): never => {
    throw new InputError(name, describe(value), accepted, spec.secret);
  };
  if (name === 'token') {
    return typeof value === 'string' && VARIABLE_NAME.test(value)
      ? value
      : refuse('the name of an environment variable (such as DEPOT_TOKEN)');
  }
  switch (spec.kind) {
    case 'boolean':
      return typeof value === 'boolean' ? String(value) : refuse('true or false (unquoted)');
    case 'list':
      if (typeof value === 'string') return value;
      if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
      return refuse('a string or a list of strings');
    case 'text':
      if (spec.integer) {
        if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return String(value);
        return typeof value === 'string' && WHOLE_NUMBER.test(value)
          ? value
          : refuse('a whole number greater than 0');
      }
      if (spec.values) {
        const known = (v: string): boolean =>
          spec.values?.includes(spec.ignoreCase ? v.toLowerCase() : v) ?? false;
        return typeof value === 'string' && known(value)
          ? value
          : refuse(`one of ${spec.values.join(', ')}${spec.ignoreCase ? ' (any case)' : ''}`);
      }
      if (typeof value === 'string') return value;
      if (spec.booleanText && typeof value === 'boolean') return String(value);
      // YAML has already turned 1.10 into 1.1, 010 into 8 or 10 (by YAML version) and rounded long
      // numbers, so a number cannot be passed on as it was written: it must be quoted.
      return refuse(`a string${spec.booleanText ? ', true or false' : ''} (quote a number, such as "1.10")`);
  }
}
