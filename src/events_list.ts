/**
 * {@linkcode RemoteEventsList}: the conversation's history as a list-like, read-only view.
 *
 * @module
 */

import { type Event, isPersistedEvent } from "./events.ts";

/**
 * A list-like, read-only view of a conversation's stored events: history first, then live.
 *
 * Events are deduplicated by `id` and ordered by `timestamp` (the server's naive local ISO
 * strings, compared as strings); events with equal timestamps keep their arrival order. Frames the
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

  /**
   * Adds an event in timestamp order. Returns false (and changes nothing) for a known id or a
   * frame the server never stores.
   */
  addEvent(event: Event): boolean {
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
    const events = this.#events;
    const last = events.at(-1);
    if (last === undefined || last.timestamp <= event.timestamp) {
      events.push(event);
      return true;
    }
    // bisect right: after every event with a timestamp <= this one
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (events[mid]!.timestamp <= event.timestamp) lo = mid + 1;
      else hi = mid;
    }
    events.splice(lo, 0, event);
    return true;
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
