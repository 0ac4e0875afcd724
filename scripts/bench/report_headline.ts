/**
 * The headline table: each figure with its target, the measured value, whether it is met, and the
 * limit measured in the same run that bounds it.
 *
 * @module
 */

import { met } from "./_format.ts";
import type { Bounds, Headline } from "./figures.ts";
import type { ScaleResult } from "./measure_scale.ts";
import { scaleHeadlineRows } from "./scale_report.ts";

/** The bundle target, in gzipped bytes. */
export const BUNDLE_TARGET_BYTES = 20_480;

/**
 * The headline table, as Markdown lines (with its closing note).
 *
 * @param h The headline figures.
 * @param bound The bounds of the same run.
 * @param scale The fan-in scale measurement (its rows' bounds against the official client).
 * @returns The lines.
 */
export function headlineTable(h: Headline, bound: Bounds, scale?: ScaleResult): string[] {
  const atLeast = (v: number | null, goal: number): boolean | null => v === null ? null : v >= goal;
  const upTo = (b: number | null): string => (b === null ? "–" : `≤ ${b.toFixed(2)}`);
  const lines: string[] = [
    "| figure | target | measured | met | limit (measured) |",
    "| --- | --- | ---: | --- | ---: |",
  ];
  const row = (
    figure: string,
    goal: string,
    value: number | null,
    ok: boolean | null,
    limit: string,
  ): void => {
    lines.push(`| ${figure} | ${goal} | ${value === null ? "–" : value} | ${met(ok)} | ${limit} |`);
  };
  row(
    "ingest_vs_bare (events/s, Deno)",
    "≥ 0.7",
    h.ingest_vs_bare,
    atLeast(h.ingest_vs_bare, 0.7),
    upTo(bound.ingest_vs_bare),
  );
  row("ingest_vs_bare_keep (events/s, Deno)", "", h.ingest_vs_bare_keep, null, "≤ 1");
  row(
    "ingest_vs_python (events/s, ours on Deno)",
    "≥ 10",
    h.ingest_vs_python,
    atLeast(h.ingest_vs_python, 10),
    upTo(bound.ingest_vs_python),
  );
  row(
    "ingest_vs_official (events/s, both on Bun)",
    "≥ 2",
    h.ingest_vs_official,
    atLeast(h.ingest_vs_official, 2),
    upTo(bound.ingest_vs_official),
  );
  row(
    "ingest_deno_vs_official_bun (events/s)",
    "",
    h.ingest_deno_vs_official_bun,
    null,
    upTo(bound.ingest_deno_vs_official_bun),
  );
  row(
    "sync_vs_python",
    "≥ 3",
    h.sync_vs_python,
    atLeast(h.sync_vs_python, 3),
    upTo(bound.sync_vs_python),
  );
  row(
    "sync_vs_official",
    "≥ 3",
    h.sync_vs_official,
    atLeast(h.sync_vs_official, 3),
    upTo(bound.sync_vs_official),
  );
  row(
    "coldstart_vs_python (to exit)",
    "≥ 10",
    h.coldstart_vs_python,
    atLeast(h.coldstart_vs_python, 10),
    "–",
  );
  row(
    "bundle_named_gz_bytes ({ RemoteConversation, RemoteWorkspace })",
    "≤ 20,480",
    h.bundle_named_gz_bytes,
    h.bundle_named_gz_bytes <= BUNDLE_TARGET_BYTES,
    "–",
  );
  row("bundle_gz_bytes (all of mod.ts)", "", h.bundle_gz_bytes, null, "–");
  row(
    "bundle_browser_reader_gz_bytes ({ EventStreamReader } of browser.ts)",
    "≤ 8,192",
    h.bundle_browser_reader_gz_bytes,
    h.bundle_browser_reader_gz_bytes <= 8_192,
    "–",
  );
  row(
    "heap_per_json_byte",
    "≤ 2",
    h.heap_per_json_byte,
    h.heap_per_json_byte === null ? null : h.heap_per_json_byte <= 2,
    bound.heap_per_json_byte === null ? "–" : `≥ ${bound.heap_per_json_byte.toFixed(2)}`,
  );
  lines.push(...scaleHeadlineRows(h, scale));
  lines.push(
    "",
    "Ratios are ours relative to the peer, higher is better. Limit: the best any client could " +
      "reach against the limits measured in the same run (see below); for the heap, the least any " +
      "client holding parsed objects can take. The `scale_*` ratios are the other way round, ours " +
      "÷ the peer of a cost (seconds, KiB, µs, ms), lower is better, as issue #13 states its " +
      "goals; their limit is the bare client (1 against bare, bare ÷ official against the " +
      "official client).",
  );
  return lines;
}
