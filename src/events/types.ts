/**
 * The shapes of the agent server's events: the fields every event has ({@linkcode BaseEvent}) and
 * the key fields of each known kind. Every other field is kept as sent.
 *
 * These types and the valibot schemas that check events (`schema.ts`) are proven equal by the
 * compiler there: a field added to one and not the other does not type-check.
 *
 * @module
 */

/**
 * Fields every event has. Any other field the server sends is kept as is.
 *
 * @example
 * ```ts
 * import type { BaseEvent } from "@remote-hands/client";
 * const event: BaseEvent = { kind: "PauseEvent", id: "e1", timestamp: "2026-01-01T00:00:00", source: "user" };
 * if (event.kind !== "PauseEvent") throw new Error();
 * ```
 */
export interface BaseEvent {
  /** The event's class name on the server, e.g. `MessageEvent`. */
  kind: string;
  /** Unique id (a UUID). */
  id: string;
  /** Naive server-local ISO time; compare as strings, never parse as UTC. */
  timestamp: string;
  /** `agent`, `user`, `environment` or `hook`. */
  source: string;
  /** Any other field the server sent, kept as is. */
  [field: string]: unknown;
}

/**
 * A nested object with a `kind`, such as an action or observation.
 *
 * @example
 * ```ts
 * import type { KindObject } from "@remote-hands/client";
 * const action: KindObject = { kind: "TerminalAction", command: "ls" };
 * if (action.command !== "ls") throw new Error();
 * ```
 */
export interface KindObject {
  /** The object's class name, e.g. `TerminalAction`. */
  kind: string;
  /** Any other field the server sent, kept as is. */
  [field: string]: unknown;
}

/**
 * A user or agent message.
 *
 * @example
 * ```ts
 * import { contentText } from "@remote-hands/client";
 * import type { MessageEvent } from "@remote-hands/client";
 * const event: MessageEvent = {
 *   kind: "MessageEvent", id: "m1", timestamp: "2026-01-01T00:00:00", source: "user",
 *   llm_message: { role: "user", content: [{ type: "text", text: "hi" }] },
 * };
 * if (contentText(event.llm_message.content) !== "hi") throw new Error();
 * ```
 */
export interface MessageEvent extends BaseEvent {
  /** Always `MessageEvent`. */
  kind: "MessageEvent";
  /** The message in the LLM format: `role` and content parts (`{ type: "text", text }`, ...). */
  llm_message: { role: string; content?: unknown[] | undefined; [field: string]: unknown };
}
/**
 * A tool call the agent made (`action.kind` names the action, e.g. `TerminalAction`).
 *
 * @example
 * ```ts
 * import { isEventKind } from "@remote-hands/client";
 * import { parseEvent } from "@remote-hands/client";
 * const r = parseEvent({
 *   kind: "ActionEvent", id: "a1", timestamp: "2026-01-01T00:00:00", source: "agent",
 *   tool_name: "terminal", tool_call_id: "call_1", action: { kind: "TerminalAction", command: "ls" },
 * });
 * if (!r.success || !isEventKind(r.event, "ActionEvent")) throw new Error("unexpected");
 * if (r.event.action?.kind !== "TerminalAction") throw new Error();
 * ```
 */
export interface ActionEvent extends BaseEvent {
  /** Always `ActionEvent`. */
  kind: "ActionEvent";
  /** Name of the tool called, e.g. `terminal`. */
  tool_name: string;
  /** The LLM's id of the tool call; its observation carries the same id. */
  tool_call_id: string;
  /** The action to run (its `kind` and arguments), when the call could be parsed. */
  action?: KindObject | undefined;
}
/**
 * The result of a tool call.
 *
 * @example
 * ```ts
 * import type { ObservationEvent } from "@remote-hands/client";
 * const event: ObservationEvent = {
 *   kind: "ObservationEvent", id: "o1", timestamp: "2026-01-01T00:00:01", source: "environment",
 *   tool_name: "terminal", tool_call_id: "call_1", action_id: "a1",
 *   observation: { kind: "TerminalObservation", exit_code: 0 },
 * };
 * if (event.observation.exit_code !== 0) throw new Error();
 * ```
 */
export interface ObservationEvent extends BaseEvent {
  /** Always `ObservationEvent`. */
  kind: "ObservationEvent";
  /** Name of the tool that ran. */
  tool_name: string;
  /** The tool call this answers. */
  tool_call_id: string;
  /** Id of the {@linkcode ActionEvent} this answers. */
  action_id: string;
  /** The tool's result (its `kind` and fields, e.g. `TerminalObservation`). */
  observation: KindObject;
}
/**
 * A pending action the user (or a hook) rejected.
 *
 * @example
 * ```ts
 * import type { UserRejectObservation } from "@remote-hands/client";
 * const event: UserRejectObservation = {
 *   kind: "UserRejectObservation", id: "r1", timestamp: "2026-01-01T00:00:01", source: "user",
 *   tool_name: "terminal", tool_call_id: "call_1", action_id: "a1", rejection_reason: "too risky",
 * };
 * if (event.rejection_reason !== "too risky") throw new Error();
 * ```
 */
export interface UserRejectObservation extends BaseEvent {
  /** Always `UserRejectObservation`. */
  kind: "UserRejectObservation";
  /** Name of the tool of the rejected action. */
  tool_name: string;
  /** The tool call that was rejected. */
  tool_call_id: string;
  /** Id of the rejected {@linkcode ActionEvent}. */
  action_id: string;
  /** Why it was rejected. */
  rejection_reason: string;
}
/**
 * A tool or agent error the agent can react to.
 *
 * @example
 * ```ts
 * import type { AgentErrorEvent } from "@remote-hands/client";
 * const event: AgentErrorEvent = {
 *   kind: "AgentErrorEvent", id: "x1", timestamp: "2026-01-01T00:00:01", source: "agent",
 *   tool_name: "terminal", tool_call_id: "call_1", error: "command not found",
 * };
 * if (!event.error.includes("not found")) throw new Error();
 * ```
 */
export interface AgentErrorEvent extends BaseEvent {
  /** Always `AgentErrorEvent`. */
  kind: "AgentErrorEvent";
  /** Name of the tool that failed. */
  tool_name: string;
  /** The tool call that failed. */
  tool_call_id: string;
  /** What went wrong. */
  error: string;
}
/**
 * A state change: `key` is a state field or `full_state` (a whole snapshot, never stored).
 *
 * @example
 * ```ts
 * import { isPersistedEvent } from "./helpers.ts";
 * import type { ConversationStateUpdateEvent } from "@remote-hands/client";
 * const event: ConversationStateUpdateEvent = {
 *   kind: "ConversationStateUpdateEvent", id: "s1", timestamp: "2026-01-01T00:00:01",
 *   source: "environment", key: "execution_status", value: "running",
 * };
 * if (!isPersistedEvent(event)) throw new Error("single-key updates are stored");
 * ```
 */
export interface ConversationStateUpdateEvent extends BaseEvent {
  /** Always `ConversationStateUpdateEvent`. */
  kind: "ConversationStateUpdateEvent";
  /** The state field that changed (e.g. `execution_status`), or `full_state` for a snapshot. */
  key: string;
  /** The field's new value, or the whole state for `full_state`. */
  value: unknown;
}
/**
 * The run failed: `code` is the exception class, `detail` the message.
 *
 * @example
 * ```ts
 * import type { ConversationErrorEvent } from "@remote-hands/client";
 * const event: ConversationErrorEvent = {
 *   kind: "ConversationErrorEvent", id: "f1", timestamp: "2026-01-01T00:00:01",
 *   source: "environment", code: "MaxIterationsReached", detail: "500 steps",
 * };
 * if (event.code !== "MaxIterationsReached") throw new Error();
 * ```
 */
export interface ConversationErrorEvent extends BaseEvent {
  /** Always `ConversationErrorEvent`. */
  kind: "ConversationErrorEvent";
  /** The exception class on the server, e.g. `APIError` or `MaxIterationsReached`. */
  code: string;
  /** The error message. */
  detail: string;
}
/**
 * Token deltas when streaming is on (never stored). On the session socket each names its
 * `item_id` and `attempt`; a delta of an attempt lower than one already seen for its item is
 * dropped, and one with `discard: true` (no content) says the text streamed so far for
 * `item_id` is void: the server's LLM streams it again (a retry), or the stream was aborted
 * (`reason`).
 *
 * @example
 * ```ts
 * import { isPersistedEvent } from "./helpers.ts";
 * import type { StreamingDeltaEvent } from "@remote-hands/client";
 * const delta: StreamingDeltaEvent = {
 *   kind: "StreamingDeltaEvent", id: "d1", timestamp: "2026-01-01T00:00:01", source: "agent",
 *   content: "Hel",
 * };
 * if (isPersistedEvent(delta)) throw new Error("deltas are not stored");
 * ```
 */
export interface StreamingDeltaEvent extends BaseEvent {
  /** Always `StreamingDeltaEvent`. */
  kind: "StreamingDeltaEvent";
  /** The next piece of the answer's text, if any. */
  content?: string | null | undefined;
  /** The next piece of the model's reasoning, if any. */
  reasoning_content?: string | null | undefined;
  /** Session socket: the streamed item, the id its final event (e.g. the `MessageEvent`) gets. */
  item_id?: string | undefined;
  /**
   * Session socket: the attempt of the item (1, then higher for each time the server's LLM
   * streams the item again); on a discard, the attempt that voids the text (the new one, or the
   * aborted one).
   */
  attempt?: number | undefined;
  /** Session socket: `true` when the text streamed so far for `item_id` is void (no content). */
  discard?: boolean | undefined;
  /**
   * With `discard` after an aborted stream: why it ended, as the server says (e.g. `cancelled`,
   * an exception's class name); untrusted text, at most 200 characters.
   */
  reason?: string | undefined;
}
/**
 * The server could not handle a frame the client sent (never stored).
 *
 * @example
 * ```ts
 * import { isPersistedEvent } from "./helpers.ts";
 * import type { ServerErrorEvent } from "@remote-hands/client";
 * const event: ServerErrorEvent = {
 *   kind: "ServerErrorEvent", id: "e1", timestamp: "2026-01-01T00:00:01", source: "environment",
 *   code: "ValidationError", detail: "1 validation error for Message",
 * };
 * if (isPersistedEvent(event)) throw new Error("server errors are not stored");
 * ```
 */
export interface ServerErrorEvent extends BaseEvent {
  /** Always `ServerErrorEvent`. */
  kind: "ServerErrorEvent";
  /** The error type, e.g. `ValidationError`. */
  code: string;
  /** Details of the error, as the server sent them. */
  detail: unknown;
}
/**
 * An ACP tool call; a later one with the same `tool_call_id` replaces it in the history.
 *
 * @example
 * ```ts
 * import type { ACPToolCallEvent } from "@remote-hands/client";
 * const event: ACPToolCallEvent = {
 *   kind: "ACPToolCallEvent", id: "t1", timestamp: "2026-01-01T00:00:01", source: "agent",
 *   tool_call_id: "acp_1", status: "completed",
 * };
 * if (event.status !== "completed") throw new Error();
 * ```
 */
export interface ACPToolCallEvent extends BaseEvent {
  /** Always `ACPToolCallEvent`. */
  kind: "ACPToolCallEvent";
  /** The ACP server's id of the tool call; updates of one call share it. */
  tool_call_id: string;
}
/**
 * A known kind whose fields this client does not type beyond the common ones.
 *
 * @example
 * ```ts
 * import type { PlainEvent } from "@remote-hands/client";
 * const pause: PlainEvent<"PauseEvent"> = { kind: "PauseEvent", id: "p1", timestamp: "2026-01-01T00:00:00", source: "user" };
 * if (pause.kind !== "PauseEvent") throw new Error();
 * ```
 */
export interface PlainEvent<K extends string> extends BaseEvent {
  /** The kind's name. */
  kind: K;
}
