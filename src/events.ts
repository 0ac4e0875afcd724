/**
 * Events of the agent server, validated at the boundary with valibot.
 *
 * Every event has `kind` (the Python class name), `id`, `timestamp` (naive server-local ISO
 * string) and `source`. Known kinds are typed with their key fields; every other field, and every
 * unknown kind from a newer server, is kept as sent: nothing is dropped, nothing is fatal. A frame
 * that is not an event at all (bad JSON, no `id`) is an {@linkcode EventValidationError}.
 *
 * @module
 */

import * as v from "valibot";
import { EventValidationError } from "./errors.ts";

/** Fields every event has. Any other field the server sends is kept as is. */
export interface BaseEvent {
  /** The event's class name on the server, e.g. `MessageEvent`. */
  kind: string;
  /** Unique id (a UUID). */
  id: string;
  /** Naive server-local ISO time; compare as strings, never parse as UTC. */
  timestamp: string;
  /** `agent`, `user`, `environment` or `hook`. */
  source: string;
  [field: string]: unknown;
}

/** A nested object with a `kind`, such as an action or observation. */
export interface KindObject {
  /** The object's class name, e.g. `TerminalAction`. */
  kind: string;
  [field: string]: unknown;
}

/** A user or agent message. */
export interface MessageEvent extends BaseEvent {
  kind: "MessageEvent";
  /** The message in the LLM format: `role` and content parts (`{ type: "text", text }`, ...). */
  llm_message: { role: string; content?: unknown[]; [field: string]: unknown };
}
/** A tool call the agent made (`action.kind` names the action, e.g. `TerminalAction`). */
export interface ActionEvent extends BaseEvent {
  kind: "ActionEvent";
  tool_name: string;
  tool_call_id: string;
  action?: KindObject;
}
/** The result of a tool call. */
export interface ObservationEvent extends BaseEvent {
  kind: "ObservationEvent";
  tool_name: string;
  tool_call_id: string;
  action_id: string;
  observation: KindObject;
}
/** A pending action the user (or a hook) rejected. */
export interface UserRejectObservation extends BaseEvent {
  kind: "UserRejectObservation";
  tool_name: string;
  tool_call_id: string;
  action_id: string;
  rejection_reason: string;
}
/** A tool or agent error the agent can react to. */
export interface AgentErrorEvent extends BaseEvent {
  kind: "AgentErrorEvent";
  tool_name: string;
  tool_call_id: string;
  error: string;
}
/** A state change: `key` is a state field or `full_state` (a whole snapshot, never stored). */
export interface ConversationStateUpdateEvent extends BaseEvent {
  kind: "ConversationStateUpdateEvent";
  key: string;
  value: unknown;
}
/** The run failed: `code` is the exception class, `detail` the message. */
export interface ConversationErrorEvent extends BaseEvent {
  kind: "ConversationErrorEvent";
  code: string;
  detail: string;
}
/** Token deltas when streaming is on (never stored). */
export interface StreamingDeltaEvent extends BaseEvent {
  kind: "StreamingDeltaEvent";
  content?: string | null;
  reasoning_content?: string | null;
}
/** The server could not handle a frame the client sent (never stored). */
export interface ServerErrorEvent extends BaseEvent {
  kind: "ServerErrorEvent";
  code: string;
  detail: unknown;
}
/** An ACP tool call; a later one with the same `tool_call_id` replaces it in the history. */
export interface ACPToolCallEvent extends BaseEvent {
  kind: "ACPToolCallEvent";
  tool_call_id: string;
}
/** A known kind whose fields this client does not type beyond the common ones. */
export interface PlainEvent<K extends string> extends BaseEvent {
  kind: K;
}

/** Every kind this client knows, with its type. */
export interface EventKindMap {
  MessageEvent: MessageEvent;
  ActionEvent: ActionEvent;
  ObservationEvent: ObservationEvent;
  UserRejectObservation: UserRejectObservation;
  AgentErrorEvent: AgentErrorEvent;
  SystemPromptEvent: PlainEvent<"SystemPromptEvent">;
  ConversationStateUpdateEvent: ConversationStateUpdateEvent;
  ConversationErrorEvent: ConversationErrorEvent;
  PauseEvent: PlainEvent<"PauseEvent">;
  InterruptEvent: PlainEvent<"InterruptEvent">;
  Condensation: PlainEvent<"Condensation">;
  CondensationRequest: PlainEvent<"CondensationRequest">;
  CondensationSummaryEvent: PlainEvent<"CondensationSummaryEvent">;
  HookExecutionEvent: PlainEvent<"HookExecutionEvent">;
  LLMCompletionLogEvent: PlainEvent<"LLMCompletionLogEvent">;
  TokenEvent: PlainEvent<"TokenEvent">;
  ACPToolCallEvent: ACPToolCallEvent;
  SecurityAnalysisEvent: PlainEvent<"SecurityAnalysisEvent">;
  StreamingDeltaEvent: StreamingDeltaEvent;
  ServerErrorEvent: ServerErrorEvent;
}

/** The kinds this client knows by name. */
export type KnownEventKind = keyof EventKindMap;

/** An event of a known kind `K`, with its key fields typed and every other field kept. */
export type EventOfKind<K extends KnownEventKind> = EventKindMap[K];

/** An event of a kind this client does not know (e.g. from a newer server), kept as sent. */
export type UnknownEvent = BaseEvent;

/** Any event: a known kind or an unknown one. Narrow with {@linkcode isEventKind}. */
export type Event = EventKindMap[KnownEventKind] | UnknownEvent;

const text = v.string();
const optionalText = v.optional(v.nullable(v.string()));
const base = {
  id: v.pipe(v.string(), v.minLength(1)),
  timestamp: v.pipe(v.string(), v.minLength(1)),
  source: v.string(),
};
const nested = v.looseObject({ kind: v.string() });

function kindSchema<K extends KnownEventKind>(
  kind: K,
  entries: v.ObjectEntries = {},
): v.GenericSchema<unknown, EventKindMap[K]> {
  return v.looseObject({
    kind: v.literal(kind),
    ...base,
    ...entries,
  }) as unknown as v.GenericSchema<
    unknown,
    EventKindMap[K]
  >;
}

/** The valibot schemas of the known event kinds, by kind. */
const schemas: { [K in KnownEventKind]: v.GenericSchema<unknown, EventKindMap[K]> } = {
  MessageEvent: kindSchema("MessageEvent", {
    llm_message: v.looseObject({ role: text, content: v.optional(v.array(v.unknown())) }),
  }),
  ActionEvent: kindSchema("ActionEvent", {
    tool_name: text,
    tool_call_id: text,
    action: v.optional(nested),
  }),
  ObservationEvent: kindSchema("ObservationEvent", {
    tool_name: text,
    tool_call_id: text,
    action_id: text,
    observation: nested,
  }),
  UserRejectObservation: kindSchema("UserRejectObservation", {
    tool_name: text,
    tool_call_id: text,
    action_id: text,
    rejection_reason: text,
  }),
  AgentErrorEvent: kindSchema("AgentErrorEvent", {
    tool_name: text,
    tool_call_id: text,
    error: text,
  }),
  SystemPromptEvent: kindSchema("SystemPromptEvent"),
  ConversationStateUpdateEvent: kindSchema("ConversationStateUpdateEvent", {
    key: text,
    value: v.unknown(),
  }),
  ConversationErrorEvent: kindSchema("ConversationErrorEvent", { code: text, detail: text }),
  PauseEvent: kindSchema("PauseEvent"),
  InterruptEvent: kindSchema("InterruptEvent"),
  Condensation: kindSchema("Condensation"),
  CondensationRequest: kindSchema("CondensationRequest"),
  CondensationSummaryEvent: kindSchema("CondensationSummaryEvent"),
  HookExecutionEvent: kindSchema("HookExecutionEvent"),
  LLMCompletionLogEvent: kindSchema("LLMCompletionLogEvent"),
  TokenEvent: kindSchema("TokenEvent"),
  ACPToolCallEvent: kindSchema("ACPToolCallEvent", { tool_call_id: text }),
  SecurityAnalysisEvent: kindSchema("SecurityAnalysisEvent"),
  StreamingDeltaEvent: kindSchema("StreamingDeltaEvent", {
    content: optionalText,
    reasoning_content: optionalText,
  }),
  ServerErrorEvent: kindSchema("ServerErrorEvent", { code: text, detail: v.unknown() }),
};

const unknownSchema: v.GenericSchema<unknown, UnknownEvent> = v.looseObject({
  kind: v.string(),
  ...base,
}) as unknown as v.GenericSchema<unknown, UnknownEvent>;

/** Result of {@linkcode parseEvent}. */
export type ParseEventResult =
  | { success: true; event: Event }
  | { success: false; error: EventValidationError };

/**
 * Narrows an event to a known kind.
 *
 * @example
 * ```ts
 * import { isEventKind, parseEvent } from "./events.ts";
 * const r = parseEvent({ kind: "PauseEvent", id: "1", timestamp: "2026-01-01T00:00:00", source: "user" });
 * if (!r.success || !isEventKind(r.event, "PauseEvent")) throw new Error("unexpected");
 * ```
 */
export function isEventKind<K extends KnownEventKind>(
  event: Event,
  kind: K,
): event is EventOfKind<K> {
  return event.kind === kind;
}

function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues.slice(0, 3).map((issue) => {
    const path = issue.path?.map((p) => String(p.key)).join(".");
    return path ? `${path}: ${issue.message}` : issue.message;
  }).join("; ");
}

/**
 * Validates one decoded event. Known kinds must carry their key fields; unknown kinds need only
 * `kind`, `id`, `timestamp` and `source`. Extra fields are kept.
 *
 * @example
 * ```ts
 * import { parseEvent } from "./events.ts";
 * const r = parseEvent({ kind: "FutureEvent", id: "e1", timestamp: "2026-01-01T00:00:00", source: "agent", x: 1 });
 * if (!r.success || r.event.x !== 1) throw new Error("unknown kinds are kept");
 * ```
 */
export function parseEvent(raw: unknown): ParseEventResult {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return {
      success: false,
      error: new EventValidationError("not a JSON object", safeExcerpt(raw)),
    };
  }
  const kind = (raw as { kind?: unknown }).kind;
  const schema = typeof kind === "string" && Object.hasOwn(schemas, kind)
    ? schemas[kind as KnownEventKind]
    : unknownSchema;
  const result = v.safeParse(schema, raw);
  if (result.success) return { success: true, event: result.output as Event };
  return {
    success: false,
    error: new EventValidationError(
      `${typeof kind === "string" ? kind : "event"} ${describeIssues(result.issues)}`,
      safeExcerpt(raw),
    ),
  };
}

/**
 * Decodes and validates one text frame of the event socket.
 *
 * @example
 * ```ts
 * import { parseEventFrame } from "./events.ts";
 * const r = parseEventFrame("not json");
 * if (r.success) throw new Error("expected a validation error");
 * ```
 */
export function parseEventFrame(frame: string): ParseEventResult {
  let raw: unknown;
  try {
    raw = JSON.parse(frame);
  } catch (err) {
    return {
      success: false,
      error: new EventValidationError("not JSON", frame, { cause: err }),
    };
  }
  return parseEvent(raw);
}

function safeExcerpt(raw: unknown): string {
  try {
    return JSON.stringify(raw)?.slice(0, 200) ?? String(raw);
  } catch {
    return String(raw).slice(0, 200);
  }
}

/**
 * Whether the server stores this event in the conversation's history. Full-state snapshots,
 * streaming deltas and server errors are sent on the socket only: they reach callbacks, but they
 * are not part of the history list.
 *
 * @example
 * ```ts
 * import { isPersistedEvent } from "./events.ts";
 * const snapshot = { kind: "ConversationStateUpdateEvent", key: "full_state", value: {}, id: "s", timestamp: "t", source: "environment" };
 * if (isPersistedEvent(snapshot)) throw new Error("snapshots are not stored");
 * ```
 */
export function isPersistedEvent(event: Event): boolean {
  if (event.kind === "StreamingDeltaEvent" || event.kind === "ServerErrorEvent") return false;
  if (
    event.kind === "ConversationStateUpdateEvent" &&
    (event as { key?: unknown }).key === "full_state"
  ) {
    return false;
  }
  return true;
}

/**
 * The text of a message's content parts (`[{ type: "text", text }]`), joined.
 *
 * @example
 * ```ts
 * import { contentText } from "./events.ts";
 * if (contentText([{ type: "text", text: "hi" }]) !== "hi") throw new Error();
 * ```
 */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let out = "";
  for (const part of content) {
    if (part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string") {
      out += (part as { text: string }).text;
    }
  }
  return out;
}
