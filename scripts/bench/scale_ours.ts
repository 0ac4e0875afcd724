/**
 * Fan-in scale, ours: one `RemoteWorkspace` and `RemoteConversation.attach()` per conversation,
 * all at once (`Promise.all`), as an orchestrator holding many runs from one process would
 * write it, with the default socket protocol (`"auto"`: the session socket against 1.58.2). A
 * callback sees each delivered event; the list a conversation holds is `state.events`.
 *
 * `deno run -A --v8-flags=--expose-gc scripts/bench/scale_ours.ts <scale args>` (or
 * `bun scripts/bench/scale_ours.ts ...`); see `_scale_client.ts`. Prints one JSON line last.
 *
 * @module
 */

import { RemoteConversation, RemoteWorkspace } from "../../mod.ts";
import { runHistory, runScale, type ScaleArgs, scaleArgs } from "./_scale_client.ts";

const args: ScaleArgs = scaleArgs();
const workspace = new RemoteWorkspace({
  host: args.host,
  apiKey: args.apiKey,
  workingDir: "/workspace",
});

if (args.historyOnly) {
  await runHistory(async (conversationId) => {
    const conversation = await RemoteConversation.attach({ conversationId, workspace });
    return { held: conversation.state.events.length, close: () => conversation.close() };
  }, args);
}

let conversations: RemoteConversation[] = [];
let protocols = "";
await runScale({
  get pipeline(): string {
    return `RemoteConversation.attach (socket: ${protocols})`;
  },
  async attachAll(ids, deliver): Promise<void> {
    conversations = await Promise.all(ids.map((conversationId) =>
      RemoteConversation.attach({
        conversationId,
        workspace,
        callbacks: [(event) => deliver(event.id, event.timestamp)],
      })
    ));
    protocols = [...new Set(conversations.map((c) => c.socketProtocol))].join(", ");
  },
  held: (i) => conversations[i]!.state.events.length,
  async close(): Promise<void> {
    await Promise.all(conversations.map((c) => c.close()));
  },
}, args);
