/**
 * The wire forms of an event stream: Server-Sent Events (`id:` the cursor, `data:` the event) and
 * NDJSON (one `{"cursor", "event"}` object per line), and each one's heartbeat.
 *
 * @module
 */

import type { Event } from "../events/kinds.ts";
import type { EventCursor } from "../conversation/cursor.ts";
import type { EventStreamFormat } from "./types.ts";

/**
 * The content type of each format.
 *
 * @example
 * ```ts
 * import { CONTENT_TYPES } from "./_encode.ts";
 * if (CONTENT_TYPES.sse !== "text/event-stream; charset=utf-8") throw new Error();
 * ```
 */
export const CONTENT_TYPES: Readonly<Record<EventStreamFormat, string>> = {
  sse: "text/event-stream; charset=utf-8",
  ndjson: "application/x-ndjson; charset=utf-8",
};

/**
 * One event in `format`. JSON text has no raw line breaks (they are escaped in strings), so one
 * `data:` line carries it whole.
 *
 * @param format The wire form.
 * @param event The event.
 * @param cursor Where a reader resumes after it; undefined for an event the server does not store
 * (SSE then sends no `id:`, so `Last-Event-ID` stays at the last stored one).
 * @returns The text to send.
 * @example
 * ```ts
 * import { encodeEvent } from "./_encode.ts";
 * const event = { kind: "PauseEvent", id: "e1", timestamp: "t", source: "user" } as const;
 * const text = encodeEvent("sse", event, "s:3");
 * if (text !== 'id: s:3\ndata: {"kind":"PauseEvent","id":"e1","timestamp":"t","source":"user"}\n\n') throw new Error();
 * ```
 */
export function encodeEvent(
  format: EventStreamFormat,
  event: Event,
  cursor: EventCursor | undefined,
): string {
  if (format === "ndjson") {
    return `${JSON.stringify(cursor === undefined ? { event } : { cursor, event })}\n`;
  }
  const data = `data: ${JSON.stringify(event)}\n\n`;
  return cursor === undefined ? data : `id: ${cursor}\n${data}`;
}

/**
 * The heartbeat of `format`: an SSE comment, or an NDJSON line `{}` (readers skip both).
 *
 * @param format The wire form.
 * @returns The text to send.
 * @example
 * ```ts
 * import { heartbeat } from "./_encode.ts";
 * if (heartbeat("sse") !== ": keep-alive\n\n") throw new Error();
 * ```
 */
export function heartbeat(format: EventStreamFormat): string {
  return format === "sse" ? ": keep-alive\n\n" : "{}\n";
}
