/**
 * A small fake clock for tests, modelled on `@std/testing/time`'s `FakeTime` (not installable
 * while JSR is unreachable). Works under both `deno test` and `bun test`.
 *
 * While active it replaces `globalThis.setTimeout`, `clearTimeout`, `setInterval`,
 * `clearInterval` and `Date.now` (not `new Date()`, `performance.now` or `AbortSignal.timeout`).
 * Fake timers only fire when the test advances time with `tick`/`tickAsync`/`next`/`nextAsync`.
 *
 * @example
 * ```ts ignore
 * using time = new FakeTime();
 * const done = delay(1_000);
 * await time.tickAsync(1_000);
 * await done;
 * ```
 *
 * @module
 */

type Callback = (...args: unknown[]) => unknown;

interface Timer {
  handle: FakeTimer;
  due: number;
  /** Scheduling order, to break ties between timers due at the same time. */
  seq: number;
  callback: Callback;
  args: unknown[];
  /** Period of an interval; `undefined` for a timeout. */
  interval: number | undefined;
}

/** The handle a fake timer function returns, shaped like Node's and Deno's `Timeout`. */
export class FakeTimer {
  #ref = true;
  /** @param id the timer's numeric id, also accepted by the fake `clearTimeout`. */
  constructor(readonly id: number) {}
  /** Marks the timer as keeping the process alive (bookkeeping only). */
  ref(): this {
    this.#ref = true;
    return this;
  }
  /** Marks the timer as not keeping the process alive (bookkeeping only). */
  unref(): this {
    this.#ref = false;
    return this;
  }
  /** Whether the timer was last `ref`ed rather than `unref`ed. */
  hasRef(): boolean {
    return this.#ref;
  }
  /** The numeric id, so `+timer` works as with Deno's timers. */
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

let active: FakeTime | undefined;

/** Fake time for the current test; `using time = new FakeTime()` restores it on scope exit. */
export class FakeTime {
  #now: number;
  #seq = 0;
  #nextId = 1;
  readonly #timers = new Map<number, Timer>();
  readonly #originals = {
    setTimeout: globalThis.setTimeout,
    clearTimeout: globalThis.clearTimeout,
    setInterval: globalThis.setInterval,
    clearInterval: globalThis.clearInterval,
    dateNow: Date.now,
  };

  /** @param start the initial fake time (epoch milliseconds or a `Date`); defaults to the real now. */
  constructor(start: number | Date = Date.now()) {
    if (active) throw new Error("Cannot construct FakeTime: time is already faked");
    active = this;
    this.#now = typeof start === "number" ? start : start.getTime();
    const schedule = (interval: boolean) => (cb: unknown, ms?: number, ...args: unknown[]) => {
      if (typeof cb !== "function") {
        throw new TypeError("FakeTime only supports function callbacks");
      }
      const delay = Math.max(interval ? 1 : 0, Math.trunc(Number(ms) || 0));
      const handle = new FakeTimer(this.#nextId++);
      const timer: Timer = {
        handle,
        due: this.#now + delay,
        seq: this.#seq++,
        callback: cb as Callback,
        args,
        interval: interval ? delay : undefined,
      };
      this.#timers.set(handle.id, timer);
      return handle;
    };
    const clear = (handle: unknown): void => {
      const id = handle instanceof FakeTimer ? handle.id : handle;
      if (typeof id === "number" && this.#timers.delete(id)) return;
      // A real timer created before time was faked.
      if (handle !== undefined && handle !== null) this.#originals.clearTimeout(handle as number);
    };
    const g = globalThis as Record<string, unknown>;
    g.setTimeout = schedule(false);
    g.setInterval = schedule(true);
    g.clearTimeout = clear;
    g.clearInterval = clear;
    Date.now = () => this.#now;
  }

  /** The current fake time in epoch milliseconds. */
  get now(): number {
    return this.#now;
  }

  /** How many fake timers are scheduled and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Advances time by `ms`, synchronously firing due timers in order. */
  tick(ms = 0): void {
    const target = this.#now + ms;
    while (this.#fireNext(target));
    this.#now = target;
  }

  /**
   * Advances time by `ms`, firing due timers in order and letting pending microtasks (promise
   * continuations) run before the first timer and after each one, so timers they schedule inside
   * the window fire too.
   */
  async tickAsync(ms = 0): Promise<void> {
    const target = this.#now + ms;
    await this.#settle();
    while (this.#fireNext(target)) await this.#settle();
    this.#now = target;
  }

  /** Advances time to the next timer and fires it; returns `false` if there was none. */
  next(): boolean {
    return this.#fireNext(Infinity);
  }

  /** Like {@linkcode FakeTime.next}, letting microtasks run before and after. */
  async nextAsync(): Promise<boolean> {
    await this.#settle();
    const fired = this.#fireNext(Infinity);
    await this.#settle();
    return fired;
  }

  /** Restores the real timer functions and `Date.now`; pending fake timers are dropped. */
  restore(): void {
    if (active !== this) return;
    active = undefined;
    this.#timers.clear();
    const g = globalThis as Record<string, unknown>;
    g.setTimeout = this.#originals.setTimeout;
    g.setInterval = this.#originals.setInterval;
    g.clearTimeout = this.#originals.clearTimeout;
    g.clearInterval = this.#originals.clearInterval;
    Date.now = this.#originals.dateNow;
  }

  /** Same as {@linkcode FakeTime.restore}. */
  [Symbol.dispose](): void {
    this.restore();
  }

  /** Fires the earliest timer due at or before `limit`, advancing time to it. */
  #fireNext(limit: number): boolean {
    let next: Timer | undefined;
    for (const timer of this.#timers.values()) {
      if (timer.due > limit) continue;
      if (!next || timer.due < next.due || (timer.due === next.due && timer.seq < next.seq)) {
        next = timer;
      }
    }
    if (!next) return false;
    this.#now = next.due;
    if (next.interval === undefined) this.#timers.delete(next.handle.id);
    else Object.assign(next, { due: next.due + next.interval, seq: this.#seq++ });
    next.callback(...next.args);
    return true;
  }

  /** Lets every queued microtask run: a real zero-delay macrotask only runs once they are done. */
  #settle(): Promise<void> {
    return new Promise((resolve) => this.#originals.setTimeout(resolve, 0));
  }
}
