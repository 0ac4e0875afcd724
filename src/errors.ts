/**
 * The one error hierarchy of remote-hands.
 *
 * Every error the client throws on purpose is a {@linkcode RemoteHandsError}. HTTP answers outside
 * 2xx become an {@linkcode APIError} subclass picked by status; a server that cannot be reached is
 * a {@linkcode ConnectionError}; a request that ran out of time is a {@linkcode TimeoutError}.
 * Messages say what happened and what to do, and never contain the API key or secret values.
 *
 * @module
 */

import { redactSecrets } from "./_redact.ts";

/**
 * Base class of every error remote-hands throws on purpose.
 *
 * @example Catch anything from the client
 * ```ts
 * import { RemoteHandsError } from "./errors.ts";
 * try {
 *   throw new RemoteHandsError("Cannot do it: reason");
 * } catch (err) {
 *   if (!(err instanceof RemoteHandsError)) throw err;
 * }
 * ```
 */
export class RemoteHandsError extends Error {
  /** Creates the error; `cause` keeps the underlying failure. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * What an {@linkcode APIError} was answering.
 *
 * @example
 * ```ts
 * import { APIError, type APIErrorRequest } from "./errors.ts";
 * const request: APIErrorRequest = { method: "POST", path: "/api/conversations" };
 * const err = APIError.from(400, { detail: "bad" }, request);
 * if (!err.message.startsWith("POST /api/conversations failed with 400")) throw new Error(err.message);
 * ```
 */
export interface APIErrorRequest {
  /** HTTP method, e.g. `POST`. */
  method: string;
  /** Path of the request URL (no query string), e.g. `/api/conversations`. */
  path: string;
}

function describeDetail(detail: unknown): string {
  if (detail === undefined || detail === null) return "";
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    // FastAPI validation errors: [{ loc: [...], msg: "..." }]
    return detail.map((d) => {
      if (d && typeof d === "object" && "msg" in d) {
        const loc = "loc" in d && Array.isArray(d.loc) ? d.loc.join(".") : "";
        return loc ? `${loc}: ${String(d.msg)}` : String(d.msg);
      }
      return JSON.stringify(d);
    }).join("; ");
  }
  if (typeof detail === "object" && "message" in detail) return String(detail.message);
  return JSON.stringify(detail);
}

/** The most characters of a server's body an error message quotes. */
const EXCERPT_CHARS = 500;

/** `text` cut to {@linkcode EXCERPT_CHARS} code points, with "…" marking the cut. */
function excerpt(text: string): string {
  if (text.length <= EXCERPT_CHARS) return text;
  const chars = Array.from(text);
  return chars.length <= EXCERPT_CHARS ? text : `${chars.slice(0, EXCERPT_CHARS).join("")}…`;
}

const ADVICE: Record<number, string> = {
  400: "the server refused the request as it stands",
  401: "check the apiKey option: the server requires a valid X-Session-API-Key",
  403: "the key is valid but not allowed to do this",
  404: "check the id and the host",
  409: "the resource is busy or already exists; wait or pause it first",
  422: "fix the request fields named above",
  429: "slow down and retry later",
};

/**
 * An HTTP answer outside 2xx from the agent server.
 *
 * `status` is the HTTP status; `detail` is the server's `detail` field (a string, or for 422 the
 * list of validation errors). `body` is the parsed body with fields that may echo input redacted.
 * The message quotes at most 500 characters of the detail ("…" marks a cut); the client reads at
 * most 64 KiB of an error body.
 *
 * @example Map a status to its class
 * ```ts
 * import { APIError, NotFoundError } from "./errors.ts";
 * const err = APIError.from(404, { detail: "Conversation not found" }, { method: "GET", path: "/api/x" });
 * if (!(err instanceof NotFoundError)) throw new Error("expected NotFoundError");
 * ```
 */
export class APIError extends RemoteHandsError {
  /** HTTP status code. */
  readonly status: number;
  /** The server's `detail` field, when it sent one. */
  readonly detail: unknown;
  /** The parsed response body (input echoes redacted). */
  readonly body: unknown;
  /** HTTP method of the failed request. */
  readonly method: string;
  /** URL path of the failed request. */
  readonly path: string;
  /** The WebSocket close code (4001, 4004) when the error came from the event socket. */
  readonly closeCode: number | undefined = undefined;

  /** Creates the error. Prefer {@linkcode APIError.from}, which picks the subclass. */
  constructor(
    status: number,
    body: unknown,
    request: APIErrorRequest,
    message?: string,
    options?: ErrorOptions,
  ) {
    const safeBody = redactSecrets(body);
    const detail = safeBody && typeof safeBody === "object" && "detail" in safeBody
      ? safeBody.detail
      : typeof safeBody === "string" && safeBody !== ""
      ? safeBody
      : undefined;
    const described = excerpt(describeDetail(detail));
    const advice = ADVICE[status] ??
      (status >= 500 ? "retry later or read the server log" : "see the detail");
    super(
      message ??
        `${request.method} ${request.path} failed with ${status}${
          described ? `: ${described}` : ""
        } (${advice})`,
      options,
    );
    this.status = status;
    this.detail = detail;
    this.body = safeBody;
    this.method = request.method;
    this.path = request.path;
  }

  /** Builds the subclass that matches `status`. */
  static from(status: number, body: unknown, request: APIErrorRequest): APIError {
    const Class = status === 400
      ? BadRequestError
      : status === 401
      ? AuthenticationError
      : status === 403
      ? PermissionDeniedError
      : status === 404
      ? NotFoundError
      : status === 409
      ? ConflictError
      : status === 422
      ? ValidationError
      : status === 429
      ? RateLimitError
      : status >= 500
      ? ServerError
      : APIError;
    return new Class(status, body, request);
  }
}

/**
 * HTTP 400: the server refused the request (for some routes also an unknown conversation).
 *
 * @example
 * ```ts
 * import { APIError, BadRequestError } from "./errors.ts";
 * const err = APIError.from(400, { detail: "Invalid request" }, { method: "POST", path: "/api/x" });
 * if (!(err instanceof BadRequestError)) throw new Error("unexpected");
 * ```
 */
export class BadRequestError extends APIError {}

/**
 * HTTP 401, or WebSocket close 4001: the session API key is missing or wrong.
 *
 * @example
 * ```ts
 * import { AuthenticationError } from "./errors.ts";
 * const err = new AuthenticationError(401, { detail: "Unauthorized" }, { method: "GET", path: "/api/conversations/search" });
 * if (err.status !== 401) throw new Error("unexpected");
 * ```
 */
export class AuthenticationError extends APIError {}

/**
 * HTTP 403: the request is not allowed.
 *
 * @example
 * ```ts
 * import { APIError, PermissionDeniedError } from "./errors.ts";
 * const err = APIError.from(403, { detail: "Forbidden" }, { method: "POST", path: "/api/x" });
 * if (!(err instanceof PermissionDeniedError)) throw new Error("unexpected");
 * ```
 */
export class PermissionDeniedError extends APIError {}

/**
 * HTTP 404, or WebSocket close 4004: the conversation (or other resource) does not exist.
 *
 * @example
 * ```ts
 * import { APIError, NotFoundError } from "./errors.ts";
 * const err = APIError.from(404, { detail: "Conversation not found" }, { method: "POST", path: "/api/x" });
 * if (!(err instanceof NotFoundError)) throw new Error("unexpected");
 * ```
 */
export class NotFoundError extends APIError {}

/**
 * HTTP 409: the conversation is busy (already running) or the id already exists.
 *
 * @example
 * ```ts
 * import { APIError, ConflictError } from "./errors.ts";
 * const err = APIError.from(409, { detail: "Conversation is already running" }, { method: "POST", path: "/api/x" });
 * if (!(err instanceof ConflictError)) throw new Error("unexpected");
 * ```
 */
export class ConflictError extends APIError {}

/**
 * HTTP 422: the request failed validation; `detail` lists the fields.
 *
 * @example
 * ```ts
 * import { APIError, ValidationError } from "./errors.ts";
 * const err = APIError.from(422, { detail: [{ loc: ["body", "role"], msg: "Input should be 'user'" }] }, { method: "POST", path: "/api/x" });
 * if (!(err instanceof ValidationError)) throw new Error("unexpected");
 * if (!err.message.includes("body.role")) throw new Error(err.message);
 * ```
 */
export class ValidationError extends APIError {}

/**
 * HTTP 429: too many requests.
 *
 * @example
 * ```ts
 * import { APIError, RateLimitError } from "./errors.ts";
 * const err = APIError.from(429, { detail: "Too many requests" }, { method: "POST", path: "/api/x" });
 * if (!(err instanceof RateLimitError)) throw new Error("unexpected");
 * ```
 */
export class RateLimitError extends APIError {}

/**
 * HTTP 5xx: the server failed.
 *
 * @example
 * ```ts
 * import { APIError, ServerError } from "./errors.ts";
 * const err = APIError.from(503, "Service Unavailable", { method: "POST", path: "/api/x" });
 * if (!(err instanceof ServerError)) throw new Error("unexpected");
 * ```
 */
export class ServerError extends APIError {}

/**
 * The agent server could not be reached: connection refused, DNS, reset, TLS.
 *
 * @example
 * ```ts
 * import { ConnectionError } from "./errors.ts";
 * const err = new ConnectionError("http://127.0.0.1:1", new TypeError("refused"));
 * if (!err.message.includes("127.0.0.1:1")) throw new Error("unexpected");
 * ```
 */
export class ConnectionError extends RemoteHandsError {
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
 * import { TimeoutError } from "./errors.ts";
 * const err = new TimeoutError("GET /api/conversations/search", 5000);
 * if (err.timeoutMs !== 5000) throw new Error("unexpected");
 * ```
 */
export class TimeoutError extends RemoteHandsError {
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
 * The event WebSocket could not be used: it never became ready in time, or closed for good.
 * Authentication (4001) and unknown conversation (4004) closes are reported as
 * {@linkcode AuthenticationError} and {@linkcode NotFoundError} with `closeCode` set instead.
 *
 * @example
 * ```ts
 * import { WebSocketConnectionError } from "./errors.ts";
 * const err = new WebSocketConnectionError("no state event within 30000 ms", { closeCode: 1006 });
 * if (err.closeCode !== 1006) throw new Error("unexpected");
 * ```
 */
export class WebSocketConnectionError extends RemoteHandsError {
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
 * The server broke the protocol: an answer of the wrong shape (not JSON, an empty body, a create
 * without an id), an id that is not a UUID, a page token that repeats. The request may have been
 * carried out on the server; what the client got back cannot be used. Check that `host` points
 * at an agent server (not a proxy's error page) and that its version is supported.
 *
 * @example
 * ```ts
 * import { ProtocolError } from "./errors.ts";
 * const err = new ProtocolError("GET /api/conversations/search", "next_page_id 'p1' repeats");
 * if (err.what !== "GET /api/conversations/search") throw new Error("unexpected");
 * ```
 */
export class ProtocolError extends RemoteHandsError {
  /** The request or stream whose answer broke the protocol, e.g. `GET /api/conversations`. */
  readonly what: string;
  /** Creates the error: `what` was answered in a way that breaks the protocol (`problem`). */
  constructor(what: string, problem: string, options?: ErrorOptions) {
    super(
      `${what}: the server broke the protocol (${problem}); check that the host is a supported agent server`,
      options,
    );
    this.what = what;
  }
}

/**
 * The server answered with a redirect the client will not follow: to another origin (the session
 * key, secrets and the agent's LLM key would go with it), or more redirects than allowed.
 * Redirects within the origin are followed. Point `host` at the final address instead.
 *
 * @example
 * ```ts
 * import { RedirectError } from "./errors.ts";
 * const err = new RedirectError("POST /api/conversations", 307, "http://evil.test");
 * if (err.targetOrigin !== "http://evil.test" || err.status !== 307) throw new Error("unexpected");
 * ```
 */
export class RedirectError extends RemoteHandsError {
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
 * import { ResponseTooLargeError } from "./errors.ts";
 * const err = new ResponseTooLargeError("GET /api/conversations/x", 1024);
 * if (err.limitBytes !== 1024) throw new Error("unexpected");
 * ```
 */
export class ResponseTooLargeError extends RemoteHandsError {
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

/**
 * The server is too old for what was asked: the feature arrived in a later agent server release.
 * Upgrade the server, or use the fallback the message names.
 *
 * @example
 * ```ts
 * import { UnsupportedByServerError } from "./errors.ts";
 * const err = new UnsupportedByServerError("the session socket", "1.45.0", "use socketProtocol 'auto'");
 * if (err.since !== "1.45.0" || !err.message.includes("1.45.0")) throw new Error("unexpected");
 * ```
 */
export class UnsupportedByServerError extends RemoteHandsError {
  /** What the server lacks, in words (`"the session socket"`). */
  readonly feature: string;
  /** The first agent server release that has it. */
  readonly since: string;
  /** Creates the error; `hint` says what to do instead of upgrading, when there is a way. */
  constructor(feature: string, since: string, hint?: string, options?: ErrorOptions) {
    super(
      `This agent server does not support ${feature} (added in ${since}): upgrade the server${
        hint ? ` or ${hint}` : ""
      }`,
      options,
    );
    this.feature = feature;
    this.since = since;
  }
}

/**
 * Builds the typed error for a fatal WebSocket close: 4001 → {@linkcode AuthenticationError}
 * (status 401), 4004 → {@linkcode NotFoundError} (status 404), anything else →
 * {@linkcode WebSocketConnectionError}.
 *
 * @example
 * ```ts
 * import { AuthenticationError, closeError } from "./errors.ts";
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

/**
 * A frame from the server that is not a valid event. It is reported (to the error callback) and
 * the stream goes on; `excerpt` holds at most the first 200 characters of the frame.
 *
 * @example
 * ```ts
 * import { EventValidationError } from "./errors.ts";
 * const err = new EventValidationError("missing id", "{\"kind\":\"MessageEvent\"}");
 * if (err.excerpt.length > 200) throw new Error("unexpected");
 * ```
 */
export class EventValidationError extends RemoteHandsError {
  /** The start of the offending frame (at most 200 characters). */
  readonly excerpt: string;
  /** Creates the error with a reason and the raw frame text (cut to 200 characters). */
  constructor(reason: string, raw: string, options?: ErrorOptions) {
    super(`Invalid event frame: ${reason}`, options);
    this.excerpt = raw.slice(0, 200);
  }
}

/**
 * Extra details of a {@linkcode ConversationRunError}.
 *
 * @example
 * ```ts
 * import { ConversationRunError, type ConversationRunErrorDetails } from "./errors.ts";
 * const details: ConversationRunErrorDetails = { conversationId: "c1", status: "stuck" };
 * const err = new ConversationRunError(details);
 * if (!err.message.includes("stuck")) throw new Error(err.message);
 * ```
 */
export interface ConversationRunErrorDetails {
  /** The conversation id. */
  conversationId: string;
  /** Final execution status (`error`, `stuck`), when known. */
  status?: string | undefined;
  /** The `ConversationErrorEvent` code (e.g. `APIError`, `MaxIterationsReached`), when known. */
  code?: string | undefined;
  /** The `ConversationErrorEvent` detail, when known. */
  detail?: string | undefined;
  /** The underlying failure, when the run could not be started or awaited. */
  cause?: unknown;
}

/**
 * A run ended in `error` or `stuck`, or could not be started or awaited. Carries the server's
 * `ConversationErrorEvent` code and detail when there was one.
 *
 * @example
 * ```ts
 * import { ConversationRunError } from "./errors.ts";
 * const err = new ConversationRunError({ conversationId: "c1", status: "error", code: "APIError", detail: "boom" });
 * if (err.code !== "APIError") throw new Error("unexpected");
 * ```
 */
export class ConversationRunError extends RemoteHandsError {
  /** The conversation id. */
  readonly conversationId: string;
  /** Final execution status, when known. */
  readonly status: string | undefined;
  /** The server's error code, when known. */
  readonly code: string | undefined;
  /** The server's error detail, when known. */
  readonly detail: string | undefined;
  /** Creates the error. */
  constructor(details: ConversationRunErrorDetails) {
    const what = details.code
      ? `${details.code}: ${details.detail ?? ""}`
      : details.status === "stuck"
      ? "the agent got stuck"
      : details.status === "error"
      ? "the conversation ended with an error"
      : details.cause instanceof Error
      ? details.cause.message
      : "the run failed";
    super(`Conversation run failed for id=${details.conversationId}: ${what}`, {
      cause: details.cause,
    });
    this.conversationId = details.conversationId;
    this.status = details.status;
    this.code = details.code;
    this.detail = details.detail;
  }
}
