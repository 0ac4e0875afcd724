/**
 * `loadHistory: false` against the real 1.58.2 server, on both sockets: an attach reads no
 * history page (the conversation's info; on the events socket also the event count),
 * `state.events` starts empty and then holds exactly what the server
 * stores from the attach on, the post-run catch-up does not pull the older history in, and a
 * socket cut resumes after the subscription (nothing lost, nothing old).
 */

import assert from "node:assert/strict";
import { type FetchLike, RemoteConversation, RemoteWorkspace } from "../../mod.ts";
import { marker } from "../support/scripted_llm.ts";
import { scriptedAgent, stack, uniqueId } from "../support/stack.ts";
import { startTcpProxy } from "../support/tcp_proxy.ts";
import { test } from "../support/test.ts";

/** A workspace whose fetch records each request's method and path. */
function recordingWorkspace(host: string, seen: string[]): RemoteWorkspace {
  const fetch: FetchLike = (request) => {
    seen.push(`${request.method} ${new URL(request.url).pathname}`);
    return globalThis.fetch(request);
  };
  return new RemoteWorkspace({ host, apiKey: stack.apiKey, workingDir: stack.workspaceDir, fetch });
}

/** The ids the server stores for the conversation, in log order. */
async function serverIds(conversation: RemoteConversation): Promise<string[]> {
  const events = await conversation.workspace.client.rest.GET(
    "/api/conversations/{conversation_id}/events/search",
    { params: { path: { conversation_id: conversation.id }, query: { limit: 100 } } },
  );
  return (events.data as { items: { id: string }[] }).items.map((event) => event.id);
}

for (const socketProtocol of ["session", "events"] as const) {
  test(`loadHistory: false (${socketProtocol} socket): no history page is read; the list holds exactly what is stored after the attach`, async () => {
    const first = await RemoteConversation.create({
      agent: scriptedAgent(),
      workspace: new RemoteWorkspace({
        host: stack.serverUrl,
        apiKey: stack.apiKey,
        workingDir: stack.workspaceDir,
      }),
      autotitle: false,
      stuckDetection: false,
    });
    const id = first.id;
    let older: string[];
    try {
      await first.sendMessage(`${marker("terminal", { id: uniqueId("lo1") })} run it`);
      assert.equal(await first.run({ timeoutMs: 60_000 }), "finished");
      older = await serverIds(first);
      assert.ok(older.length >= 5, older.join());
    } finally {
      await first.close();
    }

    const requests: string[] = [];
    const proxy = await startTcpProxy(stack.serverUrl);
    const live = await RemoteConversation.attach({
      conversationId: id,
      workspace: recordingWorkspace(proxy.url, requests),
      loadHistory: false,
      socketProtocol,
    });
    try {
      // The events socket has no cursor of its own: one count tells where the log stood.
      assert.deepEqual(
        requests,
        socketProtocol === "session"
          ? [`GET /api/conversations/${id}`]
          : [`GET /api/conversations/${id}`, `GET /api/conversations/${id}/events/count`],
      );
      assert.equal(live.state.events.length, 0);
      await live.sendMessage(`${marker("terminal", { id: uniqueId("lo2") })} again`);
      assert.ok(proxy.cut({ websocketsOnly: true }) >= 1, "a socket to cut");
      assert.equal(await live.run({ timeoutMs: 60_000 }), "finished");
      const all = await serverIds(live);
      const newer = all.slice(older.length);
      assert.deepEqual(all.slice(0, older.length), older);
      assert.deepEqual([...live.state.events].map((event) => event.id), newer);
    } finally {
      await live.close();
      await proxy.close();
    }
  });
}

test("loadHistory must be a boolean: a TypeError before any request", async () => {
  const requests: string[] = [];
  const err = await RemoteConversation.attach({
    conversationId: "6c1b5b1e-0000-4000-8000-000000000000",
    workspace: recordingWorkspace(stack.serverUrl, requests),
    loadHistory: "no" as unknown as boolean,
  }).catch((error: unknown) => error);
  assert.ok(err instanceof TypeError);
  assert.match(err.message, /'loadHistory' must be a boolean: current value is no/);
  assert.deepEqual(requests, []);
});
