import { readFileSync } from 'node:fs';
import type { ExpectedOutputs } from '../plan/invocation';

/** The outputs of a build step, as the peers set them, plus the Depot build link. */
export interface BuildOutputs {
  imageid?: string;
  digest?: string;
  metadata?: string;
  'build-id'?: string;
  'project-id'?: string;
  'build-url'?: string;
}

function readTrimmed(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined; // the engine writes these only for builds that produced something
  }
}

/** A JSON object, as the metadata file holds. */
export type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The object at `key` of a metadata object (e.g. `depot.build`), or undefined. */
export const objectAt = (value: Json | undefined, key: string): Json | undefined =>
  isObject(value?.[key]) ? (value[key] as Json) : undefined;

/** A non-empty string, or undefined: metadata fields the engine may leave empty or out. */
export const nonEmpty = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : undefined;

/** The metadata file as the engine wrote it, and parsed. */
export interface MetadataFile {
  /** The file's text, byte for byte (Go's encoder: `&` as `\u0026`, its own indentation). */
  text: string;
  json: Json;
}

/**
 * Reads the metadata file; `null` or unreadable JSON counts as no metadata, as in the peers.
 * The text is kept as written: depot's actions output it unchanged, and a consumer that compares
 * or hashes it must see the CLI's bytes, not a re-serialisation.
 */
export function readMetadataFile(path: string): MetadataFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined; // the engine writes it only for builds that produced something
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? { text, json: parsed } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the files the engine wrote into outputs: imageid from the iidfile; digest, build-id and
 * project-id from the metadata (`containerimage.digest`, `depot.build`); metadata as the file's
 * own text, as depot/build-push-action does.
 */
export function readBuildOutputs(files: ExpectedOutputs, buildUrl?: string): BuildOutputs {
  const file = readMetadataFile(files.metadataFile);
  const metadata = file?.json;
  const depot = objectAt(metadata, 'depot.build');
  return {
    imageid: readTrimmed(files.iidFile),
    digest: nonEmpty(metadata?.['containerimage.digest']),
    metadata: file?.text,
    'build-id': nonEmpty(depot?.buildID),
    'project-id': nonEmpty(depot?.projectID),
    'build-url': buildUrl,
  };
}
