/**
 * The real server for the history-sync and cold-start benchmarks, with two conversations kept in
 * a cache folder across runs (`<cache>/bench-history-<server version>-n<steps>/`, the server's
 * whole root):
 *
 * - a long one: the scripted LLM's `long` script with `n` terminal steps (3 stored events a step,
 *   so `n = 700` gives about 2,100), built once, the first time (a few minutes);
 * - a short one (`terminal`, about 10 events) to attach to for cold starts.
 *
 * Later runs restart the server on the same root and attach to both. Runs under Deno and Bun.
 * `deno run -A scripts/bench/history.ts [--steps 700]` builds (or checks) the cache alone.
 *
 * @module
 */

import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { marker, scriptedLlmConfig, startScriptedLlm } from "../../tests/support/scripted_llm.ts";
import { AGENT_SERVER_VERSION, AgentServer } from "../agent_server.ts";
import { api, cacheDir, log, TERMINAL_STATUSES, waitForStatus } from "./_common.ts";

/** The running server and what is stored on it. */
export interface HistoryStack {
  server: AgentServer;
  /** The long conversation. */
  longId: string;
  /** Stored events of the long conversation (`events/count`). */
  longEvents: number;
  /** The short conversation (cold starts). */
  shortId: string;
  shortEvents: number;
  /** Seconds the long run took, when it was built by this call. */
  builtSeconds: number | undefined;
  /** Seconds the server took to answer `/health`. */
  startSeconds: number;
  root: string;
}

interface Saved {
  longId: string;
  shortId: string;
  steps: number;
  builtSeconds: number;
}

/** Starts the server on the cached root and makes sure both conversations are there. */
export async function ensureHistory(steps: number): Promise<HistoryStack> {
  const root = join(cacheDir(), `bench-history-${AGENT_SERVER_VERSION}-n${steps}`);
  const savedFile = join(root, "bench.json");
  let saved: Saved | undefined;
  if (existsSync(savedFile)) {
    try {
      saved = JSON.parse(readFileSync(savedFile, "utf8")) as Saved;
    } catch {
      saved = undefined;
    }
  }
  if (!saved) rmSync(root, { recursive: true, force: true });
  const server = await AgentServer.start({ root, log });
  try {
    const call = (method: string, path: string, body?: unknown): Promise<unknown> =>
      api(server.url, server.apiKey, method, path, body);
    const count = async (id: string): Promise<number | undefined> => {
      try {
        return Number(await call("GET", `/api/conversations/${id}/events/count`));
      } catch {
        return undefined;
      }
    };
    let builtSeconds: number | undefined;
    if (saved) {
      const longEvents = await count(saved.longId);
      const shortEvents = await count(saved.shortId);
      if (!longEvents || !shortEvents || longEvents < steps * 3) {
        log(`cached history in ${root} is incomplete; rebuilding`);
        saved = undefined;
      }
    }
    if (!saved) {
      const llm = await startScriptedLlm();
      try {
        const create = async (text: string, maxIterations: number): Promise<string> => {
          const created = await call("POST", "/api/conversations", {
            agent: {
              kind: "Agent",
              llm: scriptedLlmConfig(llm.url),
              tools: [{ name: "terminal", params: { terminal_type: "subprocess" } }],
            },
            workspace: { kind: "LocalWorkspace", working_dir: server.workspaceDir },
            autotitle: false,
            stuck_detection: false,
            max_iterations: maxIterations,
            initial_message: { role: "user", content: [{ type: "text", text }] },
          }) as { id: string };
          return created.id;
        };
        const shortId = await create(`${marker("terminal", { cmd: "ls" })} list`, 10);
        await waitForStatus(server.url, server.apiKey, shortId, (s) => TERMINAL_STATUSES.has(s));
        log(`building a ${steps}-step conversation on the real server (once; cached in ${root})`);
        const t0 = performance.now();
        const longId = await create(`${marker("long", { n: steps })} count`, steps + 20);
        let last = 0;
        const status = await waitForStatus(server.url, server.apiKey, longId, (s) => {
          if (performance.now() - last > 15_000) {
            last = performance.now();
            void count(longId).then((n) => log(`  ${n} events so far`));
          }
          return TERMINAL_STATUSES.has(s);
        }, 60 * 60_000);
        builtSeconds = (performance.now() - t0) / 1000;
        if (status !== "finished") throw new Error(`the ${steps}-step run ended ${status}`);
        saved = { longId, shortId, steps, builtSeconds };
        writeFileSync(savedFile, JSON.stringify(saved));
        log(`built in ${builtSeconds.toFixed(0)} s`);
      } finally {
        await llm.close();
      }
    }
    return {
      server,
      longId: saved.longId,
      longEvents: (await count(saved.longId))!,
      shortId: saved.shortId,
      shortEvents: (await count(saved.shortId))!,
      builtSeconds,
      startSeconds: server.lastStartSeconds,
      root,
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

if (import.meta.main) {
  const i = process.argv.indexOf("--steps");
  const stack = await ensureHistory(i >= 0 ? Number(process.argv[i + 1]) : 700);
  const { server, ...rest } = stack;
  console.log(JSON.stringify({ url: server.url, ...rest }));
  await server.stop();
}
