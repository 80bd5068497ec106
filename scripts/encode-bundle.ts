import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';

/**
 * A bundle directory (`dist/<entry>/`: index.js, the chunks it loads lazily, package.json) as
 * one brotli+base64 string of a JSON map from file name to text, for the CI configurations that
 * carry their entry point inline (the orb, the GitLab component); the node they already require
 * writes the files back (each one's run.sh). The same files always give the same text. Brotli
 * rather than gzip: about an eighth smaller here. Fails past `budget` characters: Linux refuses
 * an environment string over 128 KiB.
 */
export function encodeBundle(dir: string, what: string, budget: number): string {
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
