/**
 * The valibot schemas of events: what {@linkcode parseEvent} checks, and what the in-place fast
 * path (`_fast_check.ts`) must agree with (the differential test `tests/unit/parse_fast_test.ts`
 * holds them to it).
 *
 * The public event types (`types.ts`, `kinds.ts`) are written out for their documentation; the
 * compiler proves here that each is exactly the output of its schema, and that the known kinds
 * are the same on both sides.
 *
 * @module
 */

import * as v from "valibot";
import type { EventKindMap, KnownEventKind, UnknownEvent, UnknownEventKind } from "./kinds.ts";
import type { BaseEvent, KindObject } from "./types.ts";

/** A required string field; the fast path finds these fields by this very schema object. */
export const text: v.StringSchema<undefined> = v.string();

const optionalText = v.optional(v.nullable(v.string()));
const nonEmpty = v.pipe(v.string(), v.minLength(1));

/** The fields every event has besides `kind`. */
const baseEntries = { id: nonEmpty, timestamp: nonEmpty, source: v.string() };

/** A nested object with a `kind`, such as an action or observation. */
const kindObject = v.looseObject({ kind: v.string() });

/** An event of any kind: `kind`, `id`, `timestamp` and `source`; other fields kept. */
export const unknownEventSchema = v.looseObject({ kind: v.string(), ...baseEntries });

/**
 * An event {@linkcode unknownEventSchema} accepted, as the {@linkcode UnknownEvent} it is when its
 * kind has no schema of its own (its kind's type, {@linkcode UnknownEventKind}, exists only at
 * compile time).
 *
 * @param event An event whose kind is not a known one.
 * @returns The same object.
 * @example
 * ```ts
 * import { asUnknownEvent } from "./schema.ts";
 * const event = { kind: "FutureEvent", id: "f", timestamp: "t", source: "agent" };
 * if (asUnknownEvent(event) !== event) throw new Error("the same object");
 * ```
 */
export function asUnknownEvent(event: BaseEvent): UnknownEvent {
  return event as UnknownEvent;
}

/** The schema of the known kind `kind`: the base fields, then `entries`; other fields kept. */
function eventSchema<const K extends string, const E extends v.ObjectEntries>(
  kind: K,
  entries: E,
): v.LooseObjectSchema<
  { kind: v.LiteralSchema<K, undefined> } & typeof baseEntries & E,
  undefined
> {
  return v.looseObject({ kind: v.literal(kind), ...baseEntries, ...entries });
}

/**
 * The schema of every known kind, one per kind (`entries.kind.literal` names it). Unknown kinds
 * are checked by `unknownEventSchema`.
 */
export const knownEventSchemas = [
  eventSchema("MessageEvent", {
    llm_message: v.looseObject({ role: text, content: v.optional(v.array(v.unknown())) }),
  }),
  eventSchema("ActionEvent", {
    tool_name: text,
    tool_call_id: text,
    action: v.optional(kindObject),
  }),
  eventSchema("ObservationEvent", {
    tool_name: text,
    tool_call_id: text,
    action_id: text,
    observation: kindObject,
  }),
  eventSchema("UserRejectObservation", {
    tool_name: text,
    tool_call_id: text,
    action_id: text,
    rejection_reason: text,
  }),
  eventSchema("AgentErrorEvent", { tool_name: text, tool_call_id: text, error: text }),
  eventSchema("SystemPromptEvent", {}),
  eventSchema("ConversationStateUpdateEvent", { key: text, value: v.unknown() }),
  eventSchema("ConversationErrorEvent", { code: text, detail: text }),
  eventSchema("PauseEvent", {}),
  eventSchema("InterruptEvent", {}),
  eventSchema("Condensation", {}),
  eventSchema("CondensationRequest", {}),
  eventSchema("CondensationSummaryEvent", {}),
  eventSchema("HookExecutionEvent", {}),
  eventSchema("LLMCompletionLogEvent", {}),
  eventSchema("TokenEvent", {}),
  eventSchema("ACPToolCallEvent", { tool_call_id: text }),
  eventSchema("SecurityAnalysisEvent", {}),
  eventSchema("StreamingDeltaEvent", {
    content: optionalText,
    reasoning_content: optionalText,
    item_id: v.optional(v.string()),
    attempt: v.optional(v.number()),
    discard: v.optional(v.boolean()),
    reason: v.optional(v.string()),
  }),
  eventSchema("ServerErrorEvent", { code: text, detail: v.unknown() }),
] as const;

/**
 * Every known kind, told apart by `kind`: {@linkcode knownEventSchemas} as one schema. Nothing
 * validates with it at run time (`parse.ts` picks the kind's own schema), so bundles drop it.
 */
export const knownEventSchema: v.VariantSchema<"kind", typeof knownEventSchemas, undefined> =
  /* @__PURE__ */ v.variant("kind", knownEventSchemas);

// --- the types are the schemas' outputs ----------------------------------------------------------

/** `true` when `A` and `B` are assignable to each other: the same fields, optional or not. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compiles only when `T` is `true`. */
type Holds<T extends true> = T;

type KnownOutput = v.InferOutput<typeof knownEventSchema>;
/** What each known kind's schema outputs, by kind. */
type OutputOfKind = { [E in KnownOutput as E["kind"]]: E };

type _SameKinds = Holds<Same<KnownEventKind, keyof OutputOfKind>>;
type _SameShapes = Holds<
  Same<
    { [K in KnownEventKind]: Same<EventKindMap[K], OutputOfKind[K]> },
    Record<KnownEventKind, true>
  >
>;
type _SameBase = Holds<Same<BaseEvent, v.InferOutput<typeof unknownEventSchema>>>;
/** An unknown kind's event is the base event with its kind typed apart, nothing else. */
type _SameUnknown = Holds<
  Same<Omit<UnknownEvent, "kind">, Omit<v.InferOutput<typeof unknownEventSchema>, "kind">>
>;
/**
 * A known kind narrows the union to that kind alone: no known kind is an unknown event's kind (as
 * it would be, were that `string`).
 */
type _KnownKindsExcludeUnknown = Holds<Same<Extract<KnownEventKind, UnknownEventKind>, never>>;
type _SameKindObject = Holds<Same<KindObject, v.InferOutput<typeof kindObject>>>;
