/**
 * One WebSocket of the event socket client and what happened on it: its listeners (guarded, so
 * nothing a server sends can throw out of one), its connect timeout, and a promise of its close.
 * What the events mean is the client's.
 *
 * @module
 */

import { EventValidationError, RemoteHandsError } from "../errors.ts";
import { describeError } from "./_describe.ts";
import type { ReplayConnection } from "./_session_replay.ts";
import type { WebSocketLike } from "./types.ts";

/**
 * One WebSocket and what happened on it.
 *
 * @example
 * ```ts ignore
 * const conn: SocketConnection = watchSocket(ws, "events", undefined, 10_000, listeners);
 * ```
 */
export interface SocketConnection extends ReplayConnection {
  /** The socket. */
  readonly ws: WebSocketLike;
  /** When `open` fired (`Date.now()`), if it did. */
  openedAt: number | undefined;
  /** Resolves once its `close` event fired. */
  readonly closed: Promise<void>;
  /** Whether it was abandoned for not opening within the connect timeout. */
  timedOut?: boolean;
}

/**
 * What the client does with a connection's events. `open`, `message`, `error` and `close` run
 * guarded: a throw is passed to `report` (for a frame, as an `EventValidationError` quoting it).
 *
 * @example
 * ```ts ignore
 * const listeners: SocketListeners = { open, message, error, close, timedOut, report };
 * ```
 */
export interface SocketListeners {
  /** The socket opened. */
  readonly open: (conn: SocketConnection) => void;
  /** A frame arrived. */
  readonly message: (conn: SocketConnection, ev: MessageEvent) => void;
  /** The runtime reported a connection error (`ev.message` may say what). */
  readonly error: (ev: { message?: unknown }) => void;
  /** The socket closed. */
  readonly close: (conn: SocketConnection, ev: CloseEvent) => void;
  /** The socket did not open in time and is being closed. */
  readonly timedOut: () => void;
  /** Reports a throw of a listener above; never throws. */
  readonly report: (error: RemoteHandsError) => void;
}

/**
 * Wires the listeners of a new socket and starts its connect timeout.
 *
 * @param ws The socket, just made.
 * @param protocol The protocol it speaks.
 * @param afterSeq Session socket: the `after_seq` it was opened with.
 * @param connectTimeoutMs How long it may take to open before it is closed.
 * @param on The client's listeners.
 * @returns The connection record.
 * @example
 * ```ts ignore
 * this.#conn = watchSocket(new WebSocket(url), "session", -1, 10_000, listeners);
 * ```
 */
export function watchSocket(
  ws: WebSocketLike,
  protocol: "events" | "session",
  afterSeq: number | undefined,
  connectTimeoutMs: number,
  on: SocketListeners,
): SocketConnection {
  ws.binaryType = "arraybuffer";
  let markClosed!: () => void;
  const conn: SocketConnection = {
    ws,
    openedAt: undefined,
    ready: false,
    closed: new Promise<void>((resolve) => (markClosed = resolve)),
    protocol,
    afterSeq,
  };
  const guard = (body: () => void, message?: { data?: unknown }): void => {
    try {
      body();
    } catch (err) {
      on.report(listenerError(err, message));
    }
  };
  ws.addEventListener("open", () => guard(() => on.open(conn)));
  // The per-frame path: no closure per frame.
  ws.addEventListener("message", (ev) => {
    try {
      on.message(conn, ev as MessageEvent);
    } catch (err) {
      on.report(listenerError(err, ev));
    }
  });
  ws.addEventListener("error", (ev) => guard(() => on.error(ev as { message?: unknown })));
  const connectTimer = setTimeout(() => {
    if (conn.openedAt !== undefined) return;
    conn.timedOut = true;
    on.timedOut();
    try {
      ws.close();
    } catch {
      // already closing
    }
  }, connectTimeoutMs);
  ws.addEventListener("open", () => clearTimeout(connectTimer));
  ws.addEventListener("close", (ev) => {
    clearTimeout(connectTimer);
    markClosed();
    guard(() => on.close(conn, ev as CloseEvent));
  });
  return conn;
}

/** The report of a listener that threw: for a frame, an `EventValidationError` quoting it. */
function listenerError(err: unknown, message: { data?: unknown } | undefined): RemoteHandsError {
  let data: unknown;
  try {
    data = message?.data;
  } catch {
    data = undefined;
  }
  return message
    ? new EventValidationError(
      `the client could not handle this frame (${describeError(err)})`,
      typeof data === "string" ? data : "",
      { cause: err },
    )
    : new RemoteHandsError(`The event socket's listener failed: ${describeError(err)}`, {
      cause: err,
    });
}

/** How long `stop()` waits for the close handshake (and a probe) before it lets go. */
const CLOSE_WAIT_MS = 3_000;
const CLOSED = 3;

/**
 * Closes a connection with 1000 for `stop()`.
 *
 * @param conn The connection, if any.
 * @returns A promise of its `close` event, or `undefined` when there is nothing to wait for.
 * @example
 * ```ts ignore
 * const closing = closeForStop(this.#conn);
 * ```
 */
export function closeForStop(conn: SocketConnection | undefined): Promise<void> | undefined {
  if (!conn || conn.ws.readyState === CLOSED) return undefined;
  try {
    conn.ws.close(1000, "client stopped");
  } catch {
    // Already closing.
  }
  return conn.closed;
}

/**
 * Resolves once every promise of `waits` settled, or after 3 s: a frozen peer never answers the
 * close handshake, a custom fetch may ignore its signal.
 *
 * @param waits What `stop()` waits for.
 * @returns A promise that never rejects; its timer is cleared however it settles.
 * @example
 * ```ts
 * import { waitAtMost } from "./_socket_connection.ts";
 * await waitAtMost([Promise.resolve()]);
 * ```
 */
export function waitAtMost(waits: Promise<unknown>[]): Promise<void> {
  if (waits.length === 0) return Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    Promise.all(waits).then(() => {}),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS))),
  ]).finally(() => clearTimeout(timer));
}
