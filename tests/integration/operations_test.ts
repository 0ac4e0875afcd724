/**
 * The server operations of RemoteConversation (Python 1.58.2's `RemoteConversation`) and its
 * creation options, against the real 1.58.2 server and the scripted LLM: interrupt, askAgent,
 * setTitle, condense, fork, navigateTo, setSecurityAnalyzer, loadPlugin, executeTool,
 * sendMessage's sender, attach(), the checks before anything is created (tool names, WebSocket),
 * and state.events.reconcile().
 */

import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  BadRequestError,
  ConflictError,
  type Event,
  NotFoundError,
  RemoteConversation,
  type RemoteConversationOptions,
  RemoteHandsError,
  RemoteWorkspace,
  ValidationError,
  type WebSocketConstructorLike,
} from "../../mod.ts";
import { marker, scriptedLlmConfig } from "../support/scripted_llm.ts";
import { llmRequests, scriptedAgent, stack, uniqueId } from "../support/stack.ts";
import { test } from "../support/test.ts";
import { waitFor } from "../support/wait.ts";

function workspace(WebSocket?: WebSocketConstructorLike): RemoteWorkspace {
  return new RemoteWorkspace({
    host: stack.serverUrl,
    apiKey: stack.apiKey,
    workingDir: stack.workspaceDir,
    ...(WebSocket ? { WebSocket } : {}),
  });
}

async function open(
  extra: Partial<RemoteConversationOptions> = {},
): Promise<{ conversation: RemoteConversation; seen: Event[] }> {
  const seen: Event[] = [];
  const conversation = await RemoteConversation.create({
    agent: scriptedAgent(),
    workspace: workspace(),
    autotitle: false,
    stuckDetection: false,
    callbacks: [(e) => seen.push(e)],
    ...extra,
  });
  return { conversation, seen };
}

/** The server's conversation, over the typed REST core. */
async function info(id: string): Promise<Record<string, unknown>> {
  const { data } = await workspace().client.rest.GET("/api/conversations/{conversation_id}", {
    params: { path: { conversation_id: id } },
  });
  return data;
}

async function countConversations(): Promise<number> {
  const { data } = await workspace().client.rest.GET("/api/conversations/count");
  return data;
}

async function countEvents(id: string): Promise<number> {
  const { data } = await workspace().client.rest.GET(
    "/api/conversations/{conversation_id}/events/count",
    { params: { path: { conversation_id: id } } },
  );
  return data;
}

function ids(conversation: RemoteConversation): string[] {
  return conversation.state.events.slice().map((e) => e.id);
}

test("create(): tags, hookConfig, plugins, securityAnalyzer, thresholds, userId and initialMessage reach the server", async () => {
  const id = uniqueId("create");
  // A local plugin (Claude Code layout) with one skill: the agent's prompt then lists it.
  const plugin = join(stack.workspaceDir, `plugin-${id}`);
  mkdirSync(join(plugin, ".claude-plugin"), { recursive: true });
  mkdirSync(join(plugin, "skills", "hello-probe"), { recursive: true });
  writeFileSync(join(plugin, ".claude-plugin", "plugin.json"), JSON.stringify({ name: "probe" }));
  writeFileSync(
    join(plugin, "skills", "hello-probe", "SKILL.md"),
    "---\nname: hello-probe\ndescription: Greets in a special way.\n---\nSay HELLO-PROBE.\n",
  );
  const text = `${marker("reply", { id, text: "Hi back" })} hello`;
  const { conversation } = await open({
    tags: { team: "docs" },
    hookConfig: { stop: [{ matcher: "*", hooks: [{ command: "true" }] }] },
    plugins: [{ source: plugin }],
    securityAnalyzer: { kind: "LLMSecurityAnalyzer" },
    stuckDetection: true,
    stuckDetectionThresholds: { monologue: 5 },
    userId: "user-7",
    initialMessage: text,
  });
  try {
    // The server started a run with the initial message (run() would start a second one).
    await waitFor(() => conversation.state.agentStatus === "finished", "the first run", 60_000);
    const server = await info(conversation.id);
    assert.deepEqual(server.tags, { team: "docs" });
    assert.deepEqual(server.security_analyzer, { kind: "LLMSecurityAnalyzer" });
    const hooks = server.hook_config as { stop: { hooks: { command: string }[] }[] };
    assert.equal(hooks.stop[0]?.hooks[0]?.command, "true");
    const events = conversation.state.events.slice();
    const user = events.filter((e) => e.kind === "MessageEvent" && e.source === "user");
    assert.deepEqual(user.map((e) => e.kind === "MessageEvent" ? e.llm_message?.content : e), [[{
      cache_prompt: false,
      type: "text",
      text,
    }]]);
    await waitFor(
      () => conversation.state.events.slice().some((e) => e.kind === "HookExecutionEvent"),
      "the stop hook",
    );
    const requests = await llmRequests(id);
    assert.equal(requests.length, 1);
    assert.ok(JSON.stringify(requests[0]?.body).includes("hello-probe"), "the plugin's skill");
  } finally {
    await conversation.close();
    rmSync(plugin, { recursive: true, force: true });
  }
});

test("create(): a tool the server does not have is a TypeError naming the known ones; nothing is created", async () => {
  const before = await countConversations();
  const { data: tools } = await workspace().client.rest.GET("/api/tools/");
  assert.ok(tools.includes("terminal") && tools.includes("file_editor"), tools.join());
  await assert.rejects(open({ agent: scriptedAgent(["terminal", "terminl"]) }), {
    name: "TypeError",
    message:
      `Cannot create the conversation as the agent names a tool this server does not have: 'terminl'; its tools are ${
        tools.join(", ")
      }`,
  });
  assert.equal(await countConversations(), before);
});

test("create() and attach() without a WebSocket throw before any request; the WebSocket option is enough", async () => {
  const Native: WebSocketConstructorLike = globalThis.WebSocket;
  const saved = Object.getOwnPropertyDescriptor(globalThis, "WebSocket")!;
  const before = await countConversations();
  Reflect.deleteProperty(globalThis, "WebSocket");
  try {
    await assert.rejects(open(), {
      name: "TypeError",
      message:
        "Cannot create the conversation as this runtime has no WebSocket: run Node 20 or 21 with --experimental-websocket (Node 22 and later have it), or pass a WebSocket constructor (such as the ws package's) as the WebSocket option of RemoteWorkspace",
    });
    assert.equal(await countConversations(), before);
    const { conversation } = await open({ workspace: workspace(Native) });
    try {
      await assert.rejects(
        RemoteConversation.attach({ conversationId: conversation.id, workspace: workspace() }),
        TypeError,
      );
      await using attached = await RemoteConversation.attach({
        conversationId: conversation.id,
        workspace: workspace(Native),
      });
      assert.equal(attached.id, conversation.id);
    } finally {
      await conversation.close();
    }
  } finally {
    Object.defineProperty(globalThis, "WebSocket", saved);
  }
});

test("attach(): opens an existing conversation with the server's agent; an unknown id is NotFoundError and nothing is created", async () => {
  const { conversation } = await open({ maxIterationPerRun: 7 });
  try {
    const id = uniqueId("attach");
    await conversation.sendMessage(`${marker("reply", { id, text: "attached" })} hi`);
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");
    await using attached = await RemoteConversation.attach({
      conversationId: conversation.id,
      workspace: workspace(),
    });
    assert.equal(attached.maxIterationPerRun, 7);
    assert.equal(Reflect.get(attached.agent, "kind"), "Agent");
    assert.deepEqual(ids(attached), ids(conversation));
  } finally {
    await conversation.close();
  }
  const before = await countConversations();
  await assert.rejects(
    RemoteConversation.attach({
      conversationId: "6c1b5b1e-0000-4000-8000-00000000dead",
      workspace: workspace(),
    }),
    NotFoundError,
  );
  assert.equal(await countConversations(), before);
});

test("sendMessage(sender), askAgent(), setTitle(), setSecurityAnalyzer(), loadPlugin(), executeTool()", async () => {
  const { conversation } = await open();
  try {
    const id = uniqueId("ask");
    await conversation.sendMessage(`${marker("reply", { id, text: "The answer is 42" })} hi`, {
      sender: "bot-2",
    });
    await waitFor(
      () => conversation.state.events.slice().some((e) => e.kind === "MessageEvent"),
      "the message",
    );
    const message = conversation.state.events.slice().find((e) => e.kind === "MessageEvent")!;
    assert.equal(Reflect.get(message, "sender"), undefined, "1.58.2 drops sender");

    const events = await countEvents(conversation.id);
    assert.equal(await conversation.askAgent("What is the answer?"), "The answer is 42");
    assert.equal(await countEvents(conversation.id), events, "askAgent stores nothing");
    const asked = await llmRequests(id);
    assert.equal(asked.length, 1);
    assert.match(JSON.stringify(asked[0]?.body.messages?.at(-1)), /What is the answer\?/);

    await conversation.setTitle("Release notes");
    assert.equal((await info(conversation.id)).title, "Release notes");
    await assert.rejects(conversation.setTitle(""), ValidationError);

    await conversation.setSecurityAnalyzer({ kind: "LLMSecurityAnalyzer" });
    assert.deepEqual((await info(conversation.id)).security_analyzer, {
      kind: "LLMSecurityAnalyzer",
    });
    await conversation.setSecurityAnalyzer(null);
    assert.equal((await info(conversation.id)).security_analyzer, null);

    await assert.rejects(conversation.loadPlugin("review@team"), (err: unknown) => {
      assert.ok(err instanceof BadRequestError);
      assert.equal(
        err.detail,
        "No agent context available. Configure agent_context with registered_marketplaces to use load_plugin().",
      );
      return true;
    });
    assert.throws(() => conversation.executeTool("terminal", { command: "ls" }), RemoteHandsError);
  } finally {
    await conversation.close();
  }
});

test("interrupt(): cancels the LLM call in flight; run() resolves paused; run() again finishes", async () => {
  const { conversation } = await open();
  try {
    const id = uniqueId("interrupt");
    await conversation.sendMessage(`${marker("long", { id, n: 2, delay: 3000 })} go`);
    const running = conversation.run({ timeoutMs: 60_000 });
    // The first step ran; the second LLM call is in flight (3 s).
    await waitFor(
      () => conversation.state.events.slice().some((e) => e.kind === "ObservationEvent"),
      "the first step",
      30_000,
    );
    const deadline = Date.now() + 30_000;
    while ((await llmRequests(id)).length < 2) {
      assert.ok(Date.now() < deadline, "timed out waiting for the second LLM call");
      await new Promise((r) => setTimeout(r, 50));
    }
    await conversation.interrupt();
    assert.equal(await running, "paused");
    const actions = (): number =>
      conversation.state.events.slice().filter((e) => e.kind === "ActionEvent").length;
    assert.equal(actions(), 1, "the cancelled call's action never ran");
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");
    assert.equal(actions(), 3);
  } finally {
    await conversation.close();
  }
});

test("condense(): ConflictError without a condenser; with LLMSummarizingCondenser one summary call and a Condensation", async () => {
  const plain = await open();
  try {
    await assert.rejects(plain.conversation.condense(), (err: unknown) => {
      assert.ok(err instanceof ConflictError);
      assert.equal(err.detail, "Cannot condense conversation: No condenser configured");
      return true;
    });
  } finally {
    await plain.conversation.close();
  }
  const condenser = {
    kind: "LLMSummarizingCondenser" as const,
    llm: scriptedLlmConfig(stack.llmUrl, "condenser"),
    max_size: 10,
    keep_first: 1,
  };
  const { conversation } = await open({ agent: { ...scriptedAgent(), condenser } });
  try {
    const id = uniqueId("condense");
    await conversation.sendMessage(`${marker("terminal", { id, cmd: "echo hi" })} go`);
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");
    const before = (await llmRequests(id)).length;
    await conversation.condense();
    await waitFor(
      () => conversation.state.events.slice().some((e) => e.kind === "Condensation"),
      "the Condensation event",
    );
    const kinds = conversation.state.events.slice().map((e) => e.kind);
    assert.ok(kinds.indexOf("CondensationRequest") < kinds.indexOf("Condensation"));
    const summary = (await llmRequests(id)).slice(before);
    assert.deepEqual(summary.map((r) => r.title), [true], "one call without tools: the summary");
  } finally {
    await conversation.close();
  }
});

test("fork(): a copy of the history with this conversation's options; fromEventId cuts it; errors are typed", async () => {
  const { conversation, seen } = await open();
  try {
    const id = uniqueId("fork");
    await conversation.sendMessage(`${marker("reply", { id, text: "original" })} hi`);
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");

    await using fork = await conversation.fork({ title: "Plan B", tags: { attempt: "2" } });
    assert.notEqual(fork.id, conversation.id);
    assert.deepEqual(ids(fork), ids(conversation), "the same events, same ids");
    assert.equal(fork.agent, conversation.agent);
    const forkInfo = await info(fork.id);
    // The SDK says a fork starts idle; the 1.58.2 server at times reports the source's `finished`
    // (both seen in CI). Either way the cached state is what the server says, and at rest.
    assert.equal(fork.state.agentStatus, forkInfo.execution_status);
    assert.ok(["idle", "finished"].includes(String(forkInfo.execution_status)));
    assert.equal(forkInfo.title, "Plan B");
    assert.deepEqual(forkInfo.tags, { attempt: "2" });
    assert.equal(forkInfo.forked_from_conversation_id, conversation.id);

    // The source's callbacks follow the fork too.
    const before = seen.length;
    await fork.sendMessage("on the fork");
    await waitFor(
      () => seen.slice(before).some((e) => e.kind === "MessageEvent" && e.source === "user"),
      "the fork's message in the source's callback",
    );

    const first = conversation.state.events.slice().find((e) => e.kind === "MessageEvent")!;
    await using cut = await conversation.fork({ fromEventId: first.id });
    assert.deepEqual(
      cut.state.events.slice().map((e) => e.kind),
      ["SystemPromptEvent", "MessageEvent"],
    );
    assert.equal(cut.state.modelDump().leaf_event_id, first.id);

    await assert.rejects(conversation.fork({ conversationId: fork.id }), (err: unknown) => {
      assert.ok(err instanceof ConflictError);
      assert.equal(err.detail, `Conversation with id ${fork.id} already exists`);
      return true;
    });
    await assert.rejects(conversation.fork({ fromEventId: "nope" }), (err: unknown) => {
      assert.ok(err instanceof NotFoundError);
      assert.equal(err.detail, "Unknown from_event_id: nope");
      return true;
    });
  } finally {
    await conversation.close();
  }
});

test("navigateTo(): moves the HEAD and refreshes the state; an unknown event is NotFoundError", async () => {
  const { conversation } = await open();
  try {
    const id = uniqueId("navigate");
    await conversation.sendMessage(`${marker("reply", { id, text: "first" })} hi`);
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");
    const first = conversation.state.events.slice().find((e) => e.kind === "MessageEvent")!;
    await conversation.navigateTo(first.id);
    assert.equal(conversation.state.modelDump().leaf_event_id, first.id);
    await conversation.navigateTo(null);
    assert.equal(conversation.state.modelDump().leaf_event_id, null);
    await assert.rejects(conversation.navigateTo("nope"), (err: unknown) => {
      assert.ok(err instanceof NotFoundError);
      assert.equal(err.detail, "Unknown event_id: nope");
      return true;
    });
  } finally {
    await conversation.close();
  }
});

test("state.events.reconcile(): after a run the list equals the server's log and nothing is added", async () => {
  const { conversation, seen } = await open();
  try {
    const id = uniqueId("reconcile");
    await conversation.sendMessage(`${marker("terminal", { id, cmd: "echo hi" })} go`);
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");
    const delivered = seen.length;
    assert.equal(await conversation.state.events.reconcile(), 0);
    assert.equal(conversation.state.events.length, await countEvents(conversation.id));
    assert.equal(seen.length, delivered, "nothing delivered twice");
  } finally {
    await conversation.close();
  }
  await assert.rejects(conversation.state.events.reconcile(), RemoteHandsError);
});
