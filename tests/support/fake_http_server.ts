/**
 * A scripted loopback HTTP server on `node:http` (the same under Deno and Bun) for tests of the
 * REST transport against real sockets: it records every request, answers with what the handler
 * says (or never answers), and on `close()` drops every connection and stops listening, so that
 * Deno's op and resource sanitizers pass.
 *
 * @example
 * ```ts ignore
 * await using server = await startFakeHttpServer((req) => ({ status: 200, json: { ok: true } }));
 * const client = createAgentServerClient({ host: server.url });
 * ```
 *
 * @module
 */

import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** A request as the fake server received it. */
export interface RecordedRequest {
  /** 1-based position among the requests. */
  n: number;
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** `performance.now()` when the request (with its body) had arrived. */
  at: number;
}

/** What to answer: a status with headers and a body (or a body that never ends), or `"hang"` to
 * never answer at all. */
export type FakeAnswer =
  | {
    status: number;
    headers?: Record<string, string>;
    /** Sent as JSON with `content-type: application/json`. */
    json?: unknown;
    /** Sent as is. */
    text?: string;
    /** Send the headers and this start of the body, then never finish the body. */
    stall?: string;
    /**
     * Write the body with this function (after the headers): `write` waits while the socket is
     * full and resolves false once the client has gone, when the pump should stop. The body ends
     * when the pump resolves. For bodies too large to hold in memory.
     */
    pump?: (write: (chunk: Uint8Array | string) => Promise<boolean>) => Promise<void>;
  }
  | "hang";

/** Decides the answer to each request. */
export type FakeHttpHandler = (request: RecordedRequest) => FakeAnswer;

/** A running fake HTTP server. */
export interface FakeHttpServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every request so far, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Drops every connection, stops listening; idempotent. */
  close(): Promise<void>;
}

/** Starts the server on a random loopback port. Every answer carries `connection: close`. */
export async function startFakeHttpServer(handler: FakeHttpHandler): Promise<FakeHttpServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Uint8Array[] = [];
    req.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    req.on("end", () => {
      const recorded: RecordedRequest = {
        n: requests.length + 1,
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: new TextDecoder().decode(concat(chunks)),
        at: performance.now(),
      };
      requests.push(recorded);
      const answer = handler(recorded);
      if (answer === "hang") return;
      const headers: Record<string, string> = { connection: "close", ...answer.headers };
      let body = "";
      if (answer.json !== undefined) {
        headers["content-type"] = "application/json";
        body = JSON.stringify(answer.json);
      } else if (answer.text !== undefined) body = answer.text;
      res.writeHead(answer.status, headers);
      if (answer.pump !== undefined) {
        const write = (chunk: Uint8Array | string): Promise<boolean> =>
          new Promise<boolean>((resolve) => {
            if (res.destroyed || res.writableEnded) return resolve(false);
            if (res.write(chunk)) return resolve(true);
            const done = (ok: boolean) => {
              res.off("drain", onDrain);
              res.off("close", onClose);
              resolve(ok);
            };
            const onDrain = () => done(!res.destroyed);
            const onClose = () => done(false);
            res.on("drain", onDrain);
            res.on("close", onClose);
          });
        answer.pump(write).then(
          () => res.destroyed || res.end(),
          () => res.destroy(),
        );
      } else if (answer.stall !== undefined) res.write(answer.stall);
      else res.end(body);
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    });
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** A loopback port that nothing listens on (it was bound and released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const c of chunks) size += c.byteLength;
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}
