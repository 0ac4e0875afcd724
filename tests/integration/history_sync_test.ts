/**
 * History sync on attach, against the real 1.58.2 server: the session socket opens live only,
 * its `sync` frame marks what the log held, the history up to the mark is paged over REST while
 * later frames wait, and everything after the mark reaches callbacks. No gap, no duplicate: the
 * local history ends equal to the server's, and callbacks see every event that was not history
 * exactly once, across a cut socket too.
 */

import assert from "node:assert/strict";
import {
  type Event,
  RemoteConversation,
  type RemoteHandsError,
  RemoteWorkspace,
  type WebSocketConstructorLike,
  type WebSocketLike,
} from "../../mod.ts";
import { isPersistedEvent } from "../../src/events/helpers.ts";
import { marker } from "../support/scripted_llm.ts";
import { scriptedAgent, stack, uniqueId } from "../support/stack.ts";
import { startTcpProxy } from "../support/tcp_proxy.ts";
import { test } from "../support/test.ts";

/** What the client asked the server for: socket URLs and REST history pages. */
interface Wire {
  sockets: URL[];
  pages: URL[];
}

/** A workspace whose sockets and history requests are recorded. */
function recordingWorkspace(
  host: string = stack.serverUrl,
): { workspace: RemoteWorkspace; wire: Wire } {
  const wire: Wire = { sockets: [], pages: [] };
  const Base = globalThis.WebSocket as unknown as WebSocketConstructorLike;
  const Recording = function (url: string): WebSocketLike {
    wire.sockets.push(new URL(url));
    return new Base(url);
  } as unknown as WebSocketConstructorLike;
  const workspace = new RemoteWorkspace({
    host,
    apiKey: stack.apiKey,
    workingDir: stack.workspaceDir,
    WebSocket: Recording,
    fetch: (request) => {
      const url = new URL(request.url);
      if (url.pathname.endsWith("/events/search")) wire.pages.push(url);
      return globalThis.fetch(request);
    },
  });
  return { workspace, wire };
}

async function api(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${stack.serverUrl}${path}`, {
    method,
    headers: { "X-Session-API-Key": stack.apiKey, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return await res.json();
}

/** Starts a conversation over plain REST whose first run is the `long` script. */
async function startLongRun(steps: number, delayMs: number): Promise<string> {
  const created = await api("POST", "/api/conversations", {
    agent: scriptedAgent(),
    workspace: { kind: "LocalWorkspace", working_dir: stack.workspaceDir },
    autotitle: false,
    stuck_detection: false,
    max_iterations: steps + 20,
    initial_message: {
      role: "user",
      content: [{
        type: "text",
        text: `${marker("long", { id: uniqueId("hist"), n: steps, delay: delayMs })} count`,
      }],
    },
  }) as { id: string };
  return created.id;
}

async function eventCount(id: string): Promise<number> {
  return Number(await api("GET", `/api/conversations/${id}/events/count`));
}

async function status(id: string): Promise<string> {
  const info = await api("GET", `/api/conversations/${id}`) as { execution_status?: string };
  return String(info.execution_status);
}

async function until(what: string, fn: () => Promise<boolean> | boolean, ms = 120_000) {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every stored event id, in the server's order (REST, 100 a page). */
async function serverIds(id: string): Promise<string[]> {
  const out: string[] = [];
  let pageId: string | undefined;
  do {
    const query = new URLSearchParams({ limit: "100" });
    if (pageId) query.set("page_id", pageId);
    const page = await api("GET", `/api/conversations/${id}/events/search?${query}`) as {
      items: { id: string }[];
      next_page_id?: string | null;
    };
    out.push(...page.items.map((e) => e.id));
    pageId = page.next_page_id ?? undefined;
  } while (pageId);
  return out;
}

function duplicates(ids: string[]): string[] {
  const seen = new Set<string>();
  return ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
}

/**
 * The checks once the run is over and the attached client caught up: its list is the server's
 * history; the events callbacks never saw (the history) are a prefix of the server's log, all
 * loaded before `create()` returned; and callbacks saw every event after that prefix exactly once,
 * in order. (Frames held while the history loaded are delivered just before `create()` returns, so
 * the list at that moment may already hold a few events callbacks saw.)
 */
async function checkNoGap(
  conversation: RemoteConversation,
  listAtReady: string[],
  seen: Event[],
): Promise<{ server: string[]; history: string[]; live: string[] }> {
  const server = await serverIds(conversation.id);
  await until(
    "the attached client to catch up",
    () => conversation.state.events.length >= server.length,
    30_000,
  );
  assert.deepEqual(conversation.state.events.slice().map((e) => e.id), server);
  const live = seen.filter((e) => isPersistedEvent(e)).map((e) => e.id);
  assert.deepEqual(duplicates(live), [], "no event reached callbacks twice");
  const liveSet = new Set(live);
  const history = server.filter((id) => !liveSet.has(id));
  assert.deepEqual(history, server.slice(0, history.length), "the history is the log's start");
  assert.deepEqual(live, server.slice(history.length), "every later event, once, in order");
  const atReady = new Set(listAtReady);
  assert.deepEqual(history.filter((id) => !atReady.has(id)), [], "history loaded before ready");
  return { server, history, live };
}

test(
  "history sync: attaching while a long run writes: history equals the server's; callbacks see every later event once",
  async () => {
    const id = await startLongRun(70, 60);
    await until("a history of more than two pages", async () => (await eventCount(id)) > 120);
    const { workspace, wire } = recordingWorkspace();
    const seen: Event[] = [];
    const errors: RemoteHandsError[] = [];
    const conversation = await RemoteConversation.create({
      agent: scriptedAgent(),
      workspace,
      conversationId: id,
      callbacks: [(e) => seen.push(e)],
      onError: (e) => errors.push(e),
    });
    try {
      const listAtReady = conversation.state.events.slice().map((e) => e.id);
      assert.equal(conversation.socketProtocol, "session");
      // Live only: no replay asked for; the history came over REST, 100 a page.
      assert.equal(wire.sockets.length, 1);
      assert.equal(wire.sockets[0]!.searchParams.get("after_seq"), null);
      assert.ok(listAtReady.length > 120, `${listAtReady.length} events at ready`);
      assert.ok(wire.pages.length >= 2, `${wire.pages.length} pages`);
      assert.ok(wire.pages.every((url) => Number(url.searchParams.get("limit")) <= 100));
      assert.equal(await status(id), "running", "the run was still writing after the attach");
      await until("the run to finish", async () => (await status(id)) === "finished");
      const { history, live } = await checkNoGap(conversation, listAtReady, seen);
      assert.ok(history.length > 120, `${history.length} events of history`);
      assert.ok(live.length > 10, `${live.length} events after ready`);
      await until("the status event", () => conversation.state.agentStatus === "finished", 10_000);
      assert.deepEqual(errors, []);
      assert.equal(wire.sockets.length, 1, "no reconnect was needed");
    } finally {
      await conversation.close();
    }
  },
  { timeoutMs: 300_000 },
);

test(
  "history sync: a cut socket right after an attach mid-run resumes after the mark; nothing lost or doubled",
  async () => {
    const id = await startLongRun(50, 60);
    await until("a history of more than one page", async () => (await eventCount(id)) > 100);
    const proxy = await startTcpProxy(stack.serverUrl);
    const { workspace, wire } = recordingWorkspace(proxy.url);
    const seen: Event[] = [];
    const conversation = await RemoteConversation.create({
      agent: scriptedAgent(),
      workspace,
      conversationId: id,
      callbacks: [(e) => seen.push(e)],
    });
    try {
      const listAtReady = conversation.state.events.slice().map((e) => e.id);
      assert.ok(proxy.cut({ websocketsOnly: true }) >= 1);
      await until("a second connection", () => wire.sockets.length >= 2, 30_000);
      const afterSeq = Number(wire.sockets[1]!.searchParams.get("after_seq"));
      await until("the run to finish", async () => (await status(id)) === "finished");
      const { history, live } = await checkNoGap(conversation, listAtReady, seen);
      assert.ok(history.length > 100 && live.length > 0, `${history.length} + ${live.length}`);
      // The reconnect resumed at the mark (the history is the log's first T + 1 events) or later.
      assert.ok(afterSeq >= history.length - 1, `after_seq=${afterSeq}`);
    } finally {
      await conversation.close();
      await proxy.close();
    }
  },
  { timeoutMs: 300_000 },
);

for (const socketProtocol of ["session", "events"] as const) {
  test(
    `history sync (${socketProtocol} socket): a finished history of three pages loads completely, none replayed to callbacks`,
    async () => {
      const id = await startLongRun(80, 0);
      await until("the run to finish", async () => (await status(id)) === "finished");
      const stored = await eventCount(id);
      assert.ok(stored > 200, `${stored} stored events`);
      const { workspace, wire } = recordingWorkspace();
      const seen: Event[] = [];
      const conversation = await RemoteConversation.create({
        agent: scriptedAgent(),
        workspace,
        conversationId: id,
        socketProtocol,
        callbacks: [(e) => seen.push(e)],
      });
      try {
        assert.equal(conversation.socketProtocol, socketProtocol);
        const ids = conversation.state.events.slice().map((e) => e.id);
        assert.equal(ids.length, stored);
        assert.deepEqual(ids, await serverIds(id));
        assert.deepEqual(seen.filter((e) => isPersistedEvent(e)).map((e) => e.id), []);
        assert.equal(wire.pages.length, Math.ceil(stored / 100));
        assert.equal(wire.sockets[0]!.searchParams.get("after_seq"), null);
        assert.equal(conversation.state.agentStatus, "finished");
      } finally {
        await conversation.close();
      }
    },
    { timeoutMs: 300_000 },
  );
}
