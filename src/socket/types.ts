/**
 * The public types of the event socket client: its options, what it reports, and the part of
 * the WebSocket API it needs.
 *
 * @module
 */

import type { Event } from "../events/kinds.ts";
import type { RemoteHandsError } from "../errors.ts";
import type { ReconnectOptions } from "./reconnect.ts";

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
 * A change of the event socket's connection state, as `onConnectionChange` is told it:
 *
 * - `"connecting"`: a socket is being opened (the first one, each reconnect, and the events
 *   socket right after an `"auto"` fallback).
 * - `"open"`: it opened (and the key was sent); events follow once the server accepts the key.
 * - `"reconnecting"`: the connection closed (`code` and `reason`: how; 1006 for a connection
 *   that never opened) or could not be made, and the next one starts in `delayMs`; `attempt` is
 *   the number of consecutive failed connections so far (1 for the first retry; it goes back
 *   to 1 after a connection that stayed up `minUptimeMs`).
 * - `"closed"`: for good, and the last change: after `stop()` (`code` 1000, `reason`
 *   `"client stopped"`), or on a fatal close or answer (`code` and `reason` of the last close,
 *   e.g. 4001; `error` is the error also given to `onError`).
 *
 * @example A status line for a UI
 * ```ts
 * import type { ConnectionChange } from "@remote-hands/client";
 * const label = (change: ConnectionChange): string => {
 *   switch (change.state) {
 *     case "connecting":
 *       return "connecting…";
 *     case "open":
 *       return "live";
 *     case "reconnecting":
 *       return `offline (${change.code}); retry ${change.attempt} in ${Math.round(change.delayMs / 1000)} s`;
 *     case "closed":
 *       return change.error ? `stopped: ${change.error.message}` : "closed";
 *   }
 * };
 * // new WebSocketCallbackClient({ ..., onConnectionChange: (change) => render(label(change)) })
 * const text = label({ state: "reconnecting", attempt: 2, delayMs: 2_000, code: 1006, reason: "" });
 * if (text !== "offline (1006); retry 2 in 2 s") throw new Error(text);
 * ```
 */
export type ConnectionChange =
  | { readonly state: "connecting" }
  | { readonly state: "open" }
  | {
    readonly state: "reconnecting";
    /** Consecutive failed connections so far, from 1. */
    readonly attempt: number;
    /** Milliseconds until the next connection starts. */
    readonly delayMs: number;
    /** How the last connection closed (1006: abnormally, or it never opened). */
    readonly code: number;
    /** The close reason the server sent (may be empty; the API key is redacted). */
    readonly reason: string;
  }
  | {
    readonly state: "closed";
    /** 1000 after `stop()`; else the last close's code (1006 when none came with one). */
    readonly code: number;
    /** `"client stopped"` after `stop()`; else the last close's reason, redacted. */
    readonly reason: string;
    /** Why the client stopped by itself (`AuthenticationError`, `NotFoundError`, ...); absent
     * after `stop()`. */
    readonly error?: RemoteHandsError;
  };

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
   * whole stored history, before live events); a seq N sends `after_seq=N` (the stored events
   * after the one with seq N: resume where an earlier client stopped); `"live"` replays nothing.
   * Reconnects always resume after the last stored event received. The connection is ready once
   * the replay is done. @default {"live"} */
  sessionReplay?: "all" | "live" | number | undefined;
  /** Called when `"auto"` falls back to the events socket. */
  onProtocolChange?: ((protocol: "events", reason: string) => void) | undefined;
  /** Called with every change of the connection state, in order: `"connecting"`, `"open"`,
   * `"reconnecting"` (attempt, delay, and how the connection closed), and once, last, `"closed"`
   * (see {@linkcode ConnectionChange}). Nothing is called before `start()`. A throw is caught
   * and reported to `onError`; the socket goes on. */
  onConnectionChange?: ((change: ConnectionChange) => void) | undefined;
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
 * The part of the WebSocket API the client uses: the browser's, Deno's, Bun's, Node's global one
 * and the `ws` package's all fit.
 *
 * @example A stand-in socket for tests
 * ```ts
 * import type { WebSocketConstructorLike, WebSocketLike } from "@remote-hands/client";
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
 * import type { WebSocketConstructorLike } from "@remote-hands/client";
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
 * import type { SocketProtocol } from "@remote-hands/client";
 * const protocol: SocketProtocol = "session"; // exact resume; needs a server since 1.45.0
 * // RemoteConversation.create({ ..., socketProtocol: protocol })
 * if (protocol !== "session") throw new Error();
 * ```
 */
export type SocketProtocol = "events" | "session" | "auto";
