/** POSIX single quoting: the value is inert text to any shell that sources it, newlines included. */
export const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * The variable an output is published as outside GitHub: `DEPOT_OUTPUT_` + the name (`build-id` →
 * `DEPOT_OUTPUT_BUILD_ID`). Not `DEPOT_BUILD_ID`: the depot CLI reads DEPOT_BUILD_ID (attach to an
 * existing build), DEPOT_PROJECT_ID and DEPOT_TOKEN, so outputs under those names would make the
 * next `depot build` of the job reuse the finished build.
 */
export const outputVariable = (name: string): string =>
  `DEPOT_OUTPUT_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
