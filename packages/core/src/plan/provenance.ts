import { csvField, csvKeyValues } from '../options/lists';
import { isBooleanText } from '../options/values';

/** The facts the provenance default depends on. */
export interface ProvenanceFacts {
  /** The `provenance` input as written. */
  input: string;
  attests: string[];
  /** A `load` or `type=docker` output: the docker exporter cannot carry attestations. */
  dockerExporter: boolean;
  repositoryPrivate?: boolean;
  runUrl?: string;
  /** BUILDX_NO_DEFAULT_ATTESTATIONS is set. */
  noDefault: boolean;
}

/**
 * The `--provenance` value, or undefined for none, following the peers: `true` becomes the run's
 * builder-id, attributes get one appended; with no input and an exporter that can carry it,
 * private repositories get `mode=min,inline-only=true` and public ones `mode=max`.
 */
export function resolveProvenance(facts: ProvenanceFacts): string | undefined {
  const builderId = facts.runUrl ? csvField(`builder-id=${facts.runUrl}`) : '';
  const withBuilderId = (attrs: string): string =>
    !builderId || csvKeyValues(attrs).some((f) => f.key === 'builder-id') ? attrs : `${attrs},${builderId}`;
  const input = facts.input.trim();
  if (input !== '') {
    if (isBooleanText(input)) return /^true$/i.test(input) ? builderId || 'true' : 'false';
    return withBuilderId(input);
  }
  if (facts.noDefault || facts.dockerExporter) return undefined;
  if (facts.attests.some((a) => /(^|,)type=provenance(,|$)/.test(a))) return undefined;
  // Unknown visibility gets the private default: it never publishes more than the user chose.
  return withBuilderId(facts.repositoryPrivate === false ? 'mode=max' : 'mode=min,inline-only=true');
}

/**
 * The exporter type of one `outputs` item, read as buildx reads it: a CSV record of key=value
 * fields (quotes and spaces allowed), or a bare path, which is a local export (`-`: a tarball).
 */
export function exporterType(output: string): string {
  const fields = csvKeyValues(output);
  if (fields.length === 1 && fields[0].value === undefined) return fields[0].key === '-' ? 'tar' : 'local';
  return fields.find((f) => f.key === 'type')?.value ?? '';
}

/** True when an output (or `load`) uses the docker exporter. */
export function hasDockerExporter(outputs: string[], load: boolean): boolean {
  return load || outputs.some((o) => exporterType(o) === 'docker');
}

/** True when an output exports files rather than an image: the engine then writes no image ID. */
export function hasLocalOrTarExporter(outputs: string[]): boolean {
  return outputs.some((o) => ['local', 'tar'].includes(exporterType(o)));
}
