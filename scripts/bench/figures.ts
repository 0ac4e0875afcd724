/**
 * The figures of a run: the headline ratios (ours relative to each peer, higher is better; the
 * JSON line the bench prints last) and the bounds, the best ratio any client could reach against
 * the limits measured in the same run.
 *
 * @module
 */

import type { Json } from "./_run.ts";
import type { BundleSizes } from "./bundle_size.ts";
import type { ColdRow } from "./measure_cold_start.ts";
import type { AttachRow } from "./measure_history.ts";
import type { IngestResult, IngestRow } from "./measure_ingest.ts";
import type { ScaleResult } from "./measure_scale.ts";
import type { ServerResult } from "./measure_server.ts";
import { type ScaleHeadline, scaleHeadlineOf } from "./scale_figures.ts";

/** Everything one run measured. */
export interface Measurements {
  ingest: IngestResult;
  memory: Json | undefined;
  bundles: BundleSizes;
  server: ServerResult;
  /** Fan-in scale (`measure_scale.ts`). */
  scale: ScaleResult;
}

/** Looks rows up by contestant key. */
export interface Rows {
  ing(key: string): IngestRow | undefined;
  hist(key: string): AttachRow | undefined;
  cold(key: string): ColdRow | undefined;
}

/**
 * Row lookups over one run's measurements.
 *
 * @param m The measurements.
 * @returns The lookups.
 */
export function rowsOf(m: Measurements): Rows {
  return {
    ing: (key) => m.ingest.rows.find((r) => r.c.key === key),
    hist: (key) => m.server.history.find((r) => r.c.key === key),
    cold: (key) => m.server.cold.find((r) => r.c.key === key),
  };
}

/**
 * `a ÷ b`, or null when either is missing or the ratio is not finite.
 *
 * @param a The numerator.
 * @param b The denominator.
 * @returns The ratio or null.
 */
export function ratio(a: number | undefined, b: number | undefined): number | null {
  return a === undefined || b === undefined || !Number.isFinite(a / b) ? null : a / b;
}

/**
 * Rounds to `digits` decimals, keeping null.
 *
 * @param n The number.
 * @param digits Decimals.
 * @returns The rounded number or null.
 */
export function round(n: number | null, digits = 2): number | null {
  return n === null ? null : Number(n.toFixed(digits));
}

/**
 * The headline ratios: the JSON line the bench prints last. The `scale_*` keys
 * ({@linkcode ScaleHeadline}) are ours ÷ the peer of a cost: lower is better.
 */
export interface Headline extends ScaleHeadline {
  ingest_vs_bare: number | null;
  ingest_vs_bare_keep: number | null;
  ingest_vs_python: number | null;
  ingest_vs_official: number | null;
  ingest_deno_vs_official_bun: number | null;
  sync_vs_python: number | null;
  sync_vs_official: number | null;
  sync_deno_vs_official_bun: number | null;
  coldstart_vs_python: number | null;
  /** All of `mod.ts`, minified and gzipped. */
  bundle_gz_bytes: number;
  /** `{ RemoteConversation, RemoteWorkspace }`, minified and gzipped: the headline bundle. */
  bundle_named_gz_bytes: number;
  /** `{ EventStreamReader }` of `browser.ts`, minified and gzipped (target 8,192). */
  bundle_browser_reader_gz_bytes: number;
  heap_per_json_byte: number | null;
  ingest_cpu_vs_bare: number | null;
  ingest_cpu_vs_python: number | null;
  ingest_cpu_vs_official: number | null;
  ingest_cpu_deno_vs_official_bun: number | null;
  ingest_bun_vs_official_bun: number | null;
  coldstart_ready_vs_python: number | null;
  coldstart_bun_vs_python: number | null;
  mode: "smoke" | "full";
  wall_seconds: number;
}

/**
 * The headline ratios of a run.
 *
 * @param m The measurements.
 * @param run Whether it was a smoke run, and how long it took.
 * @returns The headline.
 */
export function headlineOf(
  m: Measurements,
  run: { smoke: boolean; wallSeconds: number },
): Headline {
  const { ing, hist, cold } = rowsOf(m);
  const ours = ing("ours_deno");
  const oursBun = ing("ours_bun");
  const official = ing("official_bun");
  return {
    ingest_vs_bare: round(ratio(ours?.eventsPerS, ing("bare_deno")?.eventsPerS)),
    ingest_vs_bare_keep: round(ratio(ours?.eventsPerS, ing("bare_keep_deno")?.eventsPerS)),
    ingest_vs_python: round(ratio(ours?.eventsPerS, ing("python")?.eventsPerS)),
    // Same runtime: the official client runs its socket only under Bun.
    ingest_vs_official: round(ratio(oursBun?.eventsPerS, official?.eventsPerS)),
    ingest_deno_vs_official_bun: round(ratio(ours?.eventsPerS, official?.eventsPerS)),
    sync_vs_python: round(ratio(hist("python")?.seconds, hist("ours_deno")?.seconds)),
    // Same runtime as the peer, as for ingest: the official client runs under Bun.
    sync_vs_official: round(ratio(hist("official_bun")?.seconds, hist("ours_bun")?.seconds)),
    sync_deno_vs_official_bun: round(
      ratio(hist("official_bun")?.seconds, hist("ours_deno")?.seconds),
    ),
    coldstart_vs_python: round(ratio(cold("python")?.exitSeconds, cold("ours_deno")?.exitSeconds)),
    bundle_gz_bytes: m.bundles.ours.gzipBytes,
    bundle_named_gz_bytes: m.bundles.oursNamed.gzipBytes,
    bundle_browser_reader_gz_bytes: m.bundles.browserReader.gzipBytes,
    heap_per_json_byte: m.memory ? round(Number(m.memory.heap_per_json_byte), 3) : null,
    // Same figures by another measure, for context.
    ingest_cpu_vs_bare: round(ratio(ing("bare_deno")?.cpuUsPerEvent, ours?.cpuUsPerEvent)),
    ingest_cpu_vs_python: round(ratio(ing("python")?.cpuUsPerEvent, ours?.cpuUsPerEvent)),
    ingest_cpu_vs_official: round(ratio(official?.cpuUsPerEvent, oursBun?.cpuUsPerEvent)),
    ingest_cpu_deno_vs_official_bun: round(ratio(official?.cpuUsPerEvent, ours?.cpuUsPerEvent)),
    ingest_bun_vs_official_bun: round(ratio(oursBun?.eventsPerS, official?.eventsPerS)),
    coldstart_ready_vs_python: round(
      ratio(cold("python")?.readySeconds, cold("ours_deno")?.readySeconds),
    ),
    coldstart_bun_vs_python: round(
      ratio(cold("python")?.exitSeconds, cold("ours_bun")?.exitSeconds),
    ),
    ...scaleHeadlineOf(m.scale),
    mode: run.smoke ? "smoke" : "full",
    wall_seconds: Math.round(run.wallSeconds),
  };
}

/** The best ratio any client could reach against the limits measured in the same run. */
export interface Bounds {
  ingest_vs_bare: number | null;
  ingest_vs_python: number | null;
  ingest_vs_official: number | null;
  ingest_deno_vs_official_bun: number | null;
  sync_vs_python: number | null;
  sync_vs_official: number | null;
  /** The least heap per byte of JSON any client holding parsed objects can take. */
  heap_per_json_byte: number | null;
}

/**
 * The seconds of the faster of the server's two history floors (REST pages, session replay).
 *
 * @param m The measurements.
 * @returns The fastest floor, or undefined when neither was measured.
 */
export function fastestFloor(m: Measurements): number | undefined {
  const { hist } = rowsOf(m);
  const floorSeconds = [hist("floor_rest"), hist("floor_session")]
    .flatMap((r) => (r ? [r.seconds] : []));
  return floorSeconds.length ? Math.min(...floorSeconds) : undefined;
}

/**
 * The bounds of a run.
 *
 * @param m The measurements.
 * @returns The bounds.
 */
export function boundsOf(m: Measurements): Bounds {
  const { ing, hist } = rowsOf(m);
  const keepDeno = ing("bare_keep_deno");
  const official = ing("official_bun");
  const floor = fastestFloor(m);
  return {
    // A client that keeps its events cannot outrun one that only parses and keeps them.
    ingest_vs_bare: ratio(keepDeno?.eventsPerS, ing("bare_deno")?.eventsPerS),
    ingest_vs_python: ratio(keepDeno?.eventsPerS, ing("python")?.eventsPerS),
    ingest_vs_official: ratio(ing("bare_keep_bun")?.eventsPerS, official?.eventsPerS),
    ingest_deno_vs_official_bun: ratio(keepDeno?.eventsPerS, official?.eventsPerS),
    // No client syncs faster than the server hands the history to a client that only parses it.
    sync_vs_python: ratio(hist("python")?.seconds, floor),
    sync_vs_official: ratio(hist("official_bun")?.seconds, floor),
    // Plain JSON.parse objects in an array: the least heap parsed events can take.
    heap_per_json_byte: m.memory ? Number(m.memory.plain_parse_per_json_byte) : null,
  };
}
