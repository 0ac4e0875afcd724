/**
 * The engine of {@linkcode WebSocketCallbackClient}: keeps one socket of a conversation open. It
 * connects (first-message auth, `after_seq` or `resend_mode` for replay), hands frames to the
 * ordered delivery queue, and after a close follows the close policy: reconnect with backoff,
 * fall back to the events socket, explain a refusal over REST, or stop for good.
 *
 * @module
 */

import { redactText } from "../_redact.ts";
import {
  EventValidationError,
  type RemoteHandsError,
  WebSocketConnectionError,
} from "../errors.ts";
import type { Event } from "../events/kinds.ts";
import { parseEventFrame } from "../events/parse.ts";
import { probeConversation, probeReady, socketUrl } from "../rest/sockets.ts";
import {
  type CloseAction,
  closeAction,
  normalizeCloseCode,
  readyProbeAction,
  refusalProbeAction,
  TooLargeWatch,
} from "./_close_policy.ts";
import { callHook, closeDetails, ConnectionStates } from "./_connection_state.ts";
import { DeliveryQueue, type DeliveryTargets } from "./_delivery_queue.ts";
import { byteLength, describeError } from "./_describe.ts";
import { Probes } from "./_probes.ts";
import { resumeQuery } from "./_resume.ts";
import { decodeSessionFrame, serverErrorEvent } from "./_session_frames.ts";
import { routeSessionFrame } from "./_session_replay.ts";
import {
  closeForStop,
  type SocketConnection,
  type SocketListeners,
  waitAtMost,
  watchSocket,
} from "./_socket_connection.ts";
import { reconnectDelay, type ResolvedReconnect } from "./reconnect.ts";
import type {
  CloseInfo,
  WebSocketCallbackClientOptions,
  WebSocketConstructorLike,
} from "./types.ts";

const OPEN = 1;

/**
 * The checked options of {@linkcode ReconnectingSocket}.
 *
 * @example
 * ```ts ignore
 * new ReconnectingSocket({ ...options, base, protocol: "session", auto: true, WebSocket, fetch, reconnect });
 * ```
 */
export interface ReconnectingSocketOptions extends
  Pick<
    WebSocketCallbackClientOptions,
    "conversationId" | "callback" | "onError" | "onReady" | "resumeAfter" | "onProtocolChange"
  >,
  Pick<DeliveryTargets, "delivered"> {
  readonly onConnectionChange: WebSocketCallbackClientOptions["onConnectionChange"];
  /** The normalized host. */
  readonly base: string;
  /** The first protocol to use; `auto`: fall back to `"events"` when the session one fails. */
  readonly protocol: "events" | "session";
  readonly auto: boolean;
  readonly apiKey: string | undefined;
  readonly sessionReplay: "all" | "live" | number;
  readonly WebSocket: WebSocketConstructorLike;
  readonly fetch: (request: Request) => Promise<Response>;
  readonly reconnect: ResolvedReconnect;
}

/**
 * See {@linkcode WebSocketCallbackClient}, its public face, for the behaviour.
 *
 * @example
 * ```ts ignore
 * const socket = new ReconnectingSocket(options);
 * socket.start();
 * ```
 */
export class ReconnectingSocket {
  readonly #o: ReconnectingSocketOptions;
  readonly #queue: DeliveryQueue;
  readonly #probes = new Probes();
  readonly #listeners: SocketListeners;
  readonly #states: ConnectionStates;
  #path: string;
  #protocol: "events" | "session";
  #auto: boolean;
  #sessionOpened = false;
  #serverErrors = 0;
  readonly #tooLarge = new TooLargeWatch();
  /** Consecutive connections that closed without opening (connect timeouts aside). */
  #refusals = 0;
  #started = false;
  #stopped = false;
  #fatal: RemoteHandsError | undefined;
  #conn: SocketConnection | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopping: Promise<void> | undefined;
  #connectionCount = 0;
  #failures = 0;
  #lastClose: CloseInfo | undefined;
  #lastError: string | undefined;

  /** @param options The checked options. */
  constructor(options: ReconnectingSocketOptions) {
    this.#o = options;
    this.#protocol = options.protocol;
    this.#auto = options.auto;
    this.#path = this.#socketUrl().pathname;
    this.#states = new ConnectionStates(options.onConnectionChange, (e) => this.#report(e));
    this.#queue = new DeliveryQueue({
      callback: options.callback,
      onReady: options.onReady,
      report: (error) => this.#report(error),
      dropping: () => this.#stopped && !this.#fatal,
      delivered: options.delivered,
    });
    this.#listeners = {
      open: (conn) => this.#onOpen(conn),
      message: (conn, ev) => this.#onMessage(conn, ev),
      error: (ev) => {
        const message = ev.message;
        this.#lastError = typeof message === "string" && message
          ? this.#redact(message)
          : "connection error";
      },
      close: (conn, ev) => this.#onClose(conn, ev),
      timedOut: () => {
        this.#lastError = `not open after ${options.reconnect.connectTimeoutMs} ms`;
      },
      report: (error) => this.#report(error),
    };
  }

  /** The protocol in use. */
  get protocol(): "events" | "session" {
    return this.#protocol;
  }
  /** The resume cursor (session socket). */
  get lastSeq(): number | undefined {
    return this.#queue.lastSeq;
  }
  /** Whether a socket is open now. */
  get connected(): boolean {
    return this.#conn?.openedAt !== undefined && this.#conn.ws.readyState === OPEN;
  }
  /** How many connections have opened. */
  get connectionCount(): number {
    return this.#connectionCount;
  }
  /** Consecutive failed connections (0 once one stayed open `minUptimeMs`). */
  get reconnectAttempts(): number {
    const openedAt = this.#conn?.openedAt;
    if (
      openedAt !== undefined && this.connected &&
      Date.now() - openedAt >= this.#o.reconnect.minUptimeMs
    ) {
      return 0;
    }
    return this.#failures;
  }
  /** How the last connection closed (a copy). */
  get lastClose(): CloseInfo | undefined {
    return this.#lastClose && { ...this.#lastClose };
  }

  /** Connects, once; nothing after `stop()` or a fatal close. */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    this.#connect();
  }

  /** Stops for good (idempotent); resolves once the socket and the probes let go. */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    this.#stopped = true;
    if (this.#started) this.#states.closed({ code: 1000, reason: "client stopped" });
    this.#clearTimer();
    this.#queue.clear();
    this.#queue.rejectWaiters(this.#fatal ?? this.#stoppedError());
    const waits: Promise<unknown>[] = this.#probes.abortAll();
    const closing = closeForStop(this.#conn);
    if (closing) waits.push(closing);
    this.#stopping = waitAtMost(waits);
    return this.#stopping;
  }

  /** See `WebSocketCallbackClient.waitUntilReady` (`timeoutMs` is checked by the caller). */
  whenReady(timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.#queue.readyDone) return Promise.resolve();
    if (this.#fatal) return Promise.reject(this.#fatal);
    if (this.#stopped) return Promise.reject(this.#stoppedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    return this.#queue.whenReady(
      timeoutMs,
      signal,
      () =>
        new WebSocketConnectionError(`no state event within ${timeoutMs} ms`, {
          ...closeDetails(this.#lastClose),
          ...(this.#lastError === undefined ? {} : { cause: new Error(this.#lastError) }),
        }),
    );
  }

  #socketUrl(query?: URLSearchParams): URL {
    return socketUrl(this.#o.base, this.#protocol, this.#o.conversationId, query);
  }

  #connect(): void {
    if (this.#stopped) return;
    this.#states.tell({ state: "connecting" });
    if (this.#stopped) return; // the listener stopped the client
    const { query, afterSeq } = resumeQuery({
      protocol: this.#protocol,
      lastSeq: this.#queue.lastSeq,
      sessionReplay: this.#o.sessionReplay,
      resumeAfter: this.#o.resumeAfter,
      report: (error) => this.#report(error),
    });
    const url = this.#socketUrl(query);
    this.#path = url.pathname;
    let ws;
    try {
      ws = new this.#o.WebSocket(url.href);
    } catch (err) {
      this.#lastError = describeError(err);
      this.#lastClose = { code: 1006, reason: "" };
      this.#conn = undefined;
      this.#scheduleReconnect(undefined);
      return;
    }
    const timeout = this.#o.reconnect.connectTimeoutMs;
    this.#conn = watchSocket(ws, this.#protocol, afterSeq, timeout, this.#listeners);
  }

  #onOpen(conn: SocketConnection): void {
    if (this.#conn !== conn || this.#stopped) return;
    conn.openedAt = Date.now();
    this.#connectionCount++;
    if (conn.protocol === "session") this.#sessionOpened = true;
    this.#lastError = undefined;
    this.#refusals = 0;
    if (this.#o.apiKey !== undefined) {
      try {
        conn.ws.send(JSON.stringify({ type: "auth", session_api_key: this.#o.apiKey }));
      } catch {
        // The socket is already closing; its close event decides what happens next.
      }
    }
    this.#states.tell({ state: "open" });
  }

  #onMessage(conn: SocketConnection, ev: MessageEvent): void {
    if (this.#conn !== conn || this.#stopped) return;
    const data: unknown = ev.data;
    if (typeof data !== "string") {
      const error = new EventValidationError(
        `binary frame of ${byteLength(data)} bytes (the server sends events as text frames)`,
        "",
      );
      this.#queue.push({ conn, error });
    } else if (conn.protocol === "session") {
      routeSessionFrame(conn, decodeSessionFrame(data), this.#queue, this.#serverError);
    } else {
      const parsed = parseEventFrame(data);
      if (parsed.success) this.#queue.pushLive(conn, parsed.event);
      else this.#queue.push({ conn, error: parsed.error });
    }
  }

  readonly #serverError = (code: string, detail: unknown): Event =>
    serverErrorEvent(++this.#serverErrors, code, detail, (text) => this.#redact(text));

  #onClose(conn: SocketConnection, ev: CloseEvent): void {
    if (this.#conn !== conn) return;
    const code = normalizeCloseCode(ev.code);
    // A server or proxy may echo the key in the reason: it never reaches lastClose or an error.
    const reason = typeof ev.reason === "string" ? this.#redact(ev.reason) : "";
    this.#lastClose = { code, reason };
    if (this.#stopped) return;
    const tooLarge = this.#tooLarge.check({
      code,
      reason,
      lastError: this.#lastError,
      fallsBack: this.#auto && conn.protocol === "session",
      cursor: this.#queue.lastSeq ?? null,
      path: this.#path,
    });
    if (tooLarge) this.#report(tooLarge);
    const action = closeAction({
      code,
      reason,
      protocol: conn.protocol,
      auto: this.#auto,
      sessionOpened: this.#sessionOpened,
      opened: conn.openedAt !== undefined,
      timedOut: conn.timedOut === true,
      refusals: this.#refusals,
      path: this.#path,
    });
    if (action.kind === "probe ready") void this.#probeReady(conn.openedAt);
    else if (action.kind !== "refused") this.#follow(action, conn.openedAt);
    else {
      this.#refusals = action.refusals;
      if (action.probe) void this.#probeRefusal();
      else this.#scheduleReconnect(conn.openedAt);
    }
  }

  /** The session socket never opened: ask `/ready` (no key) whether the server is an older one. */
  async #probeReady(openedAt: number | undefined): Promise<void> {
    const { fetch, base } = this.#o;
    const answer = await this.#probes.run((signal) => probeReady(fetch, base, signal));
    if (this.#stopped) return;
    this.#follow(readyProbeAction(answer, this.#auto), openedAt);
  }

  /** Connections closed without opening: ask the REST API with the key whether the key or the
   * conversation is the reason (see `WebSocketCallbackClient`). */
  async #probeRefusal(): Promise<void> {
    const { fetch, base, apiKey, conversationId } = this.#o;
    const answer = await this.#probes.run((signal) =>
      probeConversation(fetch, base, apiKey, conversationId, signal)
    );
    if (this.#stopped) return;
    this.#follow(refusalProbeAction(answer, this.#path), undefined);
  }

  #follow(action: CloseAction, openedAt: number | undefined): void {
    if (action.kind === "fall back") this.#fallBack(action.reason);
    else if (action.kind === "fail") this.#fail(action.error);
    else this.#scheduleReconnect(openedAt);
  }

  /** Stops for good with `error`: reported once, and every waiter rejects with it. */
  #fail(error: RemoteHandsError): void {
    this.#fatal = error;
    this.#stopped = true;
    this.#stopping = Promise.resolve();
    this.#report(error);
    this.#queue.rejectWaiters(error);
    this.#states.closed(this.#lastClose, error);
  }

  #fallBack(reason: string): void {
    this.#auto = false;
    this.#protocol = "events";
    const hook = this.#o.onProtocolChange;
    if (hook) callHook("onProtocolChange", () => hook("events", reason), (e) => this.#report(e));
    this.#clearTimer();
    this.#connect();
  }

  #scheduleReconnect(openedAt: number | undefined): void {
    if (this.#stopped) return;
    if (openedAt !== undefined && Date.now() - openedAt >= this.#o.reconnect.minUptimeMs) {
      this.#failures = 0;
    }
    this.#failures++;
    const wait = reconnectDelay(this.#failures - 1, this.#o.reconnect);
    this.#clearTimer();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#connect();
    }, wait);
    this.#states.reconnecting(this.#failures, wait, this.#lastClose);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** `text` with the API key (as sent or JSON-escaped) replaced by `[redacted]`. */
  #redact(text: string): string {
    return this.#o.apiKey === undefined ? text : redactText(text, [this.#o.apiKey]);
  }

  #report(error: RemoteHandsError): void {
    try {
      this.#o.onError?.(error);
    } catch {
      // onError must not break the stream; there is nowhere else to report to.
    }
  }

  #stoppedError(): WebSocketConnectionError {
    return new WebSocketConnectionError("the client was stopped before it was ready", {
      ...closeDetails(this.#lastClose),
    });
  }
}
