/**
 * History sync and cold start, the official client (`@openhands/typescript-client` 1.39.0)
 * under Bun, the way it offers: `new RemoteConversation(agent, workspace, { conversationId })`,
 * `start()` (checks the conversation exists), `startWebSocketClient()` and the first frame on it
 * (it has no ready signal), and the history with `state.events.getEvents()` (REST pages of 100),
 * then `close()`.
 *
 * `bun scripts/bench/attach_official.ts --host H --key K --id ID`. Prints `READY` once the
 * history is in and the socket has delivered its first frame, and one JSON line.
 *
 * @module
 */

import process from "node:process";
import { RemoteConversation, RemoteWorkspace } from "@openhands/typescript-client";

const argv = process.argv;
const get = (name: string, fallback?: string): string => {
  const i = argv.indexOf(`--${name}`);
  const value = i >= 0 ? argv[i + 1] : fallback;
  if (value === undefined) throw new Error(`missing --${name}`);
  return value;
};

const workspace = new RemoteWorkspace({
  host: get("host"),
  apiKey: get("key"),
  workingDir: get("workdir", "/workspace"),
});
const t0 = performance.now();
let firstFrame!: () => void;
const socketReady = new Promise<void>((resolve) => (firstFrame = resolve));
const conversation = new RemoteConversation(
  { kind: "Agent", llm: { model: "openai/scripted" }, tools: [] } as never,
  workspace,
  { conversationId: get("id"), callback: () => firstFrame() },
);
await conversation.start();
await conversation.startWebSocketClient();
const history = await conversation.state.events.getEvents();
await socketReady;
const seconds = (performance.now() - t0) / 1000;
console.log("READY");
await conversation.close();
const g = globalThis as { Bun?: { version: string } };
console.log(JSON.stringify({
  runtime: g.Bun ? `bun ${g.Bun.version}` : "other",
  seconds,
  events: history.length,
}));
