/**
 * The integration-test fixture: the real agent server and the scripted LLM, started once per test
 * process by `scripts/agent_server.ts` in a child process.
 *
 * The child starts at module load, outside any test, and talks to us through an info file (no
 * pipes), so Deno's per-test op and resource sanitizers stay on and see only what each test does.
 * It is stopped when this process exits, and it exits by itself if this process dies.
 *
 * If the server cannot be installed or started, importing this module throws: the tests fail
 * loudly, they never skip.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../scripts/_agent_server_install.ts";
import type { AgentConfig } from "../../src/types.ts";
import { type RecordedRequest, scriptedLlmConfig } from "./scripted_llm.ts";

/** What the stack process reports once the server answers `/health`. */
export interface StackInfo {
  serverUrl: string;
  apiKey: string;
  llmUrl: string;
  root: string;
  workspaceDir: string;
  logFile: string;
  pid: number;
  startSeconds: number;
  serverVersion: string;
}

async function startStack(): Promise<StackInfo> {
  const dir = mkdtempSync(join(tmpdir(), "remote-hands-stack-"));
  const infoFile = join(dir, "info.json");
  const logPath = join(dir, "stack.log");
  const log = openSync(logPath, "a");
  const isBun = "Bun" in globalThis;
  const script = join(REPO_ROOT, "scripts", "agent_server.ts");
  const args = isBun
    ? ["run", script, "--info-file", infoFile, "--watch-parent"]
    : ["run", "-A", script, "--info-file", infoFile, "--watch-parent"];
  // The environment passes through, REMOTE_HANDS_SERVER_VERSION included (scripts/compat.ts).
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", log, log],
    cwd: REPO_ROOT,
    env: process.env,
  });
  child.unref();
  let exited: number | null = null;
  child.once("exit", (code) => (exited = code ?? -1));
  process.on("exit", () => {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
  });
  // First run on a fresh machine installs the server (a few minutes); later starts take seconds.
  const deadline = Date.now() + 15 * 60_000;
  while (!existsSync(infoFile)) {
    if (exited !== null || Date.now() > deadline) {
      throw new Error(
        `The agent server stack did not start (${
          exited !== null ? `exit ${exited}` : "timeout"
        }):\n` +
          readFileSync(logPath, "utf8").slice(-4000),
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const info = JSON.parse(readFileSync(infoFile, "utf8")) as StackInfo;
  const wanted = process.env.REMOTE_HANDS_SERVER_VERSION;
  if (wanted && info.serverVersion !== wanted) {
    throw new Error(`The stack runs server ${info.serverVersion}, not ${wanted}`);
  }
  return info;
}

/** The running stack (started on first import of this module). */
export const stack: StackInfo = await startStack();

/** Requests the scripted LLM recorded for the marker `id`. */
export async function llmRequests(id: string): Promise<RecordedRequest[]> {
  const res = await fetch(`${stack.llmUrl}/_requests?marker=${encodeURIComponent(id)}`);
  return await res.json() as RecordedRequest[];
}

/** Sends a control command to the stack: kill, stop, start or restart the agent server. */
export async function controlServer(action: "kill" | "stop" | "start" | "restart"): Promise<void> {
  const res = await fetch(`${stack.llmUrl}/_stack/${action}`, { method: "POST" });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`stack control ${action} failed: ${res.status}`);
}

let counter = 0;
/** A unique marker id for one test's conversation. */
export function uniqueId(prefix = "t"): string {
  return `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;
}

/** An agent config whose LLM is the scripted one, with a subprocess terminal. */
export function scriptedAgent(tools: string[] = ["terminal"]): AgentConfig {
  return {
    kind: "Agent",
    llm: scriptedLlmConfig(stack.llmUrl),
    tools: tools.map((name) =>
      name === "terminal" ? { name, params: { terminal_type: "subprocess" } } : { name }
    ),
  };
}
