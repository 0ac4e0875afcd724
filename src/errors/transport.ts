/**
 * Errors of getting an answer at all: the server cannot be reached, took too long, redirected
 * elsewhere, or answered with more than the client reads.
 *
 * @module
 */

import { RemoteHandsError } from "./base.ts";

/**
 * The agent server could not be reached: connection refused, DNS, reset, TLS.
 *
 * @example
 * ```ts
 * import { ConnectionError } from "@remote-hands/client";
 * const err = new ConnectionError("http://127.0.0.1:1", new TypeError("refused"));
 * if (!err.message.includes("127.0.0.1:1")) throw new Error("unexpected");
 * ```
 */
export class ConnectionError extends RemoteHandsError {
  static {
    this.prototype.name = "ConnectionError";
  }

  /** The origin that could not be reached. */
  readonly origin: string;
  /** Creates the error for `origin` with the underlying failure as `cause`. */
  constructor(origin: string, cause?: unknown, message?: string) {
    const reason = cause instanceof Error
      ? cause.message
      : cause === undefined
      ? ""
      : String(cause);
    super(
      message ??
        `Cannot reach the agent server at ${origin}${
          reason ? `: ${reason}` : ""
        } (check the host and that the server is running)`,
      { cause },
    );
    this.origin = origin;
  }
}

/**
 * A request (or a wait) ran out of time.
 *
 * @example
 * ```ts
 * import { TimeoutError } from "@remote-hands/client";
 * const err = new TimeoutError("GET /api/conversations/search", 5000);
 * if (err.timeoutMs !== 5000) throw new Error("unexpected");
 * ```
 */
export class TimeoutError extends RemoteHandsError {
  static {
    this.prototype.name = "TimeoutError";
  }

  /** The time limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;
  /** Creates the error for `what`, which took longer than `timeoutMs`. */
  constructor(what: string, timeoutMs: number, options?: ErrorOptions) {
    super(
      `${what} timed out after ${timeoutMs} ms (raise the timeout or check the server)`,
      options,
    );
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The server answered with a redirect the client will not follow: to another origin (the session
 * key, secrets and the agent's LLM key would go with it), or more redirects than allowed.
 * Redirects within the origin are followed. Point `host` at the final address instead.
 *
 * @example
 * ```ts
 * import { RedirectError } from "@remote-hands/client";
 * const err = new RedirectError("POST /api/conversations", 307, "http://evil.test");
 * if (err.targetOrigin !== "http://evil.test" || err.status !== 307) throw new Error("unexpected");
 * ```
 */
export class RedirectError extends RemoteHandsError {
  static {
    this.prototype.name = "RedirectError";
  }

  /** The redirect status (301, 302, 303, 307, 308). */
  readonly status: number;
  /** The origin the server redirected to (`"unknown"` when the runtime hides it, as browsers do). */
  readonly targetOrigin: string;
  /** Creates the error: `what` was redirected (`status`) to `targetOrigin`, which was refused. */
  constructor(what: string, status: number, targetOrigin: string, reason?: string) {
    super(
      `${what} was redirected (${status}) to ${targetOrigin}: ${
        reason ??
          "refused, as the key and secrets never leave their origin"
      }; set host to the address the server redirects to`,
    );
    this.status = status;
    this.targetOrigin = targetOrigin;
  }
}

/**
 * An answer was larger than the client accepts (`maxResponseBytes`, 64 MiB by default); it was
 * not read. Raise the limit if the server is trusted and the data is expected to be that large.
 *
 * @example
 * ```ts
 * import { ResponseTooLargeError } from "@remote-hands/client";
 * const err = new ResponseTooLargeError("GET /api/conversations/x", 1024);
 * if (err.limitBytes !== 1024) throw new Error("unexpected");
 * ```
 */
export class ResponseTooLargeError extends RemoteHandsError {
  static {
    this.prototype.name = "ResponseTooLargeError";
  }

  /** The limit that was exceeded, in bytes. */
  readonly limitBytes: number;
  /** Creates the error: the answer to `what` exceeded `limitBytes`. */
  constructor(what: string, limitBytes: number, options?: ErrorOptions) {
    super(
      `${what}: the answer is over ${limitBytes} bytes and was dropped (raise maxResponseBytes if the server is trusted)`,
      options,
    );
    this.limitBytes = limitBytes;
  }
}
