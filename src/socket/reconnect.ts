/**
 * The event socket's backoff between reconnects: the options, their checks and the delay
 * schedule. Pure: no timer, no socket.
 *
 * @module
 */

import { exponentialBackoffWithJitter } from "../_async.ts";
import { MAX_TIMER_MS } from "../_checks.ts";

/**
 * Backoff between reconnects. Delays are `min(maxDelayMs, initialDelayMs * multiplier ** n)`,
 * minus up to `jitter` of it at random, where `n` counts the consecutive failures before this
 * one, and never less than {@linkcode MIN_RECONNECT_DELAY_MS} (10 ms): a server that accepts and
 * drops at once gets at most 100 attempts a second, whatever the options. Python's client waits
 * 1, 2, 4, ... 30 s with no jitter and resets after every connect.
 *
 * Every time is a number of milliseconds up to 2147483647 (2^31 - 1, the longest timer the
 * runtimes keep); a value out of range (NaN, negative, Infinity, larger) is a `RangeError` when
 * the client is made.
 *
 * @example Faster first retries, a 10 s cap
 * ```ts
 * import { type ReconnectOptions, reconnectDelay } from "./reconnect.ts";
 * const reconnect: ReconnectOptions = { initialDelayMs: 250, maxDelayMs: 10_000 };
 * // new WebSocketCallbackClient({ ..., reconnect })
 * if (reconnectDelay(0, reconnect, () => 0) !== 250) throw new Error();
 * if (reconnectDelay(9, reconnect, () => 0) !== 10_000) throw new Error("capped at maxDelayMs");
 * ```
 */
export interface ReconnectOptions {
  /** Delay before the first reconnect, in milliseconds (at least 10). @default {1000} */
  initialDelayMs?: number | undefined;
  /** Cap on the delay, in milliseconds. @default {30000} */
  maxDelayMs?: number | undefined;
  /** Growth factor per consecutive failure (at least 1). @default {2} */
  multiplier?: number | undefined;
  /** Fraction of the delay that may be taken off at random (0 to 1). @default {0.25} */
  jitter?: number | undefined;
  /** A connection must stay open this long, in milliseconds, before the failure count resets
   * to 0; a server that accepts and drops at once keeps backing off. @default {5000} */
  minUptimeMs?: number | undefined;
  /** A connection that has not opened after this long, in milliseconds, is abandoned and
   * retried (a black-holed network never hangs the client). @default {10000} */
  connectTimeoutMs?: number | undefined;
}

/**
 * The shortest wait before a reconnect, in milliseconds: `initialDelayMs` may not be smaller, and
 * jitter never takes a delay below it.
 *
 * @example
 * ```ts
 * import { MIN_RECONNECT_DELAY_MS, reconnectDelay } from "./reconnect.ts";
 * const d = reconnectDelay(0, { initialDelayMs: 10, jitter: 1 }, () => 1);
 * if (d !== MIN_RECONNECT_DELAY_MS) throw new Error("full jitter stops at the floor");
 * ```
 */
export const MIN_RECONNECT_DELAY_MS: number = 10;

const DEFAULT_RECONNECT = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 0.25,
  minUptimeMs: 5_000,
  connectTimeoutMs: 10_000,
} as const satisfies ReconnectOptions;

/**
 * {@linkcode ReconnectOptions} with every default filled in and every value checked.
 *
 * @example
 * ```ts
 * import { type ResolvedReconnect, resolveReconnect } from "./reconnect.ts";
 * const r: ResolvedReconnect = resolveReconnect({});
 * if (r.connectTimeoutMs !== 10_000) throw new Error();
 * ```
 */
export type ResolvedReconnect = { [K in keyof ReconnectOptions]-?: number };

/**
 * Fills in the defaults of `options` and checks every value.
 *
 * @param options The caller's backoff options (all optional).
 * @returns Every option, with the defaults filled in.
 * @throws {RangeError} For a value out of range, naming the option, the rule and the value, e.g.
 * `Cannot reconnect as 'jitter' must be between 0 and 1: current value is 2`.
 * @example
 * ```ts
 * import { resolveReconnect } from "./reconnect.ts";
 * if (resolveReconnect({ initialDelayMs: 250 }).maxDelayMs !== 30_000) throw new Error();
 * try {
 *   resolveReconnect({ jitter: 2 });
 *   throw new Error("not reached");
 * } catch (err) {
 *   if (!(err instanceof RangeError)) throw err;
 * }
 * ```
 */
export function resolveReconnect(options: ReconnectOptions = {}): ResolvedReconnect {
  const r: ResolvedReconnect = {
    initialDelayMs: options.initialDelayMs ?? DEFAULT_RECONNECT.initialDelayMs,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_RECONNECT.maxDelayMs,
    multiplier: options.multiplier ?? DEFAULT_RECONNECT.multiplier,
    jitter: options.jitter ?? DEFAULT_RECONNECT.jitter,
    minUptimeMs: options.minUptimeMs ?? DEFAULT_RECONNECT.minUptimeMs,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_RECONNECT.connectTimeoutMs,
  };
  const check = (ok: boolean, name: keyof ResolvedReconnect, rule: string): void => {
    if (!ok) {
      throw new RangeError(
        `Cannot reconnect as '${name}' must be ${rule}: current value is ${r[name]}`,
      );
    }
  };
  const finite = Number.isFinite;
  const timer = (name: keyof ResolvedReconnect): void =>
    check(r[name] <= MAX_TIMER_MS, name, `at most ${MAX_TIMER_MS} ms (2^31 - 1)`);
  check(finite(r.initialDelayMs) && r.initialDelayMs >= 0, "initialDelayMs", "a number >= 0");
  check(
    r.initialDelayMs >= MIN_RECONNECT_DELAY_MS,
    "initialDelayMs",
    `at least ${MIN_RECONNECT_DELAY_MS} ms (a reconnect loop without a pause floods the server)`,
  );
  timer("initialDelayMs");
  check(
    finite(r.maxDelayMs) && r.maxDelayMs >= r.initialDelayMs,
    "maxDelayMs",
    `a number >= 'initialDelayMs' (${r.initialDelayMs})`,
  );
  timer("maxDelayMs");
  check(finite(r.multiplier) && r.multiplier >= 1, "multiplier", "a finite number >= 1");
  check(r.jitter >= 0 && r.jitter <= 1, "jitter", "between 0 and 1");
  check(
    finite(r.connectTimeoutMs) && r.connectTimeoutMs > 0,
    "connectTimeoutMs",
    "a positive number",
  );
  timer("connectTimeoutMs");
  check(finite(r.minUptimeMs) && r.minUptimeMs >= 0, "minUptimeMs", "a number >= 0");
  timer("minUptimeMs");
  return r;
}

/**
 * The delay before a reconnect, in milliseconds. Capped at `maxDelayMs`, then up to `jitter` of
 * it is taken off using `random`, never below {@linkcode MIN_RECONNECT_DELAY_MS}.
 *
 * @param failures The number of consecutive failures before this one (0 for the first
 * reconnect).
 * @param options The backoff options.
 * @param random A source of numbers in [0, 1); a value outside it still gives a delay of at least
 * {@linkcode MIN_RECONNECT_DELAY_MS}. @default {Math.random}
 * @returns The delay in milliseconds.
 * @throws {RangeError} For invalid options (see {@linkcode resolveReconnect}).
 * @example The default schedule without jitter
 * ```ts
 * import { reconnectDelay } from "./reconnect.ts";
 * const delays = [0, 1, 2, 3, 4, 5, 6].map((n) => reconnectDelay(n, {}, () => 0));
 * // [1000, 2000, 4000, 8000, 16000, 30000, 30000]
 * if (delays[6] !== 30_000) throw new Error("capped at maxDelayMs");
 * ```
 */
export function reconnectDelay(
  failures: number,
  options: ReconnectOptions = {},
  random: () => number = Math.random,
): number {
  const r = resolveReconnect(options);
  const delay = exponentialBackoffWithJitter(
    r.maxDelayMs,
    r.initialDelayMs,
    Math.max(0, failures),
    r.multiplier,
    r.jitter,
    random,
  );
  // `random` is the caller's: a value outside [0, 1) (or NaN) must not make a tight loop either.
  return delay >= MIN_RECONNECT_DELAY_MS ? delay : MIN_RECONNECT_DELAY_MS;
}
