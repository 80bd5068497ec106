/**
 * A local OIDC issuer for credential tests: signs RS256 JWTs with jose, publishes its keys, and
 * stands in for the two token services a job asks for an ID token:
 *
 *  - GitHub's: `GET /github/token?api-version=2.0&audience=A` with `Authorization: bearer <request
 *    token>` → `{value: <jwt>}` (what the runner exposes as ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN);
 *  - the Buildkite agent API: `POST /buildkite/v3/jobs/<job>/oidc/tokens` `{audience}` with
 *    `Authorization: Token <agent access token>` → `{token: <jwt>}`.
 *
 * Discovery at `/.well-known/openid-configuration`, keys at `/.well-known/jwks`. Every JWT it hands
 * out is remembered in `issued`, so tests can check none of them leaked.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, refused, type Listening } from './behind-proxy';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

export interface RecordedIssuerRequest {
  method: string;
  path: string;
  /** The Authorization header as sent (a test secret; kept in memory only). */
  authorization: string | undefined;
  body: unknown;
}

export interface OidcIssuerOptions {
  /** Claims of GitHub ID tokens (merged over defaults for depot-test/example on main). */
  githubClaims?: JWTPayload;
  /** Claims of Buildkite tokens (merged over defaults). */
  buildkiteClaims?: JWTPayload;
  /** Listen where only the proxy reaches it (the JWKS stays reachable for the Depot double). */
  behindProxy?: string;
}

export interface OidcIssuer extends Listening {
  /** Base URL, which is also the `iss` of every token. */
  url: string;
  jwksUrl: string;
  /** ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN for a job allowed to request ID tokens. */
  githubEnv: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
  /** BUILDKITE_AGENT_ENDPOINT, BUILDKITE_AGENT_ACCESS_TOKEN and BUILDKITE_JOB_ID of a running job. */
  buildkiteEnv: {
    BUILDKITE_AGENT_ENDPOINT: string;
    BUILDKITE_AGENT_ACCESS_TOKEN: string;
    BUILDKITE_JOB_ID: string;
  };
  /** Signs a JWT with this issuer's key: `iss`, `iat`, `exp` (+5 min) and `jti` unless given. */
  sign(claims: JWTPayload): Promise<string>;
  /** Every JWT handed out or signed, in order. */
  issued: string[];
  requests: RecordedIssuerRequest[];
  close(): Promise<void>;
}

/** Starts an issuer on 127.0.0.1 with a fresh RSA key and fresh request/agent tokens. */
export async function startOidcIssuer(options: OidcIssuerOptions = {}): Promise<OidcIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const requestToken = `gh-request-${randomBytes(12).toString('hex')}`;
  const agentToken = `bkagent-${randomBytes(12).toString('hex')}`;
  const jobId = randomUUID();
  const issued: string[] = [];
  const requests: RecordedIssuerRequest[] = [];
  let url = '';

  const sign = async (claims: JWTPayload): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({ iss: url, iat: now, exp: now + 300, jti: randomUUID(), ...claims })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .sign(privateKey);
    issued.push(jwt);
    return jwt;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> => {
    const path = new URL(req.url ?? '/', url);
    if (req.method === 'GET' && path.pathname === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer: url,
        jwks_uri: `${url}/.well-known/jwks`,
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (req.method === 'GET' && path.pathname === '/.well-known/jwks') return json(res, 200, { keys: [jwk] });
    if (req.method === 'GET' && path.pathname === '/github/token') {
      if (req.headers.authorization?.replace(/^bearer /i, 'bearer ') !== `bearer ${requestToken}`) {
        return json(res, 401, { message: 'bad request token' });
      }
      const audience = path.searchParams.get('audience');
      if (!audience) return json(res, 400, { message: 'audience is required' });
      const value = await sign({
        sub: 'repo:depot-test/example:ref:refs/heads/main',
        repository: 'depot-test/example',
        repository_owner: 'depot-test',
        ref: 'refs/heads/main',
        event_name: 'push',
        aud: audience,
        ...options.githubClaims,
      });
      return json(res, 200, { count: 1, value });
    }
    const buildkite = /^\/buildkite\/v3\/jobs\/([^/]+)\/oidc\/tokens$/.exec(path.pathname);
    if (req.method === 'POST' && buildkite) {
      if (req.headers.authorization !== `Token ${agentToken}`)
        return json(res, 401, { message: 'Unauthorized' });
      if (decodeURIComponent(buildkite[1] ?? '') !== jobId)
        return json(res, 404, { message: 'No job found' });
      const audience = isRecord(body) && typeof body.audience === 'string' ? body.audience : url;
      const token = await sign({
        sub: `organization:acme:pipeline:widgets:ref:refs/heads/main:commit:abc123:step:build`,
        organization_slug: 'acme',
        pipeline_slug: 'widgets',
        job_id: jobId,
        aud: audience,
        ...options.buildkiteClaims,
      });
      return json(res, 200, { token });
    }
    return json(res, 404, { message: 'not found' });
  };

  const server = createServer((req, res) => {
    if (refused(req)) return;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? safeJson(text) : undefined;
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body,
      });
      handle(req, res, body).catch((error: unknown) => json(res, 500, { message: String(error) }));
    });
  });
  const listening = await listen(server, options.behindProxy, ['/.well-known/']);
  url = listening.url;

  return {
    url,
    port: listening.port,
    ...(listening.host ? { host: listening.host } : {}),
    jwksUrl: `${listening.directUrl ?? url}/.well-known/jwks`,
    githubEnv: {
      ACTIONS_ID_TOKEN_REQUEST_URL: `${url}/github/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    },
    buildkiteEnv: {
      BUILDKITE_AGENT_ENDPOINT: `${url}/buildkite/v3`,
      BUILDKITE_AGENT_ACCESS_TOKEN: agentToken,
      BUILDKITE_JOB_ID: jobId,
    },
    sign,
    issued,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
