/**
 * Test doubles that only a proxy can reach, and the proxy: Debian's tinyproxy, started on loopback
 * with one `Upstream` rule per double. A double listens on 127.0.0.2 and is addressed by a name that
 * does not resolve (`release.depot.test`), so a client that ignores the proxy fails to connect. The
 * proxy hands each CONNECT for that name to the double (which accepts it as an upstream proxy would
 * and serves HTTP inside the tunnel), and the double refuses any request that did not come through
 * such a tunnel. `@actions/http-client` tunnels plain http:// through the proxy with CONNECT too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, connect, type AddressInfo, type Socket } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TUNNELLED = Symbol('tunnelled');

/** Where a double listens and how clients address it. */
export interface Listening {
  /** Base URL for clients (`http://127.0.0.1:port`, or `http://<name>.depot.test` behind the proxy). */
  url: string;
  port: number;
  /** The unresolvable name behind the proxy, when there is one. */
  host?: string;
  /** The address itself, for the direct paths other doubles use. */
  directUrl?: string;
}

/**
 * Starts `server` on 127.0.0.1 (direct), or, with `behindProxy`, on 127.0.0.2 reachable only through
 * a CONNECT tunnel for `<behindProxy>.depot.test`.
 */
export async function listen(
  server: Server,
  behindProxy?: string,
  /** Paths other test doubles may fetch directly (an issuer's JWKS): not the code under test. */
  directPaths: readonly string[] = [],
): Promise<Listening> {
  if (!behindProxy) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return { url: `http://127.0.0.1:${port}`, port };
  }
  const host = `${behindProxy}.depot.test`;
  server.on('connect', (req, socket: Socket, head: Buffer) => {
    if (!(req.url ?? '').startsWith(`${host}:`)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) socket.unshift(head);
    (socket as Socket & { [TUNNELLED]?: boolean })[TUNNELLED] = true;
    server.emit('connection', socket);
  });
  server.prependListener('request', (req, res) => {
    const direct = directPaths.some((p) => (req.url ?? '').startsWith(p));
    if (!direct && !(req.socket as Socket & { [TUNNELLED]?: boolean })[TUNNELLED]) {
      res.writeHead(403).end('direct access refused: this double is reachable only through the proxy');
      // Mark it handled for the double's own handler, which runs next.
      (req as { refused?: boolean }).refused = true;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://${host}`, port, host, directUrl: `http://127.0.0.2:${port}` };
}

/** True when listen() already refused this request (a direct connection to a proxy-only double). */
export const refused = (req: object): boolean => (req as { refused?: boolean }).refused === true;

export interface Tinyproxy {
  /** `http://127.0.0.1:<port>`: use as HTTPS_PROXY / HTTP_PROXY. */
  url: string;
  /** The CONNECT targets the proxy was asked for, in order. */
  connects(): string[];
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Starts tinyproxy on 127.0.0.1, routing each double's name to the double (tinyproxy's Upstream rule). */
export async function startTinyproxy(doubles: readonly Listening[]): Promise<Tinyproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'tinyproxy-'));
  const port = await freePort();
  const log = join(dir, 'tinyproxy.log');
  const rules = doubles.filter((d) => d.host).map((d) => `Upstream http 127.0.0.2:${d.port} "${d.host}"`);
  writeFileSync(
    join(dir, 'tinyproxy.conf'),
    [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Allow 127.0.0.1',
      'Timeout 120',
      'MaxClients 50',
      'LogLevel Connect',
      `LogFile "${log}"`,
      ...rules,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('tinyproxy', ['-d', '-c', join(dir, 'tinyproxy.conf')], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    if (i > 100 || child.exitCode !== null) throw new Error('tinyproxy did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    connects: () => {
      let text = '';
      try {
        text = readFileSync(log, 'utf8');
      } catch {
        return [];
      }
      return [...text.matchAll(/Request \(file descriptor \d+\): CONNECT (\S+)/g)].map((m) => m[1]);
    },
    close: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
