/**
 * The streams of one session socket connection: per `item_id`, the highest attempt seen and
 * whether text of it was delivered. `session_protocol.py`: "A higher `attempt` for the same
 * `item_id` supersedes a lower one", and every `item_started` is retired by one `durable` (whose
 * event id is the `item_id`) or one `item_aborted`. From that, this decides which deltas are
 * stale (dropped) and when the text delivered so far for an item is void (a discard: a
 * `StreamingDeltaEvent` with `discard: true` and no content). At most
 * {@linkcode MAX_STREAM_ITEMS} items are remembered (the least recently touched goes first), so a
 * server that opens endless items costs bounded memory.
 *
 * @module
 */

import type { StreamingDeltaEvent } from "../events/types.ts";

/** Most items remembered per connection; only a few are ever open at once. */
export const MAX_STREAM_ITEMS = 64;

/**
 * A `StreamingDeltaEvent` of the session socket: it always names its item and attempt.
 *
 * @example
 * ```ts
 * import type { SessionDelta } from "./_stream_items.ts";
 * const delta: SessionDelta = {
 *   kind: "StreamingDeltaEvent", id: "i:1:0", timestamp: "", source: "agent",
 *   item_id: "i", attempt: 1, content: "Hel",
 * };
 * if (delta.attempt !== 1) throw new Error();
 * ```
 */
export interface SessionDelta extends StreamingDeltaEvent {
  /** The streamed item: the id the final event will have. */
  item_id: string;
  /** The attempt of the item this delta belongs to. */
  attempt: number;
}

interface ItemState {
  /** The highest attempt seen (from `item_started`, a delta or an abort). */
  attempt: number;
  /** Whether text of the item was delivered since it was last voided. */
  delivered: boolean;
}

/**
 * What is known of the streams of one connection.
 *
 * @example A retry supersedes the text of attempt 1
 * ```ts
 * import { StreamItems } from "./_stream_items.ts";
 * const items = new StreamItems();
 * const delta = (attempt: number, order: number) => ({
 *   kind: "StreamingDeltaEvent" as const, id: `i:${attempt}:${order}`, timestamp: "",
 *   source: "agent", item_id: "i", attempt, content: "x",
 * });
 * items.started("i", 1);
 * if (items.delta(delta(1, 0)).length !== 1) throw new Error("delivered");
 * if (items.started("i", 2)?.discard !== true) throw new Error("attempt 1's text is void");
 * if (items.delta(delta(1, 1)).length !== 0) throw new Error("a stale delta is dropped");
 * ```
 */
export class StreamItems {
  readonly #items = new Map<string, ItemState>();

  /** How many items are remembered (at most {@linkcode MAX_STREAM_ITEMS}). */
  get size(): number {
    return this.#items.size;
  }

  /**
   * An `item_started` frame.
   *
   * @param itemId The frame's `item_id`.
   * @param attempt The frame's `attempt`.
   * @returns A discard when a lower attempt's text was delivered (or may have been: an item
   *   first seen at attempt > 1 streamed before this connection or was forgotten), else
   *   undefined. A repeated or lower attempt changes nothing.
   */
  started(itemId: string, attempt: number): SessionDelta | undefined {
    const known = this.#items.get(itemId);
    if (known && attempt <= known.attempt) {
      this.#touch(itemId, known);
      return undefined;
    }
    const voids = known ? known.delivered : attempt > 1;
    this.#touch(itemId, { attempt, delivered: false });
    return voids ? discard(itemId, attempt, "restart") : undefined;
  }

  /**
   * A `delta` frame.
   *
   * @param delta The frame's event.
   * @returns Nothing for a stale delta (an attempt lower than one seen); else the delta, after
   *   a discard when it is the first of a higher attempt and earlier text was (or may have
   *   been) delivered, as for {@linkcode StreamItems.started}.
   */
  delta(delta: SessionDelta): SessionDelta[] {
    const itemId = delta.item_id;
    const known = this.#items.get(itemId);
    if (known && delta.attempt < known.attempt) return [];
    const voids = known ? delta.attempt > known.attempt && known.delivered : delta.attempt > 1;
    this.#touch(itemId, { attempt: delta.attempt, delivered: true });
    return voids ? [discard(itemId, delta.attempt, "restart"), delta] : [delta];
  }

  /**
   * An `item_aborted` frame: the item is over (forgotten).
   *
   * @param itemId The frame's `item_id`.
   * @param attempt The frame's `attempt`.
   * @param reason The frame's `reason` (already bounded).
   * @returns A discard with `reason` unless nothing of the item was delivered since it was
   *   last voided (known only for an item seen on this connection); undefined for the abort of
   *   an attempt lower than one seen (the later attempt's text stands).
   */
  aborted(itemId: string, attempt: number, reason: string): SessionDelta | undefined {
    const known = this.#items.get(itemId);
    if (known && attempt < known.attempt) return undefined;
    this.#items.delete(itemId);
    if (known && !known.delivered) return undefined;
    return { ...discard(itemId, attempt, "abort"), reason };
  }

  /**
   * A stored event arrived: when its id is an item's, that stream is over (its text is the
   * event's) and the item is forgotten.
   *
   * @param eventId The stored event's id.
   */
  retire(eventId: string): void {
    this.#items.delete(eventId);
  }

  /** Sets `itemId` as the most recently touched item, forgetting the oldest when full. */
  #touch(itemId: string, state: ItemState): void {
    this.#items.delete(itemId);
    if (this.#items.size >= MAX_STREAM_ITEMS) {
      const oldest = this.#items.keys().next();
      if (!oldest.done) this.#items.delete(oldest.value);
    }
    this.#items.set(itemId, state);
  }
}

/** The discard of `itemId`'s text so far; `why` keeps its id apart from deltas and other discards. */
function discard(itemId: string, attempt: number, why: "restart" | "abort"): SessionDelta {
  return {
    kind: "StreamingDeltaEvent",
    id: `${itemId}:${attempt}:${why}`,
    timestamp: "",
    source: "agent",
    item_id: itemId,
    attempt,
    discard: true,
  };
}
