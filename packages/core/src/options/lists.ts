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
  csvParse ??= (await import(/* webpackMode: "eager" */ 'csv-parse/sync')).parse;
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
  const items: string[] = [];
  for (const fields of records(raw, style.quote !== false)) {
    if (fields.length === 1 && style.comma) items.push(...fields[0].split(','));
    else if (style.comma) items.push(...fields);
    else items.push(fields.join(','));
  }
  const trim = style.trim !== false;
  return items.map((item) => (trim ? item.trim() : item)).filter((item) => item.trim() !== '');
}
