/**
 * The public option types of the server operations of a conversation: `sendMessage`, `fork` and
 * `RemoteConversation.attach`.
 *
 * @module
 */

import type { CallOptions } from "../rest/client.ts";
import type { EventCursor } from "./cursor.ts";
import type { RemoteConversationOptions } from "./types.ts";

/**
 * Options of {@linkcode RemoteConversation.sendMessage}.
 *
 * @example
 * ```ts
 * import type { SendMessageOptions } from "@remote-hands/client";
 * const options: SendMessageOptions = { sender: "reviewer-bot" };
 * // await conversation.sendMessage("Looks good", options);
 * if (options.sender !== "reviewer-bot") throw new Error();
 * ```
 */
export interface SendMessageOptions extends CallOptions {
  /**
   * Who sent the message, as Python's `sender` (e.g. the agent that delegates). Sent as `sender`;
   * the 1.58.2 server drops it (its `SendMessageRequest` has no such field), so the stored
   * `MessageEvent` has `sender: null`.
   */
  sender?: string;
}

/**
 * Options of {@linkcode RemoteConversation.fork}: every field is optional.
 *
 * @example
 * ```ts
 * import type { ForkOptions } from "@remote-hands/client";
 * const options: ForkOptions = { title: "Try another way", tags: { attempt: "2" }, resetMetrics: false };
 * // await using fork = await conversation.fork(options);
 * if (options.resetMetrics !== false) throw new Error();
 * ```
 */
export interface ForkOptions extends CallOptions {
  /** The fork's id (a UUID); default: the server makes one. */
  conversationId?: string;
  /** The fork's title (up to 200 characters). */
  title?: string;
  /** The fork's tags (lowercase alphanumeric keys); default: none. */
  tags?: Record<string, string>;
  /** Start the fork's cost and token statistics from zero. @default {true} */
  resetMetrics?: boolean;
  /** Copy the history only up to and including this event, and put the fork's HEAD there. */
  fromEventId?: string;
}

/**
 * Options of {@linkcode RemoteConversation.attach}: the options of `create()` that do not create
 * anything, with `conversationId` required. `agent` and `maxIterationPerRun` default to the
 * server's.
 *
 * @example
 * ```ts
 * import { RemoteWorkspace, type RemoteConversationAttachOptions } from "@remote-hands/client";
 * const options: RemoteConversationAttachOptions = {
 *   conversationId: "6c1b5b1e-0000-4000-8000-000000000000",
 *   workspace: new RemoteWorkspace({ host: "http://127.0.0.1:8000", workingDir: "/workspace" }),
 *   callbacks: [(event) => console.log(event.kind)],
 * };
 * // await using conversation = await RemoteConversation.attach(options);
 * if (!options.conversationId) throw new Error();
 * ```
 */
export interface RemoteConversationAttachOptions extends
  Omit<
    RemoteConversationOptions,
    | "agent"
    | "conversationId"
    | "confirmationPolicy"
    | "autotitle"
    | "stuckDetection"
    | "stuckDetectionThresholds"
    | "tags"
    | "hookConfig"
    | "plugins"
    | "initialMessage"
    | "securityAnalyzer"
    | "userId"
  > {
  /** The conversation (a UUID); `NotFoundError` when the server has none. */
  conversationId: string;
  /** The agent; default: the server's copy. When given, its kind must be the server's. */
  agent?: RemoteConversationOptions["agent"];
  /**
   * Resume after this cursor ({@linkcode RemoteConversation.cursor}, or an event stream's id,
   * perhaps saved by another process): no history is read; every stored event after it reaches
   * the callbacks and `state.events` once, then the live ones. A cursor this client did not make
   * is a TypeError.
   */
  after?: EventCursor;
}
