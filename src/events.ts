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

/**
 * Fields every event has. Any other field the server sends is kept as is.
 *
 * @example
 * ```ts
 * import type { BaseEvent } from "./events.ts";
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
 * import type { KindObject } from "./events.ts";
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
 * import { contentText, type MessageEvent } from "./events.ts";
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
  llm_message: { role: string; content?: unknown[]; [field: string]: unknown };
}
/**
 * A tool call the agent made (`action.kind` names the action, e.g. `TerminalAction`).
 *
 * @example
 * ```ts
 * import { isEventKind, parseEvent } from "./events.ts";
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
  action?: KindObject;
}
/**
 * The result of a tool call.
 *
 * @example
 * ```ts
 * import type { ObservationEvent } from "./events.ts";
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
 * import type { UserRejectObservation } from "./events.ts";
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
 * import type { AgentErrorEvent } from "./events.ts";
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
 * import { type ConversationStateUpdateEvent, isPersistedEvent } from "./events.ts";
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
 * import type { ConversationErrorEvent } from "./events.ts";
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
 * Token deltas when streaming is on (never stored).
 *
 * @example
 * ```ts
 * import { isPersistedEvent, type StreamingDeltaEvent } from "./events.ts";
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
  content?: string | null;
  /** The next piece of the model's reasoning, if any. */
  reasoning_content?: string | null;
}
/**
 * The server could not handle a frame the client sent (never stored).
 *
 * @example
 * ```ts
 * import { isPersistedEvent, type ServerErrorEvent } from "./events.ts";
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
 * import type { ACPToolCallEvent } from "./events.ts";
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
 * import type { PlainEvent } from "./events.ts";
 * const pause: PlainEvent<"PauseEvent"> = { kind: "PauseEvent", id: "p1", timestamp: "2026-01-01T00:00:00", source: "user" };
 * if (pause.kind !== "PauseEvent") throw new Error();
 * ```
 */
export interface PlainEvent<K extends string> extends BaseEvent {
  /** The kind's name. */
  kind: K;
}

/**
 * Every kind this client knows, with its type.
 *
 * @example
 * ```ts
 * import type { EventKindMap } from "./events.ts";
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
 * import type { KnownEventKind } from "./events.ts";
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
 * import type { EventOfKind } from "./events.ts";
 * const failed: EventOfKind<"ConversationErrorEvent"> = {
 *   kind: "ConversationErrorEvent", id: "f1", timestamp: "2026-01-01T00:00:00",
 *   source: "environment", code: "APIError", detail: "rate limited",
 * };
 * if (failed.code !== "APIError") throw new Error();
 * ```
 */
export type EventOfKind<K extends KnownEventKind> = EventKindMap[K];

/**
 * An event of a kind this client does not know (e.g. from a newer server), kept as sent.
 *
 * @example
 * ```ts
 * import { parseEvent, type UnknownEvent } from "./events.ts";
 * const r = parseEvent({ kind: "FutureEvent", id: "u1", timestamp: "2026-01-01T00:00:00", source: "agent", extra: 1 });
 * if (!r.success) throw r.error;
 * const event: UnknownEvent = r.event;
 * if (event.extra !== 1) throw new Error("extra fields are kept");
 * ```
 */
export type UnknownEvent = BaseEvent;

/**
 * Any event: a known kind or an unknown one. Narrow with {@linkcode isEventKind}.
 *
 * @example
 * ```ts
 * import { type Event, isEventKind } from "./events.ts";
 * const events: Event[] = [{ kind: "PauseEvent", id: "p1", timestamp: "2026-01-01T00:00:00", source: "user" }];
 * const pauses = events.filter((e) => isEventKind(e, "PauseEvent"));
 * if (pauses.length !== 1) throw new Error();
 * ```
 */
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
  _kind: K, // types the schema; `parseEvent` picks it by the frame's kind
  entries: v.ObjectEntries = {},
): v.GenericSchema<unknown, EventKindMap[K]> {
  return v.looseObject({
    kind: text,
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

/**
 * Result of {@linkcode parseEvent}: the event, or why the frame is not one.
 *
 * @example
 * ```ts
 * import { parseEvent, type ParseEventResult } from "./events.ts";
 * const r: ParseEventResult = parseEvent({ kind: "PauseEvent" });
 * if (r.success) throw new Error("id, timestamp and source are required");
 * if (!r.error.message.startsWith("Invalid event frame")) throw new Error(r.error.message);
 * ```
 */
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
 * Validates one decoded event that nobody else holds (a fresh `JSON.parse` result) in place:
 * the same checks as {@linkcode parseEvent}, and the same result, without the copy.
 *
 * On success it returns `raw` itself, with the own keys `__proto__`, `constructor` and
 * `prototype` deleted at its top level and in `llm_message`, `action` and `observation` (the
 * objects {@linkcode parseEvent} rebuilds, and drops those keys from). On any failure it runs
 * {@linkcode parseEvent}, so errors read exactly the same. Only for plain objects straight from
 * `JSON.parse` that the caller owns: it mutates its argument.
 *
 * @example
 * ```ts
 * import { parseOwnedEvent } from "./events.ts";
 * const raw = JSON.parse('{"kind":"PauseEvent","id":"p1","timestamp":"t","source":"user","__proto__":{"x":1}}');
 * const r = parseOwnedEvent(raw);
 * if (!r.success || r.event !== raw) throw new Error("validated in place");
 * if (Object.hasOwn(raw, "__proto__")) throw new Error("prototype keys are dropped");
 * ```
 */
export function parseOwnedEvent(raw: unknown): ParseEventResult {
  if (
    raw !== null && typeof raw === "object" && !Array.isArray(raw) &&
    checkInPlace(raw as Record<string, unknown>)
  ) {
    return { success: true, event: raw as Event };
  }
  return parseEvent(raw);
}

/** Per known kind, the fields its schema wants as strings (`text`) beyond the base ones. */
const TEXT_FIELDS: ReadonlyMap<string, readonly string[]> = new Map(
  Object.entries(schemas).map(([kind, schema]) => {
    const entries = (schema as unknown as { entries: v.ObjectEntries }).entries;
    return [kind, Object.keys(entries).filter((key) => entries[key] === text)];
  }),
);

/** An object whose `kind` is a string, as the `nested` schema wants. */
function isKindObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" &&
    typeof (value as { kind?: unknown }).kind === "string";
}

function isOptionalText(value: unknown): boolean {
  return value == null || typeof value === "string";
}

/** The own keys valibot's `looseObject` leaves out of its copy. */
const PROTOTYPE_KEYS = ["__proto__", "constructor", "prototype"] as const;
const NO_FIELDS: readonly string[] = [];

function dropPrototypeKeys(o: Record<string, unknown>): void {
  for (const key of PROTOTYPE_KEYS) {
    if (Object.hasOwn(o, key)) delete o[key];
  }
}

/**
 * The checks of {@linkcode schemas} (and `unknownSchema`) for a JSON object; on success, the keys
 * valibot would not copy are deleted. Returns false, changing nothing, when any check fails. Keys
 * are looked up as valibot does (`key in input`, then `input[key]`); for a JSON object that is
 * its own keys only, since none of these names is on `Object.prototype`.
 */
function checkInPlace(e: Record<string, unknown>): boolean {
  const { kind, id, timestamp } = e;
  if (
    typeof kind !== "string" || typeof id !== "string" || id === "" ||
    typeof timestamp !== "string" || timestamp === "" || typeof e.source !== "string"
  ) {
    return false;
  }
  for (const field of TEXT_FIELDS.get(kind) ?? NO_FIELDS) {
    if (typeof e[field] !== "string") return false;
  }
  // The nested object the kind's schema rebuilds (and drops prototype keys from), if any.
  let inner: Record<string, unknown> | undefined;
  switch (kind) {
    case "MessageEvent": {
      const m = e.llm_message as { role?: unknown; content?: unknown } | null;
      if (
        m === null || typeof m !== "object" || typeof m.role !== "string" ||
        (m.content !== undefined && !Array.isArray(m.content))
      ) {
        return false;
      }
      inner = m as Record<string, unknown>;
      break;
    }
    case "ActionEvent":
      if (e.action !== undefined) {
        if (!isKindObject(e.action)) return false;
        inner = e.action;
      }
      break;
    case "ObservationEvent":
      if (!isKindObject(e.observation)) return false;
      inner = e.observation;
      break;
    // `v.unknown()` fields: any value, but the key must be there.
    case "ConversationStateUpdateEvent":
      if (!("value" in e)) return false;
      break;
    case "ServerErrorEvent":
      if (!("detail" in e)) return false;
      break;
    case "StreamingDeltaEvent":
      if (!isOptionalText(e.content) || !isOptionalText(e.reasoning_content)) return false;
      break;
  }
  dropPrototypeKeys(e);
  if (inner) dropPrototypeKeys(inner);
  return true;
}

/**
 * Decodes and validates one text frame of the event socket. The decoded object is validated in
 * place ({@linkcode parseOwnedEvent}): nobody else holds it.
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
  return parseOwnedEvent(raw);
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
