/**
 * Internal fan-out of live events: {@linkcode EventHub} hands every published value to plain
 * listeners and to any number of async iterators, each with its own buffer.
 *
 * Iterator rules (what `RemoteConversation.events()` documents):
 * - each published value reaches each iterator once, in publish order;
 * - {@linkcode EventHub.close} ends every iterator *after* it has yielded what it buffered;
 * - the iterator's `signal` aborting ends it *at once* (buffered values are dropped): the loop
 *   finishes, nothing is thrown;
 * - leaving a `for await` loop early (`break`, `return`, a throw) unsubscribes;
 * - the buffer is unbounded unless `maxBuffer` is set; past that many unread values the
 *   iterator unsubscribes, still yields the values it buffered, then throws
 *   {@linkcode EventBufferOverflowError}.
 *
 * No timers, no sockets: an iterator holds only its buffer and an abort listener, both released
 * when it ends.
 *
 * @module
 */

import { RemoteHandsError } from "../errors.ts";

/**
 * An event iterator fell more than `maxBuffer` events behind. It stopped receiving events at that
 * point; the events it had buffered were still yielded before this error.
 *
 * @example
 * ```ts
 * import { EventBufferOverflowError } from "@remote-hands/client";
 * const err = new EventBufferOverflowError(1000);
 * if (err.maxBuffer !== 1000) throw new Error("unexpected");
 * ```
 */
export class EventBufferOverflowError extends RemoteHandsError {
  static {
    this.prototype.name = "EventBufferOverflowError";
  }
  /** The limit that was exceeded. */
  readonly maxBuffer: number;
  /** Creates the error for an iterator limited to `maxBuffer` unread events. */
  constructor(maxBuffer: number) {
    super(
      `The event iterator fell more than ${maxBuffer} events behind and stopped receiving events ` +
        "(consume events faster, raise maxBuffer, or leave it unset for an unbounded buffer)",
    );
    this.maxBuffer = maxBuffer;
  }
}

/** Options of {@linkcode EventHub.stream}. */
export interface EventStreamOptions<T> {
  /** Ends the iterator at once (buffered values are dropped); the loop finishes without a throw. */
  signal?: AbortSignal | undefined;
  /** Values yielded before any live one (e.g. a history snapshot). They do not count to `maxBuffer`. */
  initial?: Iterable<T> | undefined;
  /** Most unread live values to hold; unset = unbounded. */
  maxBuffer?: number | undefined;
}

/** Options of {@linkcode EventHub}. */
export interface EventHubOptions {
  /** Receives what a listener throws; publishing goes on. */
  onListenerError?: (error: unknown) => void;
}

type Pending<T> = {
  resolve: (result: IteratorResult<T, undefined>) => void;
  reject: (error: unknown) => void;
};

const DONE: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

/** One subscriber's iterator. */
class HubIterator<T> implements AsyncIterableIterator<T, undefined> {
  #buffer: T[] = [];
  #head = 0;
  #pending: Pending<T>[] = [];
  #live = 0; // unread live values (initial ones excluded)
  #ended = false;
  #error: unknown = undefined;
  #hasError = false;
  #maxBuffer: number | undefined;
  #signal: AbortSignal | undefined;
  #unsubscribe: () => void = () => {};
  #onAbort = (): void => this.#stop();

  constructor(options: EventStreamOptions<T>) {
    this.#maxBuffer = options.maxBuffer;
    this.#signal = options.signal;
    if (options.initial) { for (const value of options.initial) this.#buffer.push(value); }
  }

  /** Wires the iterator to its hub; returns false when it ended already (aborted signal). */
  attach(unsubscribe: () => void): boolean {
    this.#unsubscribe = unsubscribe;
    if (this.#signal?.aborted) {
      this.#stop();
      return false;
    }
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
    return true;
  }

  get #size(): number {
    return this.#buffer.length - this.#head;
  }

  #shift(): T {
    const value = this.#buffer[this.#head]!;
    this.#buffer[this.#head] = undefined as T;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#buffer.length) {
      this.#buffer = this.#buffer.slice(this.#head);
      this.#head = 0;
    }
    return value;
  }

  /** A live value from the hub. */
  push(value: T): void {
    if (this.#ended) return;
    const waiting = this.#pending.shift();
    if (waiting) {
      waiting.resolve({ done: false, value });
      return;
    }
    if (this.#maxBuffer !== undefined && this.#live >= this.#maxBuffer) {
      this.#hasError = true;
      this.#error = new EventBufferOverflowError(this.#maxBuffer);
      this.#finish();
      return;
    }
    this.#buffer.push(value);
    this.#live++;
  }

  /** No more live values: what is buffered is still yielded. */
  end(): void {
    if (this.#ended) return;
    this.#finish();
    // Pending reads only exist while the buffer is empty.
    for (const waiting of this.#pending.splice(0)) waiting.resolve(DONE);
  }

  /** Ends now and drops the buffer (abort, `return()`). */
  #stop(): void {
    this.#buffer = [];
    this.#head = 0;
    this.#live = 0;
    this.#hasError = false;
    this.#error = undefined;
    this.end();
  }

  #finish(): void {
    this.#ended = true;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#unsubscribe();
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#size > 0) {
      const fromInitial = this.#size > this.#live;
      const value = this.#shift();
      if (!fromInitial) this.#live--;
      return Promise.resolve({ done: false, value });
    }
    if (this.#hasError) {
      const error = this.#error;
      this.#hasError = false;
      this.#error = undefined;
      return Promise.reject(error);
    }
    if (this.#ended) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => this.#pending.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.#stop();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * Fans published values out to listeners and async iterators.
 *
 * @example
 * ```ts
 * import { EventHub } from "./event_stream.ts";
 * const hub = new EventHub<number>();
 * const it = hub.stream();
 * hub.publish(1);
 * hub.publish(2);
 * hub.close();
 * const seen: number[] = [];
 * for await (const n of it) seen.push(n);
 * if (seen.join() !== "1,2") throw new Error("unexpected");
 * ```
 */
export class EventHub<T> {
  // Made at the first listener or iterator: most hubs never get one.
  #listeners: Set<(value: T) => void> | undefined;
  #iterators: Set<HubIterator<T>> | undefined;
  #closed = false;
  #onListenerError: ((error: unknown) => void) | undefined;

  /** Creates an open hub. */
  constructor(options: EventHubOptions = {}) {
    this.#onListenerError = options.onListenerError;
  }

  /** Whether {@linkcode EventHub.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Active listeners plus iterators that still receive values. */
  get subscriberCount(): number {
    return (this.#listeners?.size ?? 0) + (this.#iterators?.size ?? 0);
  }

  /** Hands `value` to every listener (a throwing one is reported, not fatal) and iterator. */
  publish(value: T): void {
    if (this.#closed) return;
    // Most conversations have no onEvent handler and no events() reader: no copies then.
    if (this.#listeners && this.#listeners.size > 0) this.#toListeners(value, this.#listeners);
    if (this.#iterators && this.#iterators.size > 0) {
      for (const iterator of [...this.#iterators]) iterator.push(value);
    }
  }

  #toListeners(value: T, listeners: Set<(value: T) => void>): void {
    for (const listener of [...listeners]) {
      if (!listeners.has(listener)) continue;
      try {
        listener(value);
      } catch (err) {
        try {
          this.#onListenerError?.(err);
        } catch {
          // a throwing error handler must not stop publishing either
        }
      }
    }
  }

  /** Adds a listener for values published from now on; returns its (idempotent) removal. */
  listen(listener: (value: T) => void): () => void {
    if (this.#closed) return () => {};
    const own = (value: T): void => listener(value);
    const listeners = this.#listeners ??= new Set();
    listeners.add(own);
    return () => void listeners.delete(own);
  }

  /** An async iterator over `initial`, then every value published from now on. */
  stream(options: EventStreamOptions<T> = {}): AsyncIterableIterator<T, undefined> {
    const iterator = new HubIterator<T>(options);
    const iterators = this.#iterators ??= new Set();
    if (iterator.attach(() => iterators.delete(iterator))) {
      if (this.#closed) iterator.end();
      else iterators.add(iterator);
    }
    return iterator;
  }

  /** Ends every iterator (after their buffers) and drops every listener. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners?.clear();
    for (const iterator of [...this.#iterators ?? []]) iterator.end();
    this.#iterators?.clear();
  }
}
