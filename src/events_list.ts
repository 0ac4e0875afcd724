/**
 * {@linkcode RemoteEventsList}: the conversation's history as a list-like, read-only view.
 *
 * @module
 */

import { type Event, isPersistedEvent } from "./events.ts";

/**
 * Adds an event to a conversation's list at its place in the server's log: after the event with
 * id `after` when given (`null`: first in the log), else before the tail of events with a higher
 * `seq` (its sequence number in the log, -1 when unknown), else at the end (arrival order).
 * Not public: `addEvent` orders by timestamp.
 */
export let placeEvent: (
  list: RemoteEventsList,
  event: Event,
  seq: number,
  after?: string | null,
) => boolean;

/** How many stored events of the server's log a conversation's list stands for (ACP tool-call
 * events a later one replaced count too). Not public. */
export let storedCount: (list: RemoteEventsList) => number;

/**
 * A list-like, read-only view of a conversation's stored events: history first, then live.
 *
 * A conversation's own list (`conversation.state.events`) is in the server's log order, exactly
 * as `GET …/events/search` pages it: history in page order, live events by their sequence number
 * (session socket) or in arrival order, and an event a reconcile found missing right after the
 * event before it in the log. On servers since 1.58 that is also timestamp order; before 1.58 a
 * `stats` update is stamped before the action it follows in the log, so the two can differ.
 *
 * Events added by hand with {@linkcode RemoteEventsList.addEvent} are deduplicated by `id` and
 * ordered by `timestamp` (the server's naive local ISO strings, compared as strings), as in the
 * Python SDK; events with equal timestamps keep their arrival order. Frames the
 * server never stores (full-state snapshots, streaming deltas, server errors) are not added: they
 * reach callbacks only, so this list always equals the server's history. An `ACPToolCallEvent`
 * with an already seen `tool_call_id` replaces the earlier one in place, as in the Python SDK.
 *
 * @example
 * ```ts
 * import { RemoteEventsList } from "./events_list.ts";
 * const list = new RemoteEventsList();
 * list.addEvent({ kind: "PauseEvent", id: "b", timestamp: "2026-01-01T00:00:02", source: "user" });
 * list.addEvent({ kind: "PauseEvent", id: "a", timestamp: "2026-01-01T00:00:01", source: "user" });
 * list.addEvent({ kind: "PauseEvent", id: "a", timestamp: "2026-01-01T00:00:01", source: "user" });
 * if (list.length !== 2 || list.at(0)?.id !== "a") throw new Error("ordered and deduplicated");
 * ```
 */
export class RemoteEventsList implements Iterable<Event> {
  #events: Event[] = [];
  /** Each event's seq in the server's log, or -1 when it is not known (parallel to #events). */
  #seqs: number[] = [];
  #ids = new Set<string>();
  #acpToolCalls = new Map<string, string>();
  /** Ids of ACP tool-call events a later one replaced: a late copy must not bring them back. */
  #superseded = new Set<string>();

  /** Number of events. */
  get length(): number {
    return this.#events.length;
  }

  /** The event at `index` (negative counts from the end), or undefined. */
  at(index: number): Event | undefined {
    return this.#events.at(index);
  }

  /** Whether an event with this id is in the list. */
  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** A copy of a range of events, like `Array.prototype.slice`. */
  slice(start?: number, end?: number): Event[] {
    return this.#events.slice(start, end);
  }

  /** Iterates the events in order. */
  [Symbol.iterator](): Iterator<Event> {
    return this.#events[Symbol.iterator]();
  }

  /** The newest timestamp in the list, or undefined when empty. */
  get lastTimestamp(): string | undefined {
    return this.#events.at(-1)?.timestamp;
  }

  static {
    placeEvent = (list, event, seq, after) => list.#add(event, true, seq, after);
    storedCount = (list) => list.#events.length + list.#superseded.size;
  }

  /**
   * Adds an event in timestamp order. Returns false (and changes nothing) for a known id or a
   * frame the server never stores.
   */
  addEvent(event: Event): boolean {
    return this.#add(event, false, -1, undefined);
  }

  /** Adds in server order (`placed`, see `placeEvent`) or by timestamp. */
  #add(event: Event, placed: boolean, seq: number, after: string | null | undefined): boolean {
    if (!isPersistedEvent(event) || this.#ids.has(event.id) || this.#superseded.has(event.id)) {
      return false;
    }
    if (event.kind === "ACPToolCallEvent") {
      const callId = String((event as { tool_call_id?: unknown }).tool_call_id);
      const previous = this.#acpToolCalls.get(callId);
      this.#acpToolCalls.set(callId, event.id);
      if (previous !== undefined) {
        const index = this.#events.findIndex((e) => e.id === previous);
        if (index >= 0) {
          this.#events[index] = event;
          this.#ids.delete(previous);
          this.#superseded.add(previous);
          this.#ids.add(event.id);
          return true;
        }
      }
    }
    this.#ids.add(event.id);
    const index = placed ? this.#serverIndex(seq, after) : this.#timestampIndex(event);
    if (index === this.#events.length) {
      this.#events.push(event);
      this.#seqs.push(seq);
    } else {
      this.#events.splice(index, 0, event);
      this.#seqs.splice(index, 0, seq);
    }
    return true;
  }

  /** Bisect right: after every event with a timestamp <= this one. */
  #timestampIndex(event: Event): number {
    const events = this.#events;
    const last = events.at(-1);
    if (last === undefined || last.timestamp <= event.timestamp) return events.length;
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (events[mid]!.timestamp <= event.timestamp) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The index for an event at its place in the server's log: after `after` when that is known,
   * before the tail of events with a higher seq, else at the end (arrival order). */
  #serverIndex(seq: number, after: string | null | undefined): number {
    const events = this.#events;
    if (after === null) return 0;
    if (after !== undefined) {
      for (let i = events.length - 1; i >= 0; i--) if (events[i]!.id === after) return i + 1;
    }
    let i = events.length;
    if (seq >= 0) { while (i > 0 && this.#seqs[i - 1]! > seq) i--; }
    return i;
  }

  /** Same as {@linkcode RemoteEventsList.addEvent} (the Python EventLog interface). */
  append(event: Event): boolean {
    return this.addEvent(event);
  }

  /** A callback that adds each event it gets to this list. */
  createDefaultCallback(): (event: Event) => void {
    return (event) => {
      this.addEvent(event);
    };
  }

  /** The events as a plain array (for `JSON.stringify`). */
  toJSON(): Event[] {
    return this.#events.slice();
  }
}
