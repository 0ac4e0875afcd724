/**
 * A TCP proxy on loopback for fault injection: sits between the client and the real server and
 * can cut every connection at once (or only WebSocket ones), as a flaky network or proxy would.
 *
 * @module
 */

import { createConnection, createServer, type Socket } from "node:net";

/** A running proxy. */
export interface TcpProxy {
  /** `http://127.0.0.1:<port>`: use it as the client's host. */
  url: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections cut so far. */
  readonly cuts: number;
  /** Destroys open connections; with `websocketsOnly`, only upgraded ones. Returns how many. */
  cut(options?: { websocketsOnly?: boolean }): number;
  /** Stops accepting and destroys everything. */
  close(): Promise<void>;
}

/** Starts a proxy to `target` (`http://127.0.0.1:port`). */
export function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const pairs = new Set<{ client: Socket; upstream: Socket; websocket: boolean }>();
  let accepted = 0;
  let cuts = 0;
  const server = createServer((client) => {
    accepted++;
    const upstream = createConnection({ host: hostname, port: Number(port) });
    const pair = { client, upstream, websocket: false };
    pairs.add(pair);
    client.on("data", (chunk: Uint8Array) => {
      if (
        !pair.websocket &&
        /upgrade: websocket/i.test(new TextDecoder().decode(chunk.subarray(0, 2048)))
      ) {
        pair.websocket = true;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Uint8Array) => client.write(chunk));
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end);
    upstream.on("close", end);
    client.on("error", end);
    upstream.on("error", end);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const listenPort = typeof address === "object" && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${listenPort}`,
        get accepted() {
          return accepted;
        },
        get cuts() {
          return cuts;
        },
        cut(options = {}) {
          let n = 0;
          for (const pair of [...pairs]) {
            if (options.websocketsOnly && !pair.websocket) continue;
            pairs.delete(pair);
            pair.client.destroy();
            pair.upstream.destroy();
            n++;
          }
          cuts += n;
          return n;
        },
        close() {
          for (const pair of pairs) {
            pair.client.destroy();
            pair.upstream.destroy();
          }
          pairs.clear();
          return new Promise<void>((r) => server.close(() => r()));
        },
      });
    });
  });
}
