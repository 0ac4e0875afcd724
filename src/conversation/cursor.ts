/**
 * Event cursors: a resumable position in a conversation's event log, as an opaque string that
 * survives a process (a serverless function's next invocation, an SSE `Last-Event-ID`).
 *
 * - On the session socket (servers since 1.45.0) it is the `seq` of the last stored event seen:
 *   `s:42`. Resuming opens the socket with `after_seq=42`; the server replays every stored event
 *   after it, exactly once, then goes live.
 * - On the events socket (older servers) the best the server allows is the last stored event's
 *   timestamp and id: `t:2026-01-01T00:00:00.000001/<id>`. Resuming asks for the events since that
 *   timestamp (`resend_mode=since`) and drops the one the cursor names; an event stored with the
 *   very same timestamp just before it would come again.
 *
 * A cursor comes back from a browser or a request header: it is untrusted input, parsed strictly
 * (bounded length, a fixed alphabet) before any of it reaches a URL.
 *
 * @module
 */

/**
 * A resumable position in a conversation's event log (see {@linkcode RemoteConversation.cursor}).
 * Opaque: store it and hand it back, do not build one.
 *
 * @example
 * ```ts
 * import type { EventCursor } from "@remote-hands/client";
 * const cursor: EventCursor = "s:41";
 * if (typeof cursor !== "string") throw new Error();
 * ```
 */
export type EventCursor = string;

/**
 * A parsed cursor: a session-socket seq, or an events-socket timestamp and event id.
 *
 * @example
 * ```ts
 * import type { ParsedCursor } from "./cursor.ts";
 * const at: ParsedCursor = { seq: 41 };
 * if (!("seq" in at)) throw new Error();
 * ```
 */
export type ParsedCursor = { readonly seq: number } | {
  readonly timestamp: string;
  readonly id: string;
};

/** Longest cursor accepted: a timestamp (≤ 40) and an event id (≤ 100) with their marks. */
const MAX_CURSOR_LENGTH = 160;
const SEQ_CURSOR = /^s:(-1|0|[1-9][0-9]{0,14})$/;
const TIME_CURSOR = /^t:([0-9][0-9T:.+\-Z]{0,39})\/([A-Za-z0-9_\-]{1,100})$/;

/**
 * The cursor of a position: `s:<seq>` or `t:<timestamp>/<id>`.
 *
 * @param at The position.
 * @returns Its cursor.
 * @example
 * ```ts
 * import { formatCursor } from "./cursor.ts";
 * if (formatCursor({ seq: 7 }) !== "s:7") throw new Error();
 * ```
 */
export function formatCursor(at: ParsedCursor): EventCursor {
  return "seq" in at ? `s:${at.seq}` : `t:${at.timestamp}/${at.id}`;
}

/**
 * The events-socket cursor just after a stored event: its timestamp and id, when both fit the
 * cursor's alphabet (a server's odd id or timestamp gives none).
 *
 * @param event The event.
 * @returns Its cursor, or undefined.
 * @example
 * ```ts
 * import { timeCursor } from "./cursor.ts";
 * if (timeCursor({ id: "e1", timestamp: "2026-01-01T00:00:00" }) !== "t:2026-01-01T00:00:00/e1") throw new Error();
 * ```
 */
export function timeCursor(
  event: { readonly id: string; readonly timestamp: string },
): EventCursor | undefined {
  const cursor = formatCursor({ timestamp: event.timestamp, id: event.id });
  return cursor.length <= MAX_CURSOR_LENGTH && TIME_CURSOR.test(cursor) ? cursor : undefined;
}

/**
 * Where the events after `at` start in a list: the first placed with a higher seq, or the one
 * after the event a timestamp cursor names (else the first with a later timestamp).
 *
 * @param events The list, in order.
 * @param seqAt The seq each was placed with (-1: unknown).
 * @param at The position.
 * @returns The index (the length when nothing is after it).
 * @example
 * ```ts
 * import { indexAfter } from "./cursor.ts";
 * const events = [{ id: "a", timestamp: "1" }, { id: "b", timestamp: "2" }];
 * if (indexAfter(events, (i) => i, { seq: 0 }) !== 1) throw new Error();
 * if (indexAfter(events, () => -1, { timestamp: "1", id: "a" }) !== 1) throw new Error();
 * ```
 */
export function indexAfter(
  events: readonly { readonly id: string; readonly timestamp: string }[],
  seqAt: (index: number) => number,
  at: ParsedCursor,
): number {
  if ("seq" in at) {
    for (let i = 0; i < events.length; i++) if (seqAt(i) > at.seq) return i;
    return events.length;
  }
  const named = events.findIndex((event) => event.id === at.id);
  if (named >= 0) return named + 1;
  const later = events.findIndex((event) => event.timestamp > at.timestamp);
  return later < 0 ? events.length : later;
}

/**
 * Reads a cursor this client made; anything else is a `TypeError` that quotes none of it (it may
 * come from a request header).
 *
 * @param cursor The cursor, e.g. an SSE `Last-Event-ID`.
 * @returns The position.
 * @throws {TypeError} When it is not a cursor of this client.
 * @example
 * ```ts
 * import { parseCursor } from "./cursor.ts";
 * const at = parseCursor("s:12");
 * if (!("seq" in at) || at.seq !== 12) throw new Error();
 * ```
 */
export function parseCursor(cursor: unknown): ParsedCursor {
  if (typeof cursor === "string" && cursor.length <= MAX_CURSOR_LENGTH) {
    const seq = SEQ_CURSOR.exec(cursor);
    if (seq) return { seq: Number(seq[1]) };
    const time = TIME_CURSOR.exec(cursor);
    if (time) return { timestamp: time[1]!, id: time[2]! };
  }
  throw new TypeError(
    "Cannot resume as 'after' is not an event cursor of this client: pass a value read from " +
      "`conversation.cursor` or an event stream's id",
  );
}
