import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startDepotApi, type DepotApi } from './depot-api';
import {
  collectStrings,
  encodeMessage,
  fieldMessages,
  fieldStrings,
  fieldVarints,
  type ProtoMessage,
} from './protobuf';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEPOT_BIN = join(REPO_ROOT, 'node_modules', '@depot', 'cli-linux-x64', 'bin', 'depot');
const TOKEN = 'depot-double-test-token';
const PROJECT = 'abc123';
const TAGS = ['registry.example/app:1', 'registry.example/app:latest'];

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI without a shell and with a minimal env, so nothing from the developer's setup leaks in. */
function runDepot(args: readonly string[], env: Readonly<Record<string, string>>): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(DEPOT_BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** The env that keeps the CLI on 127.0.0.1 and out of the real HOME / Docker daemon. */
function cliEnv(home: string, apiUrl: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    DOCKER_CONFIG: join(home, '.docker'),
    DOCKER_HOST: `unix://${join(home, 'no-docker.sock')}`,
    DEPOT_API_URL: apiUrl,
    DEPOT_TOKEN: TOKEN,
    DEPOT_NO_UPDATE_NOTIFIER: '1',
    DEPOT_ERROR_TELEMETRY: '0',
    DEPOT_DISABLE_OTEL: '1',
    DEPOT_NO_SUMMARY_LINK: '1',
    NO_COLOR: '1',
    TERM: 'dumb',
  };
}

function buildArgs(dir: string): string[] {
  return [
    'build',
    '--project',
    PROJECT,
    '--platform',
    'linux/amd64,linux/arm64',
    '--tag',
    TAGS[0],
    '--tag',
    TAGS[1],
    '--push',
    '--metadata-file',
    join(dir, 'm.json'),
    join(dir, 'context'),
  ];
}

/** BuildOutput.attributes (map<string,string>, field 2) as a plain object. */
function attributes(output: ProtoMessage): Record<string, string> {
  return Object.fromEntries(
    fieldMessages(output, [2]).map((entry) => [
      fieldStrings(entry, [1])[0],
      fieldStrings(entry, [2])[0] ?? '',
    ]),
  );
}

describe('Depot API double with the real depot CLI', () => {
  let dir: string;
  let api: DepotApi | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'depot-api-double-'));
    await mkdir(join(dir, 'home'));
    await mkdir(join(dir, 'context'));
    await writeFile(join(dir, 'context', 'Dockerfile'), 'FROM scratch\n');
    api = undefined;
  });

  afterEach(async () => {
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('records CreateBuild with the argv mapped into CreateBuildRequest and surfaces the Connect error', async () => {
    const message = 'project abc123 not found (depot API double)';
    api = await startDepotApi({ error: { code: 'permission_denied', message } });

    const result = await runDepot(buildArgs(dir), cliEnv(join(dir, 'home'), api.url));

    expect(result.code).not.toBe(0);
    // CreateBuild is the first and, once it fails, the only RPC.
    expect(api.requests.map((r) => r.path)).toEqual(['/depot.cli.v1.BuildService/CreateBuild']);
    const [create] = api.requests;
    expect(create.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(create.headers['content-type']).toBe('application/proto');
    expect(create.streaming).toBe(false);
    expect(create.body).toBeDefined();
    const body = create.body as ProtoMessage;

    // CreateBuildRequest: 1 project_id; 2 BuildOptions (repeated; one for build, one per target for bake).
    expect(fieldStrings(body, [1])).toEqual([PROJECT]);
    const options = fieldMessages(body, [2]);
    expect(options).toHaveLength(1);
    // BuildOptions: 1 command (COMMAND_BUILD = 1), 2 tags, 3 outputs, 4 push, 5 load, 8 save.
    expect(fieldVarints(body, [2, 1])).toEqual([1n]);
    expect(fieldStrings(body, [2, 2])).toEqual(TAGS);
    expect(fieldVarints(body, [2, 4])).toEqual([1n]);
    expect(fieldVarints(body, [2, 5])).toEqual([]);
    // BuildOutput: 1 kind, 2 attributes map; --push is the `image` exporter with push=true.
    const outputs = fieldMessages(body, [2, 3]);
    expect(outputs.map((o) => fieldStrings(o, [1])[0])).toEqual(['image']);
    expect(attributes(outputs[0])).toEqual({ push: 'true', 'depot.export.image.version': '2' });
    // Target platforms are not part of CreateBuildRequest; they show up as BuilderPlatform in
    // GetBuildKitConnection once a build exists (next test).
    expect(collectStrings(body).filter((s) => s.startsWith('linux/'))).toEqual([]);

    expect(result.stderr.split('\n')).toContain(`permission_denied: ${message}`);
    expect(result.stdout).toBe('');
  });

  it('shows both platforms in GetBuildKitConnection when CreateBuild succeeds', async () => {
    const buildId = 'build-double-1';
    const buildToken = 'build-token-double-1';
    const message = 'no builder available (depot API double)';
    api = await startDepotApi({
      error: { code: 'failed_precondition', message },
      handlers: {
        // CreateBuildResponse: 1 build_id, 2 build_token, 5 build_url, 6 project_id.
        CreateBuild: () => ({
          message: [
            { field: 1, value: buildId },
            { field: 2, value: buildToken },
            { field: 5, value: 'https://depot.invalid/builds/build-double-1' },
            { field: 6, value: PROJECT },
          ],
        }),
        // Refuse each builder only after a moment: the CLI asks for both platforms at once, and on
        // a busy machine a quick refusal of the first could end it before it asks for the second.
        GetBuildKitConnection: async () => {
          await new Promise((resolve) => setTimeout(resolve, 500));
          return { error: { code: 'failed_precondition', message } };
        },
      },
    });

    const result = await runDepot(buildArgs(dir), cliEnv(join(dir, 'home'), api.url));

    expect(result.code).not.toBe(0);
    expect(api.requests[0].method).toBe('CreateBuild');
    const afterCreate = api.requests.slice(1);
    expect(afterCreate.length).toBeGreaterThan(0);
    for (const request of afterCreate) expect(request.headers.authorization).toBe(`Bearer ${buildToken}`);

    // GetBuildKitConnectionRequest: 1 build_id, 2 BuilderPlatform (1 = amd64, 2 = arm64).
    const connections = api.requestsTo('GetBuildKitConnection');
    expect(connections.length).toBeGreaterThanOrEqual(2);
    const platforms = new Set(connections.map((r) => fieldVarints(r.body as ProtoMessage, [2])[0]));
    expect([...platforms].sort()).toEqual([1n, 2n]);
    // Every build ID sent is this build's, and each platform's request carries it. Under load the
    // CLI may abandon a retried call once the other platform has failed, so not every recorded
    // request is complete.
    for (const r of connections)
      expect(fieldStrings(r.body as ProtoMessage, [1]).filter((id) => id !== buildId)).toEqual([]);
    for (const platform of [1n, 2n]) {
      const carried = connections.filter((r) => fieldVarints(r.body as ProtoMessage, [2])[0] === platform);
      expect(carried.some((r) => fieldStrings(r.body as ProtoMessage, [1]).includes(buildId))).toBe(true);
    }

    // FinishBuildRequest: 1 build_id, 3 BuildError {1 error}.
    const [finish] = api.requestsTo('FinishBuild');
    expect(fieldStrings(finish.body as ProtoMessage, [1])).toEqual([buildId]);
    expect(fieldStrings(finish.body as ProtoMessage, [3, 1])).toEqual([`failed_precondition: ${message}`]);

    // ReportStatusStream is the client-streaming RPC: enveloped application/connect+proto.
    const statuses = api.requestsTo('ReportStatusStream');
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses[0].streaming).toBe(true);
    expect(statuses[0].bodyError).toBeUndefined();
    expect(statuses.flatMap((r) => r.messages.flatMap((m) => (m ? collectStrings(m) : [])))).toEqual(
      expect.arrayContaining([buildId, '[depot] launching amd64 machine', '[depot] launching arm64 machine']),
    );

    expect(result.stderr).toContain(`failed_precondition: ${message}`);
  });
});

describe('Depot API double protocol handling', () => {
  let api: DepotApi;
  let client: http2.ClientHttp2Session;

  beforeEach(async () => {
    api = await startDepotApi({
      handlers: { '/test.v1.Svc/Ok': () => ({ message: [{ field: 1, value: 'pong' }] }) },
    });
    client = http2.connect(api.url);
  });

  afterEach(async () => {
    client.close();
    await api.close();
  });

  function call(
    path: string,
    headers: http2.OutgoingHttpHeaders,
    body: Uint8Array,
  ): Promise<{ status: number; contentType: string; body: Buffer }> {
    return new Promise((resolvePromise, reject) => {
      const req = client.request({ ':method': 'POST', ':path': path, ...headers });
      let status = 0;
      let contentType = '';
      const chunks: Buffer[] = [];
      req.on('response', (h) => {
        status = Number(h[':status']);
        contentType = String(h['content-type']);
      });
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolvePromise({ status, contentType, body: Buffer.concat(chunks) }));
      req.on('error', reject);
      req.end(body);
    });
  }

  function envelope(flags: number, data: Uint8Array): Buffer {
    const header = Buffer.alloc(5);
    header[0] = flags;
    header.writeUInt32BE(data.length, 1);
    return Buffer.concat([header, data]);
  }

  it('decodes a gzip unary request and answers with the mapped status and JSON error', async () => {
    const payload = encodeMessage([{ field: 1, value: 'abc123' }]);
    const res = await call(
      '/depot.cli.v1.BuildService/CreateBuild',
      { 'content-type': 'application/proto', 'content-encoding': 'gzip', authorization: 'Bearer t' },
      gzipSync(payload),
    );
    expect(res.status).toBe(403);
    expect(res.contentType).toBe('application/json');
    expect(JSON.parse(res.body.toString('utf8'))).toEqual({
      code: 'permission_denied',
      message: 'project not found',
    });
    const [recorded] = api.requests;
    expect(recorded.headers.authorization).toBe('Bearer t');
    expect(recorded.bodyError).toBeUndefined();
    expect(fieldStrings(recorded.body as ProtoMessage, [1])).toEqual(['abc123']);
  });

  it('de-envelopes streaming requests (plain and gzip) and ends the stream with an error envelope', async () => {
    const first = encodeMessage([{ field: 1, value: 'one' }]);
    const second = encodeMessage([{ field: 1, value: 'two' }]);
    const res = await call(
      '/depot.cli.v1.BuildService/ReportStatusStream',
      { 'content-type': 'application/connect+proto', 'connect-content-encoding': 'gzip' },
      Buffer.concat([envelope(0, first), envelope(1, gzipSync(second))]),
    );
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/connect+proto');
    expect(res.body[0]).toBe(0x02);
    expect(res.body.readUInt32BE(1)).toBe(res.body.length - 5);
    expect(JSON.parse(res.body.subarray(5).toString('utf8'))).toEqual({
      error: { code: 'permission_denied', message: 'project not found' },
    });
    const [recorded] = api.requests;
    expect(recorded.streaming).toBe(true);
    expect(recorded.messages.map((m) => fieldStrings(m as ProtoMessage, [1])[0])).toEqual(['one', 'two']);
  });

  it('answers through a handler and records bodies it cannot decode', async () => {
    const ok = await call('/test.v1.Svc/Ok', { 'content-type': 'application/proto' }, new Uint8Array());
    expect(ok.status).toBe(200);
    expect(ok.body.toString('hex')).toBe('0a04706f6e67');

    await call('/test.v1.Svc/Bad', { 'content-type': 'application/connect+proto' }, Uint8Array.from([0, 0]));
    const bad = api.requestsTo('Bad')[0];
    expect(bad.bodyError).toBe('truncated envelope header');
    expect(bad.payloads).toEqual([]);
  });
});
