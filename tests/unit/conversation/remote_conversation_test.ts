/**
 * `RemoteConversation` against a loopback fake agent server (no Python): the catch-up rules
 * (history first, then live events exactly once; reconnects resume with no loss or duplicate; a
 * transient copy and its stored copy count once; the post-run catch-up finds what the socket
 * missed), the run rules (finished, paused, error, 409) and a close that leaves nothing behind
 * (every test runs with Deno's sanitizers on). Runs under `deno test` and `bun test`.
 */

import assert from "node:assert/strict";
import { RemoteConversation } from "../../../src/conversation/remote_conversation.ts";
import type { RemoteConversationOptions } from "../../../src/conversation/types.ts";
import { ConversationRunError, RemoteHandsError } from "../../../src/errors.ts";
import type { Event } from "../../../src/events/kinds.ts";
import { RemoteWorkspace } from "../../../src/workspace/remote_workspace.ts";
import { type FakeAgentServer, startFakeAgentServer } from "../../support/fake_agent_server.ts";
import { test } from "../../support/test.ts";
import { waitFor } from "../../support/wait.ts";

const KEY = "sk-fake-agent-0123456789abcdef";
const AGENT = { llm: { model: "openai/gpt-4o-mini" }, tools: [] };

type Protocol = "session" | "events";

/** A conversation on `server` whose callback records the ids it gets. */
async function open(
  server: FakeAgentServer,
  options: Partial<RemoteConversationOptions> = {},
): Promise<{ conversation: RemoteConversation; delivered: string[]; ids: () => string[] }> {
  const delivered: string[] = [];
  const conversation = await RemoteConversation.create({
    agent: AGENT,
    conversationId: server.id,
    workspace: new RemoteWorkspace({
      host: server.url,
      apiKey: KEY,
      workingDir: "/w",
      maxRetries: 0,
      fetch: server.fetch,
    }),
    callbacks: [(event: Event) => void delivered.push(event.id)],
    ...options,
  });
  const ids = (): string[] => [...conversation.state.events].map((e) => e.id);
  return { conversation, delivered, ids };
}

/** The ids of the server's stored log. */
function logIds(server: FakeAgentServer): string[] {
  return server.log.map((e) => String(e.id));
}

/** Stored-kind ids among `delivered` (snapshots are delivered too, but never stored). */
function storedOnly(delivered: string[]): string[] {
  return delivered.filter((id) => !id.startsWith("snapshot-"));
}

function runPosts(server: FakeAgentServer): number {
  return server.requests.filter((r) => r.method === "POST" && r.path.endsWith("/run")).length;
}

for (const protocol of ["session", "events"] as const satisfies readonly Protocol[]) {
  test(`${protocol} socket: the history fills the list without callbacks, then each live event is delivered once`, async () => {
    await using server = await startFakeAgentServer({
      apiKey: KEY,
      session: protocol === "session",
    });
    for (const id of ["h1", "h2", "h3"]) server.store(server.message(id));
    const { conversation, delivered, ids } = await open(server, { socketProtocol: protocol });
    try {
      assert.equal(conversation.socketProtocol, protocol);
      assert.deepEqual(ids(), ["h1", "h2", "h3"]);
      assert.deepEqual(storedOnly(delivered), [], "history is not replayed to callbacks");

      server.append(server.message("l1"));
      server.append(server.message("l2"));
      await waitFor(() => delivered.includes("l2"), "the live events");
      assert.deepEqual(storedOnly(delivered), ["l1", "l2"]);
      assert.deepEqual(ids(), logIds(server));
    } finally {
      await conversation.close();
    }
  });

  test(`${protocol} socket: a reconnect resumes after the last stored event, with no loss and no duplicate`, async () => {
    await using server = await startFakeAgentServer({
      apiKey: KEY,
      session: protocol === "session",
    });
    server.store(server.message("h1"));
    const { conversation, delivered, ids } = await open(server, { socketProtocol: protocol });
    try {
      const seq = server.append(server.message("l1"));
      await waitFor(() => delivered.includes("l1"), "the live event");
      server.dropSockets();
      await waitFor(() => server.liveSockets === 0, "the drop");
      // Stored while the client is away: only the resume (or the REST catch-up) brings them.
      server.store(server.message("d1"));
      server.store(server.message("d2"));
      await waitFor(() => delivered.includes("d2"), "the missed events", 15_000);
      server.append(server.message("l2"));
      await waitFor(() => delivered.includes("l2"), "a live event after the reconnect");

      assert.deepEqual(storedOnly(delivered), ["l1", "d1", "d2", "l2"]);
      assert.deepEqual(ids(), logIds(server));
      const resumed = server.ws.upgradeUrls.at(-1)!;
      if (protocol === "session") assert.equal(resumed.searchParams.get("after_seq"), String(seq));
      else assert.equal(resumed.searchParams.get("resend_mode"), "since");
    } finally {
      await conversation.close();
    }
  });
}

test("session socket: a transient event is delivered once and kept out of the list; its stored copy is listed, not delivered again", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  const { conversation, delivered, ids } = await open(server, { socketProtocol: "session" });
  try {
    const early = server.message("early");
    server.publishTransient(early); // published before it was persisted
    await waitFor(() => delivered.includes("early"), "the transient event");
    assert.deepEqual(ids(), [], "the list equals the server's log");

    server.store(early);
    server.dropSockets(); // the reconnect's after_seq replay brings it stored
    server.append(server.message("after"));
    await waitFor(() => ids().includes("early"), "the stored copy", 15_000);
    await waitFor(() => delivered.includes("after"), "the next event");
    assert.deepEqual(storedOnly(delivered), ["early", "after"]);
    assert.deepEqual(ids(), logIds(server));
  } finally {
    await conversation.close();
  }
});

test("run(): resolves with finished; the post-run catch-up delivers what the socket missed, once", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  const { conversation, delivered, ids } = await open(server);
  server.onRun = () => {
    server.append(server.message("seen"));
    server.store(server.message("missed")); // stored, never published
    server.setStatus("finished");
  };
  try {
    await conversation.sendMessage("Count the files");
    assert.equal(await conversation.run({ pollIntervalMs: 60_000 }), "finished");
    assert.deepEqual(ids(), logIds(server));
    assert.ok(storedOnly(delivered).includes("missed"), "the catch-up delivered it");
    for (const id of logIds(server)) {
      assert.equal(delivered.filter((d) => d === id).length, 1, `${id} once`);
    }
    assert.equal(conversation.state.agentStatus, "finished");
    assert.equal(runPosts(server), 1);
    const message = server.requests.find((r) => r.path.endsWith("/events") && r.method === "POST");
    assert.deepEqual(message?.body, {
      role: "user",
      content: [{ type: "text", text: "Count the files" }],
      run: false,
    });
  } finally {
    await conversation.close();
  }
});

test("run(): resolves with paused when the agent is paused", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  const { conversation } = await open(server);
  try {
    const run = conversation.run({ pollIntervalMs: 60_000 });
    await waitFor(() => conversation.state.agentStatus === "running", "the run to start");
    await conversation.pause();
    assert.equal(await run, "paused");
  } finally {
    await conversation.close();
  }
});

test("run(): an error status rejects with the error event's code and detail", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  const { conversation } = await open(server);
  server.onRun = () => {
    server.append({
      kind: "ConversationErrorEvent",
      id: "boom",
      timestamp: String(server.message("clock").timestamp),
      source: "environment",
      code: "LLMError",
      detail: "the model is down",
    });
    server.setStatus("error", "field");
  };
  try {
    const error = await conversation.run({ pollIntervalMs: 60_000 }).then(
      () => assert.fail("expected a rejection"),
      (err: unknown) => err,
    );
    assert.ok(error instanceof ConversationRunError, String(error));
    assert.equal(error.status, "error");
    assert.equal(error.code, "LLMError");
    assert.equal(error.detail, "the model is down");
  } finally {
    await conversation.close();
  }
});

test("run(): a 409 while a run is going waits for that run instead of starting one", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY, status: "running" });
  const { conversation } = await open(server);
  try {
    assert.equal(conversation.state.agentStatus, "running");
    const run = conversation.run({ pollIntervalMs: 60_000 });
    await waitFor(() => runPosts(server) === 1, "the POST");
    server.setStatus("finished");
    assert.equal(await run, "finished");
    assert.equal(runPosts(server), 1, "no retry: the 409 meant the run is going");
  } finally {
    await conversation.close();
  }
});

test("run(): a 409 while the previous run winds down is retried until a new run starts", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  server.conflicts = 2;
  server.onRun = () => server.setStatus("finished");
  const { conversation } = await open(server);
  try {
    assert.equal(await conversation.run({ pollIntervalMs: 60_000 }), "finished");
    assert.equal(runPosts(server), 3);
  } finally {
    await conversation.close();
  }
});

test("close(): fails a waiting run, ends events() iterators and closes the socket", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  const { conversation } = await open(server);
  const seen: string[] = [];
  const iterating = (async () => {
    for await (const event of conversation.events({ history: true })) seen.push(event.id);
  })();
  // Its outcome, observed at once (it settles during close()).
  const run = conversation.run({ pollIntervalMs: 60_000 }).then(() => undefined, (err) => err);
  await waitFor(() => conversation.state.agentStatus === "running", "the run to start");
  await conversation.close();
  const error = await run;
  assert.ok(error instanceof RemoteHandsError, String(error));
  assert.equal(error.message, "Cannot wait for the run as the conversation was closed");
  await iterating;
  assert.ok(seen.length > 0, "the iterator got the live events before the close");
  await waitFor(() => server.liveSockets === 0, "the socket to close");
  assert.equal(conversation.closed, true);
  await conversation.close(); // idempotent
});

test("a fetch given to RemoteWorkspace carries REST, the socket probe and the title LLM call", async () => {
  // A server without the session socket: "auto" asks GET /ready (with that fetch) and falls back.
  await using server = await startFakeAgentServer({ apiKey: KEY, session: false });
  const seen: string[] = [];
  const fetch = (request: Request): Promise<Response> => {
    seen.push(`${request.method} ${new URL(request.url).pathname}`);
    return server.fetch(request);
  };
  const conversation = await RemoteConversation.create({
    agent: AGENT,
    conversationId: server.id,
    workspace: new RemoteWorkspace({ host: server.url, apiKey: KEY, workingDir: "/w", fetch }),
  });
  try {
    assert.equal(conversation.socketProtocol, "events");
    await conversation.sendMessage("Add a README");
    const title = await conversation.generateTitle({
      llm: { model: "openai/m", base_url: `${server.url}/llm/v1` },
    });
    assert.equal(title, server.llmTitle);
    assert.ok(seen.includes(`GET /api/conversations/${server.id}`), seen.join());
    assert.ok(seen.includes("GET /ready"), seen.join());
    assert.ok(seen.includes("POST /llm/v1/chat/completions"), seen.join());
    assert.equal(server.requests.filter((r) => !r.inProcess).length, 0, "nothing else fetched");
  } finally {
    await conversation.close();
  }
});
