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

const text = v.string();
const optionalText = v.optional(v.nullable(v.string()));

const base = {
  id: v.pipe(v.string(), v.minLength(1)),
  timestamp: v.pipe(v.string(), v.minLength(1)),
  source: v.string(),
};

const kindSchema = <K extends string, E extends v.ObjectEntries>(kind: K, entries: E) =>
  v.looseObject({ kind: v.literal(kind), ...base, ...entries });

const nested = v.looseObject({ kind: v.string() });

/** The valibot schemas of the known event kinds, by kind. */
const schemas = {
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
  SystemPromptEvent: kindSchema("SystemPromptEvent", {}),
  ConversationStateUpdateEvent: kindSchema("ConversationStateUpdateEvent", {
    key: text,
    value: v.unknown(),
  }),
  ConversationErrorEvent: kindSchema("ConversationErrorEvent", { code: text, detail: text }),
  PauseEvent: kindSchema("PauseEvent", {}),
  InterruptEvent: kindSchema("InterruptEvent", {}),
  Condensation: kindSchema("Condensation", {}),
  CondensationRequest: kindSchema("CondensationRequest", {}),
  CondensationSummaryEvent: kindSchema("CondensationSummaryEvent", {}),
  HookExecutionEvent: kindSchema("HookExecutionEvent", {}),
  LLMCompletionLogEvent: kindSchema("LLMCompletionLogEvent", {}),
  TokenEvent: kindSchema("TokenEvent", {}),
  ACPToolCallEvent: kindSchema("ACPToolCallEvent", { tool_call_id: text }),
  SecurityAnalysisEvent: kindSchema("SecurityAnalysisEvent", {}),
  StreamingDeltaEvent: kindSchema("StreamingDeltaEvent", {
    content: optionalText,
    reasoning_content: optionalText,
  }),
  ServerErrorEvent: kindSchema("ServerErrorEvent", { code: text, detail: v.unknown() }),
} as const;

const unknownSchema = v.looseObject({ kind: v.string(), ...base });

type Schemas = typeof schemas;

/** The kinds this client knows by name. */
export type KnownEventKind = keyof Schemas;

/** An event of a known kind `K`, with its key fields typed and every other field kept. */
export type EventOfKind<K extends KnownEventKind> = v.InferOutput<Schemas[K]>;

/** A user or agent message. */
export type MessageEvent = EventOfKind<"MessageEvent">;
/** A tool call the agent made (`action.kind` names the action, e.g. `TerminalAction`). */
export type ActionEvent = EventOfKind<"ActionEvent">;
/** The result of a tool call. */
export type ObservationEvent = EventOfKind<"ObservationEvent">;
/** A pending action the user (or a hook) rejected. */
export type UserRejectObservation = EventOfKind<"UserRejectObservation">;
/** A tool or agent error the agent can react to. */
export type AgentErrorEvent = EventOfKind<"AgentErrorEvent">;
/** A state change: `key` is a state field or `full_state` (a whole snapshot, never stored). */
export type ConversationStateUpdateEvent = EventOfKind<"ConversationStateUpdateEvent">;
/** The run failed: `code` is the exception class, `detail` the message. */
export type ConversationErrorEvent = EventOfKind<"ConversationErrorEvent">;
/** Token deltas when streaming is on (never stored). */
export type StreamingDeltaEvent = EventOfKind<"StreamingDeltaEvent">;
/** The server could not handle a frame the client sent (never stored). */
export type ServerErrorEvent = EventOfKind<"ServerErrorEvent">;

/** An event of a kind this client does not know (e.g. from a newer server), kept as sent. */
export type UnknownEvent = v.InferOutput<typeof unknownSchema>;

/** Any event: a known kind or an unknown one. Narrow with {@linkcode isEventKind}. */
export type Event = EventOfKind<KnownEventKind> | UnknownEvent;

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
