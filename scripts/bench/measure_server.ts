/**
 * The measurements against the real server, on one server start: history sync and cold start.
 * The server runs on a cached root holding a long and a short conversation (`history.ts`); it is
 * warmed first, since the first request loads a conversation from disk and no client should pay
 * that.
 *
 * @module
 */

import { AGENT_SERVER_VERSION } from "../_agent_server_install.ts";
import { log } from "./_common.ts";
import { runContestant } from "./_run.ts";
import { ATTACH } from "./contestants.ts";
import { ensureHistory, type HistoryStack } from "./history.ts";
import { type ColdRow, measureColdStart } from "./measure_cold_start.ts";
import { type AttachRow, measureHistory } from "./measure_history.ts";

/** History sync and cold start, and the server they ran on. */
export interface ServerResult {
  history: AttachRow[];
  cold: ColdRow[];
  stack: Omit<HistoryStack, "server">;
  url: string;
}

/**
 * Starts the server on the cached history, warms it, measures history sync and cold start, and
 * stops it (the cached root stays).
 *
 * @param config The history's size and the rounds of each measurement.
 * @param problems Where failed runs go.
 * @returns Both measurements.
 */
export async function measureServer(
  config: { historySteps: number; rounds: number; coldRounds: number },
  problems: string[],
): Promise<ServerResult> {
  log(`history: the real server ${AGENT_SERVER_VERSION}, ${config.historySteps}-step history`);
  const stack = await ensureHistory(config.historySteps);
  const { server } = stack;
  const args = (id: string): string[] => [
    "--host",
    server.url,
    "--key",
    server.apiKey,
    "--id",
    id,
    "--workdir",
    server.workspaceDir,
  ];
  try {
    // Warm the server: the first request loads the conversation from disk; no client pays that.
    // (The Python SDK is already warm from the ingest run: its imports are in the page cache.)
    for (const id of [stack.longId, stack.shortId]) {
      for (const c of ATTACH) {
        if (c.key !== "python") await runContestant(c, args(id), "warm-up", problems);
      }
    }
    const history = await measureHistory(args(stack.longId), config.rounds, problems);
    const cold = await measureColdStart(args(stack.shortId), config.coldRounds, problems);
    const { server: _server, ...rest } = stack;
    return { history, cold, stack: rest, url: server.url };
  } finally {
    await server.stop(); // keeps the cached root
  }
}
