/**
 * The pure parts of the fan-in scale benchmark, shared by its replay server and its clients
 * (Deno and Bun): the ids of conversations and events, which conversation each live event goes
 * to, the send stamp carried in an event's `timestamp`, percentiles, and the tracker that checks
 * that every conversation got each of its live events once and in order.
 *
 * A live event's `timestamp` is the server's wall clock when it sent the frame, in the agent
 * server's naive ISO format with microseconds (`2026-12-05T12:00:00.123456`, UTC): an event looks
 * as the real server stamps it, and a client computes its delivery latency from the event alone.
 *
 * @module
 */

const HEX4 = (n: number): string => n.toString(16).padStart(4, "0");
const HEX12 = (n: number): string => n.toString(16).padStart(12, "0");

/** Most conversations one replay server hosts (the id scheme gives each 4 hex digits). */
export const MAX_CONVERSATIONS = 0xffff;

/** The conversation holding the big history. */
export const BIG_ID = "5ca1eb16-0000-4000-8000-000000000000";

/**
 * The id of conversation `i` of the replay server.
 *
 * @param i Its index, `0 <= i < MAX_CONVERSATIONS`.
 * @returns A UUID.
 * @example
 * ```ts
 * import { conversationId } from "./_scale_live.ts";
 * if (conversationId(10) !== "5ca1ec00-0000-4000-8000-00000000000a") throw new Error();
 * ```
 */
export function conversationId(i: number): string {
  return `5ca1ec00-0000-4000-8000-${HEX12(i)}`;
}

/**
 * The id of stored event `k` of conversation `c`'s history (`c` = -1: the big history).
 *
 * @param c The conversation's index, or -1 for {@linkcode BIG_ID}.
 * @param k The event's index in the log.
 * @returns A UUID.
 */
export function historyEventId(c: number, k: number): string {
  return c < 0
    ? `5ca1eb17-0000-4000-8000-${HEX12(k)}`
    : `5ca1e157-${HEX4(c)}-4000-8000-${HEX12(k)}`;
}

/**
 * The id of live event `k` of conversation `c`.
 *
 * @param c The conversation's index.
 * @param k The event's index among the conversation's live events.
 * @returns A UUID.
 */
export function liveEventId(c: number, k: number): string {
  return `5ca1e11e-${HEX4(c)}-4000-8000-${HEX12(k)}`;
}

/**
 * Whether an id is one of a stored event of the scale server (history or live), not of a
 * subscribe-time snapshot.
 *
 * @param id An event id.
 * @returns Whether the server's log holds it.
 */
export function isStoredId(id: string): boolean {
  return /^5ca1e(157|11e|b17)-/.test(id);
}

const LIVE = /^5ca1e11e-([0-9a-f]{4})-4000-8000-([0-9a-f]{12})$/;

/**
 * The conversation and index of a live event's id; undefined for any other id.
 *
 * @param id An event id.
 * @returns Where the live event belongs.
 * @example
 * ```ts
 * import { liveEventId, parseLiveId } from "./_scale_live.ts";
 * const at = parseLiveId(liveEventId(3, 7));
 * if (at?.conversation !== 3 || at.index !== 7) throw new Error();
 * ```
 */
export function parseLiveId(id: string): { conversation: number; index: number } | undefined {
  const m = LIVE.exec(id);
  return m ? { conversation: parseInt(m[1]!, 16), index: parseInt(m[2]!, 16) } : undefined;
}

/**
 * Where live event `j` (of all, in send order) goes: round-robin over the conversations.
 *
 * @param j The event's number in the whole stream.
 * @param n The number of conversations.
 * @returns Its conversation and its index among that conversation's live events.
 */
export function liveTarget(j: number, n: number): { conversation: number; index: number } {
  return { conversation: j % n, index: Math.floor(j / n) };
}

/**
 * How many of `events` live events conversation `c` of `n` gets.
 *
 * @param c The conversation's index.
 * @param n The number of conversations.
 * @param events All live events.
 * @returns Its share.
 */
export function liveCount(c: number, n: number, events: number): number {
  return Math.floor(events / n) + (c < events % n ? 1 : 0);
}

/** The wall clock in milliseconds, sub-millisecond (same clock in every process). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * A wall-clock time as the agent server's naive ISO timestamp with microseconds (UTC).
 *
 * @param ms Milliseconds since the epoch.
 * @returns `YYYY-MM-DDTHH:MM:SS.ffffff`.
 * @example
 * ```ts
 * import { stampOf } from "./_scale_live.ts";
 * if (stampOf(Date.UTC(2026, 11, 5) + 1.5) !== "2026-12-05T00:00:00.001500") throw new Error();
 * ```
 */
export function stampOf(ms: number): string {
  const whole = Math.floor(ms);
  const micros = Math.min(999, Math.round((ms - whole) * 1000));
  return `${new Date(whole).toISOString().slice(0, 23)}${String(micros).padStart(3, "0")}`;
}

const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/;

/**
 * The time a {@linkcode stampOf} timestamp names.
 *
 * @param stamp The timestamp.
 * @returns Milliseconds since the epoch, or undefined for another format.
 */
export function stampMs(stamp: string): number | undefined {
  if (!STAMP.test(stamp)) return undefined;
  return Date.parse(`${stamp.slice(0, 23)}Z`) + Number(stamp.slice(23)) / 1000;
}

/**
 * The nearest-rank percentile of sorted values.
 *
 * @param sorted Values in ascending order.
 * @param p The percentile, 0 to 100.
 * @returns The value, or NaN when there are none.
 * @example
 * ```ts
 * import { percentile } from "./_scale_live.ts";
 * if (percentile([1, 2, 3, 4], 50) !== 2 || percentile([1, 2, 3, 4], 99) !== 4) throw new Error();
 * ```
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** What a {@linkcode LiveTracker} saw. */
export interface LiveSummary {
  /** Live events the server sends in all. */
  expected: number;
  /** Distinct live events received. */
  delivered: number;
  /** Live events received again. */
  duplicates: number;
  /** Live events received before an earlier one of the same conversation. */
  outOfOrder: number;
  /** Frames with a live id of no conversation here, or a bad timestamp. */
  foreign: number;
  /** Conversations that got all their live events. */
  conversationsComplete: number;
  /** Every live event once, in order, nothing foreign. */
  exactlyOnce: boolean;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Checks the live stream of `n` conversations: each live event once, in order per conversation,
 * and its delivery latency (receive time minus the send stamp in its `timestamp`).
 *
 * @example
 * ```ts
 * import { liveEventId, LiveTracker, stampOf } from "./_scale_live.ts";
 * const tracker = new LiveTracker(2, 2, () => 1_000);
 * tracker.receive(liveEventId(0, 0), stampOf(999));
 * tracker.receive(liveEventId(1, 0), stampOf(998));
 * if (!tracker.summary().exactlyOnce || tracker.summary().maxMs !== 2) throw new Error();
 * ```
 */
export class LiveTracker {
  readonly #n: number;
  readonly #now: () => number;
  readonly #seen: Uint8Array[];
  readonly #next: Int32Array;
  readonly #latencies: Float64Array;
  readonly #expected: number;
  #delivered = 0;
  #duplicates = 0;
  #outOfOrder = 0;
  #foreign = 0;
  #resolve: () => void = () => {};
  /** Settles once every live event was received (each once). */
  readonly done: Promise<void>;

  /**
   * @param n The conversations.
   * @param events The live events the server sends in all.
   * @param now The clock ({@linkcode nowMs}).
   */
  constructor(n: number, events: number, now: () => number = nowMs) {
    this.#n = n;
    this.#now = now;
    this.#expected = events;
    this.#seen = Array.from({ length: n }, (_, c) => new Uint8Array(liveCount(c, n, events)));
    this.#next = new Int32Array(n);
    this.#latencies = new Float64Array(events);
    this.done = new Promise((resolve) => (this.#resolve = resolve));
    if (events === 0) this.#resolve();
  }

  /**
   * One event as a client delivered it; ids that are not live events are ignored.
   *
   * @param id The event's id.
   * @param timestamp The event's `timestamp`.
   */
  receive(id: string, timestamp: string): void {
    const at = parseLiveId(id);
    if (!at) return;
    const received = this.#now();
    const seen = this.#seen[at.conversation];
    const sent = stampMs(timestamp);
    if (!seen || at.index >= seen.length || sent === undefined) {
      this.#foreign++;
      return;
    }
    if (seen[at.index]) {
      this.#duplicates++;
      return;
    }
    seen[at.index] = 1;
    if (at.index !== this.#next[at.conversation]) this.#outOfOrder++;
    this.#next[at.conversation] = Math.max(this.#next[at.conversation]!, at.index + 1);
    this.#latencies[this.#delivered++] = received - sent;
    if (this.#delivered === this.#expected) this.#resolve();
  }

  /** Whether every live event has been received. */
  get complete(): boolean {
    return this.#delivered === this.#expected;
  }

  /** The figures so far. */
  summary(): LiveSummary {
    const sorted = this.#latencies.slice(0, this.#delivered).sort();
    let conversationsComplete = 0;
    for (const seen of this.#seen) if (seen.every((b) => b === 1)) conversationsComplete++;
    return {
      expected: this.#expected,
      delivered: this.#delivered,
      duplicates: this.#duplicates,
      outOfOrder: this.#outOfOrder,
      foreign: this.#foreign,
      conversationsComplete,
      exactlyOnce: this.#delivered === this.#expected && this.#duplicates === 0 &&
        this.#outOfOrder === 0 && this.#foreign === 0 && conversationsComplete === this.#n,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.length ? sorted[sorted.length - 1]! : NaN,
    };
  }
}
