/**
 * The session socket's second wire format: each frame is an envelope (`sync`, `durable`,
 * `transient`, `delta`, `error`, ...) around an event. Decoding only: every field the client
 * reads is checked against the type the server's `session_protocol.py` gives it (own properties
 * only, so nothing hides under `__proto__`); a frame that fails is one `EventValidationError`.
 * Types from newer servers are ignored, as are fields the client does not read (`anchor_seq`,
 * `chunk_id`, ...). What a frame means for the connection (where the replay ends, the resume
 * cursor, which deltas are stale) is `_session_replay.ts`'s.
 *
 * @module
 */

import { shown } from "../_checks.ts";
import { EventValidationError } from "../errors.ts";
import type { Event } from "../events/kinds.ts";
import { type ParseEventResult, parseOwnedEvent } from "../events/parse.ts";
import type { SessionDelta } from "./_stream_items.ts";

/** Most characters of an `item_aborted` frame's `reason` kept (the rest is cut, with `…`). */
export const MAX_REASON_LENGTH = 200;

/**
 * A decoded session frame.
 *
 * @example
 * ```ts
 * import { decodeSessionFrame, type SessionFrame } from "./_session_frames.ts";
 * const frame: SessionFrame = decodeSessionFrame('{"type":"sync","through_seq":4}');
 * if (frame.type !== "sync" || frame.throughSeq !== 4) throw new Error();
 * ```
 */
export type SessionFrame =
  /** Not JSON, not an object, or no string `type`. */
  | { readonly type: "invalid"; readonly error: EventValidationError }
  /** Replay done through `throughSeq` (`undefined`: null or absent, or invalid with `error`). */
  | {
    readonly type: "sync";
    readonly throughSeq: number | undefined;
    readonly error?: EventValidationError;
  }
  /** A stored event and its seq (the event may be invalid: the seq still counts). */
  | { readonly type: "durable"; readonly seq: number; readonly parsed: ParseEventResult }
  /** An event the server did not store. */
  | { readonly type: "transient"; readonly parsed: ParseEventResult }
  /** A streaming token delta, as a `StreamingDeltaEvent`. */
  | { readonly type: "delta"; readonly event: SessionDelta }
  /** A stream (`itemId`, `attempt`) is opening. */
  | { readonly type: "item_started"; readonly itemId: string; readonly attempt: number }
  /** A stream ended without a stored event (`reason` cut to {@linkcode MAX_REASON_LENGTH}). */
  | {
    readonly type: "item_aborted";
    readonly itemId: string;
    readonly attempt: number;
    readonly reason: string;
  }
  /** The server could not handle a frame the client sent. */
  | { readonly type: "error"; readonly code: string; readonly detail: unknown }
  /** A frame with a bad field (`error`), or one that carries no event (`error` undefined). */
  | { readonly type: "skip"; readonly error: EventValidationError | undefined };

/**
 * Decodes one text frame of the session socket.
 *
 * @param data The frame's text.
 * @returns The decoded frame; never throws.
 * @example
 * ```ts
 * import { decodeSessionFrame } from "./_session_frames.ts";
 * const frame = decodeSessionFrame('{"type":"durable","seq":-1,"event":{}}');
 * if (frame.type !== "skip" || !frame.error?.message.includes("'seq' must be")) throw new Error();
 * ```
 */
export function decodeSessionFrame(data: string): SessionFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch (err) {
    return { type: "invalid", error: new EventValidationError("not JSON", data, { cause: err }) };
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return { type: "invalid", error: new EventValidationError("not a JSON object", data) };
  }
  const frame = raw as Record<string, unknown>;
  const type = own(frame, "type");
  if (typeof type !== "string") {
    return {
      type: "invalid",
      error: new EventValidationError(
        `session frame without a string 'type' (got ${shown(type)})`,
        data,
      ),
    };
  }
  const wrong = (field: string, rule: string): EventValidationError =>
    new EventValidationError(
      `session frame '${type}': '${field}' must be ${rule} (got ${shown(own(frame, field))})`,
      data,
    );
  const bad = (field: string, rule: string): SessionFrame => ({
    type: "skip",
    error: wrong(field, rule),
  });
  switch (type) {
    case "sync": {
      const through = own(frame, "through_seq");
      if (through === null || through === undefined) return { type, throughSeq: undefined };
      if (!isSeq(through)) {
        return {
          type,
          throughSeq: undefined,
          error: wrong("through_seq", "a whole number >= 0 or null"),
        };
      }
      return { type, throughSeq: through };
    }
    case "durable": {
      const seq = own(frame, "seq");
      if (!isSeq(seq)) return bad("seq", "a whole number >= 0");
      // `frame` came from our own JSON.parse: its event is validated in place.
      return { type, seq, parsed: parseOwnedEvent(own(frame, "event")) };
    }
    case "transient":
      return { type, parsed: parseOwnedEvent(own(frame, "event")) };
    case "delta": {
      const itemId = own(frame, "item_id");
      // Absent means the default; null is not a value the server sends for these.
      const attempt = attemptOf(frame);
      const order = own(frame, "order");
      const kind = Object.hasOwn(frame, "kind") ? frame.kind : "text";
      const content = own(frame, "content");
      if (typeof itemId !== "string") return bad("item_id", "a string");
      if (!Number.isSafeInteger(attempt)) return bad("attempt", "a whole number");
      if (!Number.isSafeInteger(order)) return bad("order", "a whole number");
      if (kind !== "text" && kind !== "reasoning") return bad("kind", "'text' or 'reasoning'");
      if (typeof content !== "string") return bad("content", "a string");
      return {
        type,
        event: {
          kind: "StreamingDeltaEvent",
          id: `${itemId}:${attempt as number}:${order as number}`,
          timestamp: "",
          source: "agent",
          [kind === "reasoning" ? "reasoning_content" : "content"]: content,
          item_id: itemId,
          attempt: attempt as number,
        },
      };
    }
    case "item_started":
    case "item_aborted": {
      const itemId = own(frame, "item_id");
      const attempt = attemptOf(frame);
      if (typeof itemId !== "string") return bad("item_id", "a string");
      if (!Number.isSafeInteger(attempt)) return bad("attempt", "a whole number");
      if (type === "item_started") return { type, itemId, attempt: attempt as number };
      const reason = own(frame, "reason");
      if (typeof reason !== "string") return bad("reason", "a string");
      return { type, itemId, attempt: attempt as number, reason: bounded(reason) };
    }
    case "error": {
      const code = own(frame, "code");
      if (typeof code !== "string") return bad("code", "a string");
      if (!Object.hasOwn(frame, "detail")) return bad("detail", "present");
      return { type, code, detail: own(frame, "detail") };
    }
    default:
      // Types from newer servers.
      return { type: "skip", error: undefined };
  }
}

/**
 * The `ServerErrorEvent` for an `error` frame: the `number`th of its client (for a unique id),
 * with `code` and a string `detail` (what the server sends) passed through `redact`; any other
 * `detail` is carried as sent.
 *
 * @param number The count of server errors so far, this one included.
 * @param code The frame's `code`.
 * @param detail The frame's `detail`.
 * @param redact Removes the API key from a text.
 * @returns The event.
 * @example
 * ```ts
 * import { serverErrorEvent } from "./_session_frames.ts";
 * const redact = (text: string) => text.replaceAll("sk-1", "[redacted]");
 * const event = serverErrorEvent(1, "ValidationError", "bad key sk-1", redact);
 * if (event.id !== "server-error-1" || event.kind !== "ServerErrorEvent") throw new Error();
 * if (event.detail !== "bad key [redacted]") throw new Error();
 * ```
 */
export function serverErrorEvent(
  number: number,
  code: string,
  detail: unknown,
  redact: (text: string) => string,
): Event {
  return {
    kind: "ServerErrorEvent",
    id: `server-error-${number}`,
    timestamp: "",
    source: "environment",
    code: redact(code),
    // Carried as sent; a string (what the server sends) is redacted.
    detail: typeof detail === "string" ? redact(detail) : detail,
  };
}

/** `object[key]` when it is an own property (nothing from a prototype, no `__proto__` tricks). */
function own(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** A stream frame's `attempt`: absent means 1 (`session_protocol.py`); null is not a default. */
function attemptOf(frame: Record<string, unknown>): unknown {
  return Object.hasOwn(frame, "attempt") ? frame.attempt : 1;
}

/** `text` cut to {@linkcode MAX_REASON_LENGTH} characters, never inside a surrogate pair. */
function bounded(text: string): string {
  if (text.length <= MAX_REASON_LENGTH) return text;
  let end = MAX_REASON_LENGTH - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** A sequence number of the server's log: a whole number >= 0. */
function isSeq(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
