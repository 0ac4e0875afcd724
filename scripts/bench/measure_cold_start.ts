/**
 * Measurement 3, cold start: process start → attached and ready (`READY` printed) → exit,
 * attaching to a short conversation of the real server, timed from outside the process.
 *
 * @module
 */

import { log, median } from "./_common.ts";
import { runContestant } from "./_run.ts";
import { ATTACH, type Contestant } from "./contestants.ts";

/** The medians of one cold-start contestant. */
export interface ColdRow {
  c: Contestant;
  readySeconds: number;
  exitSeconds: number;
  runs: { readyMs: number | undefined; wallMs: number }[];
}

/**
 * Starts every attaching contestant `rounds` times against the short conversation.
 *
 * @param args The arguments that point a contestant at the short conversation.
 * @param rounds How many times each starts.
 * @param problems Where failed runs go.
 * @returns A row per contestant that completed, in contestant order.
 */
export async function measureColdStart(
  args: string[],
  rounds: number,
  problems: string[],
): Promise<ColdRow[]> {
  const cold = new Map<string, { readyMs: number | undefined; wallMs: number }[]>();
  for (let round = 0; round < rounds; round++) {
    for (const c of ATTACH) {
      const r = await runContestant(c, args, "cold start", problems);
      if (!r) continue;
      log(
        `cold start ${c.key} (${c.runtime}) round ${round + 1}: ready ${
          ((r.child.readyMs ?? NaN) / 1000).toFixed(2)
        } s, exit ${(r.child.wallMs / 1000).toFixed(2)} s`,
      );
      cold.set(c.key, [...(cold.get(c.key) ?? []), {
        readyMs: r.child.readyMs,
        wallMs: r.child.wallMs,
      }]);
    }
  }
  const rows: ColdRow[] = [];
  for (const c of ATTACH) {
    const k = cold.get(c.key);
    if (!k?.length) continue;
    rows.push({
      c,
      readySeconds: median(k.map((r) => (r.readyMs ?? NaN) / 1000)),
      exitSeconds: median(k.map((r) => r.wallMs / 1000)),
      runs: k,
    });
  }
  return rows;
}
