/**
 * Ingest, the official client (`@openhands/typescript-client` 1.39.0) under Bun: its
 * `RemoteConversation.startWebSocketClient()`, i.e. its `WebSocketCallbackClient` feeding its
 * `RemoteEventsList` and `RemoteState`, exactly as it wires them. Its socket needs `ws` (or a
 * browser), which Bun provides; it puts the key in the query string, which the replay server
 * accepts as the real one does.
 *
 * `bun scripts/bench/ingest_official.ts --host ... --key ... --id ... --events N --bytes B`.
 * Prints one JSON line.
 *
 * @module
 */

import process from "node:process";
import { RemoteConversation, RemoteWorkspace } from "@openhands/typescript-client";
import { ingestArgs, IngestClock, runtimeName } from "./_ingest.ts";

const args = ingestArgs();
const clock = new IngestClock(args);
const workspace = new RemoteWorkspace({
  host: args.host,
  apiKey: args.apiKey,
  workingDir: "/workspace",
});
const conversation = new RemoteConversation(
  { kind: "Agent", llm: { model: "openai/scripted" }, tools: [] } as never,
  workspace,
  {
    conversationId: args.conversationId,
    callback: () => clock.tick(),
    onError: () => clock.tick(true),
  },
);
await conversation.startWebSocketClient();
await clock.done;
await new Promise((r) => setTimeout(r, 0)); // its list and state updates are promises
clock.set({
  list_length: await conversation.state.events.length(),
  pipeline: "RemoteConversation.startWebSocketClient",
});
await conversation.close();
clock.report(runtimeName());
process.exit(0);
