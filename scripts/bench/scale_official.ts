/**
 * Fan-in scale, the official client (`@openhands/typescript-client` 1.39.0) under Bun, attached
 * the way it offers (as `attach_official.ts`): per conversation `new RemoteConversation(agent,
 * workspace, { conversationId, callback })`, `start()` (checks the conversation exists),
 * `startWebSocketClient()` (the events socket, key in the query string) and its first frame (it
 * has no ready signal), and the history with `state.events.getEvents()` (REST pages of 100),
 * kept. All conversations at once (`Promise.all`). It holds the history array and what its
 * socket cached (`state.events`).
 *
 * `bun scripts/bench/scale_official.ts <scale args>`; see `_scale_client.ts`. Prints one JSON
 * line last.
 *
 * @module
 */

import { RemoteConversation, RemoteWorkspace } from "@openhands/typescript-client";
import { runHistory, runScale, type ScaleArgs, scaleArgs } from "./_scale_client.ts";
import { isStoredId } from "./_scale_live.ts";

interface Event {
  id: string;
  timestamp: string;
}

interface Attached {
  conversation: RemoteConversation;
  history: Event[];
}

const args: ScaleArgs = scaleArgs();
const workspace = new RemoteWorkspace({
  host: args.host,
  apiKey: args.apiKey,
  workingDir: "/workspace",
});
const agent = { kind: "Agent", llm: { model: "openai/scripted" }, tools: [] };

async function attach(
  conversationId: string,
  deliver: (id: string, timestamp: string) => void,
): Promise<Attached> {
  let firstFrame!: () => void;
  const socketReady = new Promise<void>((resolve) => (firstFrame = resolve));
  const conversation = new RemoteConversation(agent as never, workspace, {
    conversationId,
    callback: (event: Event) => {
      firstFrame();
      deliver(event.id, event.timestamp);
    },
  });
  await conversation.start();
  await conversation.startWebSocketClient();
  const history = await conversation.state.events.getEvents() as Event[];
  await socketReady;
  return { conversation, history };
}

/** The stored events it holds: its history array and its socket's cache, by id. */
async function held(a: Attached): Promise<number> {
  const ids = new Set(a.history.map((e) => e.id));
  const cache = a.conversation.state.events;
  const length = await cache.length();
  for (let k = 0; k < length; k++) ids.add((await cache.getEvent(k) as Event).id);
  return [...ids].filter(isStoredId).length;
}

if (args.historyOnly) {
  await runHistory(async (id) => {
    const a = await attach(id, () => {});
    return { held: await held(a), close: () => a.conversation.close() };
  }, args);
}

let all: Attached[] = [];
await runScale({
  pipeline: "start() + startWebSocketClient() + getEvents()",
  async attachAll(ids, deliver): Promise<void> {
    all = await Promise.all(ids.map((id) => attach(id, deliver)));
  },
  held: (i) => held(all[i]!),
  async close(): Promise<void> {
    await Promise.all(all.map((a) => a.conversation.close()));
  },
}, args);
