/**
 * Internal async helpers: {@linkcode delay} and {@linkcode exponentialBackoffWithJitter}.
 *
 * This module mirrors `@std/async` 1.x (currently 1.5: the same names, signatures and semantics)
 * and can be replaced by it once JSR is reachable. Only web standards are used
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

const I32_MAX = 2 ** 31 - 1;

/** Unrefs a timer: Node-style `Timeout#unref` (Bun, Deno 2.x) or `Deno.unrefTimer`. */
function unrefTimer(handle: ReturnType<typeof setTimeout>): void {
  const timer: unknown = handle;
  if (typeof timer === "object" && timer !== null && "unref" in timer) {
    if (typeof timer.unref === "function") return void timer.unref();
  }
  const deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;
  if (typeof deno?.unrefTimer === "function" && typeof timer === "number") deno.unrefTimer(timer);
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
 * ```ts
 * import { delay } from "./_async.ts";
 * const controller = new AbortController();
 * await delay(1, { signal: controller.signal });
 * controller.abort(new Error("stop"));
 * const aborted = await delay(1, { signal: controller.signal }).catch((err: Error) => err.message);
 * if (aborted !== "stop") throw new Error("expected the abort reason");
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
 * Capped exponential backoff with jitter: `(1 - jitter * random()) * min(cap, base * multiplier **
 * attempt)`. Pure apart from `random`, which defaults to `Math.random`.
 *
 * @example Usage
 * ```ts
 * import { exponentialBackoffWithJitter } from "./_async.ts";
 * const wait = exponentialBackoffWithJitter(60_000, 1_000, 3, 2, 0.5, () => 0.5);
 * if (wait !== 6_000) throw new Error(`${wait}`); // 0.75 * 8000
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
