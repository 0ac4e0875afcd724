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
import { ConversationRunError, NotFoundError, RemoteHandsError } from "../../../src/errors.ts";
import { RemoteEventsList } from "../../../src/conversation/events_list.ts";
import type { WebSocketConstructorLike } from "../../../src/socket/types.ts";
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

// --- creation options, attach, operations (issue #12) -------------------------------------------

function workspaceOf(
  server: FakeAgentServer,
  WebSocket?: WebSocketConstructorLike,
): RemoteWorkspace {
  return new RemoteWorkspace({
    host: server.url,
    apiKey: KEY,
    workingDir: "/w",
    maxRetries: 0,
    fetch: server.fetch,
    ...(WebSocket ? { WebSocket } : {}),
  });
}

/** `METHOD /path-after-the-conversation` of the REST requests to the API from index `from` on. */
function apiCalls(server: FakeAgentServer, from = 0): string[] {
  return server.requests.slice(from)
    .filter((r) => r.path.startsWith("/api/"))
    .map((r) => `${r.method} ${r.path.replace(`/api/conversations/${server.id}`, "…")}`);
}

test("create(): the creation options go in the POST as Python sends them, after the tool names are checked", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY, exists: false });
  const llm = { model: "openai/gpt-4o-mini" };
  const conversation = await RemoteConversation.create({
    agent: { llm, tools: [{ name: "terminal" }] },
    workspace: workspaceOf(server),
    autotitle: false,
    tags: { team: "docs" },
    hookConfig: { stop: [{ matcher: "*", hooks: [{ command: "true" }] }] },
    stuckDetectionThresholds: { monologue: 5 },
    plugins: [{ source: "github:acme/review", ref: "v1" }],
    initialMessage: "Start here",
    securityAnalyzer: { kind: "LLMSecurityAnalyzer" },
    userId: "user-7",
  });
  try {
    assert.deepEqual(apiCalls(server).slice(0, 2), ["GET /api/tools/", "POST /api/conversations"]);
    const create = server.requests.find((r) =>
      r.method === "POST" && r.path === "/api/conversations"
    );
    assert.deepEqual(create?.body, {
      agent: { kind: "Agent", llm, tools: [{ name: "terminal" }] },
      workspace: { kind: "LocalWorkspace", working_dir: "/w" },
      max_iterations: 500,
      stuck_detection: true,
      autotitle: false,
      tags: { team: "docs" },
      hook_config: { stop: [{ matcher: "*", hooks: [{ command: "true" }] }] },
      stuck_detection_thresholds: {
        action_observation: 4,
        action_error: 3,
        monologue: 5,
        alternating_pattern: 6,
      },
      plugins: [{ source: "github:acme/review", ref: "v1" }],
      initial_message: { role: "user", content: [{ type: "text", text: "Start here" }] },
      security_analyzer: { kind: "LLMSecurityAnalyzer" },
      user_id: "user-7",
    });
  } finally {
    await conversation.close();
  }
});

test("create(): a tool the server does not have is a TypeError naming it and the known ones; nothing is created", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY, exists: false });
  await assert.rejects(
    RemoteConversation.create({
      agent: { llm: { model: "m" }, tools: [{ name: "terminal" }, { name: "terminl" }] },
      workspace: workspaceOf(server),
    }),
    {
      name: "TypeError",
      message:
        "Cannot create the conversation as the agent names a tool this server does not have: 'terminl'; its tools are terminal, file_editor",
    },
  );
  assert.deepEqual(apiCalls(server), ["GET /api/tools/"]);
});

test("create() and attach(): bad creation options are TypeErrors or RangeErrors before any request", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  const workspace = workspaceOf(server);
  const base = { agent: AGENT, workspace };
  const cases: [Partial<RemoteConversationOptions>, string, string][] = [
    [
      { tags: JSON.parse('{"a":1}') },
      "TypeError",
      "Cannot create the conversation as 'tags' must be an object of string values",
    ],
    [
      { stuckDetectionThresholds: JSON.parse('{"monolog":2}') },
      "TypeError",
      "Cannot use 'stuckDetectionThresholds' as 'monolog' is not a threshold: the thresholds are action_observation, action_error, monologue, alternating_pattern",
    ],
    [
      { stuckDetectionThresholds: { monologue: 0 } },
      "RangeError",
      "Cannot use 'stuckDetectionThresholds.monologue' as it must be a positive whole number: current value is 0",
    ],
    [
      { plugins: JSON.parse('[{"ref":"v1"}]') },
      "TypeError",
      "Cannot create the conversation as 'plugins' must be an array of { source, ref?, repo_path? }",
    ],
    [
      { initialMessage: JSON.parse('{"role":"assistant","content":[]}') },
      "TypeError",
      "Cannot create the conversation with 'initialMessage' as its role must be 'user': current value is 'assistant'",
    ],
    [
      { securityAnalyzer: JSON.parse('{"name":"x"}') },
      "TypeError",
      'Cannot create the conversation as the security analyzer must be an object with a kind, such as { kind: "LLMSecurityAnalyzer" }, or null',
    ],
    [
      { userId: JSON.parse("7") },
      "TypeError",
      "Cannot create the conversation as 'userId' must be a string",
    ],
    [
      { hookConfig: JSON.parse("[]") },
      "TypeError",
      "Cannot create the conversation as 'hookConfig' must be an object",
    ],
  ];
  for (const [options, name, message] of cases) {
    await assert.rejects(RemoteConversation.create({ ...base, ...options }), { name, message });
  }
  await assert.rejects(
    RemoteConversation.attach({
      workspace,
      conversationId: server.id,
      ...JSON.parse('{"tags":{}}'),
    }),
    {
      name: "TypeError",
      message:
        "Cannot attach to the conversation as 'tags' only applies when creating one: use RemoteConversation.create()",
    },
  );
  await assert.rejects(RemoteConversation.attach(JSON.parse("{}")), {
    name: "TypeError",
    message: "Cannot attach to the conversation as 'workspace' must be a RemoteWorkspace",
  });
  await assert.rejects(RemoteConversation.attach({ workspace, ...JSON.parse("{}") }), {
    name: "TypeError",
    message:
      "Cannot attach to the conversation as 'conversationId' is missing: pass the id of one on the server",
  });
  assert.deepEqual(server.requests, []);
});

test("create() and attach() without a WebSocket throw before any request; the WebSocket option is enough", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  const saved = Object.getOwnPropertyDescriptor(globalThis, "WebSocket")!;
  const Native: WebSocketConstructorLike = globalThis.WebSocket;
  const message = (what: string): string =>
    `Cannot ${what} as this runtime has no WebSocket: run Node 20 or 21 with --experimental-websocket (Node 22 and later have it), or pass a WebSocket constructor (such as the ws package's) as the WebSocket option of RemoteWorkspace`;
  Reflect.deleteProperty(globalThis, "WebSocket");
  try {
    await assert.rejects(
      RemoteConversation.create({ agent: AGENT, workspace: workspaceOf(server) }),
      { name: "TypeError", message: message("create the conversation") },
    );
    await assert.rejects(
      RemoteConversation.attach({ conversationId: server.id, workspace: workspaceOf(server) }),
      { name: "TypeError", message: message("attach to the conversation") },
    );
    assert.deepEqual(server.requests, []);
    const conversation = await RemoteConversation.attach({
      conversationId: server.id,
      workspace: workspaceOf(server, Native),
    });
    await conversation.close();
  } finally {
    Object.defineProperty(globalThis, "WebSocket", saved);
  }
});

test("attach(): never creates; the agent defaults to the server's; an unknown id is a NotFoundError", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  const conversation = await RemoteConversation.attach({
    conversationId: server.id,
    workspace: workspaceOf(server),
  });
  try {
    assert.deepEqual(conversation.agent, { kind: "Agent" });
    assert.equal(conversation.maxIterationPerRun, 500);
    assert.deepEqual(apiCalls(server).filter((c) => !c.includes("/events")), ["GET …"]);
  } finally {
    await conversation.close();
  }
  await assert.rejects(
    RemoteConversation.attach({
      conversationId: "6c1b5b1e-0000-4000-8000-00000000dead",
      workspace: workspaceOf(server),
    }),
    NotFoundError,
  );
  assert.equal(server.requests.filter((r) => r.method === "POST").length, 0);
});

test("one-call operations send Python's requests; navigateTo() reloads the state; executeTool() throws", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  server.store(server.message("h1"));
  const { conversation } = await open(server);
  try {
    const from = server.requests.length;
    await conversation.sendMessage("Hi", { sender: "bot-2" });
    await conversation.interrupt();
    assert.equal(await conversation.askAgent("Why?"), "The answer");
    await conversation.setTitle("Notes");
    await conversation.condense();
    await conversation.setSecurityAnalyzer({ kind: "LLMSecurityAnalyzer" });
    await conversation.setSecurityAnalyzer(null);
    await conversation.loadPlugin("review@team");
    await conversation.navigateTo("h1");
    await conversation.navigateTo(null);
    const sent = server.requests.slice(from).filter((r) => r.path.startsWith("/api/"));
    assert.deepEqual(
      sent.map((
        r,
      ) => [`${r.method} ${r.path.replace(`/api/conversations/${server.id}`, "…")}`, r.body]),
      [
        ["POST …/events", {
          role: "user",
          content: [{ type: "text", text: "Hi" }],
          run: false,
          sender: "bot-2",
        }],
        ["POST …/interrupt", undefined],
        ["POST …/ask_agent", { question: "Why?" }],
        ["PATCH …", { title: "Notes" }],
        ["POST …/condense", undefined],
        ["POST …/security_analyzer", { security_analyzer: { kind: "LLMSecurityAnalyzer" } }],
        ["POST …/security_analyzer", { security_analyzer: null }],
        ["POST …/load_plugin", { plugin_ref: "review@team" }],
        ["POST …/navigate", { event_id: "h1" }],
        ["GET …", undefined],
        ["POST …/navigate", { event_id: null }],
        ["GET …", undefined],
      ],
    );
    server.askAnswer = { response: 42 };
    await assert.rejects(conversation.askAgent("Again?"), {
      name: "ProtocolError",
      message:
        `POST /api/conversations/${server.id}/ask_agent: the server broke the protocol (the answer's response is a number, not a string); check that the host is a supported agent server`,
    });
    assert.throws(() => conversation.executeTool("terminal", { command: "ls" }), {
      name: "RemoteHandsError",
      message:
        "Cannot execute the tool 'terminal' directly as tools of a remote conversation run on the server inside the agent loop: send a message and run() to have the agent use it, or run a shell command with workspace.executeCommand()",
    });
    await assert.rejects(conversation.setSecurityAnalyzer(JSON.parse("[]")), TypeError);
    await assert.rejects(conversation.navigateTo(JSON.parse("7")), TypeError);
    await conversation.close();
    await assert.rejects(conversation.interrupt(), {
      name: "RemoteHandsError",
      message: "Cannot interrupt as the conversation is closed",
    });
  } finally {
    await conversation.close();
  }
});

test("fork(): sends the fork request and opens the fork with this conversation's options, without re-sending secrets", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  const bodies: unknown[] = [];
  server.route = (request) => {
    if (!request.path.endsWith("/fork")) return undefined;
    bodies.push(request.body);
    return Response.json({ id: server.id, agent: { kind: "Agent" }, execution_status: "idle" });
  };
  const { conversation, delivered } = await open(server, { secrets: { TOKEN: "t" } });
  try {
    await assert.rejects(conversation.fork({ conversationId: "nope" }), TypeError);
    const fork = await conversation.fork({
      conversationId: server.id,
      title: "Plan B",
      tags: { attempt: "2" },
      resetMetrics: false,
      fromEventId: "e1",
    });
    try {
      await using second = await conversation.fork();
      assert.notEqual(fork, conversation);
      assert.equal(fork.id, server.id);
      assert.equal(fork.agent, conversation.agent);
      assert.equal(second.maxIterationPerRun, conversation.maxIterationPerRun);
      assert.deepEqual(bodies, [
        {
          id: server.id,
          title: "Plan B",
          tags: { attempt: "2" },
          reset_metrics: false,
          from_event_id: "e1",
        },
        { reset_metrics: true },
      ]);
      const secretPosts = server.requests.filter((r) => r.path.endsWith("/secrets"));
      assert.equal(secretPosts.length, 1, "secrets are set once, on the source");
      server.append(server.message("after-fork"));
      await waitFor(
        () => delivered.filter((id) => id === "after-fork").length === 3,
        "the callbacks of all three conversations",
      );
    } finally {
      await fork.close();
    }
  } finally {
    await conversation.close();
  }
});

test("state.events.reconcile(): adds what the list lacks at its place in the log, delivers it once, returns the count", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  server.store(server.message("h1"));
  const { conversation, delivered, ids } = await open(server);
  try {
    server.store(server.message("m1")); // stored, never published
    server.append(server.message("m2"));
    await waitFor(() => delivered.includes("m2"), "the live event");
    assert.deepEqual(ids(), ["h1", "m2"]);
    assert.equal(await conversation.state.events.reconcile(), 1);
    assert.deepEqual(ids(), ["h1", "m1", "m2"]);
    assert.deepEqual(storedOnly(delivered), ["m2", "m1"]);
    assert.equal(
      await conversation.state.events.reconcile({ signal: AbortSignal.timeout(5_000) }),
      0,
    );
    await conversation.close();
    await assert.rejects(conversation.state.events.reconcile(), {
      name: "RemoteHandsError",
      message: "Cannot reconcile the events as the conversation is closed",
    });
  } finally {
    await conversation.close();
  }
  await assert.rejects(new RemoteEventsList().reconcile(), {
    name: "TypeError",
    message:
      "Cannot reconcile the list as it belongs to no conversation: use conversation.state.events",
  });
});

test("confirmationPolicyActive and isConfirmationModeActive follow the cached state, as in Python", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY, session: true });
  const { conversation } = await open(server);
  try {
    const update = (key: string, value: unknown, id: string): void =>
      conversation.state.updateStateFromEvent({
        kind: "ConversationStateUpdateEvent",
        id,
        timestamp: "2026-01-01T00:00:00",
        source: "environment",
        key,
        value,
      });
    update("confirmation_policy", { kind: "NeverConfirm" }, "u1");
    assert.equal(conversation.confirmationPolicyActive, false);
    assert.equal(conversation.isConfirmationModeActive, false);
    update("confirmation_policy", { kind: "AlwaysConfirm" }, "u2");
    assert.equal(conversation.confirmationPolicyActive, true);
    assert.equal(conversation.isConfirmationModeActive, false, "no security analyzer yet");
    update("security_analyzer", { kind: "LLMSecurityAnalyzer" }, "u3");
    assert.equal(conversation.isConfirmationModeActive, true);
    update("security_analyzer", null, "u4");
    assert.equal(conversation.isConfirmationModeActive, false);
  } finally {
    await conversation.close();
  }
});
