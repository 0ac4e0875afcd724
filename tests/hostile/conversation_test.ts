/**
 * Hostile servers against conversations, the manager and commands (issue 10, findings 3, 6, 10,
 * 11 and 16), on loopback fakes under `deno test` and `bun test`:
 *
 * - page tokens that repeat or cycle are a `ProtocolError`, and every multi-request operation
 *   ends at its deadline, with no request after the call settled (`unbounded_requests`);
 * - ids the server chooses (`undefined`, `..`, another conversation's) are validated before use;
 * - timing options a timer cannot wait are a `RangeError` at the call;
 * - inspected and JSON forms of a conversation show no LLM key;
 * - a `transient` frame of a stored kind is delivered but kept out of `state.events`.
 *
 * @module
 */

import assert from "node:assert/strict";
import util from "node:util";
import { delay } from "../../src/_async.ts";
import { ConversationManager } from "../../src/manager/conversation_manager.ts";
import { ConversationRunError, ProtocolError, TimeoutError } from "../../src/errors.ts";
import type { Event } from "../../src/events/kinds.ts";
import type { AgentConfig } from "../../src/types.ts";
import { RemoteConversation } from "../../src/conversation/remote_conversation.ts";
import { RemoteWorkspace } from "../../src/workspace/remote_workspace.ts";
import { startFakeHttpServer } from "../support/fake_http_server.ts";
import {
  authenticate,
  type ConnectionHandler,
  type FakeHttpRequest,
  type FakeWsServer,
  messageEvent,
  startFakeWsServer,
  stateEvent,
} from "../support/fake_ws_server.ts";
import { FakeTime } from "../support/fake_time.ts";
import { test } from "../support/test.ts";
import { recordHostile } from "./_metrics.ts";

const KEY = "sk-hostile-session-0123456789abcdef";
const LLM_KEY = "sk-llm-hostile-9f8e7d6c5b4a39281706";
const ID = "6c1b5b1e-0000-4000-8000-0000000000c1";
const OTHER_ID = "6c1b5b1e-0000-4000-8000-0000000000c2";
const COMMAND_ID = "0b6e2f1a-5c3d-4e8f-9a1b-2c3d4e5f6a7b";
const AGENT: AgentConfig = {
  kind: "Agent",
  llm: { model: "openai/gpt-4o-mini", api_key: LLM_KEY },
  tools: [],
};
const INFO = { id: ID, agent: { kind: "Agent" }, execution_status: "idle" };

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json", connection: "close" },
  });
}

/** `promise`'s rejection, or a failure when it resolves or takes longer than `ms` (then
 * `controller` is aborted, so that a loop that never ends stops with the test). */
async function rejection(
  promise: Promise<unknown>,
  ms = 20_000,
  controller?: AbortController,
): Promise<unknown> {
  const guard = new AbortController();
  const timeout = delay(ms, { signal: guard.signal }).then(() => "timeout" as const);
  try {
    const outcome = await Promise.race([
      promise.then(() => "resolved" as const, (error: unknown) => ({ error })),
      timeout,
    ]);
    if (outcome === "timeout") {
      controller?.abort();
      await promise.catch(() => {});
      assert.fail(`did not settle within ${ms} ms`);
    }
    if (outcome === "resolved") assert.fail("expected a rejection");
    return outcome.error;
  } finally {
    guard.abort();
    await timeout.catch(() => {});
  }
}

/** Requests the server gets within a while after the call settled: recorded, then asserted 0. */
async function requestsAfter(count: () => number): Promise<void> {
  const before = count();
  await delay(300);
  const after = count() - before;
  recordHostile("unbounded_requests", after);
  assert.equal(after, 0, "requests after the call settled");
}

/** An agent server (REST and the events socket) on one loopback port. `route` answers REST
 * requests first; the rest answer as a well-behaved server with an empty conversation `ID`. */
function agentServer(
  route: (request: FakeHttpRequest) => Response | Promise<Response> | undefined = () => undefined,
  onConnection?: ConnectionHandler,
): Promise<FakeWsServer> {
  return startFakeWsServer({
    onHttp: (request) => {
      const answer = route(request);
      if (answer) return answer;
      const path = request.url.pathname;
      if (request.method === "POST" && path === "/api/conversations") return json(INFO);
      if (path === `/api/conversations/${ID}`) return json(INFO);
      if (path === `/api/conversations/${ID}/events/search`) {
        return json({ items: [], next_page_id: null });
      }
      if (path === `/api/conversations/${ID}/events/count`) return json(0);
      return undefined;
    },
    onConnection: onConnection ?? (async (conn) => {
      if (!(await authenticate(conn, KEY))) return;
      conn.sendJson(stateEvent());
    }),
  });
}

function workspaceOf(server: { url: string }): RemoteWorkspace {
  return new RemoteWorkspace({ host: server.url, apiKey: KEY, workingDir: "/w", maxRetries: 0 });
}

function rest(server: FakeWsServer): string[] {
  return server.httpRequests.filter((r) => r.includes("/api/"));
}

// --- finding 3: loops that never end ----------------------------------------------------------

test("ConversationManager.list: a next_page_id that comes back is a ProtocolError after the pages it took", async () => {
  for (const tokens of [["same", "same"], ["a", "b", "a"]]) {
    let n = 0;
    await using server = await startFakeHttpServer(() => {
      const token = tokens[Math.min(n, tokens.length - 1)];
      const id = `6c1b5b1e-0000-4000-8000-${String(++n).padStart(12, "0")}`;
      return { status: 200, json: { items: [{ ...INFO, id }], next_page_id: token } };
    });
    const controller = new AbortController();
    const manager = new ConversationManager({ host: server.url, maxRetries: 0 });
    const error = await rejection(manager.list({ signal: controller.signal }), 20_000, controller);
    assert.ok(error instanceof ProtocolError, String(error));
    assert.equal(error.what, "GET /api/conversations/search");
    assert.match(
      error.message,
      /next_page_id ".+" came back after \d+ pages?: the pages never end/,
    );
    assert.equal(server.requests.length, tokens.length);
    await requestsAfter(() => server.requests.length);
  }
});

test("executeCommand({ timeoutMs: 2000 }): output pages that never end are a ProtocolError at once; the command is stopped", async () => {
  await using server = await startFakeHttpServer((request) => {
    if (request.url.startsWith("/api/bash/start_bash_command")) {
      return { status: 200, json: { id: COMMAND_ID, command: "yes" } };
    }
    if (request.url.startsWith("/api/bash/bash_events/search")) {
      return { status: 200, json: { items: [], next_page_id: "again" } };
    }
    return { status: 200, json: { success: true } };
  });
  const controller = new AbortController();
  const started = performance.now();
  const error = await rejection(
    workspaceOf(server).executeCommand("yes", { timeoutMs: 2_000, signal: controller.signal }),
    20_000,
    controller,
  );
  assert.ok(error instanceof ProtocolError, String(error));
  assert.equal(error.what, "GET /api/bash/bash_events/search");
  assert.ok(performance.now() - started < 2_000, "rejects before the command's time limit");
  assert.deepEqual(server.requests.map((r) => `${r.method} ${r.url.split("?")[0]}`), [
    "POST /api/bash/start_bash_command",
    "GET /api/bash/bash_events/search",
    "GET /api/bash/bash_events/search",
    `POST /api/bash/bash_commands/${COMMAND_ID}/stop`,
  ]);
  await requestsAfter(() => server.requests.length);
});

test("executeCommand: the deadline aborts a search request in flight (fake time), then stops the command", async () => {
  const seen: string[] = [];
  let pending = 0;
  const fetch = (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname;
    seen.push(`${request.method} ${path}`);
    if (path === "/api/bash/start_bash_command") return Promise.resolve(json({ id: COMMAND_ID }));
    if (path === "/api/bash/bash_events/search") {
      pending++;
      return new Promise((_, reject) => {
        request.signal.addEventListener("abort", () => reject(request.signal.reason), {
          once: true,
        });
      });
    }
    return Promise.resolve(json({ success: true }));
  };
  const realSetTimeout = globalThis.setTimeout;
  const realWait = (ms: number) => new Promise((resolve) => realSetTimeout(resolve, ms));
  using time = new FakeTime();
  const workspace = new RemoteWorkspace({ host: "http://agent.test", workingDir: "/w", fetch });
  let settled: { error: unknown } | undefined;
  const call = workspace.executeCommand("sleep 600", { timeoutMs: 2_000 }).then(
    () => (settled = { error: new Error("resolved") }),
    (error: unknown) => (settled = { error }),
  );
  for (let i = 0; i < 400 && pending === 0; i++) await realWait(5);
  assert.equal(pending, 1, "the first output search is in flight");
  await time.tickAsync(2_000 + 15_000);
  for (let i = 0; i < 400 && settled === undefined; i++) await realWait(5);
  assert.ok(settled, "the deadline ended the call");
  await call;
  assert.ok(settled.error instanceof TimeoutError, String(settled.error));
  assert.equal(settled.error.timeoutMs, 2_000);
  assert.deepEqual(seen, [
    "POST /api/bash/start_bash_command",
    "GET /api/bash/bash_events/search",
    `POST /api/bash/bash_commands/${COMMAND_ID}/stop`,
  ]);
  const before = seen.length;
  await time.tickAsync(120_000);
  recordHostile("unbounded_requests", seen.length - before);
  assert.equal(seen.length - before, 0);
  assert.equal(time.pendingTimers, 0, "no timer left behind");
});

test("create, attach and generateTitle: history pages whose next_page_id comes back are a ProtocolError", async () => {
  const searches = (server: FakeWsServer): number =>
    server.httpRequests.filter((r) => r.includes("/events/search")).length;
  let endless = true;
  await using server = await agentServer((request) => {
    if (endless && request.url.pathname.endsWith("/events/search")) {
      return json({ items: [messageEvent("m1")], next_page_id: "loop" });
    }
    return undefined;
  });
  const error = await rejection(
    RemoteConversation.create({
      agent: AGENT,
      conversationId: ID,
      workspace: workspaceOf(server),
      socketProtocol: "events",
      readyTimeoutMs: 10_000,
    }),
  );
  assert.ok(error instanceof ProtocolError, String(error));
  assert.equal(error.what, `GET /api/conversations/${ID}/events/search`);
  assert.equal(searches(server), 2);
  await requestsAfter(() => server.httpRequests.length);

  endless = false;
  const conversation = await RemoteConversation.create({
    agent: AGENT,
    conversationId: ID,
    workspace: workspaceOf(server),
    socketProtocol: "events",
  });
  try {
    endless = true;
    const titled = await rejection(conversation.generateTitle());
    assert.ok(titled instanceof ProtocolError, String(titled));
    await requestsAfter(() => server.httpRequests.length);
  } finally {
    await conversation.close();
  }
});

test("run({ timeoutMs }): a server that never answers the status poll ends at the deadline, with no request after", async () => {
  let hang = false;
  // Answers held back until the test ends (the server's shutdown waits for its handlers).
  const held: (() => void)[] = [];
  await using server = await agentServer((request) => {
    if (request.method === "POST" && request.url.pathname.endsWith("/run")) return json({});
    if (hang && request.url.pathname === `/api/conversations/${ID}`) {
      return new Promise<Response>((resolve) => held.push(() => resolve(json(INFO))));
    }
    return undefined;
  });
  const conversation = await RemoteConversation.create({
    agent: AGENT,
    conversationId: ID,
    workspace: workspaceOf(server),
    socketProtocol: "events",
  });
  try {
    hang = true;
    const error = await rejection(conversation.run({ timeoutMs: 500, pollIntervalMs: 50 }));
    assert.ok(error instanceof ConversationRunError, String(error));
    assert.ok(error.cause instanceof TimeoutError, String(error.cause));
    await requestsAfter(() => server.httpRequests.length);
  } finally {
    await conversation.close();
    for (const release of held) release();
  }
});

test("run(): a status poll without a known status never ends the run as 'undefined'; the deadline does", async () => {
  let polls = 0;
  let after = false;
  await using server = await agentServer((request) => {
    if (request.method === "POST" && request.url.pathname.endsWith("/run")) return json({});
    if (after && request.url.pathname === `/api/conversations/${ID}`) {
      // running first (the run is armed), then answers with no usable status
      const status = ++polls === 1 ? "running" : polls % 2 ? { toString: 1 } : undefined;
      return json({ id: ID, execution_status: status });
    }
    return undefined;
  });
  const conversation = await RemoteConversation.create({
    agent: AGENT,
    conversationId: ID,
    workspace: workspaceOf(server),
    socketProtocol: "events",
  });
  try {
    after = true;
    const error = await rejection(conversation.run({ timeoutMs: 800, pollIntervalMs: 50 }));
    assert.ok(error instanceof ConversationRunError, String(error));
    assert.ok(error.cause instanceof TimeoutError, String(error.cause));
    assert.ok(polls >= 2, `polls: ${polls}`);
  } finally {
    await conversation.close();
  }
});

// --- finding 10: ids the server chooses ----------------------------------------------------------

test("create: a 200 { detail } or an id '..' is a ProtocolError; nothing is requested with it", async () => {
  for (const answer of [{ detail: "Internal error" }, { ...INFO, id: ".." }, { id: "undefined" }]) {
    await using server = await agentServer((request) =>
      request.method === "POST" && request.url.pathname === "/api/conversations"
        ? json(answer)
        : undefined
    );
    const error = await rejection(
      RemoteConversation.create({
        agent: AGENT,
        workspace: workspaceOf(server),
        socketProtocol: "events",
        readyTimeoutMs: 3_000,
      }),
    );
    assert.ok(error instanceof ProtocolError, String(error));
    assert.equal(error.what, "POST /api/conversations");
    assert.match(error.message, /conversation id is (missing|"\.\."|"undefined"), not a UUID/);
    assert.deepEqual(rest(server), ["POST /api/conversations"]);
    assert.equal(server.upgradeAttempts, 0);
  }
});

test("attach: an answer about another conversation is a ProtocolError (RemoteConversation and manager)", async () => {
  await using server = await agentServer((request) =>
    request.url.pathname === `/api/conversations/${ID}`
      ? json({ ...INFO, id: OTHER_ID })
      : undefined
  );
  const error = await rejection(
    RemoteConversation.create({
      agent: AGENT,
      conversationId: ID,
      workspace: workspaceOf(server),
      socketProtocol: "events",
    }),
  );
  assert.ok(error instanceof ProtocolError, String(error));
  assert.match(error.message, new RegExp(`about conversation ${OTHER_ID}, not ${ID}`));
  const manager = new ConversationManager({ workspace: workspaceOf(server) });
  const attached = await rejection(manager.attach(ID));
  assert.ok(attached instanceof ProtocolError, String(attached));
  assert.equal(server.upgradeAttempts, 0);
  assert.deepEqual(rest(server), [
    `GET /api/conversations/${ID}`,
    `GET /api/conversations/${ID}`,
  ]);
});

test("ConversationManager: search items with an id '..', a count that is not a number are ProtocolErrors", async () => {
  await using server = await startFakeHttpServer((request) =>
    request.url.startsWith("/api/conversations/count")
      ? { status: 200, json: { detail: "oops" } }
      : { status: 200, json: { items: [{ ...INFO, id: ".." }], next_page_id: null } }
  );
  const manager = new ConversationManager({ host: server.url, maxRetries: 0 });
  const listed = await rejection(manager.list());
  assert.ok(listed instanceof ProtocolError, String(listed));
  assert.match(listed.message, /a conversation id is "\.\.", not a UUID/);
  const counted = await rejection(manager.count());
  assert.ok(counted instanceof ProtocolError, String(counted));
  assert.equal(counted.what, "GET /api/conversations/count");
});

test("executeCommand: a command id '..' is a ProtocolError; no stop request goes to another route", async () => {
  for (const id of ["..", undefined, { toString: 1 }]) {
    await using server = await startFakeHttpServer(() => ({ status: 200, json: { id } }));
    const error = await rejection(workspaceOf(server).executeCommand("true", { timeoutMs: 1_000 }));
    assert.ok(error instanceof ProtocolError, String(error));
    assert.equal(error.what, "POST /api/bash/start_bash_command");
    assert.deepEqual(server.requests.map((r) => r.url), ["/api/bash/start_bash_command"]);
  }
});

// --- finding 11: timing options a timer cannot wait --------------------------------------------

test("timing options above 2**31-1 ms, NaN, -1, 0 and Infinity are RangeErrors at the call, before any request", async () => {
  await using server = await agentServer();
  const conversation = await RemoteConversation.create({
    agent: AGENT,
    conversationId: ID,
    workspace: workspaceOf(server),
    socketProtocol: "events",
  });
  try {
    const before = server.httpRequests.length;
    for (const bad of [2 ** 31, 2 ** 53, Number.NaN, -1, 0, Infinity]) {
      await assert.rejects(conversation.run({ timeoutMs: bad }), RangeError, `timeoutMs ${bad}`);
      await assert.rejects(conversation.run({ pollIntervalMs: bad }), RangeError);
      await assert.rejects(
        RemoteConversation.create({
          agent: AGENT,
          workspace: workspaceOf(server),
          readyTimeoutMs: bad,
        }),
        RangeError,
      );
      await assert.rejects(
        workspaceOf(server).executeCommand("true", { timeoutMs: bad }),
        RangeError,
      );
    }
    await assert.rejects(
      conversation.run({ timeoutMs: 2 ** 31 }),
      (err: unknown) =>
        err instanceof RangeError &&
        err.message ===
          "Cannot use 'timeoutMs' as it must be a positive number of milliseconds up to 2147483647: current value is 2147483648",
    );
    assert.equal(server.httpRequests.length, before);
  } finally {
    await conversation.close();
  }
});

// --- finding 6: the LLM key in inspect and JSON -------------------------------------------------

test("inspect and JSON of a conversation do not show the agent's LLM key; `agent` stays the caller's", async () => {
  await using server = await agentServer();
  const agent = structuredClone(AGENT);
  const conversation = await RemoteConversation.create({
    agent,
    conversationId: ID,
    workspace: workspaceOf(server),
    socketProtocol: "events",
  });
  try {
    const bun = (globalThis as { Bun?: { inspect(v: unknown): string } }).Bun;
    const deno = (globalThis as { Deno?: { inspect(v: unknown): string } }).Deno;
    const forms = {
      json: JSON.stringify(conversation),
      util: util.inspect(conversation, { depth: 10 }),
      runtime: bun ? bun.inspect(conversation) : deno!.inspect(conversation),
      nested: util.inspect({ conversation }, { depth: 10 }),
    };
    for (const [name, shown] of Object.entries(forms)) {
      assert.ok(!shown.includes(LLM_KEY), `${name} shows the LLM key: ${shown}`);
      assert.ok(!shown.includes(KEY), `${name} shows the session key: ${shown}`);
      assert.ok(shown.includes(ID), `${name} shows the id: ${shown}`);
    }
    assert.deepEqual(JSON.parse(forms.json), {
      id: ID,
      agent: {
        kind: "Agent",
        llm: { model: "openai/gpt-4o-mini", api_key: "[redacted]" },
        tools: [],
      },
      workspace: { host: server.url, workingDir: "/w", hasApiKey: true },
      maxIterationPerRun: 500,
    });
    assert.ok(forms.util.includes("[redacted]"), forms.util);
    assert.equal(conversation.agent, agent);
    assert.equal((conversation.agent as typeof AGENT).llm.api_key, LLM_KEY);
    const manager = new ConversationManager({ host: server.url, apiKey: KEY });
    for (const shown of [JSON.stringify(manager), util.inspect(manager, { depth: 10 })]) {
      assert.ok(!shown.includes(KEY), shown);
    }
  } finally {
    await conversation.close();
  }
});

// --- finding 16: transient frames -----------------------------------------------------------------

test("session socket: a transient event of a stored kind is delivered once but not listed; its stored copy is listed, not delivered again", async () => {
  const future = {
    kind: "FutureKindEvent",
    id: "f1",
    timestamp: "2026-01-01T00:00:00.000000",
    source: "agent",
  };
  const question = messageEvent("t3", "hello", {
    source: "user",
    llm_message: { role: "user", content: [{ type: "text", text: "hello" }] },
  });
  // The server's log as REST pages it: empty at first, later with t3 stored after m2.
  let log: Record<string, unknown>[] = [];
  await using server = await agentServer(
    (request) =>
      request.url.pathname.endsWith("/events/search")
        ? json({ items: log, next_page_id: null })
        : undefined,
    async (conn) => {
      if (!(await authenticate(conn, KEY))) return;
      conn.sendJson({ type: "sync" });
      conn.sendJson({ type: "transient", event: messageEvent("t1") });
      conn.sendJson({ type: "transient", event: future });
      conn.sendJson({ type: "transient", event: stateEvent({ id: "snap" }) });
      conn.sendJson({ type: "transient", event: messageEvent("t1") });
      conn.sendJson({ type: "durable", seq: 0, event: messageEvent("t1") });
      conn.sendJson({ type: "durable", seq: 1, event: messageEvent("m2") });
      conn.sendJson({ type: "transient", event: question });
    },
  );
  const delivered: string[] = [];
  const conversation = await RemoteConversation.create({
    agent: AGENT,
    conversationId: ID,
    workspace: workspaceOf(server),
    socketProtocol: "session",
    callbacks: [(event: Event) => void delivered.push(event.id)],
  });
  try {
    const ids = (): string[] => [...conversation.state.events].map((e) => e.id);
    for (let i = 0; i < 1_000 && !delivered.includes("t3"); i++) await delay(5);
    assert.deepEqual(delivered, ["t1", "f1", "snap", "m2", "t3"]);
    assert.deepEqual(ids(), ["t1", "m2"], "the list equals the server's log");

    // t3 is stored now: a REST read (here generateTitle's) places it once, without a delivery.
    log = [messageEvent("t1"), messageEvent("m2"), question];
    assert.equal(await conversation.generateTitle(), "hello");
    assert.deepEqual(ids(), ["t1", "m2", "t3"]);
    assert.deepEqual(delivered, ["t1", "f1", "snap", "m2", "t3"]);
  } finally {
    await conversation.close();
  }
});
