/**
 * The event socket of a conversation, `/sockets/events/{conversation_id}`, as a callback client
 * that reconnects by itself.
 *
 * It mirrors the Python SDK's `WebSocketCallbackClient`
 * (`openhands.sdk.conversation.impl.remote_conversation`): first-message auth (the key is never in
 * the URL or a header), the first `ConversationStateUpdateEvent` of a connection as the ready
 * signal, closes 4001 and 4004 as fatal, every other close retried with backoff. On top of Python:
 * jitter and a cap on the backoff, an uptime rule before the attempt count resets, an async
 * `onReady` hook that holds back later frames until it is done, optional replay on reconnect
 * (`resumeAfter`), typed errors for every failure, and a `stop()` that resolves only when no
 * socket and no timer remains.
 *
 * Only web standards are used (`WebSocket`, `AbortSignal`, `URL`, `setTimeout`).
 *
 * @module
 */

import { exponentialBackoffWithJitter } from "./_async.ts";
import { MAX_TIMER_MS, shown } from "./_checks.ts";
import { redactText } from "./_redact.ts";
import { normalizeHost } from "./client.ts";
import {
  AuthenticationError,
  closeError,
  EventValidationError,
  NotFoundError,
  RemoteHandsError,
  UnsupportedByServerError,
  WebSocketConnectionError,
} from "./errors.ts";
import { type Event, parseEventFrame, parseOwnedEvent } from "./events.ts";

/**
 * Backoff between reconnects. Delays are `min(maxDelayMs, initialDelayMs * multiplier ** n)`,
 * minus up to `jitter` of it at random, where `n` counts the consecutive failures before this
 * one, and never less than {@linkcode MIN_RECONNECT_DELAY_MS} (10 ms): a server that accepts and
 * drops at once gets at most 100 attempts a second, whatever the options. Python's client waits
 * 1, 2, 4, ... 30 s with no jitter and resets after every connect.
 *
 * Every time is a number of milliseconds up to 2147483647 (2^31 - 1, the longest timer the
 * runtimes keep); a value out of range (NaN, negative, Infinity, larger) is a `RangeError` when
 * the client is made.
 *
 * @example Faster first retries, a 10 s cap
 * ```ts
 * import { type ReconnectOptions, reconnectDelay } from "./websocket_client.ts";
 * const reconnect: ReconnectOptions = { initialDelayMs: 250, maxDelayMs: 10_000 };
 * // new WebSocketCallbackClient({ ..., reconnect })
 * if (reconnectDelay(0, reconnect, () => 0) !== 250) throw new Error();
 * if (reconnectDelay(9, reconnect, () => 0) !== 10_000) throw new Error("capped at maxDelayMs");
 * ```
 */
export interface ReconnectOptions {
  /** Delay before the first reconnect, in milliseconds (at least 10). @default {1000} */
  initialDelayMs?: number | undefined;
  /** Cap on the delay, in milliseconds. @default {30000} */
  maxDelayMs?: number | undefined;
  /** Growth factor per consecutive failure (at least 1). @default {2} */
  multiplier?: number | undefined;
  /** Fraction of the delay that may be taken off at random (0 to 1). @default {0.25} */
  jitter?: number | undefined;
  /** A connection must stay open this long, in milliseconds, before the failure count resets
   * to 0; a server that accepts and drops at once keeps backing off. @default {5000} */
  minUptimeMs?: number | undefined;
  /** A connection that has not opened after this long, in milliseconds, is abandoned and
   * retried (a black-holed network never hangs the client). @default {10000} */
  connectTimeoutMs?: number | undefined;
}

/**
 * What {@linkcode WebSocketCallbackClientOptions.onReady} is told.
 *
 * @example Reconcile over REST after a reconnect
 * ```ts ignore
 * const onReady = async ({ reconnect }: ReadyInfo): Promise<void> => {
 *   if (reconnect) await events.reconcile();
 * };
 * ```
 */
export interface ReadyInfo {
  /** `false` the first time any connection of this client becomes ready, `true` afterwards: an
   * earlier connection was ready, so events may have been missed while the socket was down. */
  reconnect: boolean;
}

/**
 * How the last connection closed.
 *
 * @example
 * ```ts ignore
 * const close: CloseInfo | undefined = client.lastClose; // { code: 1013, reason: "..." }
 * ```
 */
export interface CloseInfo {
  /** The close code. An abnormal close (no close frame, a refused upgrade, a failed connect) is
   * 1006 on every runtime. */
  code: number;
  /** The close reason the server sent (may be empty). */
  reason: string;
}

/**
 * Options of {@linkcode WebSocketCallbackClient}.
 *
 * @example Replay what was missed since the last event seen
 * ```ts ignore
 * let last: string | undefined;
 * const options: WebSocketCallbackClientOptions = {
 *   host: "https://agents.example.com/runtime",
 *   conversationId,
 *   apiKey,
 *   callback: (event) => (last = event.timestamp),
 *   resumeAfter: () => last,
 * };
 * ```
 */
export interface WebSocketCallbackClientOptions {
  /** The agent server's base URL (`http` or `https`); a path prefix is kept. `https` gives
   * `wss`, `http` gives `ws`. */
  host: string;
  /** The conversation whose events to receive. */
  conversationId: string;
  /** Called with every valid event, in the order the frames arrived, and, for a stored event
   * of the session socket (a `durable` frame), its sequence number in the server's log (servers
   * before 1.58 can send seq n + 1 before n). The third argument is `true` when the session
   * socket delivered the event in a `transient` frame: the server says it did not store it (the
   * snapshot sent on connect, or an event published before it was persisted, which may arrive
   * again later in a `durable` frame), so it does not belong in a copy of the server's log. It
   * is `undefined` otherwise. A throw is caught and reported to `onError`; the stream goes on. */
  callback: (event: Event, seq?: number, transient?: boolean) => void;
  /** The session API key, sent as the first frame of each connection (never in the URL). */
  apiKey?: string | undefined;
  /** Called with fatal closes (4001 as `AuthenticationError`, 4004 as `NotFoundError`, with
   * the API key redacted from the close reason), a refused upgrade the server's REST API
   * explains (`AuthenticationError` or `NotFoundError`, see
   * {@linkcode WebSocketCallbackClient}), invalid or binary frames and frames with a field of the
   * wrong type (one `EventValidationError` each; the stream goes on), a frame too large for the
   * runtime's WebSocket (one `WebSocketConnectionError` per client, however often it recurs) and
   * throws of `callback` or `onReady` (a `RemoteHandsError` with `cause`). A throw from
   * `onError` itself is ignored. */
  onError?: ((error: RemoteHandsError) => void) | undefined;
  /** Called once per connection when its first `ConversationStateUpdateEvent` arrives, before
   * that event reaches `callback`. While a returned promise is pending, later frames are held
   * and delivered in order once it settles (a rejection is reported to `onError`). */
  onReady?: ((info: ReadyInfo) => void | Promise<void>) | undefined;
  /** Replay on (re)connect. When given, it is called before each connection: a timestamp gives
   * `?resend_mode=since&after_timestamp=<ts>` (the server resends events at or after it, so
   * dedupe by id), `undefined` gives `?resend_mode=all`, `null` live only. When absent, the socket
   * is live only, as in Python. Events socket only. */
  resumeAfter?: (() => string | undefined | null) | undefined;
  /**
   * Which socket to use. `"events"` is `/sockets/events/{id}` (every server; what Python uses).
   * `"session"` is `/sockets/session/{id}` (servers since 1.45.0): sequence-numbered frames,
   * replay before live with no interleaving, and reconnects that resume exactly after the last
   * stored event (`after_seq`). `"auto"` tries the session socket and falls back to the events
   * socket when the server is up but the session socket's upgrade is refused (an older server),
   * or when the server drops a frame as too large for it. @default {"events"}
   */
  protocol?: SocketProtocol | undefined;
  /** Session socket only: what the first connection replays. `"all"` sends `after_seq=-1` (the
   * whole stored history, before live events); `"live"` replays nothing. Reconnects always resume
   * after the last stored event received. The connection is ready once the replay is done.
   * @default {"live"} */
  sessionReplay?: "all" | "live" | undefined;
  /** Called when `"auto"` falls back to the events socket. */
  onProtocolChange?: ((protocol: "events", reason: string) => void) | undefined;
  /** The fetch used by the probes that explain a connection that never opened: `GET /ready`
   * (no key) and `GET /api/conversations/{id}` (with the key in `X-Session-API-Key`). Both go to
   * the host's own origin and never follow a redirect (a 3xx counts as no answer).
   * `stop()` aborts them and waits for them. @default {globalThis.fetch} */
  fetch?: ((request: Request) => Promise<Response>) | undefined;
  /** The WebSocket constructor. @default {globalThis.WebSocket} */
  WebSocket?: WebSocketConstructorLike | undefined;
  /** Backoff between reconnects. */
  reconnect?: ReconnectOptions | undefined;
}

/**
 * Options of {@linkcode WebSocketCallbackClient.waitUntilReady}.
 *
 * @example
 * ```ts ignore
 * await client.waitUntilReady({ timeoutMs: 10_000, signal: AbortSignal.timeout(60_000) });
 * ```
 */
export interface WaitUntilReadyOptions {
  /** How long to wait for the first state event, in milliseconds: from 0 to 2147483647
   * (2^31 - 1); anything else (NaN, negative, Infinity, larger) throws a `RangeError`.
   * @default {30000} */
  timeoutMs?: number | undefined;
  /** Cancels the wait (rejects with `signal.reason`); the client keeps running. */
  signal?: AbortSignal | undefined;
}

/**
 * The shortest wait before a reconnect, in milliseconds: `initialDelayMs` may not be smaller, and
 * jitter never takes a delay below it.
 *
 * @example
 * ```ts
 * import { MIN_RECONNECT_DELAY_MS, reconnectDelay } from "./websocket_client.ts";
 * const d = reconnectDelay(0, { initialDelayMs: 10, jitter: 1 }, () => 1);
 * if (d !== MIN_RECONNECT_DELAY_MS) throw new Error("full jitter stops at the floor");
 * ```
 */
export const MIN_RECONNECT_DELAY_MS: number = 10;

const DEFAULT_RECONNECT = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 0.25,
  minUptimeMs: 5_000,
  connectTimeoutMs: 10_000,
} as const satisfies ReconnectOptions;

type ResolvedReconnect = { [K in keyof ReconnectOptions]-?: number };

function resolveReconnect(options: ReconnectOptions = {}): ResolvedReconnect {
  const r: ResolvedReconnect = {
    initialDelayMs: options.initialDelayMs ?? DEFAULT_RECONNECT.initialDelayMs,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_RECONNECT.maxDelayMs,
    multiplier: options.multiplier ?? DEFAULT_RECONNECT.multiplier,
    jitter: options.jitter ?? DEFAULT_RECONNECT.jitter,
    minUptimeMs: options.minUptimeMs ?? DEFAULT_RECONNECT.minUptimeMs,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_RECONNECT.connectTimeoutMs,
  };
  const check = (ok: boolean, name: keyof ResolvedReconnect, rule: string): void => {
    if (!ok) {
      throw new RangeError(
        `Cannot reconnect as '${name}' must be ${rule}: current value is ${r[name]}`,
      );
    }
  };
  const finite = Number.isFinite;
  const timer = (name: keyof ResolvedReconnect): void =>
    check(r[name] <= MAX_TIMER_MS, name, `at most ${MAX_TIMER_MS} ms (2^31 - 1)`);
  check(finite(r.initialDelayMs) && r.initialDelayMs >= 0, "initialDelayMs", "a number >= 0");
  check(
    r.initialDelayMs >= MIN_RECONNECT_DELAY_MS,
    "initialDelayMs",
    `at least ${MIN_RECONNECT_DELAY_MS} ms (a reconnect loop without a pause floods the server)`,
  );
  timer("initialDelayMs");
  check(
    finite(r.maxDelayMs) && r.maxDelayMs >= r.initialDelayMs,
    "maxDelayMs",
    `a number >= 'initialDelayMs' (${r.initialDelayMs})`,
  );
  timer("maxDelayMs");
  check(finite(r.multiplier) && r.multiplier >= 1, "multiplier", "a finite number >= 1");
  check(r.jitter >= 0 && r.jitter <= 1, "jitter", "between 0 and 1");
  check(
    finite(r.connectTimeoutMs) && r.connectTimeoutMs > 0,
    "connectTimeoutMs",
    "a positive number",
  );
  timer("connectTimeoutMs");
  check(finite(r.minUptimeMs) && r.minUptimeMs >= 0, "minUptimeMs", "a number >= 0");
  timer("minUptimeMs");
  return r;
}

/**
 * The delay before a reconnect, in milliseconds: `failures` is the number of consecutive
 * failures before this one (0 for the first reconnect). Capped at `maxDelayMs`, then up to
 * `jitter` of it is taken off using `random` (default `Math.random`), never below
 * {@linkcode MIN_RECONNECT_DELAY_MS}. Throws a `RangeError` for invalid options.
 *
 * @example The default schedule without jitter
 * ```ts
 * import { reconnectDelay } from "./websocket_client.ts";
 * const delays = [0, 1, 2, 3, 4, 5, 6].map((n) => reconnectDelay(n, {}, () => 0));
 * // [1000, 2000, 4000, 8000, 16000, 30000, 30000]
 * if (delays[6] !== 30_000) throw new Error("capped at maxDelayMs");
 * ```
 */
export function reconnectDelay(
  failures: number,
  options: ReconnectOptions = {},
  random: () => number = Math.random,
): number {
  const r = resolveReconnect(options);
  const delay = exponentialBackoffWithJitter(
    r.maxDelayMs,
    r.initialDelayMs,
    Math.max(0, failures),
    r.multiplier,
    r.jitter,
    random,
  );
  // `random` is the caller's: a value outside [0, 1) (or NaN) must not make a tight loop either.
  return delay >= MIN_RECONNECT_DELAY_MS ? delay : MIN_RECONNECT_DELAY_MS;
}

/**
 * The part of the WebSocket API the client uses: the browser's, Deno's, Bun's, Node's global one
 * and the `ws` package's all fit.
 *
 * @example A stand-in socket for tests
 * ```ts
 * import type { WebSocketConstructorLike, WebSocketLike } from "./websocket_client.ts";
 * class FakeSocket implements WebSocketLike {
 *   binaryType = "blob";
 *   readyState = 0;
 *   sent: string[] = [];
 *   constructor(readonly url: string) {}
 *   send(data: string): void {
 *     this.sent.push(data);
 *   }
 *   close(): void {
 *     this.readyState = 3;
 *   }
 *   addEventListener(): void {}
 * }
 * const Ctor: WebSocketConstructorLike = FakeSocket;
 * const socket = new Ctor("ws://agent.test/sockets/events/x");
 * socket.close();
 * if (socket.readyState !== 3) throw new Error();
 * ```
 */
export interface WebSocketLike {
  /** Set to `"arraybuffer"` by the client. */
  binaryType: string;
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Sends a text frame. */
  send(data: string): void;
  /** Closes the socket. */
  close(code?: number, reason?: string): void;
  /** Listens for `open`, `message`, `error` and `close`. */
  addEventListener(
    type: "open" | "message" | "error" | "close",
    // deno-lint-ignore no-explicit-any
    listener: (event: any) => void,
  ): void;
}

/**
 * A WebSocket constructor, such as `globalThis.WebSocket` or the `ws` package's.
 *
 * @example
 * ```ts
 * import type { WebSocketConstructorLike } from "./websocket_client.ts";
 * const Ctor: WebSocketConstructorLike = WebSocket; // or, on older Node: (await import("ws")).default
 * // new RemoteWorkspace({ host, workingDir, WebSocket: Ctor })
 * if (typeof Ctor !== "function") throw new Error();
 * ```
 */
export type WebSocketConstructorLike = new (url: string) => WebSocketLike;

/**
 * The two event sockets of the agent server (and `"auto"`, which picks one).
 *
 * @example
 * ```ts
 * import type { SocketProtocol } from "./websocket_client.ts";
 * const protocol: SocketProtocol = "session"; // exact resume; needs a server since 1.45.0
 * // RemoteConversation.create({ ..., socketProtocol: protocol })
 * if (protocol !== "session") throw new Error();
 * ```
 */
export type SocketProtocol = "events" | "session" | "auto";

const OPEN = 1;
/** How long `stop()` waits for the close handshake before it lets the socket go. */
const CLOSE_WAIT_MS = 3_000;
const CLOSED = 3;
const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([4001, 4004]);
/** How long a probe (`/ready`, `/api/conversations/{id}`) may take. */
const PROBE_TIMEOUT_MS = 5_000;
/** Consecutive refused connections before the REST API is asked why. */
const PROBE_AFTER_REFUSALS = 3;
/** What Deno ("Frame too large"), Bun ("Message too big") and `ws` ("Max payload size
 * exceeded") say when a frame is larger than they take. */
const TOO_LARGE = /too (large|big)|max(imum)? payload/i;

/** A probe in flight. */
interface Probe {
  readonly controller: AbortController;
  /** Resolves once its fetch (and body) settled, however. */
  readonly done: Promise<void>;
}

/** One WebSocket and what happened on it. */
interface Connection {
  readonly ws: WebSocketLike;
  /** When `open` fired (`Date.now()`), if it did. */
  openedAt: number | undefined;
  /** Whether its first state event was seen. */
  ready: boolean;
  /** Resolves once its `close` event fired. */
  readonly closed: Promise<void>;
  /** The protocol this connection speaks. */
  readonly protocol: "events" | "session";
  /** Session socket: the replay ends with this seq (set by the `sync` frame). */
  replayThrough?: number | undefined;
  /** Session socket: the `after_seq` this connection was opened with. */
  readonly afterSeq?: number | undefined;
  /** Whether it was abandoned for not opening within `connectTimeoutMs`. */
  timedOut?: boolean;
}

type Item =
  | {
    readonly conn: Connection;
    readonly event: Event;
    readonly seq?: number;
    /** Session socket: the event came in a `transient` frame (the server did not store it). */
    readonly transient?: true;
  }
  | { readonly conn: Connection; readonly error: RemoteHandsError; readonly seq?: number }
  | { readonly conn: Connection; readonly ready: true; readonly cursor?: number };

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
}

/**
 * A self-reconnecting client of a conversation's event socket that calls `callback` with every
 * event.
 *
 * Lifecycle: {@linkcode WebSocketCallbackClient.start} connects; every close except 4001 and
 * 4004 (including 1006 and a refused upgrade) reconnects after a backoff; 4001 and 4004 stop the
 * client for good and are reported to `onError` as `AuthenticationError` and `NotFoundError`.
 * {@linkcode WebSocketCallbackClient.stop} closes the socket with 1000 and cancels any pending
 * reconnect. A stopped client cannot be started again.
 *
 * A refused upgrade: a WebSocket never exposes the HTTP status of a refused upgrade (a proxy's
 * 401, say), so from the third connection in a row that closes without ever opening (a connect
 * timeout aside: a black hole answers no REST call either), the client asks the server's REST API
 * before the next attempt: `GET {host}/api/conversations/{id}` with the key in the
 * `X-Session-API-Key` header, on the host's own origin, with redirects not followed. A 401 or
 * 403 stops the client with an `AuthenticationError` (as a 4001 close would), a JSON 404 with a
 * `NotFoundError` (as 4004); any other answer, a redirect or no answer (server down) retries
 * with backoff. On the agent server every `/api` route checks the key before anything else (401),
 * and this one then costs one small read. A brief refusal (a restart) costs no request. (Until the
 * session socket has opened once, its refusals ask `GET /ready` instead, without the key, to tell
 * an older server: see `protocol`; a forced `"session"` then fails with
 * `UnsupportedByServerError`.)
 *
 * Untrusted frames: nothing a server sends can throw out of a socket listener. A frame that is
 * not a valid event or envelope, or whose fields have the wrong JSON type, is one
 * `EventValidationError` to `onError`, and the stream goes on.
 *
 * @example Follow a conversation
 * ```ts ignore
 * import { WebSocketCallbackClient } from "./websocket_client.ts";
 *
 * await using events = new WebSocketCallbackClient({
 *   host: "http://127.0.0.1:8000",
 *   conversationId: "6c1b5b1e-0000-4000-8000-000000000000",
 *   apiKey: Deno.env.get("OH_SESSION_API_KEY"),
 *   callback: (event) => console.log(event.kind, event.id),
 *   onError: (error) => console.error(error.message),
 *   onReady: async ({ reconnect }) => {
 *     if (reconnect) await refetchMissedEvents();
 *   },
 * });
 * events.start();
 * await events.waitUntilReady({ timeoutMs: 30_000 });
 * ```
 */
export class WebSocketCallbackClient {
  #path: string;
  readonly #callback: (event: Event, seq?: number, transient?: boolean) => void;
  readonly #apiKey: string | undefined;
  /** Probes in flight: `stop()` aborts them and waits (bounded) until they settle. */
  readonly #probes = new Set<Probe>();
  /** Whether a frame too large for the runtime was reported (once per client). */
  #tooLargeReported = false;
  /** The cursor (`null`: none) at the last `frame_too_large` close, to tell a loop. */
  #frameTooLargeAt: number | null | undefined;
  /** Consecutive connections that closed without opening (connect timeouts aside). */
  #refusals = 0;
  readonly #onError: ((error: RemoteHandsError) => void) | undefined;
  readonly #onReady: ((info: ReadyInfo) => void | Promise<void>) | undefined;
  readonly #resumeAfter: (() => string | undefined | null) | undefined;
  readonly #base: string;
  readonly #conversationId: string;
  readonly #sessionReplay: "all" | "live";
  readonly #onProtocolChange: ((protocol: "events", reason: string) => void) | undefined;
  readonly #fetch: (request: Request) => Promise<Response>;
  #protocol: "events" | "session";
  #auto: boolean;
  #sessionOpened = false;
  #lastSeq: number | undefined;
  /** Ids of the stored events delivered so far (session socket), to tell duplicates apart. */
  readonly #durableIds = new Set<string>();
  #serverErrors = 0;
  readonly #WebSocket: WebSocketConstructorLike;
  readonly #reconnect: ResolvedReconnect;

  #started = false;
  #stopped = false;
  #fatal: RemoteHandsError | undefined;
  #conn: Connection | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopping: Promise<void> | undefined;

  #connectionCount = 0;
  #failures = 0;
  #lastClose: CloseInfo | undefined;
  #lastError: string | undefined;

  /** Connections that have become ready (counted when their state event is seen). */
  #readyCount = 0;
  /** Set once the first ready has been fully handled (onReady settled, event delivered). */
  #readyDone = false;
  readonly #waiters = new Set<Waiter>();

  readonly #queue: Item[] = [];
  #draining = false;

  /**
   * Checks the options; does not connect (call {@linkcode WebSocketCallbackClient.start}).
   * Throws a `TypeError` for a host that is not an http(s) URL, an empty conversation id or no
   * WebSocket constructor, and a `RangeError` for invalid reconnect options.
   *
   * @example
   * ```ts ignore
   * const events = new WebSocketCallbackClient({ host, conversationId, callback: console.log });
   * ```
   */
  constructor(options: WebSocketCallbackClientOptions) {
    const base = normalizeHost(options.host);
    if (typeof options.conversationId !== "string" || options.conversationId === "") {
      throw new TypeError("Cannot open the event socket as the conversation id is empty");
    }
    const Ctor = options.WebSocket ?? globalThis.WebSocket;
    if (typeof Ctor !== "function") {
      throw new TypeError(
        "Cannot open the event socket as there is no WebSocket: pass the WebSocket option",
      );
    }
    const protocol = options.protocol ?? "events";
    if (protocol !== "events" && protocol !== "session" && protocol !== "auto") {
      throw new TypeError(
        `Cannot open the event socket as 'protocol' must be events, session or auto: current value is ${
          safeString(protocol)
        }`,
      );
    }
    this.#base = base;
    this.#conversationId = options.conversationId;
    this.#protocol = protocol === "events" ? "events" : "session";
    this.#auto = protocol === "auto";
    this.#sessionReplay = options.sessionReplay ?? "live";
    this.#onProtocolChange = options.onProtocolChange;
    this.#fetch = options.fetch ?? ((request) => globalThis.fetch(request));
    const url = this.#socketUrl();
    this.#path = url.pathname;
    this.#callback = options.callback;
    this.#apiKey = options.apiKey || undefined;
    this.#onError = options.onError;
    this.#onReady = options.onReady;
    this.#resumeAfter = options.resumeAfter;
    this.#WebSocket = Ctor;
    this.#reconnect = resolveReconnect(options.reconnect);
  }

  /**
   * The socket in use: `"session"` or `"events"` (after an `"auto"` fallback, `"events"`).
   *
   * @example
   * ```ts ignore
   * console.log(events.protocol);
   * ```
   */
  get protocol(): "events" | "session" {
    return this.#protocol;
  }

  /**
   * Session socket: the resume cursor: the seq of the last stored event delivered, or after a
   * live-only connect the `through_seq` of its `sync` frame (the last seq stored then; `-1` when
   * nothing was). `undefined` until then, and on the events socket.
   *
   * @example
   * ```ts ignore
   * console.log(events.lastSeq);
   * ```
   */
  get lastSeq(): number | undefined {
    return this.#lastSeq;
  }

  /**
   * Whether a socket is open now.
   *
   * @example
   * ```ts ignore
   * if (!events.connected) showOfflineBadge();
   * ```
   */
  get connected(): boolean {
    return this.#conn?.openedAt !== undefined && this.#conn.ws.readyState === OPEN;
  }

  /**
   * How many connections have opened so far (refused upgrades and failed connects do not count).
   *
   * @example
   * ```ts ignore
   * console.log(`connected ${events.connectionCount} times`);
   * ```
   */
  get connectionCount(): number {
    return this.#connectionCount;
  }

  /**
   * Consecutive failed connections (closes other than by `stop()`). It goes back to 0 once a
   * connection has stayed open `minUptimeMs`.
   *
   * @example
   * ```ts ignore
   * if (events.reconnectAttempts > 5) showServerTroubleBanner();
   * ```
   */
  get reconnectAttempts(): number {
    const openedAt = this.#conn?.openedAt;
    if (
      openedAt !== undefined && this.connected &&
      Date.now() - openedAt >= this.#reconnect.minUptimeMs
    ) {
      return 0;
    }
    return this.#failures;
  }

  /**
   * How the last connection closed, if one did. 1006 stands for every abnormal close.
   *
   * @example
   * ```ts ignore
   * console.log(events.lastClose?.code, events.lastClose?.reason);
   * ```
   */
  get lastClose(): CloseInfo | undefined {
    return this.#lastClose && { ...this.#lastClose };
  }

  /**
   * Connects. Calling it again, or after `stop()` or a fatal close, does nothing.
   *
   * @example
   * ```ts ignore
   * events.start();
   * ```
   */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#connect();
  }

  /**
   * Stops for good: cancels a pending reconnect, closes the socket with 1000, aborts a probe in
   * flight and resolves once the socket is closed and the probe has ended (each waited for at
   * most 3 s, for a peer or a `fetch` that ignores them). Frames not yet delivered are dropped,
   * and pending
   * {@linkcode WebSocketCallbackClient.waitUntilReady} calls reject. Idempotent: every call returns
   * the same promise.
   *
   * @example
   * ```ts ignore
   * await events.stop();
   * ```
   */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    this.#stopped = true;
    this.#clearTimer();
    this.#queue.length = 0;
    this.#rejectWaiters(
      this.#fatal ?? new WebSocketConnectionError("the client was stopped before it was ready", {
        ...this.#closeDetails(),
      }),
    );
    const waits: Promise<unknown>[] = [];
    for (const probe of this.#probes) {
      probe.controller.abort(new DOMException("the client was stopped", "AbortError"));
      waits.push(probe.done);
    }
    const conn = this.#conn;
    if (conn && conn.ws.readyState !== CLOSED) {
      try {
        conn.ws.close(1000, "client stopped");
      } catch {
        // Already closing.
      }
      waits.push(conn.closed);
    }
    if (waits.length === 0) {
      this.#stopping = Promise.resolve();
    } else {
      // A frozen peer never answers the close handshake, a custom fetch may ignore its signal:
      // give them a bounded time, then let go.
      let timer: ReturnType<typeof setTimeout> | undefined;
      this.#stopping = Promise.race([
        Promise.all(waits).then(() => {}),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS))),
      ]).finally(() => clearTimeout(timer));
    }
    return this.#stopping;
  }

  /**
   * Resolves when a connection is ready (its first state event was handled), at once if one
   * already was. Rejects at once with the fatal error (`AuthenticationError`, `NotFoundError`)
   * if the client stopped for a fatal close, with a `WebSocketConnectionError` if it was stopped
   * or after `timeoutMs` without a state event (`"no state event within N ms"`; `closeCode` and
   * `closeReason` are the last close's, `cause` the last connection error, such as a refused
   * upgrade), and with `signal.reason` when `signal` aborts. The client keeps running after a
   * timeout or an abort. Its timer is cleared however it settles. Throws a `RangeError` at the
   * call for a `timeoutMs` that is not a number from 0 to 2147483647.
   *
   * @example
   * ```ts ignore
   * events.start();
   * await events.waitUntilReady({ timeoutMs: 10_000 });
   * ```
   */
  waitUntilReady(options: WaitUntilReadyOptions = {}): Promise<void> {
    const { timeoutMs = 30_000, signal } = options;
    if (!(typeof timeoutMs === "number" && timeoutMs >= 0 && timeoutMs <= MAX_TIMER_MS)) {
      throw new RangeError(
        `Cannot wait for the event socket as 'timeoutMs' must be a number from 0 to ${MAX_TIMER_MS}: current value is ${
          safeString(timeoutMs)
        }`,
      );
    }
    if (this.#readyDone) return Promise.resolve();
    if (this.#fatal) return Promise.reject(this.#fatal);
    if (this.#stopped) {
      return Promise.reject(
        new WebSocketConnectionError("the client was stopped before it was ready", {
          ...this.#closeDetails(),
        }),
      );
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", abort);
        this.#waiters.delete(waiter);
      };
      const waiter: Waiter = {
        resolve: () => {
          settle();
          resolve();
        },
        reject: (reason) => {
          settle();
          reject(reason);
        },
      };
      const abort = (): void => waiter.reject(signal?.reason);
      const timer = setTimeout(() => {
        waiter.reject(
          new WebSocketConnectionError(`no state event within ${timeoutMs} ms`, {
            ...this.#closeDetails(),
            ...(this.#lastError === undefined ? {} : { cause: new Error(this.#lastError) }),
          }),
        );
      }, timeoutMs);
      signal?.addEventListener("abort", abort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  /**
   * Same as {@linkcode WebSocketCallbackClient.stop}, for `await using`.
   *
   * @example
   * ```ts ignore
   * await using events = new WebSocketCallbackClient(options);
   * events.start();
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  // --- connection ------------------------------------------------------------------------------

  #socketUrl(): URL {
    const kind = this.#protocol === "session" ? "session" : "events";
    const url = new URL(
      `${this.#base}/sockets/${kind}/${encodeURIComponent(this.#conversationId)}`,
    );
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url;
  }

  #connect(): void {
    if (this.#stopped) return;
    const url = this.#socketUrl();
    this.#path = url.pathname;
    const afterSeq = this.#protocol === "session"
      ? this.#lastSeq ?? (this.#sessionReplay === "all" ? -1 : undefined)
      : undefined;
    if (afterSeq !== undefined) {
      url.searchParams.set("after_seq", String(afterSeq));
    } else if (this.#protocol === "events" && this.#resumeAfter) {
      let after: string | undefined | null;
      try {
        after = this.#resumeAfter();
      } catch (err) {
        this.#report(
          new RemoteHandsError(
            `resumeAfter threw, so all events are resent: ${describe(err)}`,
            { cause: err },
          ),
        );
      }
      if (after === undefined) {
        url.searchParams.set("resend_mode", "all");
      } else if (after !== null) {
        url.searchParams.set("resend_mode", "since");
        url.searchParams.set("after_timestamp", after);
      }
    }
    let ws: WebSocketLike;
    try {
      ws = new this.#WebSocket(url.href);
    } catch (err) {
      this.#lastError = describe(err);
      this.#lastClose = { code: 1006, reason: "" };
      this.#conn = undefined;
      this.#scheduleReconnect(undefined);
      return;
    }
    ws.binaryType = "arraybuffer";
    let markClosed!: () => void;
    const conn: Connection = {
      ws,
      openedAt: undefined,
      ready: false,
      closed: new Promise<void>((resolve) => (markClosed = resolve)),
      protocol: this.#protocol,
      afterSeq,
    };
    this.#conn = conn;
    ws.addEventListener("open", () => this.#guard(() => this.#onOpen(conn)));
    ws.addEventListener(
      "message",
      (ev) => this.#guard(() => this.#onMessage(conn, ev as MessageEvent), ev),
    );
    ws.addEventListener("error", (ev) =>
      this.#guard(() => {
        const message = (ev as { message?: unknown }).message;
        this.#lastError = typeof message === "string" && message
          ? this.#redact(message)
          : "connection error";
      }));
    const connectTimer = setTimeout(() => {
      if (conn.openedAt !== undefined) return;
      conn.timedOut = true;
      this.#lastError = `not open after ${this.#reconnect.connectTimeoutMs} ms`;
      try {
        ws.close();
      } catch {
        // already closing
      }
    }, this.#reconnect.connectTimeoutMs);
    ws.addEventListener("open", () => clearTimeout(connectTimer));
    ws.addEventListener("close", (ev) => {
      clearTimeout(connectTimer);
      markClosed();
      this.#guard(() => this.#onClose(conn, ev as CloseEvent));
    });
  }

  /**
   * Runs a listener's body: nothing escapes a socket listener. An unexpected throw is reported
   * (for a frame, as an `EventValidationError` quoting it) and the stream goes on.
   */
  #guard(body: () => void, message?: { data?: unknown }): void {
    try {
      body();
    } catch (err) {
      let data: unknown;
      try {
        data = message?.data;
      } catch {
        data = undefined;
      }
      this.#report(
        message
          ? new EventValidationError(
            `the client could not handle this frame (${describe(err)})`,
            typeof data === "string" ? data : "",
            { cause: err },
          )
          : new RemoteHandsError(`The event socket's listener failed: ${describe(err)}`, {
            cause: err,
          }),
      );
    }
  }

  #onOpen(conn: Connection): void {
    if (this.#conn !== conn || this.#stopped) return;
    conn.openedAt = Date.now();
    this.#connectionCount++;
    if (conn.protocol === "session") this.#sessionOpened = true;
    this.#lastError = undefined;
    this.#refusals = 0;
    if (this.#apiKey !== undefined) {
      try {
        conn.ws.send(JSON.stringify({ type: "auth", session_api_key: this.#apiKey }));
      } catch {
        // The socket is already closing; its close event decides what happens next.
      }
    }
  }

  #onMessage(conn: Connection, ev: MessageEvent): void {
    if (this.#conn !== conn || this.#stopped) return;
    const data: unknown = ev.data;
    if (typeof data !== "string") {
      this.#enqueue({
        conn,
        error: new EventValidationError(
          `binary frame of ${byteLength(data)} bytes (the server sends events as text frames)`,
          "",
        ),
      });
      return;
    }
    if (conn.protocol === "session") {
      this.#onSessionFrame(conn, data);
      return;
    }
    const parsed = parseEventFrame(data);
    if (parsed.success && conn.ready && !this.#draining && this.#queue.length === 0) {
      // The hot path: a ready connection with nothing held back delivers at once, as the queue
      // would (no queue item for it).
      this.#deliver(parsed.event);
      return;
    }
    this.#enqueue(parsed.success ? { conn, event: parsed.event } : { conn, error: parsed.error });
  }

  /**
   * One envelope of the session socket: sync, durable, transient, delta, error, ... Every field
   * the client reads is checked against the type the server's `session_protocol.py` gives it
   * (own properties only, so nothing hides under `__proto__`); a frame that fails is one
   * `EventValidationError`. `item_started`, `item_aborted` and types from newer servers carry no
   * event and are ignored, as are fields the client does not read.
   */
  #onSessionFrame(conn: Connection, data: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch (err) {
      this.#enqueue({ conn, error: new EventValidationError("not JSON", data, { cause: err }) });
      return;
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      this.#enqueue({ conn, error: new EventValidationError("not a JSON object", data) });
      return;
    }
    const frame = raw as Record<string, unknown>;
    const type = own(frame, "type");
    if (typeof type !== "string") {
      this.#enqueue({
        conn,
        error: new EventValidationError(
          `session frame without a string 'type' (got ${shown(type)})`,
          data,
        ),
      });
      return;
    }
    const bad = (field: string, rule: string): void => {
      this.#enqueue({
        conn,
        error: new EventValidationError(
          `session frame '${type}': '${field}' must be ${rule} (got ${shown(own(frame, field))})`,
          data,
        ),
      });
    };
    switch (type) {
      case "sync": {
        let through = own(frame, "through_seq");
        let valid = true;
        if (through === null) through = undefined;
        if (through !== undefined && !isSeq(through)) {
          bad("through_seq", "a whole number >= 0 or null");
          valid = false;
          through = undefined;
        }
        const replaying = through !== undefined && conn.afterSeq !== undefined &&
          conn.afterSeq < (through as number);
        conn.replayThrough = replaying ? through as number : undefined;
        // Live only (or nothing to replay): resume after what the server had at connect time,
        // so events stored while a later connection is down are not lost. A live-only sync
        // without `through_seq` means the log was empty: the cursor is -1 (resume from the start).
        // A bad `through_seq` sets no cursor (the stream goes on; resume after what arrives).
        if (!replaying) {
          const cursor = !valid
            ? undefined
            : through !== undefined
            ? through as number
            : conn.afterSeq === undefined
            ? -1
            : undefined;
          this.#enqueue(
            cursor === undefined ? { conn, ready: true } : { conn, ready: true, cursor },
          );
        }
        return;
      }
      case "durable": {
        const seq = own(frame, "seq");
        if (!isSeq(seq)) {
          bad("seq", "a whole number >= 0");
          return;
        }
        // `frame` came from our own JSON.parse: its event is validated in place.
        const parsed = parseOwnedEvent(own(frame, "event"));
        // A bad stored event still moves the cursor: reported once, not on every reconnect.
        this.#enqueue(
          parsed.success ? { conn, event: parsed.event, seq } : { conn, error: parsed.error, seq },
        );
        if (conn.replayThrough !== undefined && seq >= conn.replayThrough) {
          conn.replayThrough = undefined;
          this.#enqueue({ conn, ready: true });
        }
        return;
      }
      case "transient": {
        const parsed = parseOwnedEvent(own(frame, "event"));
        this.#enqueue(
          parsed.success
            ? { conn, event: parsed.event, transient: true }
            : { conn, error: parsed.error },
        );
        // The replay ends at its last seq, or at the first transient frame (the snapshot after
        // the replay) when the server skipped unreadable events at its end.
        if (conn.replayThrough !== undefined) {
          conn.replayThrough = undefined;
          this.#enqueue({ conn, ready: true });
        }
        return;
      }
      case "delta": {
        const itemId = own(frame, "item_id");
        // Absent means the default; null is not a value the server sends for these.
        const attempt = Object.hasOwn(frame, "attempt") ? frame.attempt : 1;
        const order = own(frame, "order");
        const kind = Object.hasOwn(frame, "kind") ? frame.kind : "text";
        const content = own(frame, "content");
        if (typeof itemId !== "string") return bad("item_id", "a string");
        if (!Number.isSafeInteger(attempt)) return bad("attempt", "a whole number");
        if (!Number.isSafeInteger(order)) return bad("order", "a whole number");
        if (kind !== "text" && kind !== "reasoning") return bad("kind", "'text' or 'reasoning'");
        if (typeof content !== "string") return bad("content", "a string");
        this.#enqueue({
          conn,
          event: {
            kind: "StreamingDeltaEvent",
            id: `${itemId}:${attempt as number}:${order as number}`,
            timestamp: "",
            source: "agent",
            [kind === "reasoning" ? "reasoning_content" : "content"]: content,
            item_id: itemId,
          },
        });
        return;
      }
      case "error": {
        const code = own(frame, "code");
        if (typeof code !== "string") return bad("code", "a string");
        if (!Object.hasOwn(frame, "detail")) return bad("detail", "present");
        const detail = own(frame, "detail");
        this.#enqueue({
          conn,
          event: {
            kind: "ServerErrorEvent",
            id: `server-error-${++this.#serverErrors}`,
            timestamp: "",
            source: "environment",
            code: this.#redact(code),
            // Carried as sent; a string (what the server sends) is redacted.
            detail: typeof detail === "string" ? this.#redact(detail) : detail,
          },
        });
        return;
      }
      default:
        // item_started, item_aborted and types from newer servers carry no event.
        return;
    }
  }

  #onClose(conn: Connection, ev: CloseEvent): void {
    if (this.#conn !== conn) return;
    const code = normalizeCloseCode(ev.code);
    // A server or proxy may echo the key in the reason: it never reaches lastClose or an error.
    const reason = typeof ev.reason === "string" ? this.#redact(ev.reason) : "";
    this.#lastClose = { code, reason };
    if (this.#stopped) return;
    this.#noticeTooLarge(conn, code, reason);
    if (this.#auto && conn.protocol === "session" && reason === "frame_too_large") {
      // The session socket cannot carry this conversation's biggest frames; the events one can.
      this.#fallBack("the session socket dropped a frame as too large");
      return;
    }
    if (conn.protocol === "session" && !this.#sessionOpened) {
      void this.#probeFallback(conn.openedAt);
      return;
    }
    if (FATAL_CLOSE_CODES.has(code)) {
      this.#fail(closeError(code, reason, this.#path));
      return;
    }
    if (conn.openedAt === undefined && !conn.timedOut && ++this.#refusals >= PROBE_AFTER_REFUSALS) {
      void this.#probeRefusal();
      return;
    }
    this.#scheduleReconnect(conn.openedAt);
  }

  /**
   * A frame larger than the runtime's WebSocket takes (Deno: 64 MiB, "Frame too large"; Bun:
   * 128 MiB, "Message too big"; close 1009 elsewhere) drops the connection with 1006 and no close
   * frame; a session frame larger than the server sends (4 MiB) closes 1013 `frame_too_large`,
   * which a resume may get past (the next connection starts after the last stored event). A
   * server that resends the frame on every reconnect would loop silently: say so once per client,
   * at the first runtime refusal, or at the second `frame_too_large` with no progress in between.
   */
  #noticeTooLarge(conn: Connection, code: number, reason: string): void {
    if (this.#tooLargeReported) return;
    const said = this.#lastError ?? "";
    const runtime = code === 1009 || (code === 1006 && TOO_LARGE.test(said));
    // "auto" falls back to the events socket instead (see #onClose).
    let server = false;
    if (
      code === 1013 && reason === "frame_too_large" && !(this.#auto && conn.protocol === "session")
    ) {
      const cursor = this.#lastSeq ?? null;
      server = this.#frameTooLargeAt === cursor;
      this.#frameTooLargeAt = cursor;
    }
    if (!runtime && !server) return;
    this.#tooLargeReported = true;
    const what = [said, reason].filter((s) => s !== "").join("; ") || `close ${code}`;
    this.#report(
      new WebSocketConnectionError(
        `${this.#path} ${
          runtime
            ? "received a frame too large for this runtime's WebSocket"
            : "was closed twice at the same point as the server found a frame too large to send"
        } (${what}); it reconnects, but a resent frame drops it again: shrink the event on the server or read the history over REST`,
        { closeCode: code, closeReason: reason },
      ),
    );
  }

  /**
   * GETs `path` under the host with the probe rules: the host's own origin, redirects not
   * followed (a 3xx is no answer), the key only when `withKey`, 5 s at most, aborted by `stop()`
   * (which waits for it). Resolves to the status and whether the body is JSON, or `undefined`
   * when there is no usable answer.
   */
  async #probe(
    path: string,
    withKey: boolean,
  ): Promise<{ status: number; json: boolean } | undefined> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException("the probe timed out", "TimeoutError")),
      PROBE_TIMEOUT_MS,
    );
    let markDone!: () => void;
    const probe: Probe = { controller, done: new Promise<void>((r) => (markDone = r)) };
    this.#probes.add(probe);
    let stopWaiting = (): void => {};
    try {
      const work = (async () => {
        const headers = new Headers();
        if (withKey && this.#apiKey !== undefined) headers.set("X-Session-API-Key", this.#apiKey);
        const request = new Request(`${this.#base}${path}`, {
          headers,
          redirect: "manual",
          signal: controller.signal,
        });
        const response = await this.#fetch(request);
        try {
          const status = response.status;
          if (
            response.type === "opaqueredirect" || typeof status !== "number" ||
            (status >= 300 && status < 400)
          ) {
            return undefined;
          }
          return { status, json: /\bjson\b/i.test(response.headers.get("content-type") ?? "") };
        } finally {
          await response.body?.cancel().catch(() => {});
        }
      })();
      work.then(markDone, markDone);
      const aborted = new Promise<undefined>((resolve) => {
        const onAbort = (): void => resolve(undefined);
        controller.signal.addEventListener("abort", onAbort, { once: true });
        stopWaiting = () => controller.signal.removeEventListener("abort", onAbort);
      });
      return await Promise.race([work, aborted]);
    } catch {
      return undefined;
    } finally {
      stopWaiting();
      clearTimeout(timer);
      void probe.done.then(() => this.#probes.delete(probe));
    }
  }

  /** The session socket never opened: fall back if the server is up and ready (`/ready` 200:
   * an older server without the session socket). A server still starting, or in deferred init
   * (503 there), is retried with backoff instead. The probe carries no key. */
  async #probeFallback(openedAt: number | undefined): Promise<void> {
    const answer = await this.#probe("/ready", false);
    const up = answer !== undefined && answer.status >= 200 && answer.status < 300;
    if (this.#stopped) return;
    if (!up) this.#scheduleReconnect(openedAt);
    else if (this.#auto) this.#fallBack("the server refused the session socket");
    else {
      // Forced "session": an older server has no session socket; say so now instead of retrying
      // until the ready timeout.
      this.#fail(
        new UnsupportedByServerError(
          "the session socket (/sockets/session)",
          "1.45.0",
          "use socketProtocol 'auto' or 'events'",
        ),
      );
    }
  }

  /** A connection closed without opening (a refused upgrade, a failed connect): ask the REST
   * API with the key whether the key or the conversation is the reason (see the class docs). */
  async #probeRefusal(): Promise<void> {
    const path = `/api/conversations/${encodeURIComponent(this.#conversationId)}`;
    const answer = await this.#probe(path, true);
    if (this.#stopped) return;
    const request = { method: "GET", path: new URL(`${this.#base}${path}`).pathname };
    const status = answer?.status;
    if (status === 401 || status === 403) {
      this.#fail(
        new AuthenticationError(
          status,
          undefined,
          request,
          `WebSocket ${this.#path} was refused, and ${request.method} ${request.path} with the same key answered ${status}: check the apiKey option`,
        ),
      );
    } else if (status === 404 && answer?.json) {
      this.#fail(
        new NotFoundError(
          status,
          undefined,
          request,
          `WebSocket ${this.#path} was refused, and ${request.method} ${request.path} answered 404: check the conversation id and host`,
        ),
      );
    } else {
      this.#scheduleReconnect(undefined);
    }
  }

  /** Stops for good with `error`: reported once, and every waiter rejects with it. */
  #fail(error: RemoteHandsError): void {
    this.#fatal = error;
    this.#stopped = true;
    this.#stopping = Promise.resolve();
    this.#report(error);
    this.#rejectWaiters(error);
  }

  #fallBack(reason: string): void {
    this.#auto = false;
    this.#protocol = "events";
    try {
      this.#onProtocolChange?.("events", reason);
    } catch (err) {
      this.#reportHook("onProtocolChange", err);
    }
    this.#clearTimer();
    this.#connect();
  }

  #scheduleReconnect(openedAt: number | undefined): void {
    if (this.#stopped) return;
    if (openedAt !== undefined && Date.now() - openedAt >= this.#reconnect.minUptimeMs) {
      this.#failures = 0;
    }
    this.#failures++;
    const wait = reconnectDelay(this.#failures - 1, this.#reconnect);
    this.#clearTimer();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#connect();
    }, wait);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  // --- delivery --------------------------------------------------------------------------------

  #enqueue(item: Item): void {
    this.#queue.push(item);
    if (!this.#draining) this.#drain();
  }

  /** Delivers queued items in order; pauses (keeping `#draining`) while an onReady is pending. */
  #drain(): void {
    this.#draining = true;
    try {
      this.#drainItems();
    } catch (err) {
      // Nothing should throw here; if something does, the queue must not stay stuck.
      this.#draining = false;
      throw err;
    }
  }

  #drainItems(): void {
    for (let item = this.#queue.shift(); item; item = this.#queue.shift()) {
      if (this.#stopped && !this.#fatal) break;
      if ("error" in item) {
        if (item.seq !== undefined && (this.#lastSeq === undefined || item.seq > this.#lastSeq)) {
          this.#lastSeq = item.seq;
        }
        this.#report(item.error);
        continue;
      }
      if ("ready" in item && item.cursor !== undefined && this.#lastSeq === undefined) {
        this.#lastSeq = item.cursor;
      }
      const conn = item.conn;
      const event = "event" in item ? item.event : undefined;
      if (event && "seq" in item && item.seq !== undefined) {
        // Servers before 1.58 can send seq n+1 before seq n: a lower seq is only a duplicate when
        // its event was already delivered (a replay overlapping what came live).
        if (
          this.#lastSeq !== undefined && item.seq <= this.#lastSeq && this.#durableIds.has(event.id)
        ) {
          continue;
        }
        this.#durableIds.add(event.id);
        if (this.#lastSeq === undefined || item.seq > this.#lastSeq) this.#lastSeq = item.seq;
        this.#deliver(event, item.seq);
        continue;
      }
      if (
        event &&
        (conn.ready || conn.protocol === "session" || event.kind !== "ConversationStateUpdateEvent")
      ) {
        this.#deliver(event, undefined, "transient" in item && item.transient === true);
        continue;
      }
      if (conn.ready) continue;
      conn.ready = true;
      const info: ReadyInfo = { reconnect: this.#readyCount > 0 };
      this.#readyCount++;
      let pending: Promise<void> | undefined;
      try {
        const result = this.#onReady?.(info);
        if (result && typeof (result as Promise<void>).then === "function") pending = result;
      } catch (err) {
        this.#reportHook("onReady", err);
      }
      if (pending) {
        pending.then(undefined, (err: unknown) => this.#reportHook("onReady", err)).then(() => {
          if (!(this.#stopped && !this.#fatal)) this.#afterReady(event);
          this.#drain();
        });
        return;
      }
      this.#afterReady(event);
    }
    if (this.#stopped && !this.#fatal) this.#queue.length = 0;
    this.#draining = false;
  }

  #afterReady(event: Event | undefined): void {
    if (event) this.#deliver(event);
    if (!this.#readyDone) {
      this.#readyDone = true;
      for (const waiter of [...this.#waiters]) waiter.resolve();
    }
  }

  #deliver(event: Event, seq?: number, transient = false): void {
    try {
      if (transient) this.#callback(event, seq, true);
      else this.#callback(event, seq);
    } catch (err) {
      this.#report(
        new RemoteHandsError(
          `The event callback threw on ${event.kind} ${event.id}: ${describe(err)}`,
          { cause: err },
        ),
      );
    }
  }

  /** `text` with the API key (as sent or JSON-escaped) replaced by `[redacted]`. */
  #redact(text: string): string {
    return this.#apiKey === undefined ? text : redactText(text, [this.#apiKey]);
  }

  #reportHook(name: string, err: unknown): void {
    this.#report(new RemoteHandsError(`${name} threw: ${describe(err)}`, { cause: err }));
  }

  #report(error: RemoteHandsError): void {
    try {
      this.#onError?.(error);
    } catch {
      // onError must not break the stream; there is nowhere else to report to.
    }
  }

  #rejectWaiters(error: unknown): void {
    for (const waiter of [...this.#waiters]) waiter.reject(error);
  }

  #closeDetails(): { closeCode?: number; closeReason?: string } {
    return this.#lastClose
      ? { closeCode: this.#lastClose.code, closeReason: this.#lastClose.reason }
      : {};
  }
}

/** Close codes outside 1000-4999 (Deno reports 0 for an abnormal close) become 1006. */
function normalizeCloseCode(code: unknown): number {
  return typeof code === "number" && Number.isInteger(code) && code >= 1000 && code <= 4999
    ? code
    : 1006;
}

function byteLength(data: unknown): number {
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  if (typeof Blob !== "undefined" && data instanceof Blob) return data.size;
  return 0;
}

/** A thrown value as text; never throws (a thrown `{"toString": 1}` included). */
function describe(err: unknown): string {
  try {
    if (err instanceof Error) return String(err.message);
  } catch {
    // A hostile `message` getter: fall through.
  }
  return safeString(err);
}

/** `String(value)`, or a description of its type when that throws. */
function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return `a value that cannot be shown (${shown(value)})`;
  }
}

/** `object[key]` when it is an own property (nothing from a prototype, no `__proto__` tricks). */
function own(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** A sequence number of the server's log: a whole number >= 0. */
function isSeq(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
