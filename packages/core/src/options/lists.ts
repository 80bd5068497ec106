import type { parse as CsvParse } from 'csv-parse/sync';

/** How one list input is split, mirroring docker/actions-toolkit's Util.getInputList options. */
export interface ListStyle {
  /** Split single-field lines on commas too (tags, platforms, ...). Newlines always separate. */
  comma: boolean;
  /** Honour "..." quoting; off for values buildx parses itself (outputs, set, vars). */
  quote?: boolean;
  /** Trim items; off for secrets, where a trailing newline can be part of the value (docker#1242). */
  trim?: boolean;
}

let csvParse: typeof CsvParse | undefined;

/**
 * Loads csv-parse, which only quoted input needs. Eager mode keeps it inside the single bundle
 * file, but its module body runs only on first use: most steps never pay for it.
 */
export async function loadListParser(): Promise<void> {
  csvParse ??= (await import('csv-parse/sync')).parse;
}

/** Records (lines) and their fields as csv-parse would produce them for text without quotes. */
function splitUnquoted(raw: string): string[][] {
  return raw
    .split(/\r\n|\n|\r/)
    .filter((line) => line !== '')
    .map((line) => line.split(','));
}

function records(raw: string, quote: boolean): string[][] {
  if (!quote || !raw.includes('"')) return splitUnquoted(raw);
  if (!csvParse) throw new Error('loadListParser() must run before parsing quoted list input');
  return csvParse(raw, {
    columns: false,
    relaxQuotes: true,
    relaxColumnCount: true,
    skipEmptyLines: true,
  }) as string[][];
}

/**
 * Splits a list input the way docker's actions do (csv-parse, as docker/actions-toolkit's
 * Util.getList), so a workflow written for them parses the same: newline always separates; comma
 * only for comma lists; a quoted field may hold commas and newlines; items are trimmed (unless
 * `trim: false`) and empty items dropped.
 */
export function parseList(raw: string, style: ListStyle): string[] {
  if (raw.trim() === '') return [];
  // The whole input is trimmed first, as @actions/core's getInput does for docker's lists, so
  // spaces before a quoted first item do not make its quotes literal. Secrets keep theirs.
  const text = style.trim === false ? raw : raw.trim();
  const items: string[] = [];
  for (const fields of records(text, style.quote !== false)) {
    if (fields.length === 1 && style.comma) items.push(...fields[0].split(','));
    else if (style.comma) items.push(...fields);
    else items.push(fields.join(','));
  }
  const trim = style.trim !== false;
  return items.map((item) => (trim ? item.trim() : item)).filter((item) => item.trim() !== '');
}

/**
 * The fields of one CSV record (`type=local,"dest=a,b"`), as buildx reads an `--output`,
 * `--cache-to` or `--attest` value: quotes group a field, unquoted text splits on commas.
 */
export function csvFields(record: string): string[] {
  if (!record.includes('"')) return record.split(',');
  if (!csvParse) throw new Error('loadListParser() must run before parsing quoted list input');
  const rows = csvParse(record, { columns: false, relaxQuotes: true, relaxColumnCount: true }) as string[][];
  return rows.flat();
}

/** Whether an error is csv-parse's: input it cannot read, such as a quote that is never closed. */
export const isCsvError = (error: unknown): boolean =>
  error instanceof Error && String((error as { code?: unknown }).code).startsWith('CSV_');

/**
 * One field as written into a CSV record that buildx (and depot, and docker) reads: quoted, with
 * quotes doubled, when it holds a comma, a quote or a line break; as it is otherwise.
 */
export const csvField = (field: string): string =>
  /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;

/** The `key=value` fields of one CSV record, keys lower-cased and both sides trimmed, as buildx does. */
export function csvKeyValues(record: string): { key: string; value?: string }[] {
  return csvFields(record).map((field) => {
    const at = field.indexOf('=');
    return at < 0
      ? { key: field.trim().toLowerCase() }
      : { key: field.slice(0, at).trim().toLowerCase(), value: field.slice(at + 1).trim() };
  });
}
