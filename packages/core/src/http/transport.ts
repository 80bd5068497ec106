// The seam between this project and the network: one function that sends a request and hands back
// the status, headers and a body stream. The real one is @actions/http-client, which honours the
// runner's https_proxy / http_proxy / no_proxy (either case), as Node's own fetch does not; it is
// imported on the first request only, so a step that needs no network never loads it. Tests pass
// their own transport.

/** One request as the transport sees it: no retries, no credentials in the URL. */
export interface TransportRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** A proxy chosen by configuration other than the environment (npm's `https-proxy`). */
  proxy?: string;
  /** How long the socket may stay silent (before the headers, this is what notices a silent server). */
  idleTimeoutMs: number;
}

/** An answer whose headers arrived; the body is still to be read. */
export interface TransportResponse {
  status: number;
  headers: Readonly<Record<string, string | undefined>>;
  body: AsyncIterable<Buffer>;
  /** Stops reading and frees the connection; the body iterator then fails with `reason`. */
  cancel(reason: Error): void;
}

/** Sends one request; rejects when no answer arrives (refused, reset, DNS, idle timeout). */
export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

let loaded: Promise<Transport> | undefined;

/** The transport on @actions/http-client, loaded on first use. */
export function httpClientTransport(): Promise<Transport> {
  loaded ??= load();
  return loaded;
}

async function load(): Promise<Transport> {
  const { HttpClient } = await import('@actions/http-client');
  const tunnelModule = (await import('tunnel')) as Tunnel & { default?: Tunnel };
  const tunnel = tunnelModule.default ?? tunnelModule;
  return async (request) => {
    const handlers = request.proxy ? [explicitProxy(tunnel, request.url, request.proxy)] : [];
    const client = new HttpClient('depot-actions', handlers, {
      socketTimeout: request.idleTimeoutMs,
      // Retries, redirects' credentials and timeouts are this project's policy (policy.ts).
      allowRetries: false,
      keepAlive: false,
    });
    const response = await client.request(request.method, request.url, request.body ?? null, request.headers);
    const { message } = response;
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(message.headers))
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    return {
      status: message.statusCode ?? 0,
      headers,
      body: message,
      cancel: (reason) => message.destroy(reason),
    };
  };
}

type Tunnel = typeof import('tunnel');

/**
 * Routes one request through a proxy given by configuration rather than the environment, with the
 * same tunnelling agent the client uses for environment proxies (CONNECT, also for http:// targets).
 */
function explicitProxy(tunnel: Tunnel, target: string, proxy: string) {
  const p = new URL(/^[a-z]+:\/\//i.test(proxy) ? proxy : `http://${proxy}`);
  const options = {
    proxy: {
      host: p.hostname,
      port: Number(p.port || (p.protocol === 'https:' ? 443 : 80)),
      ...(p.username || p.password
        ? { proxyAuth: `${decodeURIComponent(p.username)}:${decodeURIComponent(p.password)}` }
        : {}),
    },
  };
  const https = new URL(target).protocol === 'https:';
  const viaTls = p.protocol === 'https:';
  const agent = https
    ? viaTls
      ? tunnel.httpsOverHttps(options)
      : tunnel.httpsOverHttp(options)
    : viaTls
      ? tunnel.httpOverHttps(options)
      : tunnel.httpOverHttp(options);
  return {
    prepareRequest: (options: { agent?: unknown }) => {
      options.agent = agent;
    },
    canHandleAuthentication: () => false,
    handleAuthentication: () => Promise.reject(new Error('not supported')),
  };
}
