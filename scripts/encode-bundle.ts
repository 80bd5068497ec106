import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';

/**
 * The most an inlined bundle may take. It travels in one environment variable (the orb's
 * DEPOT_ORB_ENTRY, the component's DEPOT_COMPONENT_ENTRY): Linux refuses a single environment
 * string over 128 KiB (MAX_ARG_STRLEN), so stay well below it.
 */
export const INLINE_BUNDLE_BUDGET = 100 * 1024;

/**
 * A bundle directory (`dist/<entry>/`: index.js, the chunks it loads lazily, package.json) as
 * one brotli+base64 string of a JSON map from file name to text, for the CI configurations that
 * carry their entry point inline (the orb, the GitLab component); the node they already require
 * writes the files back (each one's run.sh). The same files always give the same text. Brotli
 * rather than gzip: about an eighth smaller here. Fails past INLINE_BUNDLE_BUDGET characters.
 */
export function encodeBundle(dir: string, what: string): string {
  const budget = INLINE_BUNDLE_BUDGET;
  const files = Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => [name, readFileSync(join(dir, name), 'utf8')]),
  );
  const json = Buffer.from(JSON.stringify(files));
  const encoded = brotliCompressSync(json, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: json.length },
  }).toString('base64');
  if (encoded.length > budget)
    throw new Error(`the encoded ${what} bundle is ${encoded.length} bytes, over the ${budget}-byte budget`);
  return encoded;
}
