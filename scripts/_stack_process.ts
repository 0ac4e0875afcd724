/**
 * Starts `scripts/agent_server.ts --info-file` (the scripted LLM and the real server) as a child
 * process and waits for its info file. Used by the scripts that drive examples and runtimes.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { REPO_ROOT } from "./_agent_server_install.ts";

/** What the stack reports once the server answers `/health`. */
export interface StackProcessInfo {
  serverUrl: string;
  apiKey: string;
  llmUrl: string;
  workspaceDir: string;
  serverVersion: string;
  startSeconds: number;
  [field: string]: unknown;
}

/** Starts the stack; `stop()` ends it (SIGTERM, SIGKILL after 20 s) and removes its files. */
export async function startStackProcess(
  prefix: string,
): Promise<{ info: StackProcessInfo; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `remote-hands-${prefix}-`));
  const infoFile = join(dir, "info.json");
  const logFile = join(dir, "stack.log");
  const fd = openSync(logFile, "a");
  const script = join(REPO_ROOT, "scripts", "agent_server.ts");
  const child = spawn(
    process.execPath,
    ["run", "-A", script, "--info-file", infoFile, "--watch-parent"],
    { cwd: REPO_ROOT, stdio: ["ignore", fd, fd] },
  );
  let exited = false;
  child.once("exit", () => (exited = true));
  const deadline = Date.now() + 15 * 60_000; // the first run on a machine installs the server
  while (!existsSync(infoFile)) {
    if (exited || Date.now() > deadline) {
      throw new Error(`the stack did not start:\n${readFileSync(logFile, "utf8").slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const info = JSON.parse(readFileSync(infoFile, "utf8")) as StackProcessInfo;
  const stop = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const done = (): void => {
        rmSync(dir, { recursive: true, force: true });
        resolve();
      };
      if (exited) return done();
      const kill = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.once("exit", () => {
        clearTimeout(kill);
        done();
      });
      child.kill("SIGTERM");
    });
  return { info, stop };
}
