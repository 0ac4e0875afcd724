/**
 * {@linkcode ConversationRunError}: a run that ended in `error` or `stuck`, or could not be
 * started or awaited.
 *
 * @module
 */

import { RemoteHandsError } from "./base.ts";

/**
 * Extra details of a {@linkcode ConversationRunError}.
 *
 * @example
 * ```ts
 * import { ConversationRunError, type ConversationRunErrorDetails } from "@remote-hands/client";
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
 * import { ConversationRunError } from "@remote-hands/client";
 * const err = new ConversationRunError({ conversationId: "c1", status: "error", code: "APIError", detail: "boom" });
 * if (err.code !== "APIError") throw new Error("unexpected");
 * ```
 */
export class ConversationRunError extends RemoteHandsError {
  static {
    this.prototype.name = "ConversationRunError";
  }

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
