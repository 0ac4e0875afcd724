/**
 * Ingest, ours: `WebSocketCallbackClient` (protocol `"events"`, so every frame is parsed and
 * validated) feeding a `RemoteEventsList` and a `RemoteState`, as `RemoteConversation` wires them.
 * With `--conversation`, the whole `RemoteConversation.create()` pipeline instead (REST attach,
 * socket, exactly-once bookkeeping, list and state), timed from the `create()` call.
 *
 * `deno run -A scripts/bench/ingest_ours.ts --host ... --key ... --id ... --events N --bytes B`
 * (or under Bun). Prints one JSON line.
 *
 * @module
 */

import process from "node:process";
import {
  RemoteConversation,
  RemoteEventsList,
  RemoteState,
  RemoteWorkspace,
  WebSocketCallbackClient,
} from "../../mod.ts";
import { ingestArgs, IngestClock, runtimeName } from "./_ingest.ts";

const args = ingestArgs();
const clock = new IngestClock(args);

if (process.argv.includes("--conversation")) {
  const workspace = new RemoteWorkspace({
    host: args.host,
    apiKey: args.apiKey,
    workingDir: "/workspace",
  });
  // The work starts here: the REST attach runs while the socket already receives frames (they
  // are parsed and held until the history is loaded), so the clock must not wait for the first
  // callback. Callbacks get every frame, the first state snapshot included: N + 1 in all.
  clock.start();
  const conversation = await RemoteConversation.create({
    agent: { kind: "Agent", llm: { model: "openai/scripted" }, tools: [] },
    workspace,
    conversationId: args.conversationId,
    socketProtocol: "events",
    callbacks: [() => clock.tick()],
    onError: () => clock.tick(true),
  });
  await clock.done;
  clock.set({ list_length: conversation.state.events.length, pipeline: "RemoteConversation" });
  await conversation.close();
} else {
  const events = new RemoteEventsList();
  const state = new RemoteState({ id: args.conversationId, events });
  const socket = new WebSocketCallbackClient({
    host: args.host,
    conversationId: args.conversationId,
    apiKey: args.apiKey,
    protocol: "events",
    callback: (event) => {
      events.addEvent(event);
      state.updateStateFromEvent(event);
      clock.tick();
    },
    onError: () => clock.tick(true),
  });
  socket.start();
  await clock.done;
  clock.set({ list_length: events.length, pipeline: "WebSocketCallbackClient+RemoteEventsList" });
  await socket.stop();
}
clock.report(runtimeName());
process.exit(0);
