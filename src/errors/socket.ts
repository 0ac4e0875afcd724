/**
 * Errors of the event WebSocket: {@linkcode WebSocketConnectionError} and
 * {@linkcode closeError}, which types a fatal close.
 *
 * @module
 */

import { AuthenticationError, NotFoundError } from "./api.ts";
import { RemoteHandsError } from "./base.ts";

/**
 * The event WebSocket could not be used: it never became ready in time, or closed for good.
 * Authentication (4001) and unknown conversation (4004) closes are reported as
 * {@linkcode AuthenticationError} and {@linkcode NotFoundError} with `closeCode` set instead.
 *
 * @example
 * ```ts
 * import { WebSocketConnectionError } from "@remote-hands/client";
 * const err = new WebSocketConnectionError("no state event within 30000 ms", { closeCode: 1006 });
 * if (err.closeCode !== 1006) throw new Error("unexpected");
 * ```
 */
export class WebSocketConnectionError extends RemoteHandsError {
  static {
    this.prototype.name = "WebSocketConnectionError";
  }

  /** The close code of the last connection, when there was one. */
  readonly closeCode: number | undefined;
  /** The close reason of the last connection, when there was one. */
  readonly closeReason: string | undefined;
  /** Creates the error. */
  constructor(
    message: string,
    options: ErrorOptions & { closeCode?: number; closeReason?: string } = {},
  ) {
    super(`WebSocket: ${message}`, options);
    this.closeCode = options.closeCode;
    this.closeReason = options.closeReason;
  }
}

/**
 * Builds the typed error for a fatal WebSocket close: 4001 → {@linkcode AuthenticationError}
 * (status 401), 4004 → {@linkcode NotFoundError} (status 404), anything else →
 * {@linkcode WebSocketConnectionError}.
 *
 * @example
 * ```ts
 * import { AuthenticationError } from "@remote-hands/client";
 * import { closeError } from "./socket.ts";
 * const err = closeError(4001, "Authentication failed", "/sockets/events/x");
 * if (!(err instanceof AuthenticationError)) throw new Error("unexpected");
 * ```
 */
export function closeError(code: number, reason: string, path: string): RemoteHandsError {
  const fatal = code === 4001
    ? [AuthenticationError, 401, "Authentication failed", "check the apiKey option"] as const
    : code === 4004
    ? [NotFoundError, 404, "Conversation not found", "check the conversation id and host"] as const
    : undefined;
  if (fatal) {
    const [ErrorClass, status, fallback, hint] = fatal;
    const detail = reason || fallback;
    const err = new ErrorClass(
      status,
      { detail },
      { method: "WEBSOCKET", path },
      `WebSocket ${path} closed with ${code} (${detail}): ${hint}`,
    );
    Object.defineProperty(err, "closeCode", { value: code, enumerable: true });
    return err;
  }
  return new WebSocketConnectionError(
    `${path} closed with ${code}${reason ? ` (${reason})` : ""}`,
    {
      closeCode: code,
      closeReason: reason,
    },
  );
}
