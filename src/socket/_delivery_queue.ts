/**
 * The event socket's ordered delivery: frames become items (an event, an error, a ready mark)
 * that reach the callbacks strictly in order. A connection's first ready mark calls `onReady`;
 * while the promise it returns is pending, later items wait. Stored events of the session socket
 * carry a seq: the queue keeps the resume cursor and drops a replayed duplicate. Waiters of
 * `waitUntilReady` resolve once the first ready has been handled. Pure: no WebSocket, no timer
 * but a waiter's own.
 *
 * @module
 */

import { RemoteHandsError } from "../errors.ts";
import type { Event } from "../events/kinds.ts";
import { describeError } from "./_describe.ts";
import type { ReadyInfo } from "./types.ts";

/**
 * A connection as the queue sees it: `ready` is set by the queue at its first ready mark.
 *
 * @example
 * ```ts
 * import type { QueueConnection } from "./_delivery_queue.ts";
 * const conn: QueueConnection = { ready: false, protocol: "events" };
 * if (conn.ready) throw new Error();
 * ```
 */
export interface QueueConnection {
  /** Whether its first state event (or session replay end) was handled. */
  ready: boolean;
  /** The protocol the connection speaks. */
  readonly protocol: "events" | "session";
}

/**
 * One thing to deliver, in order.
 *
 * @example
 * ```ts
 * import type { QueueItem } from "./_delivery_queue.ts";
 * const conn = { ready: false, protocol: "session" as const };
 * const item: QueueItem = { conn, ready: true, cursor: -1 };
 * if (!("ready" in item)) throw new Error();
 * ```
 */
export type QueueItem =
  /** An event; `seq` for a stored event of the session socket, `transient` for one not stored. */
  | {
    readonly conn: QueueConnection;
    readonly event: Event;
    readonly seq?: number;
    readonly transient?: true;
  }
  /** An error for `onError`; with `seq`, a bad stored event (the cursor still moves past it). */
  | { readonly conn: QueueConnection; readonly error: RemoteHandsError; readonly seq?: number }
  /** The connection is ready (session socket: `cursor` is the resume point it starts from). */
  | { readonly conn: QueueConnection; readonly ready: true; readonly cursor?: number };

/**
 * Where the queue delivers.
 *
 * @example
 * ```ts
 * import type { DeliveryTargets } from "./_delivery_queue.ts";
 * const targets: DeliveryTargets = {
 *   callback: () => {},
 *   onReady: undefined,
 *   report: () => {},
 *   dropping: () => false,
 * };
 * if (targets.dropping()) throw new Error();
 * ```
 */
export interface DeliveryTargets {
  /** The user's event callback (a throw is reported, the stream goes on). */
  readonly callback: (event: Event, seq?: number, transient?: boolean) => void;
  /** The user's ready hook (a throw or rejection is reported). */
  readonly onReady: ((info: ReadyInfo) => void | Promise<void>) | undefined;
  /** Reports an error to the user's `onError`; never throws. */
  readonly report: (error: RemoteHandsError) => void;
  /** Whether the client was stopped (not by a fatal close): what is queued is dropped. */
  readonly dropping: () => boolean;
  /**
   * The record of what `callback` was handed, when its side keeps one (a conversation's events
   * list): for the events it `covers`, the queue asks `has` whether a replayed stored event was
   * delivered instead of keeping a second set of ids. Without it the queue keeps the ids.
   */
  readonly delivered?: DeliveredRecord | undefined;
}

/**
 * See {@linkcode DeliveryTargets.delivered}.
 *
 * @example
 * ```ts
 * import type { DeliveredRecord } from "./_delivery_queue.ts";
 * const ids = new Set(["e1"]);
 * const record: DeliveredRecord = { covers: () => true, has: (id) => ids.has(id) };
 * if (!record.has("e1")) throw new Error();
 * ```
 */
export interface DeliveredRecord {
  /** Whether the record keeps this event's id once the callback was handed it. */
  covers(event: Event): boolean;
  /** Whether the event with this id was handed to the callback (or is known there). */
  has(id: string): boolean;
}

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
}

/**
 * The ordered delivery queue of one client (across its connections).
 *
 * @example
 * ```ts
 * import { DeliveryQueue } from "./_delivery_queue.ts";
 * import type { Event } from "@remote-hands/client";
 * const seen: string[] = [];
 * const queue = new DeliveryQueue({
 *   callback: (event) => seen.push(event.id),
 *   onReady: () => {},
 *   report: () => {},
 *   dropping: () => false,
 * });
 * const conn = { ready: false, protocol: "session" as const };
 * const event: Event = { kind: "PauseEvent", id: "e1", timestamp: "", source: "user" };
 * queue.push({ conn, ready: true, cursor: -1 });
 * queue.push({ conn, event, seq: 0 });
 * queue.push({ conn, event, seq: 0 }); // a duplicate of a delivered stored event
 * if (seen.join() !== "e1" || queue.lastSeq !== 0) throw new Error();
 * ```
 */
export class DeliveryQueue {
  readonly #targets: DeliveryTargets;
  readonly #queue: QueueItem[] = [];
  #draining = false;
  #lastSeq: number | undefined;
  /** Ids of the stored events delivered so far (session socket), to tell duplicates apart, but
   * those the targets' record covers. */
  #durableIds: Set<string> | undefined;
  /** Connections that have become ready (counted when their state event is seen). */
  #readyCount = 0;
  /** Set once the first ready has been fully handled (onReady settled, event delivered). */
  #readyDone = false;
  /** Made at the first wait. */
  #waiters: Set<Waiter> | undefined;

  /** @param targets Where to deliver. */
  constructor(targets: DeliveryTargets) {
    this.#targets = targets;
  }

  /** The resume cursor: the seq of the last stored event delivered, or a ready mark's `cursor`. */
  get lastSeq(): number | undefined {
    return this.#lastSeq;
  }

  /** Whether the first ready has been fully handled (`onReady` settled, its event delivered). */
  get readyDone(): boolean {
    return this.#readyDone;
  }

  /**
   * Queues `item` and delivers what can be delivered now.
   *
   * @param item The next item, in frame order.
   */
  push(item: QueueItem): void {
    this.#queue.push(item);
    if (!this.#draining) this.#drain();
  }

  /**
   * The hot path for a live event of the events socket: a ready connection with nothing held
   * back delivers at once, as the queue would (no queue item for it); else it is queued.
   *
   * @param conn The connection it came on.
   * @param event The valid event.
   */
  pushLive(conn: QueueConnection, event: Event): void {
    if (conn.ready && !this.#draining && this.#queue.length === 0) this.#deliver(event);
    else this.push({ conn, event });
  }

  /**
   * The hot path for a live stored event of the session socket (its `seq` known, no replay
   * going on): with nothing queued and no ready pending it is handled at once, as the queue would
   * handle it (a duplicate dropped, the cursor moved), without a queue item; else it is queued.
   *
   * @param conn The connection it came on.
   * @param event The valid event.
   * @param seq Its place in the server's log.
   */
  pushStored(conn: QueueConnection, event: Event, seq: number): void {
    if (this.#draining || this.#queue.length > 0) return this.push({ conn, event, seq });
    if (this.#targets.dropping()) return;
    this.#draining = true;
    try {
      this.#takeStored(event, seq);
    } finally {
      this.#draining = false;
    }
    if (this.#queue.length > 0) this.#drain();
  }

  /** Drops every queued item. */
  clear(): void {
    this.#queue.length = 0;
  }

  /**
   * Waits for the first ready, until `timeoutMs` (then rejects with `timeoutError()`) or until
   * `signal` aborts (then rejects with its reason). The caller has checked that the first ready
   * has not been handled yet and `signal` has not aborted.
   *
   * @param timeoutMs How long to wait (a valid timer delay).
   * @param signal Cancels the wait.
   * @param timeoutError Makes the rejection of a timeout, when it happens.
   * @returns A promise of the first ready; its timer is cleared however it settles.
   */
  whenReady(
    timeoutMs: number,
    signal: AbortSignal | undefined,
    timeoutError: () => unknown,
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", abort);
        this.#waiters?.delete(waiter);
      };
      const waiter: Waiter = {
        resolve: () => {
          settle();
          resolve();
        },
        reject: (reason) => {
          settle();
          reject(reason);
        },
      };
      const abort = (): void => waiter.reject(signal?.reason);
      const timer = setTimeout(() => waiter.reject(timeoutError()), timeoutMs);
      signal?.addEventListener("abort", abort, { once: true });
      (this.#waiters ??= new Set()).add(waiter);
    });
  }

  /**
   * Rejects every pending {@linkcode DeliveryQueue.whenReady}.
   *
   * @param error The rejection reason.
   */
  rejectWaiters(error: unknown): void {
    for (const waiter of [...this.#waiters ?? []]) waiter.reject(error);
  }

  /** Delivers queued items in order; pauses (keeping `#draining`) while an onReady is pending. */
  #drain(): void {
    this.#draining = true;
    try {
      this.#drainItems();
    } catch (err) {
      // Nothing should throw here; if something does, the queue must not stay stuck.
      this.#draining = false;
      throw err;
    }
  }

  #drainItems(): void {
    for (let item = this.#queue.shift(); item; item = this.#queue.shift()) {
      if (this.#targets.dropping()) break;
      if ("error" in item) {
        if (item.seq !== undefined && (this.#lastSeq === undefined || item.seq > this.#lastSeq)) {
          this.#lastSeq = item.seq;
        }
        this.#targets.report(item.error);
        continue;
      }
      if ("ready" in item && item.cursor !== undefined && this.#lastSeq === undefined) {
        this.#lastSeq = item.cursor;
      }
      const conn = item.conn;
      const event = "event" in item ? item.event : undefined;
      if (event && "seq" in item && item.seq !== undefined) {
        this.#takeStored(event, item.seq);
        continue;
      }
      if (
        event &&
        (conn.ready || conn.protocol === "session" || event.kind !== "ConversationStateUpdateEvent")
      ) {
        this.#deliver(event, undefined, "transient" in item && item.transient === true);
        continue;
      }
      if (conn.ready) continue;
      conn.ready = true;
      if (this.#startReady(event)) return;
    }
    if (this.#targets.dropping()) this.#queue.length = 0;
    this.#draining = false;
  }

  /** Calls `onReady` for a connection's first ready mark (`event`: the state event that made
   * it). Returns `true` when delivery must pause until the promise it returned settles. */
  #startReady(event: Event | undefined): boolean {
    const info: ReadyInfo = { reconnect: this.#readyCount > 0 };
    this.#readyCount++;
    let pending: Promise<void> | undefined;
    try {
      const result = this.#targets.onReady?.(info);
      if (result && typeof (result as Promise<void>).then === "function") pending = result;
    } catch (err) {
      this.#reportOnReady(err);
    }
    if (!pending) {
      this.#afterReady(event);
      return false;
    }
    pending.then(undefined, (err: unknown) => this.#reportOnReady(err)).then(() => {
      if (!this.#targets.dropping()) this.#afterReady(event);
      this.#drain();
    });
    return true;
  }

  #afterReady(event: Event | undefined): void {
    if (event) this.#deliver(event);
    if (!this.#readyDone) {
      this.#readyDone = true;
      for (const waiter of [...this.#waiters ?? []]) waiter.resolve();
    }
  }

  /** Delivers a stored event once and moves the cursor past its `seq`. */
  #takeStored(event: Event, seq: number): void {
    // Servers before 1.58 can send seq n+1 before seq n: a lower seq is only a duplicate when
    // its event was already delivered (a replay overlapping what came live).
    const last = this.#lastSeq;
    const record = this.#targets.delivered;
    const own = record === undefined || !record.covers(event);
    if (last !== undefined && seq <= last) {
      if (own ? this.#durableIds?.has(event.id) : record.has(event.id)) return;
    }
    if (own) (this.#durableIds ??= new Set()).add(event.id);
    if (last === undefined || seq > last) this.#lastSeq = seq;
    this.#deliver(event, seq);
  }

  #deliver(event: Event, seq?: number, transient = false): void {
    try {
      if (transient) this.#targets.callback(event, seq, true);
      else this.#targets.callback(event, seq);
    } catch (err) {
      this.#targets.report(
        new RemoteHandsError(
          `The event callback threw on ${event.kind} ${event.id}: ${describeError(err)}`,
          { cause: err },
        ),
      );
    }
  }

  #reportOnReady(err: unknown): void {
    this.#targets.report(
      new RemoteHandsError(`onReady threw: ${describeError(err)}`, { cause: err }),
    );
  }
}
