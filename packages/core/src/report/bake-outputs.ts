import { readMetadata } from './outputs';

/** What one bake target produced, for the `targets` output (docker/bake-action#279). */
export interface BakeTargetResult {
  digest?: string;
  imageName?: string;
  buildID?: string;
}

export interface BakeOutputs {
  metadata?: string;
  targets?: string;
  'build-id'?: string;
  'project-id'?: string;
  'build-url'?: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Metadata keys that are not targets: Depot's build record and buildx's warnings. */
const NOT_TARGETS = new Set(['depot.build', 'buildx.build.warnings']);

/**
 * Reads bake's metadata file (a map keyed by target) into outputs, with `targets` mapping each
 * target to its digest, image name and Depot build ID (a target's own depot.build when its
 * project has its own build, else the step's).
 */
export function readBakeOutputs(
  metadataFile: string,
  buildUrl?: string,
): {
  outputs: BakeOutputs;
  targets: Record<string, BakeTargetResult>;
} {
  const metadata = readMetadata(metadataFile);
  const build = isObject(metadata?.['depot.build']) ? (metadata['depot.build'] as Json) : undefined;
  const targets: Record<string, BakeTargetResult> = {};
  for (const [name, value] of Object.entries(metadata ?? {})) {
    if (NOT_TARGETS.has(name) || !isObject(value)) continue;
    const own = isObject(value['depot.build']) ? (value['depot.build'] as Json) : undefined;
    targets[name] = {
      digest: str(value['containerimage.digest']),
      imageName: str(value['image.name']),
      buildID: str(own?.buildID) ?? str(build?.buildID),
    };
  }
  return {
    targets,
    outputs: {
      metadata: metadata ? JSON.stringify(metadata, null, 2) : undefined,
      targets: metadata ? JSON.stringify(targets) : undefined,
      'build-id': str(build?.buildID),
      'project-id': str(build?.projectID),
      'build-url': buildUrl,
    },
  };
}
