/**
 * The figures of the fan-in scale measurement: the `scale_*` keys of the headline JSON line and
 * the bounds the same run measured. Unlike the other headline ratios, these are ours ÷ the peer
 * of a cost (seconds, KiB, µs, ms), as issue #13 states its goals: lower is better, and the bare
 * client is the floor (a ratio of 1).
 *
 * @module
 */

import type { ScaleResult, ScaleRow } from "./measure_scale.ts";

/** The scale figures of the headline. */
export interface ScaleHeadline {
  /** Conversations followed from one process (null: not measured). */
  scale_n: number | null;
  scale_attach_vs_bare_deno: number | null;
  scale_attach_vs_bare_bun: number | null;
  scale_rss_vs_bare_deno: number | null;
  scale_rss_vs_bare_bun: number | null;
  scale_cpu_vs_bare_deno: number | null;
  scale_cpu_vs_bare_bun: number | null;
  scale_p99_vs_bare_deno: number | null;
  scale_p99_vs_bare_bun: number | null;
  scale_history_vs_bare_deno: number | null;
  scale_history_vs_bare_bun: number | null;
  scale_attach_vs_official_bun: number | null;
  scale_rss_vs_official_bun: number | null;
  scale_cpu_vs_official_bun: number | null;
  scale_p99_vs_official_bun: number | null;
  scale_history_vs_official_bun: number | null;
  /** Ours on Deno ÷ the Python SDK, attach; null when the SDK did not finish. */
  scale_attach_vs_python: number | null;
  /** Percent of one core used by ours while the N conversations are idle. */
  scale_idle_cpu_pct_deno: number | null;
  scale_idle_cpu_pct_bun: number | null;
}

/** The figures a scale row has, by name. */
export type ScaleFigure = "attach" | "rss" | "cpu" | "p99" | "history";

/**
 * A row's figure.
 *
 * @param row The row (undefined: not measured).
 * @param figure Which.
 * @returns The value, undefined when missing.
 */
export function figureOf(row: ScaleRow | undefined, figure: ScaleFigure): number | undefined {
  if (!row) return undefined;
  switch (figure) {
    case "attach":
      return row.attachSeconds;
    case "rss":
      return row.rssPerConvKiB;
    case "cpu":
      return row.cpuUsPerEvent;
    case "p99":
      return row.p99Ms;
    case "history":
      return row.historySeconds;
  }
}

/**
 * `a ÷ b` rounded to `digits`, or null when either is missing or the ratio is not finite and
 * positive.
 *
 * @param a The numerator.
 * @param b The denominator.
 * @param digits Decimals.
 * @returns The ratio or null.
 * @example
 * ```ts
 * import { costRatio } from "./scale_figures.ts";
 * if (costRatio(3, 2) !== 1.5 || costRatio(1, 0) !== null || costRatio(undefined, 1) !== null) {
 *   throw new Error();
 * }
 * ```
 */
export function costRatio(
  a: number | undefined,
  b: number | undefined,
  digits = 2,
): number | null {
  if (a === undefined || b === undefined) return null;
  const r = a / b;
  return Number.isFinite(r) && r > 0 ? Number(r.toFixed(digits)) : null;
}

/** Row lookup by contestant key. */
export function scaleRow(scale: ScaleResult | undefined, key: string): ScaleRow | undefined {
  return scale?.rows.find((r) => r.c.key === key);
}

/**
 * The `scale_*` headline keys of a run.
 *
 * @param scale The scale measurement (undefined: not run).
 * @returns The figures (all null when not run).
 */
export function scaleHeadlineOf(scale: ScaleResult | undefined): ScaleHeadline {
  const row = (key: string): ScaleRow | undefined => scaleRow(scale, key);
  const vs = (ours: string, peer: string, figure: ScaleFigure): number | null =>
    costRatio(figureOf(row(ours), figure), figureOf(row(peer), figure));
  const idle = (key: string): number | null => {
    const v = row(key)?.idleCpuPct;
    return v === undefined ? null : Number(v.toFixed(3));
  };
  return {
    scale_n: scale ? scale.config.conversations : null,
    scale_attach_vs_bare_deno: vs("ours_deno", "bare_deno", "attach"),
    scale_attach_vs_bare_bun: vs("ours_bun", "bare_bun", "attach"),
    scale_rss_vs_bare_deno: vs("ours_deno", "bare_deno", "rss"),
    scale_rss_vs_bare_bun: vs("ours_bun", "bare_bun", "rss"),
    scale_cpu_vs_bare_deno: vs("ours_deno", "bare_deno", "cpu"),
    scale_cpu_vs_bare_bun: vs("ours_bun", "bare_bun", "cpu"),
    scale_p99_vs_bare_deno: vs("ours_deno", "bare_deno", "p99"),
    scale_p99_vs_bare_bun: vs("ours_bun", "bare_bun", "p99"),
    scale_history_vs_bare_deno: vs("ours_deno", "bare_deno", "history"),
    scale_history_vs_bare_bun: vs("ours_bun", "bare_bun", "history"),
    scale_attach_vs_official_bun: vs("ours_bun", "official_bun", "attach"),
    scale_rss_vs_official_bun: vs("ours_bun", "official_bun", "rss"),
    scale_cpu_vs_official_bun: vs("ours_bun", "official_bun", "cpu"),
    scale_p99_vs_official_bun: vs("ours_bun", "official_bun", "p99"),
    scale_history_vs_official_bun: vs("ours_bun", "official_bun", "history"),
    scale_attach_vs_python: vs("ours_deno", "python", "attach"),
    scale_idle_cpu_pct_deno: idle("ours_deno"),
    scale_idle_cpu_pct_bun: idle("ours_bun"),
  };
}

/** The issue #13 goals: the largest ours ÷ peer each figure may be, and whether equal is met. */
export const SCALE_TARGETS: Readonly<
  Record<ScaleFigure, { bare: number; official: number; officialStrict: boolean }>
> = {
  attach: { bare: 1.3, official: 1, officialStrict: false },
  rss: { bare: 1.1, official: 1, officialStrict: false },
  cpu: { bare: 1.1, official: 1, officialStrict: false },
  p99: { bare: 1.2, official: 1, officialStrict: false },
  history: { bare: 1.1, official: 1, officialStrict: true },
};

/**
 * Whether a ratio meets its goal.
 *
 * @param ratio Ours ÷ the peer (null: not measured).
 * @param goal The largest allowed.
 * @param strict Whether the goal itself is not met (below, not at).
 * @returns Met, not met, or null when not measured.
 */
export function scaleMet(ratio: number | null, goal: number, strict = false): boolean | null {
  if (ratio === null) return null;
  return strict ? ratio < goal : ratio <= goal;
}

/**
 * The least ours ÷ official any client can reach on Bun for a figure: the bare client's figure
 * ÷ the official client's (bare is the floor).
 *
 * @param scale The scale measurement.
 * @param figure Which.
 * @returns The bound, or null when not measured.
 */
export function officialBound(scale: ScaleResult | undefined, figure: ScaleFigure): number | null {
  return costRatio(
    figureOf(scaleRow(scale, "bare_bun"), figure),
    figureOf(scaleRow(scale, "official_bun"), figure),
  );
}
