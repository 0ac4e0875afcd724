/**
 * The versions a run measured: the runtimes, the Python SDK and its libraries, the server and the
 * official client.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AGENT_SERVER_VERSION } from "../_agent_server_install.ts";
import { REPO_ROOT, runChild, venvPython } from "./_common.ts";
import { BUN, DENO } from "./_run.ts";

/**
 * Asks each tool for its version (`?` when one does not answer).
 *
 * @returns Tool name → version.
 */
export async function versions(): Promise<Record<string, string>> {
  const first = async (cmd: string, args: string[]): Promise<string> => {
    try {
      const r = await runChild(cmd, args, { timeoutMs: 60_000 });
      return r.stdout.trim().split("\n")[0] ?? "?";
    } catch {
      return "?";
    }
  };
  const official = JSON.parse(
    readFileSync(
      join(REPO_ROOT, "node_modules", "@openhands", "typescript-client", "package.json"),
      "utf8",
    ),
  ) as { version: string };
  const py = await first(venvPython(), [
    "-c",
    "import sys, importlib.metadata as m; print(sys.version.split()[0], m.version('openhands-sdk'), m.version('websockets'), m.version('pydantic'))",
  ]);
  const [pyVersion, sdk, websockets, pydantic] = py.split(" ");
  return {
    deno: (await first(DENO, ["--version"])).replace(/^deno /, "").split(" ")[0] ?? "?",
    bun: await first(BUN, ["--version"]),
    python: pyVersion ?? "?",
    "openhands-sdk": sdk ?? "?",
    "python websockets": websockets ?? "?",
    pydantic: pydantic ?? "?",
    "openhands-agent-server": AGENT_SERVER_VERSION,
    "@openhands/typescript-client": official.version,
  };
}
