import { nonEmpty, objectAt, readMetadataFile } from './outputs';

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
  const file = readMetadataFile(metadataFile);
  const metadata = file?.json;
  const build = objectAt(metadata, 'depot.build');
  const targets: Record<string, BakeTargetResult> = {};
  for (const name of Object.keys(metadata ?? {})) {
    const target = NOT_TARGETS.has(name) ? undefined : objectAt(metadata, name);
    if (!target) continue;
    targets[name] = {
      digest: nonEmpty(target['containerimage.digest']),
      imageName: nonEmpty(target['image.name']),
      buildID: nonEmpty(objectAt(target, 'depot.build')?.buildID) ?? nonEmpty(build?.buildID),
    };
  }
  return {
    targets,
    outputs: {
      // The CLI's own text, byte for byte, as depot/bake-action outputs it.
      metadata: file?.text,
      targets: metadata ? JSON.stringify(targets) : undefined,
      'build-id': nonEmpty(build?.buildID),
      'project-id': nonEmpty(build?.projectID),
      'build-url': buildUrl,
    },
  };
}
