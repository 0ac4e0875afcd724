/**
 * Answers the client cannot use: a broken protocol, a server too old for a feature, a frame that
 * is not an event.
 *
 * @module
 */

import { RemoteHandsError } from "./base.ts";

/**
 * The server broke the protocol: an answer of the wrong shape (not JSON, an empty body, a create
 * without an id), an id that is not a UUID, a page token that repeats. The request may have been
 * carried out on the server; what the client got back cannot be used. Check that `host` points
 * at an agent server (not a proxy's error page) and that its version is supported.
 *
 * @example
 * ```ts
 * import { ProtocolError } from "@remote-hands/client";
 * const err = new ProtocolError("GET /api/conversations/search", "next_page_id 'p1' repeats");
 * if (err.what !== "GET /api/conversations/search") throw new Error("unexpected");
 * ```
 */
export class ProtocolError extends RemoteHandsError {
  static {
    this.prototype.name = "ProtocolError";
  }

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
 * The server is too old for what was asked: the feature arrived in a later agent server release.
 * Upgrade the server, or use the fallback the message names.
 *
 * @example
 * ```ts
 * import { UnsupportedByServerError } from "@remote-hands/client";
 * const err = new UnsupportedByServerError("the session socket", "1.45.0", "use socketProtocol 'auto'");
 * if (err.since !== "1.45.0" || !err.message.includes("1.45.0")) throw new Error("unexpected");
 * ```
 */
export class UnsupportedByServerError extends RemoteHandsError {
  static {
    this.prototype.name = "UnsupportedByServerError";
  }

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
 * A frame from the server that is not a valid event. It is reported (to the error callback) and
 * the stream goes on; `excerpt` holds at most the first 200 characters of the frame.
 *
 * @example
 * ```ts
 * import { EventValidationError } from "@remote-hands/client";
 * const err = new EventValidationError("missing id", "{\"kind\":\"MessageEvent\"}");
 * if (err.excerpt.length > 200) throw new Error("unexpected");
 * ```
 */
export class EventValidationError extends RemoteHandsError {
  static {
    this.prototype.name = "EventValidationError";
  }

  /** The start of the offending frame (at most 200 characters). */
  readonly excerpt: string;
  /** Creates the error with a reason and the raw frame text (cut to 200 characters). */
  constructor(reason: string, raw: string, options?: ErrorOptions) {
    super(`Invalid event frame: ${reason}`, options);
    this.excerpt = raw.slice(0, 200);
  }
}
