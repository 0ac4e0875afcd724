/**
 * RemoteConversation against the real 1.58.2 server, driven by the scripted LLM.
 */

import assert from "node:assert/strict";
import {
  AlwaysConfirm,
  AuthenticationError,
  ConversationRunError,
  type Event,
  NotFoundError,
  RemoteConversation,
  type RemoteConversationOptions,
  type RemoteHandsError,
  RemoteWorkspace,
  WebSocketCallbackClient,
} from "../../mod.ts";
import { ConversationVisualizer } from "../../visualizer.ts";
import { contentText, isPersistedEvent } from "../../src/events/helpers.ts";
import { marker } from "../support/scripted_llm.ts";
import { llmRequests, scriptedAgent, stack, uniqueId } from "../support/stack.ts";
import { startTcpProxy } from "../support/tcp_proxy.ts";
import { test } from "../support/test.ts";

function workspace(host: string = stack.serverUrl, apiKey: string = stack.apiKey): RemoteWorkspace {
  return new RemoteWorkspace({ host, apiKey, workingDir: stack.workspaceDir });
}

/** Creates a conversation whose callbacks record events, with autotitle off (no extra LLM call). */
async function open(
  extra: Partial<RemoteConversationOptions> = {},
): Promise<{ conversation: RemoteConversation; seen: Event[]; errors: RemoteHandsError[] }> {
  const seen: Event[] = [];
  const errors: RemoteHandsError[] = [];
  const conversation = await RemoteConversation.create({
    agent: scriptedAgent(),
    workspace: workspace(),
    autotitle: false,
    stuckDetection: false,
    callbacks: [(e) => seen.push(e)],
    onError: (e) => errors.push(e),
    ...extra,
  });
  return { conversation, seen, errors };
}

async function serverHistory(id: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  let pageId: string | undefined;
  do {
    const url = new URL(`${stack.serverUrl}/api/conversations/${id}/events/search`);
    url.searchParams.set("limit", "100");
    if (pageId) url.searchParams.set("page_id", pageId);
    const res = await fetch(url, { headers: { "X-Session-API-Key": stack.apiKey } });
    const page = await res.json() as {
      items: Array<Record<string, unknown>>;
      next_page_id?: string;
    };
    out.push(...page.items);
    pageId = page.next_page_id ?? undefined;
  } while (pageId);
  return out;
}

async function until<T>(what: string, fn: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const value = fn();
    if (value !== undefined && value !== false) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function messageText(e: Event): string {
  return contentText((e as { llm_message?: { content?: unknown } }).llm_message?.content);
}

function observationText(e: Event): string {
  return contentText((e as { observation?: { content?: unknown } }).observation?.content)
    .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[a-zA-Z]`, "g"), "");
}

function duplicates(events: Event[]): string[] {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([id]) => id);
}

test("RemoteConversation: plain reply ends finished with user and agent messages", async () => {
  const { conversation, seen, errors } = await open();
  try {
    const id = uniqueId("reply");
    await conversation.sendMessage(`${marker("reply", { id, text: "Plain hello" })} greet me`);
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");
    assert.equal(conversation.state.agentStatus, "finished");
    const messages = conversation.state.events.slice().filter((e) => e.kind === "MessageEvent");
    assert.deepEqual(messages.map((m) => [m.source, messageText(m)]), [
      ["user", `${marker("reply", { id, text: "Plain hello" })} greet me`],
      ["agent", "Plain hello"],
    ]);
    assert.deepEqual(
      seen.filter((e) => e.kind === "MessageEvent").map((m) => m.source),
      ["user", "agent"],
    );
    assert.deepEqual(duplicates(seen), []);
    assert.deepEqual(errors, []);
  } finally {
    await conversation.close();
  }
});

test("RemoteConversation: terminal then finish; local events equal the server's history", async () => {
  const { conversation, seen } = await open();
  try {
    const id = uniqueId("term");
    await conversation.sendMessage(
      `${marker("terminal", { id, cmd: "echo hello-from-terminal" })} run it`,
    );
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");
    const events = conversation.state.events.slice();
    const action = events.find((e) => e.kind === "ActionEvent" && e.tool_name === "terminal");
    assert.ok(action);
    assert.equal((action.action as { command?: string }).command, "echo hello-from-terminal");
    const observation = events.find((e) =>
      e.kind === "ObservationEvent" && e.tool_name === "terminal"
    );
    assert.ok(observation);
    assert.match(observationText(observation), /^hello-from-terminal$/m);
    assert.ok(events.some((e) => e.kind === "ActionEvent" && e.tool_name === "finish"));
    const history = await serverHistory(conversation.id);
    assert.deepEqual(events.map((e) => e.id), history.map((e) => e.id));
    assert.deepEqual(duplicates(seen), []);
    assert.equal((await llmRequests(id)).filter((r) => !r.title).length, 2);
  } finally {
    await conversation.close();
  }
});

test("RemoteConversation: AlwaysConfirm holds the action; reject records a UserRejectObservation", async () => {
  const { conversation } = await open({ confirmationPolicy: new AlwaysConfirm() });
  try {
    const id = uniqueId("confirm");
    await conversation.sendMessage(`${marker("confirm", { id, cmd: "echo never-run" })} go`);
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "waiting_for_confirmation");
    assert.equal(conversation.state.confirmationPolicy?.kind, "AlwaysConfirm");
    await conversation.rejectPendingActions("not today");
    const rejection = await until(
      "UserRejectObservation",
      () => conversation.state.events.slice().find((e) => e.kind === "UserRejectObservation"),
    );
    assert.equal(rejection.rejection_reason, "not today");
    assert.ok(
      !conversation.state.events.slice().some((e) =>
        e.kind === "ObservationEvent" && e.tool_name === "terminal"
      ),
    );
  } finally {
    await conversation.close();
  }
});

test("RemoteConversation: under AlwaysConfirm, run() again executes the held action", async () => {
  const { conversation } = await open();
  try {
    await conversation.setConfirmationPolicy(new AlwaysConfirm());
    const id = uniqueId("accept");
    await conversation.sendMessage(`${marker("confirm", { id, cmd: "echo accepted-run" })} go`);
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "waiting_for_confirmation");
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");
    const observation = conversation.state.events.slice().find((e) =>
      e.kind === "ObservationEvent" && e.tool_name === "terminal"
    );
    assert.ok(observation);
    assert.match(observationText(observation), /^accepted-run$/m);
  } finally {
    await conversation.close();
  }
});

test("RemoteConversation: pause() ends a long run as paused; run() again continues it", async () => {
  const { conversation } = await open();
  try {
    const id = uniqueId("pause");
    await conversation.sendMessage(`${marker("long", { id, n: 6, delay: 400 })} long task`);
    const running = conversation.run({ timeoutMs: 60_000 });
    await until(
      "the first step",
      () =>
        conversation.state.events.slice().find((e) =>
          e.kind === "ObservationEvent" && e.tool_name === "terminal"
        ),
    );
    await conversation.pause();
    assert.equal(await running, "paused");
    const stepsAtPause = conversation.state.events.slice().filter((e) =>
      e.kind === "ActionEvent"
    ).length;
    assert.ok(stepsAtPause < 7, `paused after ${stepsAtPause} actions`);
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");
    const observations = conversation.state.events.slice()
      .filter((e) => e.kind === "ObservationEvent" && e.tool_name === "terminal")
      .map((e) => observationText(e).trim());
    assert.deepEqual(observations, [0, 1, 2, 3, 4, 5].map((i) => `step-${i}`));
  } finally {
    await conversation.close();
  }
});

test("RemoteConversation: secrets reach the terminal and never the client's output", async () => {
  const secret = `s3cret-${crypto.randomUUID()}`;
  const printed: string[] = [];
  const { conversation, seen, errors } = await open({
    visualizer: new ConversationVisualizer({ write: (t) => printed.push(t), color: false }),
  });
  try {
    await conversation.updateSecrets({ MY_TOKEN: secret });
    const id = uniqueId("secret");
    await conversation.sendMessage(
      `${marker("terminal", { id, cmd: "echo token-length-${#MY_TOKEN}" })} go`,
    );
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");
    const observation = conversation.state.events.slice().find((e) =>
      e.kind === "ObservationEvent" && e.tool_name === "terminal"
    );
    assert.match(observationText(observation!), new RegExp(`token-length-${secret.length}`));
    const everything = JSON.stringify([printed, seen, errors.map((e) => [e.message, e.stack])]) +
      conversation.state.modelDumpJson();
    assert.ok(!everything.includes(secret), "the secret value leaked into client output");
    assert.ok(printed.length > 0);
  } finally {
    await conversation.close();
  }
});

test("RemoteConversation: a second client attaches with the same history, then sees live events", async () => {
  const { conversation: first } = await open();
  try {
    const id = uniqueId("attach1");
    await first.sendMessage(`${marker("reply", { id, text: "first run" })} one`);
    await first.run({ timeoutMs: 60_000 });
    const live: Event[] = [];
    const second = await RemoteConversation.create({
      agent: scriptedAgent(),
      workspace: workspace(),
      conversationId: first.id,
      callbacks: [(e) => live.push(e)],
    });
    try {
      assert.equal(second.id, first.id);
      assert.deepEqual(
        second.state.events.slice().map((e) => e.id),
        first.state.events.slice().map((e) => e.id),
      );
      await first.sendMessage("second message, same script");
      await first.run({ timeoutMs: 60_000 });
      const firstIds = first.state.events.slice().map((e) => e.id);
      await until(
        "the second client to catch up",
        () => second.state.events.length === firstIds.length ? true : undefined,
      );
      assert.deepEqual(second.state.events.slice().map((e) => e.id), firstIds);
      const liveMessages = live.filter((e) => e.kind === "MessageEvent").map((e) => messageText(e));
      assert.deepEqual(liveMessages, ["second message, same script", "first run"]);
    } finally {
      await second.close();
    }
  } finally {
    await first.close();
  }
});

test("RemoteConversation: conversationStats reflects the scripted token usage", async () => {
  const { conversation } = await open();
  try {
    await conversation.sendMessage(`${marker("terminal", { id: uniqueId("stats") })} go`);
    await conversation.run({ timeoutMs: 60_000 });
    const stats = conversation.conversationStats as {
      usage_to_metrics: Record<string, { accumulated_token_usage: Record<string, number> }>;
    };
    const usage = stats.usage_to_metrics.agent!.accumulated_token_usage;
    assert.equal(usage.prompt_tokens, 100 + 101);
    assert.equal(usage.completion_tokens, 20);
  } finally {
    await conversation.close();
  }
});

test("RemoteConversation: a wrong API key fails fast with AuthenticationError (REST)", async () => {
  const started = Date.now();
  await assert.rejects(
    RemoteConversation.create({
      agent: scriptedAgent(),
      workspace: workspace(stack.serverUrl, "wrong-key"),
    }),
    (err: unknown) =>
      err instanceof AuthenticationError && err.status === 401 &&
      !err.message.includes("wrong-key"),
  );
  assert.ok(Date.now() - started < 2000);
});

test("WebSocketCallbackClient: a wrong key closes 4001 and fails fast with AuthenticationError", async () => {
  const { conversation } = await open();
  try {
    const client = new WebSocketCallbackClient({
      host: stack.serverUrl,
      conversationId: conversation.id,
      apiKey: "wrong-key",
      callback: () => {},
    });
    const started = Date.now();
    client.start();
    await assert.rejects(
      client.waitUntilReady({ timeoutMs: 10_000 }),
      (err: unknown) => err instanceof AuthenticationError && err.closeCode === 4001,
    );
    assert.ok(Date.now() - started < 2000);
    await client.stop();
  } finally {
    await conversation.close();
  }
});

test("WebSocketCallbackClient: an unknown conversation closes 4004 with NotFoundError", async () => {
  const client = new WebSocketCallbackClient({
    host: stack.serverUrl,
    conversationId: "00000000-0000-4000-8000-00000000abcd",
    apiKey: stack.apiKey,
    callback: () => {},
  });
  client.start();
  await assert.rejects(
    client.waitUntilReady({ timeoutMs: 10_000 }),
    (err: unknown) => err instanceof NotFoundError && err.closeCode === 4004,
  );
  await client.stop();
});

test("RemoteConversation: an LLM HTTP error rejects run() with the server's code and detail", async () => {
  const { conversation } = await open();
  try {
    await conversation.sendMessage(
      `${marker("error", { id: uniqueId("err"), message: "scripted boom" })} go`,
    );
    const err = await conversation.run({ timeoutMs: 60_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConversationRunError, String(err));
    assert.equal(err.status, "error");
    assert.equal(err.conversationId, conversation.id);
    assert.ok(err.code && err.code.length > 0);
    assert.match(err.detail ?? "", /scripted boom/);
  } finally {
    await conversation.close();
  }
});

for (const socketProtocol of ["session", "events"] as const) {
  test(`RemoteConversation (${socketProtocol} socket): a cut socket mid-run loses and duplicates nothing`, async () => {
    const proxy = await startTcpProxy(stack.serverUrl);
    const seen: Event[] = [];
    const conversation = await RemoteConversation.create({
      agent: scriptedAgent(),
      workspace: workspace(proxy.url),
      autotitle: false,
      socketProtocol,
      callbacks: [(e) => seen.push(e)],
    });
    try {
      assert.equal(conversation.socketProtocol, socketProtocol);
      await conversation.sendMessage(
        `${marker("long", { id: uniqueId("cut"), n: 6, delay: 250 })} go`,
      );
      const running = conversation.run({ timeoutMs: 60_000 });
      await until(
        "a first step",
        () =>
          conversation.state.events.slice().find((e) => e.kind === "ObservationEvent")
            ? true
            : undefined,
      );
      assert.ok(proxy.cut({ websocketsOnly: true }) >= 1);
      await new Promise((r) => setTimeout(r, 700));
      proxy.cut({ websocketsOnly: true });
      assert.equal(await running, "finished");
      const history = await serverHistory(conversation.id);
      assert.deepEqual(
        conversation.state.events.slice().map((e) => e.id),
        history.map((e) => e.id),
      );
      assert.deepEqual(duplicates(seen), []);
      // Every event from the user's message on reached the callbacks exactly once.
      const seenIds = new Set(seen.map((e) => e.id));
      const start = history.findIndex((e) => e.kind === "MessageEvent" && e.source === "user");
      assert.ok(start >= 0);
      assert.deepEqual(
        history.slice(start).filter((e) => !seenIds.has(String(e.id))).map((e) => e.kind),
        [],
      );
    } finally {
      await conversation.close();
      await proxy.close();
    }
  });

  test(`RemoteConversation (${socketProtocol} socket): attaching loads the whole history, not replayed to callbacks`, async () => {
    const { conversation: first } = await open();
    try {
      await first.sendMessage(`${marker("terminal", { id: uniqueId("hist") })} go`);
      await first.run({ timeoutMs: 60_000 });
      const seen: Event[] = [];
      const second = await RemoteConversation.create({
        agent: scriptedAgent(),
        workspace: workspace(),
        conversationId: first.id,
        socketProtocol,
        callbacks: [(e) => seen.push(e)],
      });
      try {
        assert.equal(second.socketProtocol, socketProtocol);
        const history = await serverHistory(first.id);
        assert.deepEqual(second.state.events.slice().map((e) => e.id), history.map((e) => e.id));
        assert.deepEqual(seen.filter((e) => isPersistedEvent(e)).map((e) => e.id), []);
        assert.equal(second.state.agentStatus, "finished");
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });
}

test("RemoteConversation: close() is idempotent and later calls fail clearly", async () => {
  const { conversation } = await open();
  await conversation.close();
  await conversation.close();
  assert.equal(conversation.closed, true);
  await assert.rejects(conversation.sendMessage("hi"), {
    name: "RemoteHandsError",
    message: "Cannot send a message as the conversation is closed",
  });
});

test("RemoteConversation: the visualizer shows a terminal run as readable text", async () => {
  const printed: string[] = [];
  const { conversation } = await open({
    visualizer: new ConversationVisualizer({
      write: (t) => printed.push(t),
      color: false,
      name: "bot",
    }),
  });
  try {
    await conversation.sendMessage(
      `${marker("terminal", { id: uniqueId("viz"), cmd: "echo visible-output" })} go`,
    );
    await conversation.run({ timeoutMs: 60_000 });
    const text = printed.join("\n");
    assert.match(text, /echo visible-output/);
    assert.match(text, /^.*visible-output$/m);
    assert.ok(
      printed.every((line) => line.split("\n").every((l) => l === "" || l.startsWith("[bot]"))),
      text,
    );
    assert.ok(!text.includes(String.fromCharCode(27)), "no colour codes with color: false");
  } finally {
    await conversation.close();
  }
});

test("RemoteConversation: generateTitle uses the server's title, an LLM, or truncation", async () => {
  const { conversation } = await open();
  try {
    const text = `${
      marker("reply", { id: uniqueId("title") })
    } please summarise the quarterly numbers`;
    await conversation.sendMessage(text);
    await conversation.run({ timeoutMs: 60_000 });
    // autotitle is off: no server title, so the first user message is truncated like Python.
    assert.equal(await conversation.generateTitle({ maxLength: 20 }), `${text.slice(0, 17)}...`);
    // With an LLM: one chat call without tools; the scripted LLM answers title requests.
    const title = await conversation.generateTitle({
      llm: {
        model: "openai/scripted",
        base_url: `${stack.llmUrl}/v1`,
        api_key: "scripted-llm-key",
      },
    });
    assert.equal(title, "Scripted conversation");
  } finally {
    await conversation.close();
  }
  const { conversation: titled } = await open({ autotitle: true });
  try {
    await titled.sendMessage(`${marker("reply", { id: uniqueId("autotitle") })} hi`);
    await titled.run({ timeoutMs: 60_000 });
    // The server titles in the background; poll until it has (the same scripted answer).
    let serverTitle = "";
    for (let i = 0; i < 100 && !serverTitle; i++) {
      serverTitle = await titled.generateTitle();
      if (serverTitle !== "Scripted conversation") serverTitle = "";
      else break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(serverTitle, "Scripted conversation");
  } finally {
    await titled.close();
  }
});

test("RemoteConversation: a throwing callback is reported and the others still get every event", async () => {
  const errors: RemoteHandsError[] = [];
  const good: Event[] = [];
  const conversation = await RemoteConversation.create({
    agent: scriptedAgent(),
    workspace: workspace(),
    autotitle: false,
    callbacks: [() => {
      throw new Error("callback bug");
    }, (e) => good.push(e)],
    onError: (e) => errors.push(e),
  });
  try {
    await conversation.sendMessage(`${marker("reply", { id: uniqueId("throw") })} hi`);
    await conversation.run({ timeoutMs: 60_000 });
    assert.ok(good.length > 0);
    assert.equal(errors.length, good.length);
    assert.equal(errors[0]!.message, "A conversation callback threw; delivery goes on");
    assert.equal((errors[0]!.cause as Error).message, "callback bug");
    const persisted = good.filter((e) => isPersistedEvent(e)).map((e) => e.id);
    const history = (await serverHistory(conversation.id)).map((e) => String(e.id));
    assert.deepEqual(persisted, history.filter((id) => persisted.includes(id)));
    await conversation.refresh();
    assert.equal(conversation.state.agentStatus, "finished");
  } finally {
    await conversation.close();
  }
});

test("RemoteConversation: a throwing visualizer is reported and callbacks still get every event", async () => {
  const errors: RemoteHandsError[] = [];
  const good: Event[] = [];
  const shown: string[] = [];
  const conversation = await RemoteConversation.create({
    agent: scriptedAgent(),
    workspace: workspace(),
    autotitle: false,
    callbacks: [(e) => good.push(e)],
    // Any object with onEvent will do; this one throws after recording the event.
    visualizer: {
      onEvent(event) {
        shown.push(event.kind);
        throw new Error("visualizer bug");
      },
    },
    onError: (e) => errors.push(e),
  });
  try {
    await conversation.sendMessage(`${marker("reply", { id: uniqueId("viz-throw") })} hi`);
    await conversation.run({ timeoutMs: 60_000 });
    assert.ok(good.length > 0);
    assert.deepEqual(shown, good.map((e) => e.kind));
    assert.equal(errors.length, good.length);
    assert.equal(errors[0]!.message, "The visualizer threw; delivery goes on");
    assert.equal((errors[0]!.cause as Error).message, "visualizer bug");
    await conversation.refresh();
    assert.equal(conversation.state.agentStatus, "finished");
  } finally {
    await conversation.close();
  }
});
