/**
 * A local double of Depot's OIDC endpoints, for credential tests:
 *
 *  - the GitHub exchange, `POST /auth/oidc/github-actions {token}`: verifies the JWT against the
 *    issuer's JWKS (signature, issuer, audience https://depot.dev, expiry) and answers
 *    `{ok: true, token: <fresh Depot token>}`; it can be told to answer 503 for the first N
 *    requests, or to refuse every token with 403 as Depot does when no trust relationship matches;
 *  - the public-fork issuer, `POST /claim` → `{challengeCode, exchangeURL}` and
 *    `POST /exchange/<id>`: 404 for the first K polls, then the JWT as the body (or never).
 *
 * Every token it issues is remembered in `issued`, so tests can check none of them leaked.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { json, type OidcIssuer } from './oidc-issuer';

export const DEPOT_AUDIENCE = 'https://depot.dev';

export interface DepotAuthRequest {
  method: string;
  path: string;
  body: unknown;
  /** HTTP status the double answered. */
  status: number;
  /** For the exchange: claims of the verified token (undefined when it failed verification). */
  claims?: Record<string, unknown>;
}

export interface DepotAuthBehaviour {
  /** Answer 503 to this many exchange requests before behaving normally. */
  failExchange?: number;
  /** Refuse every exchange with 403 (no matching trust relationship). */
  refuseExchange?: boolean;
  /** Answer each exchange only after this many milliseconds, as a distant service would. */
  exchangeDelayMs?: number;
  /** Answer 404 to this many exchange polls before returning the JWT; 'never' for the timeout case. */
  pendingPolls?: number | 'never';
}

export interface DepotAuth {
  url: string;
  issued: string[];
  requests: DepotAuthRequest[];
  /** Challenge codes handed out on /claim, in order. */
  challenges: string[];
  setBehaviour(behaviour: DepotAuthBehaviour): void;
  close(): Promise<void>;
}

interface Claim {
  code: string;
  repo: string;
  polls: number;
  consumed: boolean;
}

/** Starts the double on 127.0.0.1, trusting tokens signed by `issuer`. */
export async function startDepotAuth(
  issuer: OidcIssuer,
  initial: DepotAuthBehaviour = {},
): Promise<DepotAuth> {
  const jwks = createRemoteJWKSet(new URL(issuer.jwksUrl));
  const issued: string[] = [];
  const requests: DepotAuthRequest[] = [];
  const challenges: string[] = [];
  const claims = new Map<string, Claim>();
  let behaviour = { ...initial };
  let exchangeFailures = 0;
  let url = '';

  const exchange = async (body: unknown, record: DepotAuthRequest): Promise<[number, unknown]> => {
    if (behaviour.exchangeDelayMs) await new Promise((r) => setTimeout(r, behaviour.exchangeDelayMs));
    if (exchangeFailures < (behaviour.failExchange ?? 0)) {
      exchangeFailures++;
      return [503, { ok: false, error: 'service unavailable' }];
    }
    const token = isRecord(body) && typeof body.token === 'string' ? body.token : '';
    try {
      const { payload } = await jwtVerify(token, jwks, { issuer: issuer.url, audience: DEPOT_AUDIENCE });
      record.claims = payload as Record<string, unknown>;
    } catch (error) {
      return [401, { ok: false, error: `invalid token: ${(error as Error).message}` }];
    }
    if (behaviour.refuseExchange) {
      return [403, { ok: false, error: 'no trust relationship matches this token' }];
    }
    const depotToken = `depot_org_${randomBytes(16).toString('hex')}`;
    issued.push(depotToken);
    return [200, { ok: true, token: depotToken }];
  };

  const claim = (body: unknown): [number, unknown] => {
    if (
      !isRecord(body) ||
      body.eventName !== 'pull_request' ||
      typeof body.repo !== 'string' ||
      !/^[^/]+\/[^/]+$/.test(body.repo) ||
      typeof body.runID !== 'string' ||
      !/^\d+$/.test(body.runID) ||
      typeof body.attempt !== 'string' ||
      !/^\d+$/.test(body.attempt)
    ) {
      return [400, { error: 'invalid claim' }];
    }
    const id = randomUUID();
    const code = randomUUID();
    claims.set(id, { code, repo: body.repo, polls: 0, consumed: false });
    challenges.push(code);
    return [200, { challengeCode: code, exchangeURL: `${url}/exchange/${id}` }];
  };

  const poll = async (id: string): Promise<[number, unknown, boolean?]> => {
    const entry = claims.get(id);
    if (!entry || entry.consumed) return [404, { error: 'claim not found' }];
    entry.polls++;
    const pending = behaviour.pendingPolls ?? 0;
    if (pending === 'never' || entry.polls <= pending) return [404, { error: 'challenge not found yet' }];
    entry.consumed = true;
    const jwt = await issuer.sign({
      aud: DEPOT_AUDIENCE,
      sub: `repo:${entry.repo}:pull_request`,
      repository: entry.repo,
      event_name: 'pull_request',
    });
    issued.push(jwt);
    return [200, jwt, true];
  };

  const route = async (
    req: IncomingMessage,
    body: unknown,
    record: DepotAuthRequest,
  ): Promise<[number, unknown, boolean?]> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'POST') return [405, { error: 'method not allowed' }];
    if (path === '/auth/oidc/github-actions') return exchange(body, record);
    if (path === '/claim') return claim(body);
    const match = /^\/exchange\/([^/]+)$/.exec(path);
    if (match) return poll(match[1] ?? '');
    return [404, { error: 'not found' }];
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? safeJson(text) : undefined;
      const record: DepotAuthRequest = { method: req.method ?? '', path: req.url ?? '', body, status: 0 };
      requests.push(record);
      route(req, body, record)
        .then(([status, reply, raw]) => {
          record.status = status;
          if (raw) {
            res.writeHead(status, { 'content-type': 'text/plain' });
            res.end(String(reply));
          } else {
            json(res, status, reply);
          }
        })
        .catch((error: unknown) => json(res, 500, { error: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    issued,
    requests,
    challenges,
    setBehaviour: (next) => {
      behaviour = { ...next };
      exchangeFailures = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
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
