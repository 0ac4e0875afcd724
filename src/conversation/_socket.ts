/**
 * The conversation's event socket, wired to its history: every frame goes to
 * {@linkcode History.take}, every ready to {@linkcode History.onReady}, and the events socket
 * resumes after the list's newest event. The socket uses the workspace's connection: its URL,
 * key, fetch (for the probes) and WebSocket constructor.
 *
 * @module
 */

import { AuthenticationError, NotFoundError, type RemoteHandsError } from "../errors.ts";
import type { Connection } from "../rest/connection.ts";
import type { ConnectionChange, SocketProtocol } from "../socket/types.ts";
import type { ReconnectingSocket } from "../socket/_reconnecting_socket.ts";
import { openReconnectingSocket } from "../socket/websocket_client.ts";
import type { History } from "./_history.ts";

/**
 * Options of {@linkcode connectEventSocket}.
 *
 * @example
 * ```ts
 * import type { EventSocketOptions } from "./_socket.ts";
 * const protocol: EventSocketOptions["protocol"] = "auto";
 * if (protocol !== "auto") throw new Error();
 * ```
 */
export interface EventSocketOptions {
  /** The server. */
  connection: Connection;
  /** The conversation. */
  conversationId: string;
  /** Which socket to use. */
  protocol: SocketProtocol;
  /** The conversation's history, which takes every frame. */
  history: History;
  /** Receives the socket's problems. */
  report: (error: RemoteHandsError) => void;
  /** Called when the socket stops for good (a 4001/4004 close, or the REST check after refused
   * upgrades): a waiting run cannot end by itself any more. */
  onStopped: (error: RemoteHandsError) => void;
  /** How long to wait for the socket's first ready. */
  readyTimeoutMs: number;
  /** Cancels the wait (and the history load). */
  signal: AbortSignal | undefined;
  /** Receives the socket before it starts (to stop it later, ready or not). */
  opened: (socket: ReconnectingSocket) => void;
  /** The user's `onConnectionChange`, told every change of the socket's connection state. */
  onConnectionChange?: ((change: ConnectionChange) => void) | undefined;
}

/**
 * Starts loading the history, opens the conversation's event socket (live only: the history
 * comes over REST) and waits until it is ready with the history loaded.
 *
 * @param options The server, the conversation, its history, how long to wait.
 * @throws {TimeoutError} When the socket is not ready in time.
 * @throws {unknown} Why the history could not be loaded, or the signal's reason.
 *
 * @example
 * ```ts ignore
 * await connectEventSocket({
 *   connection, conversationId, protocol: "auto", history, report, onStopped,
 *   readyTimeoutMs: 30_000, signal: undefined, opened: (socket) => (this.#socket = socket),
 * });
 * ```
 */
export async function connectEventSocket(options: EventSocketOptions): Promise<void> {
  const { connection, history, signal } = options;
  history.beginLoad(options.protocol, signal);
  const socket: ReconnectingSocket = openReconnectingSocket({
    host: connection.baseUrl,
    conversationId: options.conversationId,
    protocol: options.protocol,
    sessionReplay: history.resumeSeq ?? "live",
    // `transient`: the session socket's frame type said the server did not store the event.
    callback: (event, seq, transient) => history.take(event, seq, transient === true),
    onReady: ({ reconnect }) => history.onReady(reconnect, socket),
    resumeAfter: () => history.resumeAfter(),
    ...(connection.apiKey ? { apiKey: connection.apiKey } : {}),
    fetch: connection.fetch,
    ...(connection.WebSocket ? { WebSocket: connection.WebSocket } : {}),
    onConnectionChange: options.onConnectionChange,
    onError: (error) => {
      options.report(error);
      if (error instanceof AuthenticationError || error instanceof NotFoundError) {
        options.onStopped(error);
      }
    },
  }, history);
  options.opened(socket);
  socket.start();
  // `readyTimeoutMs` is a checked timer delay (`checkCreateOptions`), as `waitUntilReady` wants.
  await history.loaded(socket.whenReady(options.readyTimeoutMs, signal));
}
