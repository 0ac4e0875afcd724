/**
 * The measuring part shared by the TypeScript clients of the fan-in scale benchmark (Deno and
 * Bun): the arguments, and the phases a client goes through in one process, each timed the same
 * way whatever the client:
 *
 * 1. before: garbage collected (see {@linkcode collectGarbage}), RSS read;
 * 2. attach: every conversation at once, timed until all are ready with their history held;
 * 3. RSS again after a collection: (after − before) ÷ N is the RSS per conversation;
 * 4. live: `POST /_bench/live` starts the server's stream; process CPU time until every live event
 *    was delivered, ÷ the events, is the CPU per event; each delivery's latency is its receive
 *    time minus the send stamp in its `timestamp` ({@linkcode LiveTracker});
 * 5. idle: a hold with no traffic; process CPU time ÷ the hold is the idle share of a core, and
 *    the server counts the requests, socket messages and pings the client sent meanwhile;
 * 6. check: each conversation got each of its live events once and in order, and holds exactly
 *    its stored log (history + live); then one JSON line, and exit.
 *
 * With `--history-only`, the client attaches to the big-history conversation alone and reports
 * the seconds until it holds the whole log.
 *
 * @module
 */

import process from "node:process";
import { conversationId, liveCount, LiveTracker } from "./_scale_live.ts";
import { requiredArg } from "./_args.ts";

/** What every scale client is told on its command line. */
export interface ScaleArgs {
  /** `http://127.0.0.1:PORT` of the scale server. */
  host: string;
  apiKey: string;
  /** Conversations to attach to. */
  n: number;
  /** Stored events of each before the live phase. */
  history: number;
  /** Live events in all. */
  events: number;
  /** The server's send rate, events/s (for the wait's bound). */
  rate: number;
  /** Seconds of the idle hold. */
  idleSeconds: number;
  /** The big-history conversation and its stored events. */
  bigId: string;
  bigEvents: number;
  /** Attach to the big history only. */
  historyOnly: boolean;
}

/**
 * Reads `--host H --key K --conversations N --history H --events E --rate R --idle S --big-id ID
 * --big B [--history-only]`.
 *
 * @returns The arguments.
 * @throws {Error} When one is missing.
 */
export function scaleArgs(): ScaleArgs {
  const get = requiredArg;
  return {
    host: get("host"),
    apiKey: get("key"),
    n: Number(get("conversations")),
    history: Number(get("history")),
    events: Number(get("events")),
    rate: Number(get("rate")),
    idleSeconds: Number(get("idle")),
    bigId: get("big-id"),
    bigEvents: Number(get("big")),
    historyOnly: process.argv.includes("--history-only"),
  };
}

/**
 * Runs a full collection where the runtime allows: `Bun.gc(true)` under Bun, V8's `gc()` under
 * Deno started with `--v8-flags=--expose-gc`.
 *
 * @returns How, for the report ("none" when the runtime offers no way).
 */
export function collectGarbage(): string {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (g.Bun) {
    g.Bun.gc(true);
    return "Bun.gc(true)";
  }
  if (typeof g.gc === "function") {
    g.gc();
    g.gc();
    return "gc() (--v8-flags=--expose-gc)";
  }
  return "none";
}

/** `"deno 2.9.6"` or `"bun 1.4.5"`. */
export function runtimeName(): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  if (g.Bun) return `bun ${g.Bun.version}`;
  return `node ${process.versions.node}`;
}

/** A client of the scale benchmark, as the harness drives it. */
export interface ScaleClient {
  /** What is measured, for the report. */
  readonly pipeline: string;
  /**
   * Attaches to every conversation; resolves once each is ready with its history held.
   *
   * @param ids The conversations.
   * @param deliver Gets every event the client delivers to its user (id and timestamp).
   */
  attachAll(
    ids: readonly string[],
    deliver: (id: string, timestamp: string) => void,
  ): Promise<void>;
  /** How many stored events conversation `i` holds. */
  held(i: number): number | Promise<number>;
  /** Closes every conversation. */
  close(): Promise<void>;
}

/** One attach to the big history: the stored events held, and how to close it. */
export interface HistoryAttach {
  held: number;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

async function serverStats(host: string): Promise<Record<string, number>> {
  const res = await fetch(`${host}/_bench/stats`);
  return await res.json() as Record<string, number>;
}

/** Prints a JSON line (the last one printed is the result). */
function line(fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ runtime: runtimeName(), ...fields }));
}

/**
 * Runs the phases (see the module doc) with `client`, prints the result and exits.
 *
 * @param client The client under measure.
 * @param args The command line.
 * @returns Never: the process exits.
 */
export async function runScale(client: ScaleClient, args: ScaleArgs): Promise<never> {
  const { n, events, history } = args;
  const ids = Array.from({ length: n }, (_, i) => conversationId(i));
  const tracker = new LiveTracker(n, events);
  const deliver = (id: string, timestamp: string): void => tracker.receive(id, timestamp);

  const gc = collectGarbage();
  await sleep(100);
  collectGarbage();
  const rss0 = process.memoryUsage();

  const t0 = performance.now();
  await client.attachAll(ids, deliver);
  const attachSeconds = (performance.now() - t0) / 1000;
  line({ phase: "attached", attach_s: attachSeconds });

  collectGarbage();
  await sleep(100);
  collectGarbage();
  const rss1 = process.memoryUsage();

  // Live: the server sends `events` at `rate`; wait for all of them (bounded).
  const stats0 = await serverStats(args.host);
  const cpu0 = cpuSeconds();
  const l0 = performance.now();
  await fetch(`${args.host}/_bench/live`, { method: "POST" }).then((r) => r.body?.cancel());
  const bound = (events / args.rate + 60) * 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([tracker.done, new Promise((r) => (timer = setTimeout(r, bound)))]);
  clearTimeout(timer);
  const liveSeconds = (performance.now() - l0) / 1000;
  const cpuLive = cpuSeconds() - cpu0;

  // Idle: nothing is sent; what the client does meanwhile is its own doing.
  await sleep(200);
  const statsA = await serverStats(args.host);
  const liveRequests = statsA.requests! - stats0.requests!;
  const i0 = performance.now();
  const cpuA = cpuSeconds();
  await sleep(args.idleSeconds * 1000);
  const cpuIdle = cpuSeconds() - cpuA;
  const idleSeconds = (performance.now() - i0) / 1000;
  const statsB = await serverStats(args.host);

  let mismatches = 0;
  let firstMismatch = "";
  for (let i = 0; i < n; i++) {
    const want = history + liveCount(i, n, events);
    const got = await client.held(i);
    if (got !== want) {
      if (!mismatches) firstMismatch = `conversation ${i} holds ${got} stored events, not ${want}`;
      mismatches++;
    }
  }
  const live = tracker.summary();
  const c0 = performance.now();
  await client.close();
  const closeSeconds = (performance.now() - c0) / 1000;
  line({
    pipeline: client.pipeline,
    n,
    history,
    events,
    attach_s: attachSeconds,
    rss_before_mib: mib(rss0.rss),
    rss_after_mib: mib(rss1.rss),
    rss_per_conv_kib: (rss1.rss - rss0.rss) / n / 1024,
    heap_per_conv_kib: (rss1.heapUsed - rss0.heapUsed) / n / 1024,
    gc,
    live_s: liveSeconds,
    cpu_live_s: cpuLive,
    cpu_us_per_event: (cpuLive / events) * 1e6,
    live_requests: liveRequests,
    p50_ms: live.p50Ms,
    p99_ms: live.p99Ms,
    max_ms: live.maxMs,
    delivered: live.delivered,
    duplicates: live.duplicates,
    out_of_order: live.outOfOrder,
    foreign: live.foreign,
    conversations_complete: live.conversationsComplete,
    exactly_once: live.exactlyOnce,
    list_mismatches: mismatches,
    first_mismatch: firstMismatch,
    idle_s: idleSeconds,
    idle_cpu_pct: (cpuIdle / idleSeconds) * 100,
    idle_requests: statsB.requests! - statsA.requests!,
    idle_messages: statsB.messages! - statsA.messages!,
    idle_pings: statsB.pings! - statsA.pings!,
    close_s: closeSeconds,
    complete: live.exactlyOnce && mismatches === 0,
  });
  process.exit(0);
}

/**
 * Times one attach to the big-history conversation until it holds the whole log, prints the
 * result and exits.
 *
 * @param attach Attaches to a conversation and says how many stored events it holds.
 * @param args The command line.
 * @returns Never: the process exits.
 */
export async function runHistory(
  attach: (id: string) => Promise<HistoryAttach>,
  args: ScaleArgs,
): Promise<never> {
  const t0 = performance.now();
  const result = await attach(args.bigId);
  const seconds = (performance.now() - t0) / 1000;
  await result.close();
  line({
    history_s: seconds,
    held: result.held,
    expected: args.bigEvents,
    complete: result.held === args.bigEvents,
  });
  process.exit(0);
}
