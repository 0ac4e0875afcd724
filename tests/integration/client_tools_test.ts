/**
 * Client-side tools against the real 1.58.2 server and the scripted LLM (`client_tool` script:
 * the agent calls the client tool, gets the server's acknowledgement, ends its turn; the client's
 * result message starts the next run). A tool called twice runs its handler twice and the LLM
 * sees both results; a throwing handler's error reaches the LLM; a socket cut while the handler
 * runs (through a TCP proxy) does not run it again.
 */

import assert from "node:assert/strict";
import {
  type ClientTool,
  clientTool,
  type ConnectionChange,
  RemoteConversation,
  type RemoteConversationOptions,
  RemoteWorkspace,
} from "../../mod.ts";
import { marker, type RecordedRequest } from "../support/scripted_llm.ts";
import { llmRequests, scriptedAgent, stack, uniqueId } from "../support/stack.ts";
import { startTcpProxy } from "../support/tcp_proxy.ts";
import { test } from "../support/test.ts";

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 60_000) {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function create(
  tools: readonly ClientTool[],
  extra: Partial<RemoteConversationOptions> = {},
): Promise<RemoteConversation> {
  return RemoteConversation.create({
    agent: scriptedAgent([]),
    workspace: new RemoteWorkspace({
      host: stack.serverUrl,
      apiKey: stack.apiKey,
      workingDir: stack.workspaceDir,
    }),
    autotitle: false,
    stuckDetection: false,
    clientTools: tools,
    ...extra,
  });
}

/** Whether the agent said `text` (the script's last turn). */
function said(conversation: RemoteConversation, text: string): boolean {
  return [...conversation.state.events].some((event) =>
    event.kind === "MessageEvent" && event.source === "agent" &&
    JSON.stringify(event.llm_message.content).includes(text)
  );
}

/** The user messages of the recorded request of `step`. */
function userTexts(requests: RecordedRequest[], step: number): string[] {
  const request = requests.find((r) => r.step === step && !r.title);
  return (request?.body.messages ?? []).filter((m) => m.role === "user").map((m) =>
    typeof m.content === "string" ? m.content : JSON.stringify(m.content)
  );
}

// The server keeps one schema per client tool name per process: every test names its own tool.
const lookup = (name: string, seen: string[]) =>
  clientTool({
    name,
    description: "Looks a thing up for the user.",
    parameters: {
      type: "object",
      properties: { query: { type: "string", description: "What to look up." } },
      required: ["query"],
    },
    handler: ({ query }) => {
      seen.push(query);
      return { query, answer: query.length };
    },
  });

test("a client tool called twice: two handler runs, both results reach the LLM", async () => {
  const id = uniqueId("ct2");
  const seen: string[] = [];
  const conversation = await create([lookup(`lookup_${id}`, seen)]);
  try {
    await conversation.sendMessage(
      `${marker("client_tool", { id, n: 2, tool: `lookup_${id}` })} look two things up`,
    );
    // run() is over once the results are in and the runs they start have ended too.
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");
    assert.ok(said(conversation, "client tools done"), "the agent's last turn is in");
    assert.deepEqual(seen, ["q0", "q1"]);
    const requests = await llmRequests(id);
    const first = userTexts(requests, 2).at(-1) ?? "";
    const second = userTexts(requests, 4).at(-1) ?? "";
    const result = (step: number, body: string): RegExp =>
      new RegExp(
        `^\\[client tool result\\] tool="lookup_${id}" call_id="call_${step}_\\d+"\\n${body}$`,
      );
    assert.match(first, result(0, '\\{"query":"q0","answer":2\\}'));
    assert.match(second, result(2, '\\{"query":"q1","answer":2\\}'));
  } finally {
    await conversation.close();
  }
});

test("a throwing client tool: its error reaches the LLM as the call's result", async () => {
  const id = uniqueId("ctx");
  let runs = 0;
  const conversation = await create([{
    name: `lookup_${id}`,
    description: "Looks a thing up for the user.",
    parameters: { type: "object", properties: { query: { type: "string" } }, required: ["query"] },
    handler: () => {
      runs++;
      throw new Error("the lookup service is down");
    },
  }]);
  try {
    await conversation.sendMessage(
      `${marker("client_tool", { id, tool: `lookup_${id}` })} look it up`,
    );
    const { done } = await conversation.run({ timeoutMs: 60_000, blocking: false });
    assert.equal(await done, "finished");
    assert.ok(said(conversation, "client tools done"), "the agent's last turn is in");
    assert.equal(runs, 1);
    const texts = userTexts(await llmRequests(id), 2);
    assert.match(
      texts.at(-1) ?? "",
      new RegExp(
        `^\\[client tool error\\] tool="lookup_${id}" call_id="call_0_\\d+"\\nError: the lookup service is down$`,
      ),
    );
  } finally {
    await conversation.close();
  }
});

test("the event socket cut while the handler runs: it runs once, its result reaches the LLM", async () => {
  const id = uniqueId("ctr");
  const proxy = await startTcpProxy(stack.serverUrl);
  const changes: ConnectionChange["state"][] = [];
  let runs = 0;
  const conversation = await RemoteConversation.create({
    agent: scriptedAgent([]),
    workspace: new RemoteWorkspace({
      host: proxy.url,
      apiKey: stack.apiKey,
      workingDir: stack.workspaceDir,
    }),
    autotitle: false,
    stuckDetection: false,
    onConnectionChange: (change) => void changes.push(change.state),
    clientTools: [{
      name: `lookup_${id}`,
      description: "Looks a thing up for the user.",
      parameters: {
        type: "object",
        properties: { query: { type: "string" } },
        required: ["query"],
      },
      handler: async ({ query }) => {
        runs++;
        const opened = changes.filter((s) => s === "open").length;
        assert.ok(proxy.cut({ websocketsOnly: true }) >= 1, "a socket to cut");
        await until("the socket back", () => changes.filter((s) => s === "open").length > opened);
        return `found ${String(query)}`;
      },
    }],
  });
  try {
    await conversation.sendMessage(
      `${marker("client_tool", { id, tool: `lookup_${id}` })} look it up`,
    );
    const { done } = await conversation.run({ timeoutMs: 60_000, blocking: false });
    assert.equal(await done, "finished");
    assert.ok(said(conversation, "client tools done"), "the agent's last turn is in");
    assert.equal(runs, 1);
    assert.ok(changes.includes("reconnecting"), changes.join());
    const texts = userTexts(await llmRequests(id), 2);
    assert.ok(texts.at(-1)?.includes("found q0"), texts.join("\n"));
    const results = [...conversation.state.events].filter((event) =>
      event.kind === "MessageEvent" &&
      JSON.stringify(event.llm_message).includes("client tool result")
    );
    assert.equal(results.length, 1);
  } finally {
    await conversation.close();
    await proxy.close();
  }
});

test("across attaches: a call its first client left unanswered runs once in the next; a third runs nothing", async () => {
  const id = uniqueId("cta");
  const name = `lookup_${id}`;
  const parameters = {
    type: "object",
    properties: { query: { type: "string" } },
    required: ["query"],
  } as const;
  const workspace = new RemoteWorkspace({
    host: stack.serverUrl,
    apiKey: stack.apiKey,
    workingDir: stack.workspaceDir,
  });
  // The first client takes the call, then goes away before answering (close() aborts the handler).
  let started = false;
  let aborted = false;
  const first = await create([{
    name,
    description: "Looks a thing up for the user.",
    parameters,
    handler: (_args, { signal }) =>
      new Promise((_, reject) => {
        started = true;
        signal.addEventListener("abort", () => {
          aborted = true;
          reject(signal.reason);
        });
      }),
  }]);
  const conversationId = first.id;
  await first.sendMessage(`${marker("client_tool", { id, tool: name })} look it up`);
  const { done } = await first.run({ timeoutMs: 60_000, blocking: false });
  const firstOutcome = done.then((status) => `settled ${status}`, (err: Error) => err.message);
  await until("the first client's handler to start", () => started);
  await first.close();
  assert.equal(aborted, true);
  assert.equal(await firstOutcome, "Cannot wait for the run as the conversation was closed");

  // The second client finds the call unanswered in the history and runs it once.
  const seen: string[] = [];
  const second = await RemoteConversation.attach({
    conversationId,
    workspace,
    clientTools: [lookup(name, seen)],
  });
  try {
    await until("the agent's last turn", () => said(second, "client tools done"));
    assert.deepEqual(seen, ["q0"]);
    assert.equal(await second.waitUntilIdle({ timeoutMs: 60_000 }), "finished");
  } finally {
    await second.close();
  }

  // A third finds it answered: nothing runs, nothing is sent.
  const third = await RemoteConversation.attach({
    conversationId,
    workspace,
    clientTools: [lookup(name, seen)],
  });
  try {
    await third.state.events.reconcile();
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(seen, ["q0"]);
    const results = [...third.state.events].filter((event) =>
      event.kind === "MessageEvent" &&
      JSON.stringify(event.llm_message).includes("client tool result")
    );
    assert.equal(results.length, 1);
  } finally {
    await third.close();
  }
  const texts = userTexts(await llmRequests(id), 2);
  assert.match(
    texts.at(-1) ?? "",
    new RegExp(`^\\[client tool result\\] tool="${name}" call_id="call_0_\\d+"\\n`),
  );
});
