/**
 * Waiting helpers shared by the socket and fault tests.
 *
 * @module
 */

import assert from "node:assert/strict";
import { delay } from "../../src/_async.ts";
import type { ReconnectOptions } from "../../src/socket/reconnect.ts";

/** Fast, deterministic reconnects: 10 ms, 20 ms, 40 ms, 40 ms, ...; the count never resets. */
export const FAST: ReconnectOptions = {
  initialDelayMs: 10,
  maxDelayMs: 40,
  multiplier: 2,
  jitter: 0,
  minUptimeMs: 60_000,
};

/** Polls `cond` every 5 ms; fails after `timeoutMs` (generous: CI machines are loaded). */
export async function waitFor(
  cond: () => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const start = performance.now();
  while (!cond()) {
    if (performance.now() - start > timeoutMs) assert.fail(`timed out waiting for ${what}`);
    await delay(5);
  }
}
