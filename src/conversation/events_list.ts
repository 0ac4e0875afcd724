/**
 * {@linkcode RemoteEventsList}: the conversation's history as a list-like, read-only view.
 *
 * @module
 */

import type { Event } from "../events/kinds.ts";
import { isPersistedEvent } from "../events/helpers.ts";

/**
 * How a conversation writes its own list: in the server's log order, not by timestamp. Plumbing
 * for the conversation's history component; users add with `addEvent`.
 *
 * @example
 * ```ts
 * import { listWriterOf, RemoteEventsList } from "./events_list.ts";
 * const list = new RemoteEventsList();
 * const writer = listWriterOf(list);
 * writer.place({ kind: "PauseEvent", id: "b", timestamp: "2026-01-01T00:00:02", source: "user" }, 1);
 * writer.place({ kind: "PauseEvent", id: "a", timestamp: "2026-01-01T00:00:09", source: "user" }, 0);
 * if (list.at(0)?.id !== "a" || writer.storedCount() !== 2) throw new Error();
 * ```
 */
export interface EventListWriter {
  /**
   * Adds a stored event (the caller checked `isPersistedEvent`) at its place in the server's log:
   * after the event with id `after` when given (`null`: first in the log), else before the tail
   * of events with a higher `seq` (its sequence number in the log, -1 when unknown), else at the
   * end (arrival order). Returns false (and changes nothing) for a known id.
   */
  place(event: Event, seq: number, after?: string | null): boolean;
  /** How many stored events of the server's log the list stands for (ACP tool-call events a
   * later one replaced count too). */
  storedCount(): number;
  /** The seq the event at `index` was placed with (-1: placed by timestamp, or no such index). */
  seqAt(index: number): number;
  /** How much work the list has done so far: element writes, moves and sort comparisons (tests
   * check with it that adding stays near-linear). */
  work(): number;
  /** What `reconcile()` runs: set by the conversation's history; unset on a list of one's own. */
  reconcile?: (signal: AbortSignal | undefined) => Promise<number>;
}

const writers = new WeakMap<RemoteEventsList, EventListWriter>();

/**
 * The server-order writer of `list`.
 *
 * @param list A list made with `new RemoteEventsList()`.
 * @returns Its writer.
 *
 * @example
 * ```ts
 * import { listWriterOf, RemoteEventsList } from "./events_list.ts";
 * if (listWriterOf(new RemoteEventsList()).storedCount() !== 0) throw new Error();
 * ```
 */
export function listWriterOf(list: RemoteEventsList): EventListWriter {
  const writer = writers.get(list);
  if (!writer) throw new TypeError("Cannot write to the list as it is not a RemoteEventsList");
  return writer;
}

/** Timestamp order for `Array.prototype.sort` (stable: equal timestamps keep arrival order). */
function byTimestamp(a: Event, b: Event): number {
  return a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0;
}

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
 * Python SDK; events with equal timestamps keep their arrival order. An event older than the
 * list's last one is put in place when the list is next read, all such events at once (a sort
 * and one merge), so that adding n events in any order costs O(n log n), not O(n²). Frames the
 * server never stores (full-state snapshots, streaming deltas, server errors) are not added: they
 * reach callbacks only, so this list always equals the server's history. An `ACPToolCallEvent`
 * with an already seen `tool_call_id` replaces the earlier one in place, as in the Python SDK.
 *
 * @example
 * ```ts
 * import { RemoteEventsList } from "@remote-hands/client";
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
  /** Events `addEvent` got that belong before the end of #events, in arrival order: merged into
   * #events on the next read (see #settle). Only ever non-empty between two reads. */
  #pending: Event[] = [];
  /** Whether #events is in timestamp order (server-order placement can break it). */
  #sorted = true;
  /** See {@linkcode EventListWriter.work}. */
  #work = 0;
  #ids = new Set<string>();
  /** ACP tool-call id -> the id of its latest event (made at the first ACP event). */
  #acpToolCalls: Map<string, string> | undefined;
  /** Ids of ACP tool-call events a later one replaced: a late copy must not bring them back
   * (made at the first replacement). */
  #superseded: Set<string> | undefined;

  /** Number of events. */
  get length(): number {
    return this.#events.length + this.#pending.length;
  }

  /** The event at `index` (negative counts from the end), or undefined. */
  at(index: number): Event | undefined {
    this.#settle();
    return this.#events.at(index);
  }

  /** Whether an event with this id is in the list. */
  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** A copy of a range of events, like `Array.prototype.slice`. */
  slice(start?: number, end?: number): Event[] {
    this.#settle();
    return this.#events.slice(start, end);
  }

  /** Iterates the events in order. */
  [Symbol.iterator](): Iterator<Event> {
    this.#settle();
    return this.#events[Symbol.iterator]();
  }

  /** The newest timestamp in the list, or undefined when empty. */
  get lastTimestamp(): string | undefined {
    this.#settle();
    return this.#events.at(-1)?.timestamp;
  }

  /** Creates an empty list. */
  constructor() {
    writers.set(this, {
      place: (event, seq, after) => this.#add(event, true, seq, after),
      storedCount: () => this.length + (this.#superseded?.size ?? 0),
      seqAt: (index) => {
        this.#settle();
        return this.#seqs[index] ?? -1;
      },
      work: () => this.#work,
    });
  }

  /**
   * Adds an event in timestamp order. Returns false (and changes nothing) for a known id or a
   * frame the server never stores.
   */
  addEvent(event: Event): boolean {
    return isPersistedEvent(event) && this.#add(event, false, -1, undefined);
  }

  /** Adds a stored event in server order (`placed`, see {@linkcode EventListWriter.place}) or by
   * timestamp. */
  #add(event: Event, placed: boolean, seq: number, after: string | null | undefined): boolean {
    if (this.#ids.has(event.id) || this.#superseded?.has(event.id)) return false;
    if (event.kind === "ACPToolCallEvent") {
      const callId = String((event as { tool_call_id?: unknown }).tool_call_id);
      this.#acpToolCalls ??= new Map();
      const previous = this.#acpToolCalls.get(callId);
      this.#acpToolCalls.set(callId, event.id);
      if (previous !== undefined) {
        this.#settle();
        const index = this.#events.findIndex((e) => e.id === previous);
        this.#work += index < 0 ? this.#events.length : index + 1;
        if (index >= 0) {
          this.#events[index] = event;
          this.#sorted &&= this.#fits(index);
          this.#ids.delete(previous);
          (this.#superseded ??= new Set()).add(previous);
          this.#ids.add(event.id);
          return true;
        }
      }
    }
    this.#ids.add(event.id);
    if (!placed) {
      const last = this.#events.at(-1);
      if (this.#pending.length === 0 && (last === undefined || last.timestamp <= event.timestamp)) {
        this.#insertAt(this.#events.length, event, -1);
      } else {
        // Before the end: put in place on the next read, with every other such event at once.
        this.#pending.push(event);
        this.#work++;
      }
      return true;
    }
    this.#settle();
    this.#insertAt(this.#serverIndex(seq, after), event, seq);
    return true;
  }

  /** Inserts at `index`, keeping #seqs parallel and #sorted true only while it holds. */
  #insertAt(index: number, event: Event, seq: number): void {
    const events = this.#events;
    if (index === events.length) {
      events.push(event);
      this.#seqs.push(seq);
    } else {
      events.splice(index, 0, event);
      this.#seqs.splice(index, 0, seq);
    }
    this.#work += events.length - index;
    this.#sorted &&= this.#fits(index);
  }

  /** Whether the event at `index` is in timestamp order with its neighbours. */
  #fits(index: number): boolean {
    const events = this.#events;
    const ts = events[index]!.timestamp;
    return (index === 0 || events[index - 1]!.timestamp <= ts) &&
      (index === events.length - 1 || ts <= events[index + 1]!.timestamp);
  }

  /**
   * Puts the pending events in place: the same order as inserting each after every event with a
   * timestamp <= its own (bisect right), in arrival order. When #events is in timestamp order
   * (always, unless server-order placement broke it) that is a stable sort of the pending events
   * and one merge from the back, which moves only the events after the first one's place.
   */
  #settle(): void {
    const pending = this.#pending;
    if (pending.length === 0) return;
    this.#pending = [];
    if (!this.#sorted) {
      for (const event of pending) this.#insertAt(this.#timestampIndex(event), event, -1);
      return;
    }
    pending.sort((a, b) => {
      this.#work++;
      return byTimestamp(a, b);
    });
    const events = this.#events;
    const seqs = this.#seqs;
    let i = events.length - 1;
    let j = pending.length - 1;
    let o = events.length + pending.length - 1;
    events.length = seqs.length = o + 1;
    while (j >= 0) {
      // On equal timestamps the pending event goes after: it arrived later.
      if (i >= 0 && events[i]!.timestamp > pending[j]!.timestamp) {
        events[o] = events[i]!;
        seqs[o] = seqs[i--]!;
      } else {
        events[o] = pending[j--]!;
        seqs[o] = -1;
      }
      o--;
      this.#work++;
    }
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

  /**
   * Fetches the server's whole event log (`GET …/events/search`, every page) and adds the events
   * this list lacks, each at its place in the log; returns how many were added. The added events
   * also reach the conversation's callbacks, iterators and visualizer, once (the list's id set is
   * the record of what was delivered). Only a conversation's own list (`conversation.state.events`)
   * can reconcile. Unlike Python, a failed page rejects (Python logs it and keeps what it got).
   *
   * @param options `signal` cancels the paging.
   * @returns How many events were added (0 when the list was complete).
   * @throws {TypeError} When the list belongs to no conversation.
   * @throws {RemoteHandsError} When the conversation is closed.
   *
   * @example
   * ```ts ignore
   * const added = await conversation.state.events.reconcile();
   * console.log(`${added} events were missing`);
   * ```
   */
  async reconcile(options: { signal?: AbortSignal } = {}): Promise<number> {
    const reconcile = writers.get(this)?.reconcile;
    if (!reconcile) {
      throw new TypeError(
        "Cannot reconcile the list as it belongs to no conversation: use conversation.state.events",
      );
    }
    return await reconcile(options?.signal);
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
    this.#settle();
    return this.#events.slice();
  }
}
