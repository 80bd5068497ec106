import { brotliCompressSync, constants } from 'node:zlib';

/**
 * A bundle as brotli+base64, for the CI configurations that carry their entry point inline (the
 * orb, the GitLab component): the same input always gives the same text. Brotli rather than
 * gzip: about an eighth smaller on these bundles, and the node they already require decodes it.
 * Fails past `budget` characters: Linux refuses an environment string over 128 KiB.
 */
export function encodeBundle(bundle: Buffer, what: string, budget: number): string {
  const encoded = brotliCompressSync(bundle, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bundle.length },
  }).toString('base64');
  if (encoded.length > budget)
    throw new Error(`the encoded ${what} bundle is ${encoded.length} bytes, over the ${budget}-byte budget`);
  return encoded;
}
