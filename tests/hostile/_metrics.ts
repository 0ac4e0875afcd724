/**
 * Figures of the hostile-server suite for `deno task chaos`: a test records what it measured
 * (before asserting it), and the chaos script, which runs `tests/hostile/` with `HOSTILE_REPORT`
 * set to a file, adds the records up into its JSON line. Without `HOSTILE_REPORT` nothing is
 * written.
 *
 * @module
 */

import { appendFileSync } from "node:fs";
import process from "node:process";

/** What a hostile test can count. Each must be 0 for the suite to pass. */
export type HostileMetric =
  /** Requests that reached another origin carrying the session key, a secret or an LLM key. */
  | "redirect_leaks"
  /** Requests a fake server got after the caller's deadline or abort, or past a loop bound. */
  | "unbounded_requests"
  /** Errors thrown out of a listener or unhandled rejections while a case ran. */
  | "uncaught";

/** Records `count` of `metric` (0 included: a record says the case measured it). */
export function recordHostile(metric: HostileMetric, count: number): void {
  const file = process.env.HOSTILE_REPORT;
  if (file) appendFileSync(file, JSON.stringify({ metric, count }) + "\n");
}
