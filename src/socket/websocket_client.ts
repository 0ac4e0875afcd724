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

import { MAX_TIMER_MS } from "../_checks.ts";
import { normalizeHost } from "../rest/client.ts";
import { describeValue } from "./_describe.ts";
import type { DeliveredRecord } from "./_delivery_queue.ts";
import { ReconnectingSocket } from "./_reconnecting_socket.ts";
import { resolveReconnect } from "./reconnect.ts";
import type { CloseInfo, WaitUntilReadyOptions, WebSocketCallbackClientOptions } from "./types.ts";

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
 * import { WebSocketCallbackClient } from "@remote-hands/client";
 *
 * await using events = new WebSocketCallbackClient({
 *   host: "http://127.0.0.1:8000",
 *   conversationId: "6c1b5b1e-0000-4000-8000-000000000000",
 *   apiKey: Deno.env.get("OH_SESSION_API_KEY"),
 *   callback: (event) => console.log(event.kind, event.id),
 *   onError: (error) => console.error(error.message),
 *   onConnectionChange: (change) => console.log(change.state), // connecting, open, reconnecting, closed
 *   onReady: async ({ reconnect }) => {
 *     if (reconnect) await refetchMissedEvents();
 *   },
 * });
 * events.start();
 * await events.waitUntilReady({ timeoutMs: 30_000 });
 * ```
 */
export class WebSocketCallbackClient {
  readonly #socket: ReconnectingSocket;

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
    this.#socket = openReconnectingSocket(options);
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
    return this.#socket.protocol;
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
    return this.#socket.lastSeq;
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
    return this.#socket.connected;
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
    return this.#socket.connectionCount;
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
    return this.#socket.reconnectAttempts;
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
    return this.#socket.lastClose;
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
    this.#socket.start();
  }

  /**
   * Stops for good: cancels a pending reconnect, closes the socket with 1000, aborts a probe in
   * flight and resolves once the socket is closed and the probe has ended (each waited for at
   * most 3 s, for a peer or a `fetch` that ignores them). Frames not yet delivered are dropped,
   * and pending {@linkcode WebSocketCallbackClient.waitUntilReady} calls reject. Idempotent:
   * every call returns the same promise.
   *
   * @example
   * ```ts ignore
   * await events.stop();
   * ```
   */
  stop(): Promise<void> {
    return this.#socket.stop();
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
          describeValue(timeoutMs)
        }`,
      );
    }
    return this.#socket.whenReady(timeoutMs, signal);
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
}

/**
 * Checks the options of a {@linkcode WebSocketCallbackClient} and builds its engine, not started:
 * what the class's constructor does, for code of this library that needs no public face.
 *
 * @param options The client's options.
 * @param delivered The record of delivered events the callback's side keeps, if any (see
 * `DeliveryTargets.delivered`).
 * @returns The engine (call `start()` on it to connect).
 * @throws {TypeError} For a host that is not an http(s) URL, an empty conversation id, no
 * WebSocket constructor or an unknown protocol.
 * @throws {RangeError} For invalid reconnect options.
 * @example
 * ```ts
 * import { openReconnectingSocket } from "./websocket_client.ts";
 * try {
 *   openReconnectingSocket({ host: "http://h", conversationId: "", callback: () => {} });
 *   throw new Error("expected a TypeError");
 * } catch (err) {
 *   if (!(err instanceof TypeError)) throw err;
 * }
 * ```
 */
export function openReconnectingSocket(
  options: WebSocketCallbackClientOptions,
  delivered?: DeliveredRecord,
): ReconnectingSocket {
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
        describeValue(protocol)
      }`,
    );
  }
  const replay = options.sessionReplay ?? "live";
  if (
    replay !== "all" && replay !== "live" &&
    !(typeof replay === "number" && Number.isSafeInteger(replay) && replay >= -1)
  ) {
    throw new TypeError(
      `Cannot open the event socket as 'sessionReplay' must be all, live or a seq (a whole number >= -1): current value is ${
        describeValue(replay)
      }`,
    );
  }
  return new ReconnectingSocket({
    base,
    conversationId: options.conversationId,
    protocol: protocol === "events" ? "events" : "session",
    auto: protocol === "auto",
    sessionReplay: replay,
    onProtocolChange: options.onProtocolChange,
    onConnectionChange: options.onConnectionChange,
    fetch: options.fetch ?? ((request) => globalThis.fetch(request)),
    callback: options.callback,
    apiKey: options.apiKey || undefined,
    onError: options.onError,
    onReady: options.onReady,
    resumeAfter: options.resumeAfter,
    WebSocket: Ctor,
    reconnect: resolveReconnect(options.reconnect),
    delivered,
  });
}
