/**
 * Client-side tools against the loopback fake agent server: the create request carries the
 * specs; a call (its `ActionEvent`, then the server's `ClientToolObservation` acknowledgement)
 * runs the handler once with the LLM's arguments and posts the result as a user message that
 * starts a run; a throwing handler posts its error; calls answered in the history do not run
 * again on attach, unanswered ones do; a rejected call never runs; a reconnect does not run a
 * call twice; `close()` aborts a running handler and sends nothing. Runs under Deno and Bun.
 */

import assert from "node:assert/strict";
import { type ClientTool, clientTool } from "../../../src/conversation/client_tool_types.ts";
import { RemoteConversation } from "../../../src/conversation/remote_conversation.ts";
import type { RemoteConversationOptions } from "../../../src/conversation/types.ts";
import { RemoteWorkspace } from "../../../src/workspace/remote_workspace.ts";
import {
  type FakeAgentServer,
  type FakeEvent,
  startFakeAgentServer,
} from "../../support/fake_agent_server.ts";
import { test } from "../../support/test.ts";
import { waitFor } from "../../support/wait.ts";

const KEY = "sk-fake-agent-0123456789abcdef";
const AGENT = { llm: { model: "openai/gpt-4o-mini" }, tools: [] };
const AT = "2026-01-01T00:00:00.500000";

function workspace(server: FakeAgentServer): RemoteWorkspace {
  return new RemoteWorkspace({
    host: server.url,
    apiKey: KEY,
    workingDir: "/w",
    maxRetries: 0,
    fetch: server.fetch,
  });
}

function open(
  server: FakeAgentServer,
  tools: readonly ClientTool[],
  extra: Partial<RemoteConversationOptions> = {},
): Promise<RemoteConversation> {
  return RemoteConversation.create({
    agent: AGENT,
    conversationId: server.id,
    workspace: workspace(server),
    clientTools: tools,
    ...extra,
  });
}

/** The agent's call of `tool` (`id` is the event id, `call` the tool_call_id). */
function action(id: string, call: string, tool: string, args: Record<string, unknown>): FakeEvent {
  return {
    kind: "ActionEvent",
    id,
    timestamp: AT,
    source: "agent",
    tool_name: tool,
    tool_call_id: call,
    tool_call: { id: call, name: tool, arguments: JSON.stringify(args), origin: "completion" },
    action: { ...args, kind: `ClientAction_${tool}` },
  };
}

/** The server's acknowledgement of a client tool call. */
function ack(id: string, call: string, tool: string, actionId: string): FakeEvent {
  return {
    kind: "ObservationEvent",
    id,
    timestamp: AT,
    source: "environment",
    tool_name: tool,
    tool_call_id: call,
    action_id: actionId,
    observation: {
      kind: "ClientToolObservation",
      content: [{ type: "text", text: "Tool call dispatched to client." }],
      is_error: false,
    },
  };
}

/** The bodies of the result messages the client posted. */
function posted(server: FakeAgentServer): { text: string; run: unknown }[] {
  return server.requests
    .filter((r) => r.method === "POST" && r.path.endsWith("/events") && r.inProcess)
    .map((r) => {
      const body = r.body as { content: { text: string }[]; run?: unknown };
      return { text: body.content.map((c) => c.text).join(""), run: body.run };
    });
}

const lookup = (calls: { query: string; signal: AbortSignal }[], answer = "42") =>
  clientTool({
    name: "lookup",
    description: "Looks a thing up.",
    parameters: {
      type: "object",
      properties: { query: { type: "string" } },
      required: ["query"],
    },
    handler: ({ query }, { signal }) => {
      calls.push({ query, signal });
      return `${answer} for ${query}`;
    },
  });

test("create sends the specs as client_tools; a call runs once and its result starts a run", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY, exists: false });
  const calls: { query: string; signal: AbortSignal }[] = [];
  const conversation = await open(server, [lookup(calls)]);
  try {
    const create = server.requests.find((r) =>
      r.method === "POST" && r.path === "/api/conversations"
    );
    assert.deepEqual((create?.body as { client_tools?: unknown }).client_tools, [{
      name: "lookup",
      description: "Looks a thing up.",
      parameters: {
        type: "object",
        properties: { query: { type: "string" } },
        required: ["query"],
      },
    }]);
    server.append(
      action("a1", "call_1", "lookup", { query: "q0", security_risk: "LOW", summary: "s" }),
    );
    server.append(ack("o1", "call_1", "lookup", "a1"));
    await waitFor(() => posted(server).length === 1, "posted(server).length === 1");
    assert.deepEqual(posted(server), [{
      text: '[client tool result] tool="lookup" call_id="call_1"\n42 for q0',
      run: true,
    }]);
    assert.deepEqual(calls.map((c) => c.query), ["q0"]); // security_risk and summary dropped
    // The stored result comes back over the socket; a second acknowledgement changes nothing.
    await waitFor(
      () => conversation.state.events.length === 3,
      "conversation.state.events.length === 3",
    );
    server.append(ack("o1b", "call_1", "lookup", "a1"));
    await waitFor(
      () => conversation.state.events.length === 4,
      "conversation.state.events.length === 4",
    );
    assert.equal(calls.length, 1);
  } finally {
    await conversation.close();
  }
});

test("a throwing handler sends its error as the call's result; a call of another tool is left alone", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  const conversation = await open(server, [{
    name: "explode",
    description: "Fails.",
    handler: () => {
      throw new RangeError("no such thing");
    },
  }]);
  try {
    server.append(action("a1", "call_1", "other", {}));
    server.append(ack("o1", "call_1", "other", "a1"));
    server.append(action("a2", "call_2", "explode", {}));
    server.append(ack("o2", "call_2", "explode", "a2"));
    await waitFor(() => posted(server).length === 1, "posted(server).length === 1");
    assert.deepEqual(posted(server), [{
      text: '[client tool error] tool="explode" call_id="call_2"\nRangeError: no such thing',
      run: true,
    }]);
  } finally {
    await conversation.close();
  }
});

test("on attach, calls answered in the history do not run again; an unanswered one does; a rejected one never", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  server.clientTools = [{ name: "lookup", description: "Looks a thing up." }];
  server.store(action("a1", "call_1", "lookup", { query: "answered" }));
  server.store(ack("o1", "call_1", "lookup", "a1"));
  server.store(
    server.message("m1", '[client tool result] tool="lookup" call_id="call_1"\nold', true),
  );
  server.store(action("a2", "call_2", "lookup", { query: "pending" }));
  server.store(ack("o2", "call_2", "lookup", "a2"));
  server.store(action("a3", "call_3", "lookup", { query: "rejected" }));
  server.store({
    kind: "UserRejectObservation",
    id: "r3",
    timestamp: AT,
    source: "user",
    tool_name: "lookup",
    tool_call_id: "call_3",
    action_id: "a3",
    rejection_reason: "no",
  });
  const calls: { query: string; signal: AbortSignal }[] = [];
  const conversation = await RemoteConversation.attach({
    conversationId: server.id,
    workspace: workspace(server),
    clientTools: [lookup(calls)],
  });
  try {
    await waitFor(() => posted(server).length === 1, "posted(server).length === 1");
    assert.deepEqual(calls.map((c) => c.query), ["pending"]);
    assert.equal(
      posted(server)[0]?.text,
      '[client tool result] tool="lookup" call_id="call_2"\n42 for pending',
    );
  } finally {
    await conversation.close();
  }
});

test("attaching with a client tool the conversation lacks is a TypeError naming the ones it has", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  server.clientTools = [{ name: "weather", description: "d" }];
  await assert.rejects(
    open(server, [lookup([])]),
    (err: unknown) =>
      err instanceof TypeError && err.message.includes("no client tool 'lookup'") &&
      err.message.includes("its client tools are weather"),
  );
});

test("bad clientTools are TypeErrors before any request", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY, exists: false });
  const tool = { name: "t", description: "d", handler: () => "" };
  const bad: [unknown, string][] = [
    [[tool, tool], "two client tools are 't'"],
    [[{ name: "t", description: "d" }], "needs a handler function"],
    [[{ ...tool, name: "a b" }], "1 to 64 letters"],
    [[{ ...tool, parameters: { type: "string" } }], "must be an object schema"],
  ];
  for (const [clientTools, message] of bad) {
    await assert.rejects(
      open(server, clientTools as ClientTool[]),
      (err: unknown) => err instanceof TypeError && err.message.includes(message),
    );
  }
  assert.equal(server.requests.length, 0);
});

test("a socket drop while the handler runs: the handler runs once and its result is sent once", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  let runs = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const conversation = await open(server, [{
    name: "slow",
    description: "Takes a while.",
    handler: async () => {
      runs++;
      await released;
      return { done: true };
    },
  }]);
  try {
    server.append(action("a1", "call_1", "slow", {}));
    server.append(ack("o1", "call_1", "slow", "a1"));
    await waitFor(() => runs === 1, "runs === 1");
    server.dropSockets();
    await waitFor(() => server.liveSockets === 0, "server.liveSockets === 0");
    await waitFor(() => server.liveSockets === 1, "server.liveSockets === 1"); // reconnected, the history replayed
    release();
    await waitFor(() => posted(server).length === 1, "posted(server).length === 1");
    await waitFor(
      () => conversation.state.events.length === 3,
      "conversation.state.events.length === 3",
    );
    assert.equal(runs, 1);
    assert.equal(
      posted(server)[0]?.text,
      '[client tool result] tool="slow" call_id="call_1"\n{"done":true}',
    );
  } finally {
    await conversation.close();
  }
});

test("close() aborts a running handler's signal and sends nothing", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  let signal: AbortSignal | undefined;
  const conversation = await open(server, [{
    name: "forever",
    description: "Never ends on its own.",
    handler: (_args, context) => {
      signal = context.signal;
      return new Promise((_resolve, reject) =>
        context.signal.addEventListener("abort", () => reject(context.signal.reason))
      );
    },
  }]);
  server.append(action("a1", "call_1", "forever", {}));
  server.append(ack("o1", "call_1", "forever", "a1"));
  await waitFor(() => signal !== undefined, "signal !== undefined");
  await conversation.close();
  assert.equal(signal?.aborted, true);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(posted(server), []);
});

/** How many times the client posted `/run`. */
function runPosts(server: FakeAgentServer): number {
  return server.requests.filter((r) => r.method === "POST" && r.path.endsWith("/run")).length;
}

test("while run() waits, a result goes with run: false and run() starts and awaits the run it owes", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  const calls: { query: string; signal: AbortSignal }[] = [];
  const conversation = await open(server, [lookup(calls)]);
  let runs = 0;
  server.onRun = () => {
    runs++;
    if (runs === 1) { // the agent calls the tool and ends its turn before the result is in
      server.append(action("a1", "call_1", "lookup", { query: "q0" }));
      server.append(ack("o1", "call_1", "lookup", "a1"));
    } else server.append(server.message("last", "all done"));
    server.setStatus("finished");
  };
  try {
    assert.equal(await conversation.run({ pollIntervalMs: 60_000 }), "finished");
    assert.deepEqual(posted(server), [{
      text: '[client tool result] tool="lookup" call_id="call_1"\n42 for q0',
      run: false,
    }]);
    assert.equal(runPosts(server), 2, "run() started the run the result owed");
    assert.ok(conversation.state.events.has("last"), "resolved after that run's last event");
  } finally {
    await conversation.close();
  }
});

test("a result that comes after run() stopped waiting goes with run: true: no run is left owed", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  let finish: (value: string) => void = () => {};
  const slow = clientTool({
    name: "slow",
    description: "Takes its time.",
    parameters: { type: "object", properties: {} },
    handler: () => new Promise<string>((resolve) => (finish = resolve)),
  });
  const conversation = await open(server, [slow]);
  server.onRun = () => {
    server.append(action("a1", "call_1", "slow", {}));
    server.append(ack("o1", "call_1", "slow", "a1"));
  };
  try {
    const controller = new AbortController();
    const running = conversation.run({ signal: controller.signal, pollIntervalMs: 60_000 });
    await waitFor(() => conversation.state.events.has("o1"), "the acknowledgement");
    controller.abort(new Error("stop waiting"));
    await assert.rejects(running);
    finish("late");
    await waitFor(() => posted(server).length === 1, "the result");
    // Sent while no run() holds: with run: true, the server starts the run itself.
    assert.equal(posted(server)[0]!.run, true);
  } finally {
    await conversation.close();
  }
});
