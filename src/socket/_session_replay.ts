/**
 * What a decoded session frame means for its connection: the queue items it gives, and where the
 * connection's replay ends (the connection is ready once it has). A connection opened with
 * `after_seq` replays the stored events after it, up to the `sync` frame's `through_seq`, before
 * anything live. Stream frames (`item_started`, `delta`, `item_aborted`) go through the
 * connection's {@linkcode StreamItems}: stale deltas are dropped, and a retry or an abort that
 * voids text already delivered gives a discard (a `StreamingDeltaEvent` with `discard: true`),
 * delivered like a delta: never stored, no seq, so the resume cursor does not move.
 *
 * @module
 */

import type { Event } from "../events/kinds.ts";
import type { DeliveryQueue, QueueConnection, QueueItem } from "./_delivery_queue.ts";
import type { SessionFrame } from "./_session_frames.ts";
import { StreamItems } from "./_stream_items.ts";

/**
 * A session socket connection as the replay sees it.
 *
 * @example
 * ```ts
 * import type { ReplayConnection } from "./_session_replay.ts";
 * const conn: ReplayConnection = { ready: false, protocol: "session", afterSeq: 3 };
 * if (conn.replayThrough !== undefined) throw new Error();
 * ```
 */
export interface ReplayConnection extends QueueConnection {
  /** The replay ends with this seq (set by the `sync` frame); undefined when not replaying. */
  replayThrough?: number | undefined;
  /** The `after_seq` this connection was opened with. */
  readonly afterSeq?: number | undefined;
  /** Its streams, made at its first stream frame. */
  streams?: StreamItems | undefined;
}

/**
 * The queue items of one session frame, in order; updates `conn.replayThrough`.
 *
 * @param conn The connection the frame came on.
 * @param frame The decoded frame.
 * @param serverError Makes the event of an `error` frame (see `serverErrorEvent`).
 * @returns The items to queue, in order.
 * @example A live-only connect to an empty log: ready, resuming from the start
 * ```ts
 * import { sessionFrameItems } from "./_session_replay.ts";
 * const conn = { ready: false, protocol: "session" as const };
 * const items = sessionFrameItems(conn, { type: "sync", throughSeq: undefined }, () => {
 *   throw new Error("no error frame here");
 * });
 * if (items.length !== 1 || !("ready" in items[0]!) || items[0].cursor !== -1) throw new Error();
 * ```
 */
export function sessionFrameItems(
  conn: ReplayConnection,
  frame: SessionFrame,
  serverError: (code: string, detail: unknown) => Event,
): QueueItem[] {
  switch (frame.type) {
    case "invalid":
      return [{ conn, error: frame.error }];
    case "skip":
      return frame.error ? [{ conn, error: frame.error }] : [];
    case "sync": {
      const items: QueueItem[] = frame.error ? [{ conn, error: frame.error }] : [];
      const through = frame.throughSeq;
      const replaying = through !== undefined && conn.afterSeq !== undefined &&
        conn.afterSeq < through;
      conn.replayThrough = replaying ? through : undefined;
      // Live only (or nothing to replay): resume after what the server had at connect time,
      // so events stored while a later connection is down are not lost. A live-only sync
      // without `through_seq` means the log was empty: the cursor is -1 (resume from the start).
      // A bad `through_seq` sets no cursor (the stream goes on; resume after what arrives).
      if (!replaying) {
        const cursor = frame.error
          ? undefined
          : through !== undefined
          ? through
          : conn.afterSeq === undefined
          ? -1
          : undefined;
        items.push(cursor === undefined ? { conn, ready: true } : { conn, ready: true, cursor });
      }
      return items;
    }
    case "durable": {
      const { seq, parsed } = frame;
      // A bad stored event still moves the cursor: reported once, not on every reconnect.
      const items: QueueItem[] = [
        parsed.success ? { conn, event: parsed.event, seq } : { conn, error: parsed.error, seq },
      ];
      // `item_id` is the id of the event that ends the stream (`session_protocol.py`).
      if (parsed.success) conn.streams?.retire(parsed.event.id);
      if (conn.replayThrough !== undefined && seq >= conn.replayThrough) {
        conn.replayThrough = undefined;
        items.push({ conn, ready: true });
      }
      return items;
    }
    case "transient": {
      const { parsed } = frame;
      const items: QueueItem[] = [
        parsed.success
          ? { conn, event: parsed.event, transient: true }
          : { conn, error: parsed.error },
      ];
      // The replay ends at its last seq, or at the first transient frame (the snapshot after
      // the replay) when the server skipped unreadable events at its end.
      if (conn.replayThrough !== undefined) {
        conn.replayThrough = undefined;
        items.push({ conn, ready: true });
      }
      return items;
    }
    case "delta":
      return streamsOf(conn).delta(frame.event).map((event) => ({ conn, event }));
    case "item_started": {
      const discard = streamsOf(conn).started(frame.itemId, frame.attempt);
      return discard ? [{ conn, event: discard }] : [];
    }
    case "item_aborted": {
      const discard = streamsOf(conn).aborted(frame.itemId, frame.attempt, frame.reason);
      return discard ? [{ conn, event: discard }] : [];
    }
    case "error":
      return [{ conn, event: serverError(frame.code, frame.detail) }];
  }
}

/** The streams of `conn`, made at its first stream frame. */
function streamsOf(conn: ReplayConnection): StreamItems {
  return conn.streams ??= new StreamItems();
}

/**
 * Hands a decoded frame to the queue: a stored event that arrives live (no replay going on) by
 * the queue's hot path, anything else as the items {@linkcode sessionFrameItems} gives.
 *
 * @param conn The connection the frame came on.
 * @param frame The decoded frame.
 * @param queue The connection's delivery queue.
 * @param serverError Makes the event of an `error` frame.
 * @example
 * ```ts
 * import { routeSessionFrame } from "./_session_replay.ts";
 * import { DeliveryQueue } from "./_delivery_queue.ts";
 * const seen: string[] = [];
 * const queue = new DeliveryQueue({
 *   callback: (event) => void seen.push(event.id), onReady: undefined, report: () => {},
 *   dropping: () => false,
 * });
 * const conn = { ready: true, protocol: "session" as const };
 * const event = { kind: "PauseEvent", id: "p1", timestamp: "2026-01-01T00:00:00", source: "user" } as const;
 * const frame = { type: "durable" as const, seq: 3, parsed: { success: true as const, event } };
 * routeSessionFrame(conn, frame, queue, () => event);
 * routeSessionFrame(conn, frame, queue, () => event);
 * if (seen.join() !== "p1" || queue.lastSeq !== 3) throw new Error(seen.join());
 * ```
 */
export function routeSessionFrame(
  conn: ReplayConnection,
  frame: SessionFrame,
  queue: DeliveryQueue,
  serverError: (code: string, detail: unknown) => Event,
): void {
  if (frame.type === "durable" && frame.parsed.success && conn.replayThrough === undefined) {
    const event = frame.parsed.event;
    // `item_id` is the id of the event that ends the stream (`session_protocol.py`).
    conn.streams?.retire(event.id);
    queue.pushStored(conn, event, frame.seq);
    return;
  }
  for (const item of sessionFrameItems(conn, frame, serverError)) queue.push(item);
}
