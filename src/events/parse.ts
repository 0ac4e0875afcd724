/**
 * Event validation at the boundary: {@linkcode parseEvent} (valibot, which copies),
 * {@linkcode parseOwnedEvent} (the same checks in place, for a fresh `JSON.parse` result) and
 * {@linkcode parseEventFrame} (one text frame of the event socket).
 *
 * Known kinds must carry their key fields; every other field, and every unknown kind from a newer
 * server, is kept as sent: nothing is dropped, nothing is fatal. A frame that is not an event at
 * all (bad JSON, no `id`) is an {@linkcode EventValidationError}.
 *
 * @module
 */

import * as v from "valibot";
import { EventValidationError } from "../errors.ts";
import { checkInPlace } from "./_fast_check.ts";
import type { Event } from "./kinds.ts";
import { asUnknownEvent, knownEventSchemas, unknownEventSchema } from "./schema.ts";

/** The schema of each known kind, by kind. */
const SCHEMA_OF_KIND: ReadonlyMap<string, v.GenericSchema<unknown, Event>> = new Map(
  knownEventSchemas.map((schema) => [schema.entries.kind.literal, schema]),
);

/**
 * Result of {@linkcode parseEvent}: the event, or why the frame is not one.
 *
 * @example
 * ```ts
 * import { parseEvent, type ParseEventResult } from "@remote-hands/client";
 * const r: ParseEventResult = parseEvent({ kind: "PauseEvent" });
 * if (r.success) throw new Error("id, timestamp and source are required");
 * if (!r.error.message.startsWith("Invalid event frame")) throw new Error(r.error.message);
 * ```
 */
export type ParseEventResult =
  | { success: true; event: Event }
  | { success: false; error: EventValidationError };

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
 * import { parseEvent } from "@remote-hands/client";
 * const r = parseEvent({ kind: "FutureEvent", id: "e1", timestamp: "2026-01-01T00:00:00", source: "agent", x: 1 });
 * if (!r.success || r.event.x !== 1) throw new Error("unknown kinds are kept");
 * ```
 */
export function parseEvent(raw: unknown): ParseEventResult {
  if (!isJsonObject(raw)) {
    return {
      success: false,
      error: new EventValidationError("not a JSON object", safeExcerpt(raw)),
    };
  }
  const kind = raw.kind;
  const known = typeof kind === "string" ? SCHEMA_OF_KIND.get(kind) : undefined;
  let issues: readonly v.BaseIssue<unknown>[];
  if (known) {
    const result = v.safeParse(known, raw);
    if (result.success) return { success: true, event: result.output };
    issues = result.issues;
  } else {
    const result = v.safeParse(unknownEventSchema, raw);
    // Without a schema of its own, the kind is one this client does not know.
    if (result.success) return { success: true, event: asUnknownEvent(result.output) };
    issues = result.issues;
  }
  return {
    success: false,
    error: new EventValidationError(
      `${typeof kind === "string" ? kind : "event"} ${describeIssues(issues)}`,
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
 * import { parseOwnedEvent } from "./parse.ts";
 * const raw = JSON.parse('{"kind":"PauseEvent","id":"p1","timestamp":"t","source":"user","__proto__":{"x":1}}');
 * const r = parseOwnedEvent(raw);
 * if (!r.success || r.event !== raw) throw new Error("validated in place");
 * if (Object.hasOwn(raw, "__proto__")) throw new Error("prototype keys are dropped");
 * ```
 */
export function parseOwnedEvent(raw: unknown): ParseEventResult {
  if (isJsonObject(raw) && checkInPlace(raw)) return { success: true, event: raw };
  return parseEvent(raw);
}

/** An object that is not an array: what a JSON object decodes to. */
function isJsonObject(raw: unknown): raw is Record<string, unknown> {
  return raw !== null && typeof raw === "object" && !Array.isArray(raw);
}

/**
 * Decodes and validates one text frame of the event socket. The decoded object is validated in
 * place ({@linkcode parseOwnedEvent}): nobody else holds it.
 *
 * @example
 * ```ts
 * import { parseEventFrame } from "./parse.ts";
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
