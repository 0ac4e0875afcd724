/**
 * Node: the bundle (`out/remote-hands.js`, plain ESM) drives a real conversation.
 *
 *   node --experimental-websocket conversation.mjs    global WebSocket (Node 20 needs the flag)
 *   node conversation.mjs --ws                         the `ws` package's WebSocket, passed
 *                                                      through `new RemoteWorkspace({ WebSocket })`
 *
 * The job (server, key, agent, message, expected output) comes as JSON in `RH_JOB`. Prints each
 * event as it arrives, then one line `RESULT {json}`; exits 1 when the scenario's checks fail.
 *
 * @module
 */

import process from "node:process";
import { checkScenario, runScenario } from "../scenario.js";

// The bundle is built first (`deno task bundle`); loaded by URL so that `deno check` does not need it.
const client = await import(new URL("../../../out/remote-hands.js", import.meta.url).href);

const job = JSON.parse(process.env.RH_JOB ?? "null");
if (!job) throw new Error("RH_JOB is not set");
const useWs = process.argv.includes("--ws");

/** @type {unknown} */
let WebSocket;
if (useWs) {
  // Node 22+ has a global WebSocket by default: remove it, so only the option can provide one.
  if (typeof globalThis.WebSocket !== "undefined") delete globalThis.WebSocket;
  WebSocket = (await import("ws")).WebSocket;
} else if (typeof globalThis.WebSocket !== "function") {
  throw new Error("no globalThis.WebSocket: run with --experimental-websocket (Node 20)");
}

console.log(`node ${process.version}, WebSocket: ${useWs ? "ws package (option)" : "global"}`);
const result = await runScenario(client, job, {
  ...(WebSocket ? { WebSocket } : {}),
  onEvent: (e) => console.log(`event ${e.kind} [${e.source}] ${e.text.replaceAll("\n", " | ")}`),
});
const problems = checkScenario(result, job);
console.log(`status ${result.status}; ${result.history.length} events in the history`);
console.log(`RESULT ${JSON.stringify({ ...result, problems })}`);
process.exitCode = problems.length === 0 ? 0 : 1;
