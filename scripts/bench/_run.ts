/**
 * Running one measured client ("contestant") as its own process: the runtimes, the contestant
 * type, and the list of problems a run collects instead of stopping at the first one.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  BENCH_DIR,
  type ChildResult,
  lastJson,
  log,
  runChild,
  TOOLS_BIN,
  venvPython,
} from "./_common.ts";

/** A JSON object a measuring process printed. */
export type Json = Record<string, unknown>;

/** The pinned runtime from `tools/`, else whatever is on PATH. */
function bin(name: "deno" | "bun"): string {
  const local = join(TOOLS_BIN, name);
  return existsSync(local) ? local : name;
}

/** The Deno that runs the measuring processes. */
export const DENO: string = bin("deno");
/** The Bun that runs the measuring processes. */
export const BUN: string = bin("bun");

/**
 * The path of a script in `scripts/bench/`.
 *
 * @param name The file name.
 * @returns Its absolute path.
 */
export function script(name: string): string {
  return join(BENCH_DIR, name);
}

/** One measured client: how to start it, and how to name it in tables. */
export interface Contestant {
  key: string;
  label: string;
  runtime: string;
  ours?: boolean;
  /** The executable; empty for the Python of the server's virtualenv. */
  cmd: string;
  args: (extra: string[]) => string[];
  env?: Record<string, string>;
}

/**
 * Runs a contestant and reads its last JSON line. A failure (no JSON, non-zero exit) is added to
 * `problems` and logged, and the result is undefined.
 *
 * @param c The contestant.
 * @param extra Arguments for this measurement (host, key, conversation id, ...).
 * @param what The measurement's name, for messages.
 * @param problems Where failures go.
 * @returns Its JSON result and the child's timings, or undefined when it failed.
 */
export async function runContestant(
  c: Contestant,
  extra: string[],
  what: string,
  problems: string[],
): Promise<{ json: Json; child: ChildResult } | undefined> {
  const cmd = c.cmd || venvPython();
  const child = await runChild(cmd, c.args(extra), {
    ...(c.env ? { env: c.env } : {}),
    timeoutMs: 15 * 60_000,
  });
  try {
    const json = lastJson<Json>(child, `${what} ${c.key}`);
    if (child.code !== 0) throw new Error(`${what} ${c.key} exited ${child.code}`);
    return { json, child };
  } catch (err) {
    problems.push(String(err instanceof Error ? err.message : err).slice(0, 2000));
    log(`FAILED ${what} ${c.key}: ${String(err).slice(0, 400)}`);
    return undefined;
  }
}
