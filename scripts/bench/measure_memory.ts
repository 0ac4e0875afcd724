/**
 * Measurement 5, memory: runs `memory.ts` (heap retained per byte of JSON for cached events) in
 * its own Deno process with the garbage collector exposed.
 *
 * @module
 */

import { lastJson, log, runChild } from "./_common.ts";
import { DENO, type Json, script } from "./_run.ts";

/**
 * Measures the heap of `events` cached events.
 *
 * @param events How many events to cache.
 * @param problems Where a failure goes.
 * @returns The JSON line of `memory.ts`, or undefined when it failed.
 */
export async function measureMemory(
  events: number,
  problems: string[],
): Promise<Json | undefined> {
  log(`memory: ${events} events in a RemoteEventsList`);
  const r = await runChild(DENO, [
    "run",
    "-A",
    "--v8-flags=--expose-gc",
    script("memory.ts"),
    "--events",
    String(events),
  ]);
  try {
    return lastJson(r, "memory");
  } catch (err) {
    problems.push(String(err));
    return undefined;
  }
}
