/**
 * A local double of the Depot API for tests that run the real depot CLI.
 *
 * The CLI (v2.102.12) reads DEPOT_API_URL and, for an http:// URL, speaks Connect over HTTP/2 cleartext with
 * prior knowledge, so this is a bare `http2.createServer()`. It records every request and, by default,
 * answers each one with a Connect error, which makes the CLI stop right after sending what we want to see.
 *
 * What `depot build --project P --platform linux/amd64,linux/arm64 -t A -t B --push DIR` sends, found by
 * running the binary against this double (throwaway HOME, DEPOT_TOKEN set, stdout/stderr not a TTY):
 *
 *  1. `/depot.cli.v1.BuildService/CreateBuild`: unary, `application/proto`, `authorization: Bearer
 *     $DEPOT_TOKEN`, `accept-encoding: gzip`, body uncompressed. Nothing comes before it: no project
 *     lookup, token check or update check (without --project/DEPOT_PROJECT_ID/depot.json it is sent with
 *     no project_id). If it fails, whatever the code (no retries), the CLI prints the single stderr line
 *     `<code>: <message>`, exits 1 and sends nothing else. Target platforms are not in this request.
 *  If a handler makes CreateBuild succeed ({1: build_id, 2: build_token}), every later call carries
 *  `authorization: Bearer <build_token>`:
 *  2. Per platform, concurrently and in no fixed order: `GetBuildKitConnection` {1: build_id, 2: platform}
 *     and `ReportBuildHealth` {1: build_id, 2: platform} (connect-timeout-ms 29999), where platform is the
 *     BuilderPlatform enum (1 = amd64, 2 = arm64). A failed GetBuildKitConnection is retried once.
 *  3. `ReportStatusStream`, one per platform: client streaming, `application/connect+proto`, 5-byte
 *     envelopes of progress vertices ("[depot] launching amd64 machine", ...), connect-timeout-ms 4999.
 *  4. `FinishBuild` {1: build_id, 3: BuildError {1: "<code>: <message>"}}, then exit 1.
 *
 * With no TTY the CLI contacts nothing but DEPOT_API_URL (checked with strace), but tests should still set
 * DEPOT_NO_UPDATE_NOTIFIER=1 (update check, TTY only), DEPOT_ERROR_TELEMETRY=0 (Sentry),
 * DEPOT_DISABLE_OTEL=1 (OpenTelemetry) and DEPOT_NO_SUMMARY_LINK=1 (drops the "[depot] build: <url>" step
 * and the colored "Build Summary" line). It also probes the Docker socket and writes ~/.docker/buildx, so
 * give it a throwaway HOME, DOCKER_CONFIG and a DOCKER_HOST that points nowhere.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { encodeMessage, tryDecodeMessage, type EncodeField, type ProtoMessage } from './protobuf';

/** The Connect error codes (https://connectrpc.com/docs/protocol#error-codes). */
export type ConnectCode =
  | 'canceled'
  | 'unknown'
  | 'invalid_argument'
  | 'deadline_exceeded'
  | 'not_found'
  | 'already_exists'
  | 'permission_denied'
  | 'resource_exhausted'
  | 'failed_precondition'
  | 'aborted'
  | 'out_of_range'
  | 'unimplemented'
  | 'internal'
  | 'unavailable'
  | 'data_loss'
  | 'unauthenticated';

/** HTTP status for a unary Connect error, per the protocol's table; clients cross-check it with the code. */
export const CONNECT_HTTP_STATUS: Readonly<Record<ConnectCode, number>> = {
  canceled: 499,
  unknown: 500,
  invalid_argument: 400,
  deadline_exceeded: 504,
  not_found: 404,
  already_exists: 409,
  permission_denied: 403,
  resource_exhausted: 429,
  failed_precondition: 400,
  aborted: 409,
  out_of_range: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  data_loss: 500,
  unauthenticated: 401,
};

export interface ConnectErrorReply {
  readonly code: ConnectCode;
  readonly message: string;
}

/** A successful reply: raw protobuf bytes, or fields for `encodeMessage`. */
export interface ConnectMessageReply {
  readonly message: Uint8Array | readonly EncodeField[];
}

export type DepotApiReply = { readonly error: ConnectErrorReply } | ConnectMessageReply;

export interface RecordedRequest {
  /** e.g. `/depot.cli.v1.BuildService/CreateBuild`. */
  readonly path: string;
  /** The RPC method name, the last path segment, e.g. `CreateBuild`. */
  readonly method: string;
  /** Lower-cased header names (HTTP/2 pseudo-headers included); repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** True for Connect streaming (`application/connect+*`, enveloped); false for unary. */
  readonly streaming: boolean;
  /** The body exactly as received (still enveloped and compressed, if it was). */
  readonly rawBody: Buffer;
  /** Each message payload, de-enveloped and decompressed. Unary requests have exactly one. */
  readonly payloads: readonly Buffer[];
  /** Each payload decoded as protobuf; undefined where it is not protobuf (e.g. `application/json`). */
  readonly messages: readonly (ProtoMessage | undefined)[];
  /** The first decoded message: the whole request for unary RPCs. */
  readonly body: ProtoMessage | undefined;
  /** Set when the framing or compression could not be undone; `payloads` then holds what could be. */
  readonly bodyError: string | undefined;
}

/** Answers one RPC. Runs after the request is recorded, so it can look at earlier requests too. */
export type DepotApiHandler = (request: RecordedRequest) => DepotApiReply | Promise<DepotApiReply>;

export interface DepotApiOptions {
  /** The error for every RPC without a handler. Default: permission_denied "project not found". */
  readonly error?: ConnectErrorReply;
  /** Handlers keyed by full path (`/depot.cli.v1.BuildService/CreateBuild`) or bare method name. */
  readonly handlers?: Readonly<Record<string, DepotApiHandler>>;
}

export interface DepotApi {
  /** `http://127.0.0.1:<port>`, for DEPOT_API_URL. */
  readonly url: string;
  /** Every request in arrival order (a request is added once its body has been fully read). */
  readonly requests: RecordedRequest[];
  /** The recorded requests whose method name (or full path) is `method`. */
  requestsTo(method: string): RecordedRequest[];
  /** Stops listening and drops open connections, so a test never leaks a server or a session. */
  close(): Promise<void>;
}

/**
 * The env that points the real depot CLI at a double and keeps it on loopback and quiet: no
 * update check, no error telemetry, no tracing, no colour codes in its messages.
 */
export const realCliEnv = (apiUrl: string): Record<string, string> => ({
  DEPOT_API_URL: apiUrl,
  DEPOT_NO_UPDATE_NOTIFIER: '1',
  DEPOT_ERROR_TELEMETRY: '0',
  DEPOT_DISABLE_OTEL: '1',
  NO_COLOR: '1',
});

export const DEFAULT_DEPOT_API_ERROR: ConnectErrorReply = {
  code: 'permission_denied',
  message: 'project not found',
};

const FLAG_COMPRESSED = 0x01;
const FLAG_END_STREAM = 0x02;

function flattenHeaders(headers: http2.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

function decompress(encoding: string | undefined, data: Buffer): Buffer {
  if (encoding === undefined || encoding === '' || encoding === 'identity') return data;
  if (encoding === 'gzip') return gunzipSync(data);
  throw new Error(`unsupported encoding ${encoding}`);
}

/** Undoes unary compression or streaming envelopes; never throws, so a bad body is still recorded. */
function unpackBody(
  streaming: boolean,
  headers: Record<string, string>,
  raw: Buffer,
): { payloads: Buffer[]; error: string | undefined } {
  const payloads: Buffer[] = [];
  try {
    if (!streaming) {
      payloads.push(decompress(headers['content-encoding'], raw));
      return { payloads, error: undefined };
    }
    let offset = 0;
    while (offset < raw.length) {
      if (raw.length - offset < 5) throw new Error('truncated envelope header');
      const flags = raw[offset];
      const length = raw.readUInt32BE(offset + 1);
      if (raw.length - offset - 5 < length) throw new Error('truncated envelope');
      const data = raw.subarray(offset + 5, offset + 5 + length);
      offset += 5 + length;
      payloads.push(flags & FLAG_COMPRESSED ? decompress(headers['connect-content-encoding'], data) : data);
    }
    return { payloads, error: undefined };
  } catch (error) {
    return { payloads, error: error instanceof Error ? error.message : String(error) };
  }
}

function envelope(flags: number, data: Uint8Array): Buffer {
  const header = Buffer.alloc(5);
  header[0] = flags;
  header.writeUInt32BE(data.length, 1);
  return Buffer.concat([header, data]);
}

function sendReply(stream: http2.ServerHttp2Stream, request: RecordedRequest, reply: DepotApiReply): void {
  if (stream.destroyed || stream.closed) return;
  const contentType = request.headers['content-type'] ?? '';
  if (request.streaming) {
    // Streaming responses are always 200; success or failure travels in the end-of-stream envelope.
    stream.respond({ ':status': 200, 'content-type': contentType || 'application/connect+proto' });
    const end = 'error' in reply ? { error: reply.error } : {};
    const parts: Buffer[] = [];
    if ('message' in reply) parts.push(envelope(0, toBytes(reply.message)));
    parts.push(envelope(FLAG_END_STREAM, Buffer.from(JSON.stringify(end))));
    stream.end(Buffer.concat(parts));
    return;
  }
  if ('error' in reply) {
    stream.respond({ ':status': CONNECT_HTTP_STATUS[reply.error.code], 'content-type': 'application/json' });
    stream.end(JSON.stringify(reply.error));
    return;
  }
  stream.respond({ ':status': 200, 'content-type': contentType || 'application/proto' });
  stream.end(Buffer.from(toBytes(reply.message)));
}

function toBytes(message: Uint8Array | readonly EncodeField[]): Uint8Array {
  return message instanceof Uint8Array ? message : encodeMessage(message);
}

/** Starts the double on 127.0.0.1 with an ephemeral port. */
export async function startDepotApi(options: DepotApiOptions = {}): Promise<DepotApi> {
  const defaultError = options.error ?? DEFAULT_DEPOT_API_ERROR;
  const handlers = options.handlers ?? {};
  const requests: RecordedRequest[] = [];
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createServer();

  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    // The CLI exits mid-connection by design; a reset session is not a test failure.
    session.on('error', () => undefined);
  });

  server.on('stream', (stream, rawHeaders) => {
    stream.on('error', () => undefined);
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const headers = flattenHeaders(rawHeaders);
      const path = headers[':path'] ?? '';
      const method = path.slice(path.lastIndexOf('/') + 1);
      const streaming = (headers['content-type'] ?? '').startsWith('application/connect+');
      const rawBody = Buffer.concat(chunks);
      const { payloads, error } = unpackBody(streaming, headers, rawBody);
      const isProto = /^application\/(connect\+)?proto\b/.test(headers['content-type'] ?? '');
      const messages = payloads.map((p) => (isProto ? tryDecodeMessage(p) : undefined));
      const request: RecordedRequest = {
        path,
        method,
        headers,
        streaming,
        rawBody,
        payloads,
        messages,
        body: messages[0],
        bodyError: error,
      };
      requests.push(request);

      const handler = handlers[path] ?? handlers[method];
      Promise.resolve()
        .then(() => (handler ? handler(request) : { error: defaultError }))
        .catch((thrown: unknown): DepotApiReply => {
          const message = thrown instanceof Error ? thrown.message : String(thrown);
          return { error: { code: 'internal', message: `depot API double handler failed: ${message}` } };
        })
        .then((reply) => sendReply(stream, request, reply))
        .catch(() => stream.destroy());
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    requestsTo: (method) => requests.filter((r) => r.method === method || r.path === method),
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}
