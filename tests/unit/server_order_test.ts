/**
 * A conversation's list keeps the server's log order, and catches up over REST what an events
 * socket resend missed. The loopback fake plays a server older than 1.45 (no session socket) that
 * stamps a `stats` update before events stored ahead of it, as servers before 1.58 do. Runs under
 * `deno test` and `bun test`.
 */

import assert from "node:assert/strict";
import type { Event } from "../../src/events/kinds.ts";
import { RemoteConversation } from "../../src/conversation/remote_conversation.ts";
import { RemoteWorkspace } from "../../src/workspace/remote_workspace.ts";
import {
  authenticate,
  type FakeHttpRequest,
  type FakeWsConnection,
  messageEvent,
  startFakeWsServer,
  stateEvent,
} from "../support/fake_ws_server.ts";
import { test } from "../support/test.ts";
import { waitFor } from "../support/wait.ts";

const KEY = "sk-order-0123456789abcdef";
const ID = "6c1b5b1e-0000-4000-8000-0000000000aa";
const AGENT = { llm: { model: "openai/gpt-4o-mini" }, tools: [] };

/** An agent message stamped at second `s` of the test's minute. */
function at(id: string, s: number): Record<string, unknown> {
  return messageEvent(id, id, { timestamp: `2026-01-01T00:00:${String(s).padStart(2, "0")}` });
}

/** A persisted `stats` state update stamped at second `s`. */
function stats(id: string, s: number): Record<string, unknown> {
  return stateEvent({
    id,
    key: "stats",
    value: {},
    timestamp: `2026-01-01T00:00:${String(s).padStart(2, "0")}`,
  });
}

/** The fake old server: `log` is its event log in storage order. */
async function oldServer(log: Record<string, unknown>[]) {
  const sockets: FakeWsConnection[] = [];
  const json = (value: unknown): Response =>
    new Response(JSON.stringify(value), {
      headers: { "content-type": "application/json", connection: "close" },
    });
  const server = await startFakeWsServer({
    onUpgrade: ({ url }) => (url.pathname.startsWith("/sockets/session/") ? 403 : undefined),
    onHttp: (request: FakeHttpRequest) => {
      const path = request.url.pathname;
      if (path === `/api/conversations/${ID}`) {
        return json({ id: ID, agent: { kind: "Agent" }, execution_status: "idle" });
      }
      if (path === `/api/conversations/${ID}/events/count`) return json(log.length);
      if (path === `/api/conversations/${ID}/events/search`) {
        const gte = request.url.searchParams.get("timestamp__gte");
        const items = gte === null ? log : log.filter((e) => String(e.timestamp) >= gte);
        return json({ items, next_page_id: null });
      }
      return undefined;
    },
    onConnection: async (conn) => {
      if (!(await authenticate(conn, KEY))) return;
      // `resend_mode=since&after_timestamp=T` resends the stored events stamped at T or later.
      const since = conn.url.searchParams.get("after_timestamp");
      if (since !== null) {
        for (const e of log) if (String(e.timestamp) >= since) conn.sendJson(e);
      }
      conn.sendJson(stateEvent());
      sockets.push(conn);
    },
  });
  return { server, sockets };
}

test("history and live events keep the server's log order; a reconnect catches up what the resend missed", async () => {
  const log = [at("user", 1), at("action", 3), at("observation", 4), stats("stats-1", 2)];
  const { server, sockets } = await oldServer(log);
  await using _server = server;
  const delivered: string[] = [];
  const conversation = await RemoteConversation.create({
    agent: AGENT,
    conversationId: ID,
    workspace: new RemoteWorkspace({ host: server.url, apiKey: KEY, workingDir: "/w" }),
    callbacks: [(event: Event) => {
      if (event.kind !== "ConversationStateUpdateEvent" || event.id.startsWith("stats")) {
        delivered.push(event.id);
      }
    }],
  });
  try {
    const ids = (): string[] => [...conversation.state.events].map((e) => e.id);
    // History: REST page order, although stats-1 is stamped before the action.
    assert.deepEqual(ids(), ["user", "action", "observation", "stats-1"]);
    assert.deepEqual(delivered, [], "history is not replayed to callbacks");

    // Live: arrival order.
    const live = [at("action-2", 5), stats("stats-2", 4)];
    log.push(...live);
    for (const e of live) sockets[0]!.sendJson(e);
    await waitFor(() => conversation.state.events.length === 6, "live events");
    assert.deepEqual(ids().slice(4), ["action-2", "stats-2"]);

    // Down while the server stores two more. The resend asks for everything stamped since the
    // list's last event (stats-2, 4): it brings observation-2 but misses stats-3, stamped 3.
    sockets[0]!.drop();
    log.push(at("observation-2", 6), stats("stats-3", 3));
    await waitFor(() => conversation.state.events.length === 8, "the REST catch-up");
    assert.deepEqual(ids(), [
      "user",
      "action",
      "observation",
      "stats-1",
      "action-2",
      "stats-2",
      "observation-2",
      "stats-3",
    ]);
    assert.deepEqual(delivered, ["action-2", "stats-2", "observation-2", "stats-3"]);
    assert.equal(
      server.httpRequests.filter((r) => r.startsWith(`GET /api/conversations/${ID}/events/count`))
        .length,
      1,
      "one count after the reconnect",
    );
  } finally {
    await conversation.close();
  }
});
