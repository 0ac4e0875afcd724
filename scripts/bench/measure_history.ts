/**
 * Measurement 2, history sync: attach to a finished conversation of the real server with about
 * 2,100 stored events until the client holds the whole history (seconds inside the process,
 * imports excluded); the server's own floor by REST pages and by the session socket's replay is
 * measured alongside.
 *
 * @module
 */

import { log, median } from "./_common.ts";
import { type Json, runContestant } from "./_run.ts";
import { ATTACH, type Contestant, FLOORS } from "./contestants.ts";

/** The median of one history-sync contestant. */
export interface AttachRow {
  c: Contestant;
  seconds: number;
  events: number;
  runs: Json[];
}

/**
 * Runs every history contestant and floor `rounds` times against the long conversation.
 *
 * @param args The arguments that point a contestant at the long conversation.
 * @param rounds How many times each runs.
 * @param problems Where failed runs go.
 * @returns A row per contestant that completed, in contestant order.
 */
export async function measureHistory(
  args: string[],
  rounds: number,
  problems: string[],
): Promise<AttachRow[]> {
  const history = new Map<string, Json[]>();
  for (let round = 0; round < rounds; round++) {
    for (const c of [...ATTACH, ...FLOORS]) {
      const r = await runContestant(c, args, "history", problems);
      if (!r) continue;
      log(
        `history ${c.key} (${c.runtime}) round ${round + 1}: ${
          Number(r.json.seconds).toFixed(3)
        } s, ${r.json.events} events`,
      );
      history.set(c.key, [...(history.get(c.key) ?? []), r.json]);
    }
  }
  const rows: AttachRow[] = [];
  for (const c of [...ATTACH, ...FLOORS]) {
    const h = history.get(c.key);
    if (!h?.length) continue;
    rows.push({
      c,
      seconds: median(h.map((r) => Number(r.seconds))),
      events: Number(h[0]!.events),
      runs: h,
    });
  }
  return rows;
}
