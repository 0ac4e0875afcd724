/**
 * Internal async helpers: {@linkcode delay}, {@linkcode deadline} and {@linkcode retry}.
 *
 * This module mirrors `@std/async` 1.x (currently 1.5: the same names, signatures, semantics and
 * error wording) and can be replaced by it once JSR is reachable. Only web standards are used
 * (`setTimeout`, `AbortSignal`, `DOMException`), so it runs on Deno, Bun and browsers.
 *
 * @module
 */

/** Options for {@linkcode delay}. */
export interface DelayOptions {
  /** Signal used to abort the delay. */
  signal?: AbortSignal;
  /** Whether the process should continue to run as long as the timer exists. @default {true} */
  persistent?: boolean;
}

/** Options for {@linkcode deadline}. */
export interface DeadlineOptions {
  /** Signal used to abort the deadline. */
  signal?: AbortSignal;
}

/** Options for {@linkcode retry}. */
export interface RetryOptions {
  /** How much to backoff after each retry. @default {2} */
  multiplier?: number;
  /** The maximum milliseconds between attempts. @default {60000} */
  maxTimeout?: number;
  /** The maximum amount of attempts until failure. @default {5} */
  maxAttempts?: number;
  /** The initial and minimum amount of milliseconds between attempts. @default {1000} */
  minTimeout?: number;
  /** Amount of jitter to introduce to the time between attempts (`1` is full jitter). @default {1} */
  jitter?: number;
  /** Decides whether a thrown value is worth another attempt. @default {() => true} */
  isRetriable?: (err: unknown) => boolean;
  /** Cancels the retry: checked before each attempt and during the delay between attempts. */
  signal?: AbortSignal;
}

/**
 * Error thrown by {@linkcode retry} once `maxAttempts` attempts have failed; `cause` holds the
 * last error.
 *
 * @example Usage
 * ```ts ignore
 * throw new RetryError(new Error("boom"), 3); // "Retrying exceeded the maxAttempts (3)."
 * ```
 */
export class RetryError extends Error {
  /** Creates the error for `attempts` failed attempts, the last one failing with `cause`. */
  constructor(cause: unknown, attempts: number) {
    super(`Retrying exceeded the maxAttempts (${attempts}).`);
    this.name = "RetryError";
    this.cause = cause;
  }
}

const I32_MAX = 2 ** 31 - 1;

/** Unrefs a timer: Node-style `Timeout#unref` (Bun, Deno 2.x) or `Deno.unrefTimer`. */
function unrefTimer(handle: ReturnType<typeof setTimeout>): void {
  const timer = handle as unknown as { unref?: () => unknown };
  if (typeof timer.unref === "function") return void timer.unref();
  const deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;
  if (typeof deno?.unrefTimer === "function") deno.unrefTimer(handle as unknown as number);
}

/** `setTimeout` without its 2³¹-1 ms limit (chained timers); returns a function clearing it. */
function setLongTimeout(callback: () => void, ms: number, persistent: boolean): () => void {
  let remaining = Math.trunc(Math.max(ms, 0) || 0);
  let handle: ReturnType<typeof setTimeout>;
  const arm = (): void => {
    const chunk = Math.min(remaining, I32_MAX);
    remaining -= chunk;
    handle = setTimeout(remaining > 0 ? arm : callback, chunk);
    if (!persistent) unrefTimer(handle);
  };
  arm();
  return () => clearTimeout(handle);
}

/**
 * Resolves after `ms` milliseconds. If `signal` aborts first, rejects with `signal.reason` and
 * clears the timer. With `persistent: false` the timer does not keep the process alive.
 *
 * @example Usage
 * ```ts ignore
 * await delay(100, { signal: AbortSignal.timeout(1_000) });
 * ```
 */
export function delay(ms: number, options: DelayOptions = {}): Promise<void> {
  const { signal, persistent = true } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const abort = (): void => {
      clear();
      reject(signal?.reason);
    };
    const clear = setLongTimeout(
      () => {
        signal?.removeEventListener("abort", abort);
        resolve();
      },
      ms,
      persistent,
    );
    signal?.addEventListener("abort", abort, { once: true });
  });
}

/**
 * Settles like `p`, unless `ms` milliseconds pass first (rejects with a `DOMException` named
 * `"TimeoutError"`) or `signal` aborts first (rejects with `signal.reason`). A duration of
 * `Number.MAX_SAFE_INTEGER` or more never expires. The timer is cleared as soon as it settles.
 *
 * @example Usage
 * ```ts ignore
 * const body = await deadline(fetch(url).then((r) => r.text()), 5_000);
 * ```
 */
export function deadline<T>(p: Promise<T>, ms: number, options: DeadlineOptions = {}): Promise<T> {
  const { signal } = options;
  return new Promise<T>((resolve, reject) => {
    let clear = (): void => {};
    const settle = (): void => {
      clear();
      signal?.removeEventListener("abort", abort);
    };
    const abort = (): void => {
      settle();
      reject(signal?.reason);
    };
    if (signal?.aborted) abort();
    else {
      if (ms < Number.MAX_SAFE_INTEGER) {
        clear = setLongTimeout(
          () => {
            settle();
            reject(new DOMException("Signal timed out.", "TimeoutError"));
          },
          ms,
          true,
        );
      }
      signal?.addEventListener("abort", abort, { once: true });
    }
    p.then((value) => {
      settle();
      resolve(value);
    }, (error: unknown) => {
      settle();
      reject(error);
    });
  });
}

/**
 * Capped exponential backoff with jitter: `(1 - jitter * random()) * min(cap, base * multiplier **
 * attempt)`. Pure apart from `random`, which defaults to `Math.random`.
 *
 * @example Usage
 * ```ts ignore
 * exponentialBackoffWithJitter(60_000, 1_000, 3, 2, 0.5, () => 0.5); // 0.75 * 8000 = 6000
 * ```
 */
export function exponentialBackoffWithJitter(
  cap: number,
  base: number,
  attempt: number,
  multiplier: number,
  jitter: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(cap, base * multiplier ** attempt);
  return (1 - jitter * random()) * exp;
}

/**
 * Calls `fn` up to `maxAttempts` times, as long as it throws retriable errors, waiting an
 * exponential backoff with jitter between attempts. Throws {@linkcode RetryError} (with `cause`
 * set to the last error) when the attempts run out, a non-retriable error as is, and
 * `signal.reason` when `signal` aborts. Invalid options throw a `RangeError`.
 *
 * @example Usage
 * ```ts ignore
 * const res = await retry(() => fetch(url), { maxAttempts: 3, minTimeout: 100 });
 * ```
 */
export async function retry<T>(
  fn: (() => Promise<T>) | (() => T),
  options?: RetryOptions,
): Promise<T> {
  const {
    multiplier = 2,
    maxTimeout = 60000,
    maxAttempts = 5,
    minTimeout = 1000,
    jitter = 1,
    isRetriable = () => true,
    signal,
  } = options ?? {};
  const fail = (message: string): never => {
    throw new RangeError(`Cannot retry as ${message}`);
  };
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    fail(`'maxAttempts' must be a positive integer: current value is ${maxAttempts}`);
  }
  if (!Number.isFinite(multiplier) || multiplier < 1) {
    fail(`'multiplier' must be a finite number >= 1: current value is ${multiplier}`);
  }
  if (Number.isNaN(maxTimeout) || maxTimeout <= 0) {
    fail(`'maxTimeout' must be a positive number: current value is ${maxTimeout}`);
  }
  if (Number.isNaN(minTimeout) || minTimeout < 0) {
    fail(`'minTimeout' must be >= 0: current value is ${minTimeout}`);
  }
  if (minTimeout > maxTimeout) {
    fail(
      `'minTimeout' must be <= 'maxTimeout': current values 'minTimeout=${minTimeout}', 'maxTimeout=${maxTimeout}'`,
    );
  }
  if (Number.isNaN(jitter) || jitter < 0 || jitter > 1) {
    fail(`'jitter' must be between 0 and 1: current value is ${jitter}`);
  }

  for (let attempt = 0;; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn();
    } catch (error) {
      if (!isRetriable(error)) throw error;
      if (attempt + 1 >= maxAttempts) throw new RetryError(error, maxAttempts);
      const timeout = exponentialBackoffWithJitter(
        maxTimeout,
        minTimeout,
        attempt,
        multiplier,
        jitter,
      );
      await delay(timeout, signal ? { signal } : undefined);
    }
  }
}
