import type { JWTPayload } from 'jose';

/**
 * Reading (never verifying) JWT claims, to warn about an expired DEPOT_TOKEN and to show which
 * identity Depot refused. jose is loaded on first use: a step given a plain project token never
 * pays for it.
 */

/** The audience every CI identity token is requested for, as Depot and the depot CLI expect. */
export const DEPOT_AUDIENCE = 'https://depot.dev';

/** Three base64url segments, the first a JSON header: worth decoding. Project tokens are not JWTs. */
export const looksLikeJwt = (token: string): boolean => /^eyJ[\w-]*\.[\w-]+\.[\w-]*$/.test(token.trim());

/** The token's claims, or undefined when it is not a readable JWT. */
export async function readClaims(token: string): Promise<JWTPayload | undefined> {
  if (!looksLikeJwt(token)) return undefined;
  const { decodeJwt } = await import('jose/jwt/decode');
  try {
    return decodeJwt(token.trim());
  } catch {
    return undefined; // not a JWT after all: the caller treats it as an opaque token
  }
}

/** When the claims say the token stops being valid, if they say. */
export const expiresAt = (claims: JWTPayload | undefined): Date | undefined =>
  typeof claims?.exp === 'number' ? new Date(claims.exp * 1000) : undefined;

/**
 * The claims a trust relationship is matched on, as `name=value` pairs for an error message.
 * None of them is secret; the token itself never appears.
 */
export function describeClaims(claims: JWTPayload | undefined, names: readonly string[]): string {
  if (!claims) return 'the token could not be decoded';
  return names
    .map((name) => {
      const value = claims[name];
      const text = Array.isArray(value) ? value.join(',') : value === undefined ? '(none)' : String(value);
      return `${name}=${text}`;
    })
    .join(', ');
}
