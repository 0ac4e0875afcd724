/**
 * The fast path of event validation: the checks of the schemas (`schema.ts`) done in place on a
 * fresh `JSON.parse` result, without valibot's copy. `tests/unit/parse_fast_test.ts` holds it to
 * the schemas: for every recorded fixture, every field of every kind removed and retyped,
 * prototype keys and the fuzz generator's frames, both give the same result.
 *
 * @module
 */

import type { Event } from "./kinds.ts";
import { knownEventSchemas, text } from "./schema.ts";

/** Per known kind, the fields its schema wants as strings (`text`) beyond the base ones. */
const TEXT_FIELDS: ReadonlyMap<string, readonly string[]> = new Map(
  knownEventSchemas.map((schema) => {
    const entries: Readonly<Record<string, unknown>> = schema.entries;
    return [
      schema.entries.kind.literal,
      Object.keys(entries).filter((key) => entries[key] === text),
    ];
  }),
);

/** An object whose `kind` is a string, as the schemas' nested `kindObject` wants. */
function isKindObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" &&
    typeof (value as { kind?: unknown }).kind === "string";
}

function isOptionalText(value: unknown): boolean {
  return value == null || typeof value === "string";
}

/** `v.optional(v.string())` and the like: absent, or of that type (not null). */
function optionalOf(value: unknown, type: "string" | "number" | "boolean"): boolean {
  return value === undefined || typeof value === type;
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
 * The checks of the known kinds' schemas (and the unknown kinds' one) for a JSON object; on
 * success, the keys valibot would not copy are deleted. Returns false, changing nothing, when
 * any check fails. Keys are looked up as valibot does (`key in input`, then `input[key]`); for a
 * JSON object that is its own keys only, since none of these names is on `Object.prototype`.
 *
 * @param e A plain object straight from `JSON.parse` that the caller owns: it is changed.
 * @returns Whether it is a valid event (then it is one, as `parseEvent` would return it).
 * @example
 * ```ts
 * import { checkInPlace } from "./_fast_check.ts";
 * const raw = JSON.parse('{"kind":"PauseEvent","id":"p","timestamp":"t","source":"user","constructor":1}');
 * if (!checkInPlace(raw) || Object.hasOwn(raw, "constructor")) throw new Error("unexpected");
 * if (checkInPlace({ kind: "PauseEvent" })) throw new Error("id, timestamp and source are required");
 * ```
 */
export function checkInPlace(e: Record<string, unknown>): e is Record<string, unknown> & Event {
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
      if (
        !isOptionalText(e.content) || !isOptionalText(e.reasoning_content) ||
        !optionalOf(e.item_id, "string") || !optionalOf(e.attempt, "number") ||
        !optionalOf(e.discard, "boolean") || !optionalOf(e.reason, "string")
      ) {
        return false;
      }
      break;
  }
  dropPrototypeKeys(e);
  if (inner) dropPrototypeKeys(inner);
  return true;
}
