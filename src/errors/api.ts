/**
 * HTTP answers outside 2xx: {@linkcode APIError} and its subclasses by status.
 *
 * @module
 */

import { redactSecrets } from "../_redact.ts";
import { RemoteHandsError } from "./base.ts";

/**
 * What an {@linkcode APIError} was answering.
 *
 * @example
 * ```ts
 * import { APIError, type APIErrorRequest } from "@remote-hands/client";
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

/**
 * What the agent server's catch-all handler (`api.py`, `_unhandled_exception_handler`) says about
 * a 500, beyond its `detail` ("Internal Server Error"): `exception` is `str(exc)`, which names
 * the cause (`"ToolDefinition 'terminl' is not registered"`), and `error_id` ties the answer to
 * the traceback in the server log. Its HTTPException path sends `exception` without an id.
 */
function serverCause(body: unknown): { exception?: string; errorId?: string } {
  if (!body || typeof body !== "object" || Array.isArray(body)) return {};
  const out: { exception?: string; errorId?: string } = {};
  const exception = "exception" in body ? body.exception : undefined;
  if (typeof exception === "string" && exception.trim() !== "") out.exception = exception.trim();
  const id = "error_id" in body ? body.error_id : undefined;
  if (typeof id === "string" && /^[\w-]{1,64}$/.test(id)) out.errorId = id;
  return out;
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
 * When the body also names the cause in an `exception` field (the agent server's 500 answers,
 * whose `detail` is only "Internal Server Error"), the message quotes it after the detail, and
 * the `error_id` that finds its traceback in the server log. The message quotes at most 500
 * characters of them ("…" marks a cut); the client reads at most 64 KiB of an error body.
 *
 * @example Map a status to its class
 * ```ts
 * import { APIError, NotFoundError } from "@remote-hands/client";
 * const err = APIError.from(404, { detail: "Conversation not found" }, { method: "GET", path: "/api/x" });
 * if (!(err instanceof NotFoundError)) throw new Error("expected NotFoundError");
 * ```
 */
export class APIError extends RemoteHandsError {
  static {
    this.prototype.name = "APIError";
  }

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
    const { exception, errorId } = serverCause(safeBody);
    const detailText = describeDetail(detail);
    const described = excerpt(
      exception === undefined || exception === detailText
        ? detailText
        : detailText
        ? `${detailText}: ${exception}`
        : exception,
    );
    const advice = ADVICE[status] ??
      (errorId !== undefined
        ? `the server log has the traceback under error_id ${errorId}`
        : status >= 500
        ? "retry later or read the server log"
        : "see the detail");
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
 * import { APIError, BadRequestError } from "@remote-hands/client";
 * const err = APIError.from(400, { detail: "Invalid request" }, { method: "POST", path: "/api/x" });
 * if (!(err instanceof BadRequestError)) throw new Error("unexpected");
 * ```
 */
export class BadRequestError extends APIError {
  static {
    this.prototype.name = "BadRequestError";
  }
}

/**
 * HTTP 401, or WebSocket close 4001: the session API key is missing or wrong.
 *
 * @example
 * ```ts
 * import { AuthenticationError } from "@remote-hands/client";
 * const err = new AuthenticationError(401, { detail: "Unauthorized" }, { method: "GET", path: "/api/conversations/search" });
 * if (err.status !== 401) throw new Error("unexpected");
 * ```
 */
export class AuthenticationError extends APIError {
  static {
    this.prototype.name = "AuthenticationError";
  }
}

/**
 * HTTP 403: the request is not allowed.
 *
 * @example
 * ```ts
 * import { APIError, PermissionDeniedError } from "@remote-hands/client";
 * const err = APIError.from(403, { detail: "Forbidden" }, { method: "POST", path: "/api/x" });
 * if (!(err instanceof PermissionDeniedError)) throw new Error("unexpected");
 * ```
 */
export class PermissionDeniedError extends APIError {
  static {
    this.prototype.name = "PermissionDeniedError";
  }
}

/**
 * HTTP 404, or WebSocket close 4004: the conversation (or other resource) does not exist.
 *
 * @example
 * ```ts
 * import { APIError, NotFoundError } from "@remote-hands/client";
 * const err = APIError.from(404, { detail: "Conversation not found" }, { method: "POST", path: "/api/x" });
 * if (!(err instanceof NotFoundError)) throw new Error("unexpected");
 * ```
 */
export class NotFoundError extends APIError {
  static {
    this.prototype.name = "NotFoundError";
  }
}

/**
 * HTTP 409: the conversation is busy (already running) or the id already exists.
 *
 * @example
 * ```ts
 * import { APIError, ConflictError } from "@remote-hands/client";
 * const err = APIError.from(409, { detail: "Conversation is already running" }, { method: "POST", path: "/api/x" });
 * if (!(err instanceof ConflictError)) throw new Error("unexpected");
 * ```
 */
export class ConflictError extends APIError {
  static {
    this.prototype.name = "ConflictError";
  }
}

/**
 * HTTP 422: the request failed validation; `detail` lists the fields.
 *
 * @example
 * ```ts
 * import { APIError, ValidationError } from "@remote-hands/client";
 * const err = APIError.from(422, { detail: [{ loc: ["body", "role"], msg: "Input should be 'user'" }] }, { method: "POST", path: "/api/x" });
 * if (!(err instanceof ValidationError)) throw new Error("unexpected");
 * if (!err.message.includes("body.role")) throw new Error(err.message);
 * ```
 */
export class ValidationError extends APIError {
  static {
    this.prototype.name = "ValidationError";
  }
}

/**
 * HTTP 429: too many requests.
 *
 * @example
 * ```ts
 * import { APIError, RateLimitError } from "@remote-hands/client";
 * const err = APIError.from(429, { detail: "Too many requests" }, { method: "POST", path: "/api/x" });
 * if (!(err instanceof RateLimitError)) throw new Error("unexpected");
 * ```
 */
export class RateLimitError extends APIError {
  static {
    this.prototype.name = "RateLimitError";
  }
}

/**
 * HTTP 5xx: the server failed.
 *
 * @example
 * ```ts
 * import { APIError, ServerError } from "@remote-hands/client";
 * const err = APIError.from(503, "Service Unavailable", { method: "POST", path: "/api/x" });
 * if (!(err instanceof ServerError)) throw new Error("unexpected");
 * ```
 */
export class ServerError extends APIError {
  static {
    this.prototype.name = "ServerError";
  }
}
