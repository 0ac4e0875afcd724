/**
 * The event union: every kind this client knows ({@linkcode EventKindMap}) and the kinds it does
 * not ({@linkcode UnknownEvent}), as {@linkcode Event}.
 *
 * @module
 */

import type {
  ACPToolCallEvent,
  ActionEvent,
  AgentErrorEvent,
  BaseEvent,
  ConversationErrorEvent,
  ConversationStateUpdateEvent,
  MessageEvent,
  ObservationEvent,
  PlainEvent,
  ServerErrorEvent,
  StreamingDeltaEvent,
  UserRejectObservation,
} from "./types.ts";

/**
 * Every kind this client knows, with its type.
 *
 * @example
 * ```ts
 * import type { EventKindMap } from "@remote-hands/client";
 * const kinds: (keyof EventKindMap)[] = ["MessageEvent", "PauseEvent"];
 * if (kinds.length !== 2) throw new Error();
 * ```
 */
export interface EventKindMap {
  /** A user or agent message. */
  MessageEvent: MessageEvent;
  /** A tool call the agent made. */
  ActionEvent: ActionEvent;
  /** The result of a tool call. */
  ObservationEvent: ObservationEvent;
  /** A pending action that was rejected. */
  UserRejectObservation: UserRejectObservation;
  /** A tool or agent error the agent can react to. */
  AgentErrorEvent: AgentErrorEvent;
  /** The system prompt and tools the agent starts with. */
  SystemPromptEvent: PlainEvent<"SystemPromptEvent">;
  /** A change of the conversation's state. */
  ConversationStateUpdateEvent: ConversationStateUpdateEvent;
  /** The run failed. */
  ConversationErrorEvent: ConversationErrorEvent;
  /** The user paused the agent (takes effect between steps). */
  PauseEvent: PlainEvent<"PauseEvent">;
  /** The agent was interrupted mid-step (the running LLM call is cancelled). */
  InterruptEvent: PlainEvent<"InterruptEvent">;
  /** The history was condensed (some events are forgotten by the LLM view). */
  Condensation: PlainEvent<"Condensation">;
  /** A request to condense the history. */
  CondensationRequest: PlainEvent<"CondensationRequest">;
  /** A summary a condenser made of forgotten events. */
  CondensationSummaryEvent: PlainEvent<"CondensationSummaryEvent">;
  /** A hook ran: its type, command and result. */
  HookExecutionEvent: PlainEvent<"HookExecutionEvent">;
  /** Raw LLM completion log data (when the LLM logs completions). */
  LLMCompletionLogEvent: PlainEvent<"LLMCompletionLogEvent">;
  /** Token ids of an LLM interaction (vLLM). */
  TokenEvent: PlainEvent<"TokenEvent">;
  /** A tool call run by an ACP server. */
  ACPToolCallEvent: ACPToolCallEvent;
  /** Risk levels a security analyzer gave to pending actions. */
  SecurityAnalysisEvent: PlainEvent<"SecurityAnalysisEvent">;
  /** Token deltas when streaming is on. */
  StreamingDeltaEvent: StreamingDeltaEvent;
  /** The server could not handle a frame the client sent. */
  ServerErrorEvent: ServerErrorEvent;
}

/**
 * The kinds this client knows by name.
 *
 * @example
 * ```ts
 * import type { KnownEventKind } from "@remote-hands/client";
 * const kind: KnownEventKind = "ActionEvent";
 * if (kind !== "ActionEvent") throw new Error();
 * ```
 */
export type KnownEventKind = keyof EventKindMap;

/**
 * An event of a known kind `K`, with its key fields typed and every other field kept.
 *
 * @example
 * ```ts
 * import type { EventOfKind } from "@remote-hands/client";
 * const failed: EventOfKind<"ConversationErrorEvent"> = {
 *   kind: "ConversationErrorEvent", id: "f1", timestamp: "2026-01-01T00:00:00",
 *   source: "environment", code: "APIError", detail: "rate limited",
 * };
 * if (failed.code !== "APIError") throw new Error();
 * ```
 */
export type EventOfKind<K extends KnownEventKind> = EventKindMap[K];

/**
 * The `kind` of an event this client does not know. At run time it is the plain string the server
 * sent; at compile time it is a string that no kind's literal is comparable to (it starts with
 * NUL, which no class name does), so a known kind (`switch (event.kind)`, `===`) narrows the
 * {@linkcode Event} union to that kind alone (a branded `string & {...}` would not: `string` is
 * comparable to every literal). It is still a `string`: assign it to one to compare it with a kind
 * this client does not know.
 *
 * @example
 * ```ts
 * import { parseEvent, type UnknownEventKind } from "@remote-hands/client";
 * const r = parseEvent({ kind: "FutureEvent", id: "f1", timestamp: "2026-01-01T00:00:00", source: "agent" });
 * if (!r.success) throw r.error;
 * const kind: string = r.event.kind; // every kind is a string
 * const shout = (unknown: UnknownEventKind): string => unknown.toUpperCase();
 * if (kind !== "FutureEvent" || typeof shout !== "function") throw new Error();
 * ```
 */
export type UnknownEventKind = `\0${string}`;

/**
 * An event of a kind this client does not know (e.g. from a newer server), kept as sent.
 *
 * Its `kind` is an {@linkcode UnknownEventKind}: narrowing on a known kind (`switch`,
 * `===`, {@linkcode isEventKind}) excludes it; the `default` branch keeps it.
 *
 * @example
 * ```ts
 * import { parseEvent, type UnknownEvent } from "@remote-hands/client";
 * const r = parseEvent({ kind: "FutureEvent", id: "u1", timestamp: "2026-01-01T00:00:00", source: "agent", extra: 1 });
 * if (!r.success) throw r.error;
 * const event = r.event;
 * switch (event.kind) {
 *   case "ActionEvent": // event: ActionEvent
 *     throw new Error(event.tool_name);
 *   case "MessageEvent": // event: MessageEvent
 *     throw new Error(event.llm_message.role);
 *   default: {
 *     const kind: string = event.kind; // a kind this client does not know is compared as a string
 *     if (kind !== "FutureEvent" || event.extra !== 1) throw new Error("unknown kinds are kept");
 *   }
 * }
 * const describe = (unknown: UnknownEvent): string => `${unknown.kind} ${unknown.id}`;
 * if (typeof describe !== "function") throw new Error();
 * ```
 */
export interface UnknownEvent extends BaseEvent {
  /** The event's class name on the server, one this client does not know. */
  kind: UnknownEventKind;
}

/**
 * Any event: a known kind or an unknown one. Narrow on `kind` (`switch`, `===`) or with
 * {@linkcode isEventKind}: a known kind narrows to its type alone.
 *
 * @example
 * ```ts
 * import { isEventKind } from "@remote-hands/client";
 * import type { Event } from "@remote-hands/client";
 * const events: Event[] = [
 *   { kind: "PauseEvent", id: "p1", timestamp: "2026-01-01T00:00:00", source: "user" },
 *   {
 *     kind: "ActionEvent", id: "a1", timestamp: "2026-01-01T00:00:01", source: "agent",
 *     tool_name: "terminal", tool_call_id: "call_1",
 *   },
 * ];
 * const tools: string[] = [];
 * for (const event of events) {
 *   switch (event.kind) {
 *     case "ActionEvent":
 *       tools.push(event.tool_name); // event: ActionEvent
 *       break;
 *   }
 * }
 * const pauses = events.filter((e) => isEventKind(e, "PauseEvent"));
 * if (tools[0] !== "terminal" || pauses.length !== 1) throw new Error();
 * ```
 */
export type Event = EventKindMap[KnownEventKind] | UnknownEvent;
