/**
 * A loopback fake of the agent server's event sockets (`/sockets/events/{id}` and
 * `/sockets/session/{id}`: any path is accepted, the handler decides what to speak), for unit tests
 * of the WebSocket client under both `deno test` and `bun test`.
 *
 * Under Deno it is `Deno.serve` + `Deno.upgradeWebSocket`, behind a small TCP relay so that a
 * connection can be dropped without a close frame (Deno's server sockets can only close
 * cleanly). Under Bun it is `Bun.serve` with `websocket` handlers (`terminate()` drops).
 *
 * Every accepted connection is handed to `onConnection`, which scripts it: read the auth frame
 * (`conn.nextMessage()` or {@linkcode authenticate}), send frames, close with any code, drop.
 * `onUpgrade` can refuse the HTTP upgrade with a status, per path if it likes (what uvicorn does
 * for a bad legacy key: an HTTP 403, which clients see as an error and an abnormal close; an older
 * server without the session socket answers 403 or 404). Plain HTTP requests (no upgrade) go to
 * `onHttp`; by default `GET /health` answers 200 `{"status":"ok"}` and anything else 426.
 *
 * @example
 * ```ts ignore
 * await using server = await startFakeWsServer({
 *   onConnection: async (conn) => {
 *     if (!(await authenticate(conn, "key"))) return;
 *     conn.sendJson(stateEvent());
 *     conn.sendJson(messageEvent("e1", "hello"));
 *   },
 * });
 * ```
 *
 * @module
 */

/** A close as seen by the fake server. */
export interface FakeClose {
  /** The close code (1006 when the connection was dropped). */
  code: number;
  /** The close reason. */
  reason: string;
}

/** One accepted WebSocket connection. */
export interface FakeWsConnection {
  /** 1-based position among the accepted connections. */
  readonly index: number;
  /** The URL the client asked for (path and query as sent; host is the fake server's). */
  readonly url: URL;
  /** Headers of the upgrade request. */
  readonly headers: Headers;
  /** Every frame received so far, in order (text as string, binary as bytes). */
  readonly messages: readonly (string | Uint8Array)[];
  /** `performance.now()` when the connection opened. */
  readonly openedAt: number;
  /** Whether the connection is still open. */
  readonly isOpen: boolean;
  /** Resolves when the connection has closed, whichever side closed it. */
  readonly closed: Promise<FakeClose>;
  /** The next frame not yet returned by this method (rejects on close or after `timeoutMs`). */
  nextMessage(timeoutMs?: number): Promise<string | Uint8Array>;
  /** Sends a text frame (ignored once closed). */
  send(text: string): void;
  /** Sends `JSON.stringify(value)` as a text frame. */
  sendJson(value: unknown): void;
  /** Sends a binary frame. */
  sendBinary(bytes: Uint8Array): void;
  /** Closes with a close frame carrying `code` and `reason` (any code, e.g. 1013 or 4001). */
  close(code?: number, reason?: string): void;
  /** Drops the TCP connection without a close frame (the client sees 1006). */
  drop(): void;
}

/** Scripts one accepted connection; a throw or rejection is recorded in `server.errors`. */
export type ConnectionHandler = (conn: FakeWsConnection) => void | Promise<void>;

/** Decides an upgrade request: an HTTP status refuses it, `undefined` accepts it. `attempt` is
 * 1-based and counts refused upgrades too. */
export type UpgradeHandler = (request: { url: URL; headers: Headers; attempt: number }) =>
  | number
  | undefined;

/** A plain HTTP request (no WebSocket upgrade) as seen by the fake server. */
export interface FakeHttpRequest {
  /** The method, e.g. `GET`. */
  method: string;
  /** The URL asked for (host is the fake server's). */
  url: URL;
  /** The request headers. */
  headers: Headers;
}

/** Answers a plain HTTP request (a promise delays the answer); `undefined` gives the default
 * answer (see {@linkcode defaultHttpResponse}). */
export type HttpHandler = (
  request: FakeHttpRequest,
) => Response | Promise<Response> | undefined;

/** The default answer to a plain HTTP request: `GET /health` (any path prefix) is 200
 * `{"status":"ok"}` as on the agent server; anything else is 426 Upgrade Required. */
export function defaultHttpResponse(request: FakeHttpRequest): Response {
  // `connection: close`, so that no idle keep-alive connection outlives the request.
  const headers = { "content-type": "application/json", connection: "close" };
  if (request.method === "GET" && /(^|\/)(health|ready)$/.test(request.url.pathname)) {
    return new Response('{"status":"ok"}', { status: 200, headers });
  }
  return new Response(null, { status: 426, headers: { connection: "close" } });
}

/** Options of {@linkcode startFakeWsServer}. */
export interface FakeWsServerOptions {
  /** Scripts each accepted connection. Without it a connection stays open and silent. */
  onConnection?: ConnectionHandler;
  /** Refuses some upgrades with an HTTP status. */
  onUpgrade?: UpgradeHandler;
  /** Answers plain HTTP requests (default: {@linkcode defaultHttpResponse}). */
  onHttp?: HttpHandler;
}

/** A running fake server. */
export interface FakeWsServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`, the `host` to give the client. */
  readonly url: string;
  /** Accepted connections, in order. */
  readonly connections: readonly FakeWsConnection[];
  /** How many connections were accepted. */
  readonly connectionCount: number;
  /** How many upgrade requests arrived, refused ones included. */
  readonly upgradeAttempts: number;
  /** The URL of every upgrade request, refused ones included, in order. */
  readonly upgradeUrls: readonly URL[];
  /** Plain HTTP requests (no upgrade), in order, as `"METHOD /path?query"`. */
  readonly httpRequests: readonly string[];
  /** What connection handlers threw. */
  readonly errors: unknown[];
  /** The handler for connections accepted from now on. */
  onConnection: ConnectionHandler | undefined;
  /** The upgrade decision for requests from now on. */
  onUpgrade: UpgradeHandler | undefined;
  /** The plain HTTP handler for requests from now on. */
  onHttp: HttpHandler | undefined;
  /** The next accepted connection not yet returned by this method. */
  nextConnection(timeoutMs?: number): Promise<FakeWsConnection>;
  /** Closes every connection (1001), stops listening and waits until all is released. */
  shutdown(): Promise<void>;
}

// --- events ---------------------------------------------------------------------------------------

const TIMESTAMP = "2026-01-01T00:00:00.000000";
let stateSeq = 0;

/** A `ConversationStateUpdateEvent` (by default a `full_state` snapshot with a fresh id). */
export function stateEvent(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: "ConversationStateUpdateEvent",
    id: `state-${++stateSeq}`,
    timestamp: TIMESTAMP,
    source: "environment",
    key: "full_state",
    value: { execution_status: "idle" },
    ...fields,
  };
}

/** An agent `MessageEvent` with id `id` and text `text`. */
export function messageEvent(
  id: string,
  text = id,
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    kind: "MessageEvent",
    id,
    timestamp: TIMESTAMP,
    source: "agent",
    llm_message: { role: "assistant", content: [{ type: "text", text }] },
    ...fields,
  };
}

/**
 * First-message auth as the 1.58.2 server does it: the first frame must be exactly
 * `{"type":"auth","session_api_key":key}`; anything else (or nothing within `timeoutMs`, or a
 * close) closes 4001 `"Authentication failed"`. Resolves `true` when authenticated.
 */
export async function authenticate(
  conn: FakeWsConnection,
  key: string,
  timeoutMs = 10_000,
): Promise<boolean> {
  let ok = false;
  try {
    const first = await conn.nextMessage(timeoutMs);
    const frame = typeof first === "string" ? JSON.parse(first) : undefined;
    ok = frame !== null && typeof frame === "object" && frame.type === "auth" &&
      frame.session_api_key === key;
  } catch {
    ok = false;
  }
  if (!ok) conn.close(4001, "Authentication failed");
  return ok;
}

// --- the runtime-neutral part ---------------------------------------------------------------------

interface Transport {
  send(data: string | Uint8Array): void;
  close(code: number, reason: string): void;
  drop(): void;
}

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

/** Waits for an item from a growing list, with a timer that is always cleared. */
function waitForItem<T>(
  waiters: Set<Waiter<T>>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const waiter: Waiter<T> = {
      resolve: (value) => {
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve(value);
      },
      reject: (reason) => {
        clearTimeout(timer);
        waiters.delete(waiter);
        reject(reason);
      },
    };
    const timer = setTimeout(
      () => waiter.reject(new Error(`fake ws server: no ${what} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    waiters.add(waiter);
  });
}

class Connection implements FakeWsConnection {
  readonly messages: (string | Uint8Array)[] = [];
  /** Set when the connection opens. */
  openedAt = 0;
  readonly closed: Promise<FakeClose>;
  #open = true;
  #read = 0;
  #markClosed!: (close: FakeClose) => void;
  readonly #waiters = new Set<Waiter<string | Uint8Array>>();

  /** Set when the connection opens. */
  index = 0;

  constructor(
    readonly url: URL,
    readonly headers: Headers,
    readonly transport: Transport,
  ) {
    this.closed = new Promise((resolve) => (this.#markClosed = resolve));
  }

  get isOpen(): boolean {
    return this.#open;
  }

  nextMessage(timeoutMs = 5_000): Promise<string | Uint8Array> {
    const ready = this.messages[this.#read];
    if (ready !== undefined) {
      this.#read++;
      return Promise.resolve(ready);
    }
    if (!this.#open) return Promise.reject(new Error("fake ws server: connection closed"));
    return waitForItem(this.#waiters, timeoutMs, "message");
  }

  send(text: string): void {
    this.#try(() => this.transport.send(text));
  }

  sendJson(value: unknown): void {
    this.send(JSON.stringify(value));
  }

  sendBinary(bytes: Uint8Array): void {
    this.#try(() => this.transport.send(bytes));
  }

  close(code = 1000, reason = ""): void {
    this.#try(() => this.transport.close(code, reason));
  }

  drop(): void {
    this.#try(() => this.transport.drop());
  }

  /** Runs `fn` while open; a socket already closing (Deno throws then) ignores it. */
  #try(fn: () => void): void {
    if (!this.#open) return;
    try {
      fn();
    } catch {
      // Closing: the close event follows.
    }
  }

  /** From the runtime adapter: a frame arrived. */
  received(data: string | Uint8Array): void {
    this.messages.push(data);
    const waiter = this.#waiters.values().next().value;
    if (waiter) {
      this.#read++;
      waiter.resolve(data);
    }
  }

  /** From the runtime adapter: the connection closed. */
  ended(code: number, reason: string): void {
    if (!this.#open) return;
    this.#open = false;
    for (const waiter of [...this.#waiters]) {
      waiter.reject(new Error(`fake ws server: connection closed (${code})`));
    }
    this.#markClosed({ code: code >= 1000 && code <= 4999 ? code : 1006, reason });
  }
}

/** What the runtime adapters call into. */
class Core {
  readonly connections: Connection[] = [];
  readonly errors: unknown[] = [];
  upgradeAttempts = 0;
  readonly upgradeUrls: URL[] = [];
  readonly httpRequests: string[] = [];
  onConnection: ConnectionHandler | undefined;
  onUpgrade: UpgradeHandler | undefined;
  onHttp: HttpHandler | undefined;
  readonly handlers = new Set<Promise<void>>();
  #taken = 0;
  readonly #waiters = new Set<Waiter<FakeWsConnection>>();

  constructor(options: FakeWsServerOptions) {
    this.onConnection = options.onConnection;
    this.onUpgrade = options.onUpgrade;
    this.onHttp = options.onHttp;
  }

  /** A plain HTTP request (no WebSocket upgrade): its response; `undefined` for an upgrade. */
  http(method: string, url: URL, headers: Headers): Response | Promise<Response> | undefined {
    if (headers.get("upgrade")?.toLowerCase() === "websocket") return undefined;
    this.httpRequests.push(`${method} ${url.pathname}${url.search}`);
    const request = { method, url, headers };
    return this.onHttp?.(request) ?? defaultHttpResponse(request);
  }

  /** Returns an HTTP status to refuse the upgrade with, or `undefined` to accept it. */
  decide(url: URL, headers: Headers): number | undefined {
    this.upgradeAttempts++;
    this.upgradeUrls.push(url);
    return this.onUpgrade?.({ url, headers, attempt: this.upgradeAttempts });
  }

  create(url: URL, headers: Headers, transport: Transport): Connection {
    return new Connection(url, headers, transport);
  }

  /** The connection is open: record it and run the handler. */
  opened(conn: Connection): void {
    this.connections.push(conn);
    conn.index = this.connections.length;
    conn.openedAt = performance.now();
    const handler = this.onConnection;
    if (handler) {
      const run = (async () => {
        try {
          await handler(conn);
        } catch (err) {
          this.errors.push(err);
        }
      })();
      this.handlers.add(run);
      run.finally(() => this.handlers.delete(run));
    }
    const waiter = this.#waiters.values().next().value;
    if (waiter) {
      this.#taken++;
      waiter.resolve(conn);
    }
  }

  nextConnection(timeoutMs = 5_000): Promise<FakeWsConnection> {
    const ready = this.connections[this.#taken];
    if (ready) {
      this.#taken++;
      return Promise.resolve(ready);
    }
    return waitForItem(this.#waiters, timeoutMs, "connection");
  }

  rejectWaiters(): void {
    for (const waiter of [...this.#waiters]) {
      waiter.reject(new Error("fake ws server: shut down"));
    }
  }
}

interface Backend {
  url: string;
  shutdown(): Promise<void>;
}

// --- Deno ------------------------------------------------------------------------------------------

/** One relayed TCP connection: client ⇄ relay ⇄ Deno.serve. */
class RelayPair {
  #closed = false;
  done: Promise<void> = Promise.resolve();
  constructor(readonly client: Deno.Conn, readonly upstream: Deno.Conn) {}

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const conn of [this.client, this.upstream]) {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
  }
}

/** Copies bytes until EOF, then half-closes `dst`; an error closes the pair. */
async function pump(src: Deno.Conn, dst: Deno.Conn, pair: RelayPair): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const n = await src.read(buf);
      if (n === null) break;
      let off = 0;
      while (off < n) off += await dst.write(buf.subarray(off, n));
    }
    await dst.closeWrite();
  } catch {
    pair.close();
  }
}

function serveDeno(core: Core): Backend {
  const pairs = new Map<number, RelayPair>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req, info) => {
      // remoteAddr is the relay's upstream socket (how drop() finds the TCP pair).
      // remoteAddr and the headers cannot be read once the request is upgraded.
      const relayPort = info.remoteAddr.port;
      const url = new URL(req.url);
      const headers = new Headers(req.headers);
      const plain = core.http(req.method, url, headers);
      if (plain) return plain;
      const refuse = core.decide(url, headers);
      if (refuse !== undefined) return new Response(null, { status: refuse });
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.binaryType = "arraybuffer";
      const conn = core.create(url, headers, {
        send: (data) => socket.send(data),
        close: (code, reason) => socket.close(code, reason),
        drop: () => pairs.get(relayPort)?.close(),
      });
      socket.onopen = () => core.opened(conn);
      socket.onmessage = (ev) => {
        conn.received(
          typeof ev.data === "string" ? ev.data : new Uint8Array(ev.data as ArrayBuffer),
        );
      };
      socket.onerror = () => {};
      socket.onclose = (ev) => conn.ended(ev.code, ev.reason);
      return response;
    },
  );
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const relays = new Set<Promise<void>>();
  const accepting = (async () => {
    try {
      for await (const client of listener) {
        let upstream: Deno.Conn;
        try {
          upstream = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
        } catch {
          client.close();
          continue;
        }
        const pair = new RelayPair(client, upstream);
        const port = (upstream.localAddr as Deno.NetAddr).port;
        pairs.set(port, pair);
        pair.done = Promise.all([pump(client, upstream, pair), pump(upstream, client, pair)])
          .then(() => {
            pair.close();
            pairs.delete(port);
          });
        relays.add(pair.done);
        pair.done.then(() => relays.delete(pair.done));
      }
    } catch {
      // The listener was closed.
    }
  })();
  return {
    url: `http://127.0.0.1:${listener.addr.port}`,
    async shutdown(): Promise<void> {
      listener.close();
      await accepting;
      await server.shutdown();
      await server.finished;
      // Give relayed connections a moment to finish their close handshakes, then cut them.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, 1_000)));
      await Promise.race([Promise.all(relays), grace]);
      clearTimeout(timer);
      for (const pair of pairs.values()) pair.close();
      await Promise.all(relays);
    },
  };
}

// --- Bun -------------------------------------------------------------------------------------------

interface BunServerWebSocket {
  data: { url: URL; headers: Headers; conn?: Connection };
  send(data: string | Uint8Array): number;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

interface BunServer {
  port: number;
  upgrade(req: Request, options: { data: BunServerWebSocket["data"] }): boolean;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
}

interface BunGlobal {
  serve(options: {
    hostname: string;
    port: number;
    fetch(req: Request, server: BunServer): Response | Promise<Response> | undefined;
    websocket: {
      open(ws: BunServerWebSocket): void;
      message(ws: BunServerWebSocket, message: string | Uint8Array): void;
      close(ws: BunServerWebSocket, code: number, reason: string): void;
    };
  }): BunServer;
}

function serveBun(bun: BunGlobal, core: Core): Backend {
  const server = bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req, srv) {
      const url = new URL(req.url);
      const plain = core.http(req.method, url, req.headers);
      if (plain) return plain;
      const refuse = core.decide(url, req.headers);
      if (refuse !== undefined) return new Response(null, { status: refuse });
      if (srv.upgrade(req, { data: { url, headers: new Headers(req.headers) } })) return undefined;
      return new Response("upgrade failed", { status: 400 });
    },
    websocket: {
      open(ws) {
        const conn = core.create(ws.data.url, ws.data.headers, {
          send: (data) => void ws.send(data),
          close: (code, reason) => ws.close(code, reason),
          drop: () => ws.terminate(),
        });
        ws.data.conn = conn;
        core.opened(conn);
      },
      message(ws, message) {
        ws.data.conn?.received(typeof message === "string" ? message : new Uint8Array(message));
      },
      close(ws, code, reason) {
        ws.data.conn?.ended(code, reason);
      },
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    async shutdown(): Promise<void> {
      await server.stop(true);
    },
  };
}

// --- entry point -----------------------------------------------------------------------------------

/**
 * Starts a fake event-socket server on a random loopback port, on Deno or Bun.
 *
 * @example
 * ```ts ignore
 * const server = await startFakeWsServer({ onConnection: (conn) => conn.close(4004, "Conversation not found") });
 * try { ... } finally { await server.shutdown(); }
 * ```
 */
export function startFakeWsServer(options: FakeWsServerOptions = {}): Promise<FakeWsServer> {
  const core = new Core(options);
  const bun = (globalThis as { Bun?: BunGlobal }).Bun;
  let backend: Backend;
  if (bun) backend = serveBun(bun, core);
  else if ("Deno" in globalThis) backend = serveDeno(core);
  else throw new Error("fake ws server: needs Deno or Bun");
  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    stopping ??= (async () => {
      for (const conn of core.connections) conn.close(1001, "fake server shutting down");
      await backend.shutdown();
      await Promise.all(core.connections.map((conn) => conn.closed));
      core.rejectWaiters();
      await Promise.allSettled([...core.handlers]);
    })();
  return Promise.resolve({
    url: backend.url,
    get connections(): readonly FakeWsConnection[] {
      return core.connections;
    },
    get connectionCount(): number {
      return core.connections.length;
    },
    get upgradeAttempts(): number {
      return core.upgradeAttempts;
    },
    get upgradeUrls(): readonly URL[] {
      return core.upgradeUrls;
    },
    get httpRequests(): readonly string[] {
      return core.httpRequests;
    },
    errors: core.errors,
    get onConnection(): ConnectionHandler | undefined {
      return core.onConnection;
    },
    set onConnection(handler: ConnectionHandler | undefined) {
      core.onConnection = handler;
    },
    get onUpgrade(): UpgradeHandler | undefined {
      return core.onUpgrade;
    },
    set onUpgrade(handler: UpgradeHandler | undefined) {
      core.onUpgrade = handler;
    },
    get onHttp(): HttpHandler | undefined {
      return core.onHttp;
    },
    set onHttp(handler: HttpHandler | undefined) {
      core.onHttp = handler;
    },
    nextConnection: (timeoutMs?: number) => core.nextConnection(timeoutMs),
    shutdown,
    [Symbol.asyncDispose]: shutdown,
  });
}
