/**
 * What the event socket does after a close, as pure decisions: the close-code table (4001 and
 * 4004 fatal, everything else retried), the `"auto"` fallbacks, when a refused connection is
 * explained over REST and what the answer means, and when a frame too large is worth a report.
 *
 * @module
 */

import {
  AuthenticationError,
  closeError,
  NotFoundError,
  type RemoteHandsError,
  UnsupportedByServerError,
  WebSocketConnectionError,
} from "../errors.ts";
import type { ConversationProbeAnswer, ProbeAnswer } from "../rest/sockets.ts";

/**
 * Consecutive refused connections before the REST API is asked why: a brief refusal (a restart)
 * costs no request.
 *
 * @example
 * ```ts
 * import { PROBE_AFTER_REFUSALS } from "./_close_policy.ts";
 * if (PROBE_AFTER_REFUSALS !== 3) throw new Error();
 * ```
 */
export const PROBE_AFTER_REFUSALS: number = 3;

const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([4001, 4004]);

/** What Deno ("Frame too large"), Bun ("Message too big") and `ws` ("Max payload size
 * exceeded") say when a frame is larger than they take. */
const TOO_LARGE = /too (large|big)|max(imum)? payload/i;

/**
 * Close codes outside 1000-4999 (Deno reports 0 for an abnormal close) become 1006.
 *
 * @param code The `code` of a close event, as the runtime gave it.
 * @returns The close code to act on and show.
 * @example
 * ```ts
 * import { normalizeCloseCode } from "./_close_policy.ts";
 * if (normalizeCloseCode(0) !== 1006 || normalizeCloseCode(4001) !== 4001) throw new Error();
 * ```
 */
export function normalizeCloseCode(code: unknown): number {
  return typeof code === "number" && Number.isInteger(code) && code >= 1000 && code <= 4999
    ? code
    : 1006;
}

/**
 * What is known when a connection closes.
 *
 * @example
 * ```ts
 * import type { CloseFacts } from "./_close_policy.ts";
 * const facts: CloseFacts = {
 *   code: 1006, reason: "", protocol: "events", auto: false, sessionOpened: false,
 *   opened: false, timedOut: false, refusals: 0, path: "/sockets/events/c1",
 * };
 * if (facts.opened) throw new Error();
 * ```
 */
export interface CloseFacts {
  /** The normalized close code. */
  readonly code: number;
  /** The close reason, redacted. */
  readonly reason: string;
  /** The protocol the closed connection spoke. */
  readonly protocol: "events" | "session";
  /** Whether the client may still fall back to the events socket (`"auto"`). */
  readonly auto: boolean;
  /** Whether a session socket has ever opened for this client. */
  readonly sessionOpened: boolean;
  /** Whether the closed connection had opened. */
  readonly opened: boolean;
  /** Whether it was abandoned for not opening within `connectTimeoutMs`. */
  readonly timedOut: boolean;
  /** Consecutive refusals before this close. */
  readonly refusals: number;
  /** The socket's URL path, for messages. */
  readonly path: string;
}

/**
 * The next step after a close.
 *
 * @example
 * ```ts
 * import type { CloseAction } from "./_close_policy.ts";
 * const action: CloseAction = { kind: "refused", refusals: 3, probe: true };
 * if (action.kind !== "refused" || !action.probe) throw new Error();
 * ```
 */
export type CloseAction =
  /** `"auto"`: use the events socket from now on. */
  | { readonly kind: "fall back"; readonly reason: string }
  /** The session socket never opened: ask `/ready` whether the server is up (an older one). */
  | { readonly kind: "probe ready" }
  /** Stop for good with `error`. */
  | { readonly kind: "fail"; readonly error: RemoteHandsError }
  /** A refusal (closed without opening): `refusals` is the new count; `probe` says to ask the
   * REST API why before retrying. */
  | { readonly kind: "refused"; readonly refusals: number; readonly probe: boolean }
  /** Retry after the backoff. */
  | { readonly kind: "reconnect" };

/**
 * The next step after a close of a running client, in this order: `"auto"` falls back on a
 * session `frame_too_large`; a session socket that never opened asks `/ready`; 4001 and 4004
 * fail; a close without an open (a connect timeout aside) is a refusal; anything else retries.
 *
 * @param facts What is known about the close.
 * @returns The next step.
 * @example
 * ```ts
 * import { closeAction } from "./_close_policy.ts";
 * const action = closeAction({
 *   code: 4001, reason: "", protocol: "events", auto: false, sessionOpened: false,
 *   opened: true, timedOut: false, refusals: 0, path: "/sockets/events/c1",
 * });
 * if (action.kind !== "fail" || action.error.name !== "AuthenticationError") throw new Error();
 * ```
 */
export function closeAction(facts: CloseFacts): CloseAction {
  if (facts.auto && facts.protocol === "session" && facts.reason === "frame_too_large") {
    // The session socket cannot carry this conversation's biggest frames; the events one can.
    return { kind: "fall back", reason: "the session socket dropped a frame as too large" };
  }
  if (facts.protocol === "session" && !facts.sessionOpened) return { kind: "probe ready" };
  if (FATAL_CLOSE_CODES.has(facts.code)) {
    return { kind: "fail", error: closeError(facts.code, facts.reason, facts.path) };
  }
  if (!facts.opened && !facts.timedOut) {
    const refusals = facts.refusals + 1;
    return { kind: "refused", refusals, probe: refusals >= PROBE_AFTER_REFUSALS };
  }
  return { kind: "reconnect" };
}

/**
 * After `/ready` answered for a session socket that never opened: retry while the server is not
 * up (starting, or 503 in deferred init), else fall back (`"auto"`) or fail (a forced
 * `"session"` on an older server).
 *
 * @param answer What `/ready` answered, if anything.
 * @param auto Whether the client may fall back to the events socket.
 * @returns `"reconnect"`, `"fall back"` or `"fail"` (`UnsupportedByServerError`).
 * @example
 * ```ts
 * import { readyProbeAction } from "./_close_policy.ts";
 * if (readyProbeAction({ status: 503, json: true }, true).kind !== "reconnect") throw new Error();
 * if (readyProbeAction({ status: 200, json: true }, true).kind !== "fall back") throw new Error();
 * ```
 */
export function readyProbeAction(
  answer: ProbeAnswer | undefined,
  auto: boolean,
): CloseAction {
  const up = answer !== undefined && answer.status >= 200 && answer.status < 300;
  if (!up) return { kind: "reconnect" };
  if (auto) return { kind: "fall back", reason: "the server refused the session socket" };
  // Forced "session": an older server has no session socket; say so now instead of retrying
  // until the ready timeout.
  return {
    kind: "fail",
    error: new UnsupportedByServerError(
      "the session socket (/sockets/session)",
      "1.45.0",
      "use socketProtocol 'auto' or 'events'",
    ),
  };
}

/**
 * After the conversation probe answered for refused connections: a 401 or 403 is the key
 * (`AuthenticationError`), a JSON 404 the conversation (`NotFoundError`); anything else (or no
 * answer) is retried.
 *
 * @param answer What the probe answered, if anything.
 * @param path The socket's URL path, for the message.
 * @returns `"fail"` or `"reconnect"`.
 * @example
 * ```ts
 * import { refusalProbeAction } from "./_close_policy.ts";
 * const request = { method: "GET", path: "/api/conversations/c1" } as const;
 * const action = refusalProbeAction({ status: 401, json: true, request }, "/sockets/events/c1");
 * if (action.kind !== "fail" || !action.error.message.includes("check the apiKey option")) {
 *   throw new Error();
 * }
 * ```
 */
export function refusalProbeAction(
  answer: ConversationProbeAnswer | undefined,
  path: string,
): CloseAction {
  const status = answer?.status;
  if (answer && (status === 401 || status === 403)) {
    const { method, path: restPath } = answer.request;
    return {
      kind: "fail",
      error: new AuthenticationError(
        answer.status,
        undefined,
        answer.request,
        `WebSocket ${path} was refused, and ${method} ${restPath} with the same key answered ${answer.status}: check the apiKey option`,
      ),
    };
  }
  if (answer && status === 404 && answer.json) {
    const { method, path: restPath } = answer.request;
    return {
      kind: "fail",
      error: new NotFoundError(
        answer.status,
        undefined,
        answer.request,
        `WebSocket ${path} was refused, and ${method} ${restPath} answered 404: check the conversation id and host`,
      ),
    };
  }
  return { kind: "reconnect" };
}

/**
 * What is known about a close when looking for a frame too large.
 *
 * @example
 * ```ts
 * import type { TooLargeFacts } from "./_close_policy.ts";
 * const facts: TooLargeFacts = {
 *   code: 1006, reason: "", lastError: "Frame too large", fallsBack: false, cursor: null,
 *   path: "/sockets/events/c1",
 * };
 * if (facts.code !== 1006) throw new Error();
 * ```
 */
export interface TooLargeFacts {
  readonly code: number;
  readonly reason: string;
  /** The last connection error the runtime gave, if any. */
  readonly lastError: string | undefined;
  /** Whether this close makes `"auto"` fall back (a session `frame_too_large`): no report. */
  readonly fallsBack: boolean;
  /** The resume cursor now (`null`: none). */
  readonly cursor: number | null;
  /** The socket's URL path, for the message. */
  readonly path: string;
}

/**
 * A frame larger than the runtime's WebSocket takes (Deno: 64 MiB, "Frame too large"; Bun:
 * 128 MiB, "Message too big"; close 1009 elsewhere) drops the connection with 1006 and no close
 * frame; a session frame larger than the server sends (4 MiB) closes 1013 `frame_too_large`,
 * which a resume may get past (the next connection starts after the last stored event). A
 * server that resends the frame on every reconnect would loop silently: this watch of one client
 * says so once, at the first runtime refusal, or at the second `frame_too_large` with no
 * progress in between.
 *
 * @example
 * ```ts
 * import { TooLargeWatch } from "./_close_policy.ts";
 * const watch = new TooLargeWatch();
 * const close = {
 *   code: 1013, reason: "frame_too_large", lastError: undefined, fallsBack: false, cursor: 4,
 *   path: "/sockets/session/c1",
 * };
 * if (watch.check(close) !== undefined) throw new Error("the first one may be got past");
 * if (watch.check(close) === undefined) throw new Error("the second at the same cursor is a loop");
 * ```
 */
export class TooLargeWatch {
  /** Whether the error was given (once per client). */
  #reported = false;
  /** The cursor (`null`: none) at the last `frame_too_large` close, to tell a loop. */
  #lastAt: number | null | undefined;

  /**
   * Looks at one close.
   *
   * @param facts What is known about the close.
   * @returns The error to report for this close, if it is the one to report (once per watch).
   */
  check(facts: TooLargeFacts): WebSocketConnectionError | undefined {
    if (this.#reported) return undefined;
    const { code, reason } = facts;
    const said = facts.lastError ?? "";
    const runtime = code === 1009 || (code === 1006 && TOO_LARGE.test(said));
    let server = false;
    if (code === 1013 && reason === "frame_too_large" && !facts.fallsBack) {
      server = this.#lastAt === facts.cursor;
      this.#lastAt = facts.cursor;
    }
    if (!runtime && !server) return undefined;
    this.#reported = true;
    const what = [said, reason].filter((s) => s !== "").join("; ") || `close ${code}`;
    return new WebSocketConnectionError(
      `${facts.path} ${
        runtime
          ? "received a frame too large for this runtime's WebSocket"
          : "was closed twice at the same point as the server found a frame too large to send"
      } (${what}); it reconnects, but a resent frame drops it again: shrink the event on the server or read the history over REST`,
      { closeCode: code, closeReason: reason },
    );
  }
}
