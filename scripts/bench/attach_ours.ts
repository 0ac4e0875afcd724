/**
 * History sync and cold start, ours: `RemoteConversation.create({ conversationId })` on an
 * existing conversation of the real server (REST attach, then the session socket replays the
 * whole stored history before it is ready), then `close()`.
 *
 * `deno run -A scripts/bench/attach_ours.ts --host H --key K --id ID` (or `bun ...`). Prints
 * `READY` once attached (the caller times process start → `READY` → exit) and one JSON line:
 * the seconds `create()` took and the events it holds. Exits by itself: `close()` leaves no
 * socket or timer behind.
 *
 * @module
 */

import process from "node:process";
import { RemoteConversation, RemoteWorkspace } from "../../mod.ts";

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
const conversation = await RemoteConversation.create({
  agent: { kind: "Agent", llm: { model: "openai/scripted" }, tools: [] },
  workspace,
  conversationId: get("id"),
});
const seconds = (performance.now() - t0) / 1000;
console.log("READY");
const events = conversation.state.events.length;
const protocol = conversation.socketProtocol;
await conversation.close();
const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
console.log(JSON.stringify({
  runtime: g.Deno ? `deno ${g.Deno.version.deno}` : g.Bun ? `bun ${g.Bun.version}` : "node",
  seconds,
  events,
  protocol,
}));
