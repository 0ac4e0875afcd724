import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createAgentServerClient } from "../../src/rest/client.ts";
import { NotFoundError } from "../../src/errors.ts";
import type { Event } from "../../src/events/kinds.ts";
import { RemoteEventsList } from "../../src/conversation/events_list.ts";
import { RemoteState } from "../../src/conversation/remote_state.ts";
import { test } from "../support/test.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/events/", import.meta.url));
const ID = "ed54e906-8a94-4605-a010-5f0a3b07b245";

function fixture(file: string): Event {
  return JSON.parse(readFileSync(join(FIXTURES, file), "utf8")) as Event;
}

function update(key: string, value: unknown, id = `u-${key}`): Event {
  return {
    kind: "ConversationStateUpdateEvent",
    id,
    timestamp: "2026-01-01T00:00:01",
    source: "environment",
    key,
    value,
  };
}

function newState(initial?: Record<string, unknown>): RemoteState {
  return new RemoteState({
    id: ID,
    events: new RemoteEventsList(),
    ...(initial ? { initial } : {}),
  });
}

/** The snapshot in the recorded full_state event. */
const snapshot = fixture("ConversationStateUpdateEvent.full_state.json").value as Record<
  string,
  unknown
>;

test("`RemoteState` has an empty cache when created without initial state", () => {
  const events = new RemoteEventsList();
  const state = new RemoteState({ id: ID, events });
  assert.equal(state.id, ID);
  assert.equal(state.events, events);
  assert.equal(state.cached, false);
  assert.equal(state.agentStatus, undefined);
  assert.equal(state.executionStatus, undefined);
  assert.equal(state.confirmationPolicy, undefined);
  assert.deepEqual(state.activatedKnowledgeSkills, []);
  assert.equal(state.agent, undefined);
  assert.equal(state.workspace, undefined);
  assert.equal(state.persistenceDir, undefined);
  assert.equal(state.stats, undefined);
  assert.equal(state.securityAnalyzer, undefined);
  assert.deepEqual(state.modelDump(), {});
  assert.equal(state.modelDumpJson(), "{}");
});

test("`RemoteState` copies the initial state when given one", () => {
  const initial: Record<string, unknown> = { execution_status: "idle", persistence_dir: "/p" };
  const state = newState(initial);
  assert.equal(state.cached, true);
  assert.equal(state.agentStatus, "idle");
  assert.equal(state.persistenceDir, "/p");
  // The cache is a copy: later changes to the caller's object do not reach it.
  initial.execution_status = "running";
  initial.extra = 1;
  assert.equal(state.agentStatus, "idle");
  assert.deepEqual(state.modelDump(), { execution_status: "idle", persistence_dir: "/p" });
});

test("getters read the recorded full_state snapshot when it is applied", () => {
  const state = newState();
  state.updateStateFromEvent(fixture("ConversationStateUpdateEvent.full_state.json"));
  assert.equal(state.cached, true);
  assert.equal(state.agentStatus, "finished");
  assert.equal(state.executionStatus, "finished");
  assert.deepEqual(state.confirmationPolicy, { kind: "NeverConfirm" });
  assert.deepEqual(state.activatedKnowledgeSkills, []);
  assert.deepEqual(state.workspace, {
    working_dir: "<SERVER_ROOT>/workspace",
    kind: "LocalWorkspace",
  });
  assert.equal(
    state.persistenceDir,
    "<SERVER_ROOT>/conversations/ed54e9068a944605a0105f0a3b07b245",
  );
  assert.equal((state.agent?.llm as { model?: string }).model, "openai/scripted");
  assert.deepEqual(Object.keys(state.stats ?? {}), ["usage_to_metrics"]);
  // The recorded snapshot has no security_analyzer key.
  assert.equal(state.securityAnalyzer, undefined);
  assert.deepEqual(state.modelDump(), snapshot);
});

test("`securityAnalyzer` and `activatedKnowledgeSkills` return the cached values when set", () => {
  const state = newState({
    security_analyzer: { kind: "LLMSecurityAnalyzer" },
    activated_knowledge_skills: ["git", "docker"],
  });
  assert.deepEqual(state.securityAnalyzer, { kind: "LLMSecurityAnalyzer" });
  assert.deepEqual(state.activatedKnowledgeSkills, ["git", "docker"]);
});

test("`updateStateFromEvent()` merges a full_state snapshot shallowly when keys are left out", () => {
  const state = newState({
    execution_status: "running",
    persistence_dir: "/kept",
    stats: { usage_to_metrics: { agent: { accumulated_cost: 1 } } },
  });
  state.updateStateFromEvent(update("full_state", {
    execution_status: "paused",
    stats: { usage_to_metrics: {} },
    confirmation_policy: { kind: "AlwaysConfirm" },
  }));
  assert.deepEqual(state.modelDump(), {
    execution_status: "paused",
    persistence_dir: "/kept",
    // shallow: the nested object is replaced, not merged
    stats: { usage_to_metrics: {} },
    confirmation_policy: { kind: "AlwaysConfirm" },
  });
});

test("`updateStateFromEvent()` ignores a full_state whose value is not an object", () => {
  const state = newState({ execution_status: "idle" });
  state.updateStateFromEvent(update("full_state", null, "a"));
  state.updateStateFromEvent(update("full_state", ["running"], "b"));
  state.updateStateFromEvent(update("full_state", "running", "c"));
  assert.deepEqual(state.modelDump(), { execution_status: "idle" });
});

test("`updateStateFromEvent()` sets one key when the event is a per-key update", () => {
  const state = newState({ execution_status: "idle", persistence_dir: "/p" });
  state.updateStateFromEvent(fixture("ConversationStateUpdateEvent.execution_status.json"));
  assert.equal(state.agentStatus, "running");
  state.updateStateFromEvent(update("confirmation_policy", { kind: "AlwaysConfirm" }));
  assert.deepEqual(state.confirmationPolicy, { kind: "AlwaysConfirm" });
  state.updateStateFromEvent(update("activated_knowledge_skills", ["a"]));
  assert.deepEqual(state.activatedKnowledgeSkills, ["a"]);
  const stats = fixture("ConversationStateUpdateEvent.stats.json");
  state.updateStateFromEvent(stats);
  assert.deepEqual(state.stats, stats.value);
  assert.deepEqual(Object.keys(state.modelDump()).sort(), [
    "activated_knowledge_skills",
    "confirmation_policy",
    "execution_status",
    "persistence_dir",
    "stats",
  ]);
  assert.equal(state.persistenceDir, "/p");
});

test("`updateStateFromEvent()` changes nothing when the event is not a state update", () => {
  const state = newState({ execution_status: "idle" });
  for (
    const file of [
      "MessageEvent.user.json",
      "ActionEvent.TerminalAction.json",
      "ConversationErrorEvent.json",
      "ServerErrorEvent.json",
      "SystemPromptEvent.json",
    ]
  ) {
    state.updateStateFromEvent(fixture(file));
  }
  // An event of another kind that carries key/value is still ignored.
  state.updateStateFromEvent({
    kind: "PauseEvent",
    id: "p",
    timestamp: "t",
    source: "user",
    key: "execution_status",
    value: "paused",
  });
  // A state update without a string key is ignored.
  state.updateStateFromEvent({
    kind: "ConversationStateUpdateEvent",
    id: "k",
    timestamp: "t",
    source: "environment",
    value: "x",
  });
  assert.deepEqual(state.modelDump(), { execution_status: "idle" });
});

test("`createStateUpdateCallback()` applies each state update when called", () => {
  const state = newState();
  const callback = state.createStateUpdateCallback();
  callback(update("execution_status", "running"));
  callback(fixture("MessageEvent.user.json"));
  assert.deepEqual(state.modelDump(), { execution_status: "running" });
});

test("`modelDump()` returns a deep copy when the caller mutates it", () => {
  const state = newState();
  state.updateStateFromEvent(fixture("ConversationStateUpdateEvent.full_state.json"));
  const dump = state.modelDump();
  dump.execution_status = "running";
  (dump.workspace as Record<string, unknown>).working_dir = "/elsewhere";
  (dump.activated_knowledge_skills as string[]).push("x");
  delete dump.stats;
  assert.equal(state.agentStatus, "finished");
  assert.equal(state.workspace?.working_dir, "<SERVER_ROOT>/workspace");
  assert.deepEqual(state.activatedKnowledgeSkills, []);
  assert.deepEqual(state.modelDump(), snapshot);
  assert.notEqual(state.modelDump(), state.modelDump());
});

test("`modelDumpJson()` returns the cached state as JSON when state is cached", () => {
  const state = newState({ execution_status: "idle" });
  state.updateStateFromEvent(update("confirmation_policy", { kind: "NeverConfirm" }));
  assert.equal(
    state.modelDumpJson(),
    '{"execution_status":"idle","confirmation_policy":{"kind":"NeverConfirm"}}',
  );
  const full = newState();
  full.updateStateFromEvent(fixture("ConversationStateUpdateEvent.full_state.json"));
  assert.deepEqual(JSON.parse(full.modelDumpJson()), snapshot);
});

test("`refresh()` replaces the cache with the server's ConversationInfo when a client is given", async () => {
  const seen: Array<{ method: string; url: string }> = [];
  const info = { ...snapshot, execution_status: "paused", title: "t" };
  const client = createAgentServerClient({
    host: "http://server.test:8000/prefix/",
    maxRetries: 0,
    fetch: (request) => {
      seen.push({ method: request.method, url: request.url });
      return Promise.resolve(Response.json(info));
    },
  });
  const state = new RemoteState({
    id: ID,
    events: new RemoteEventsList(),
    client,
    initial: { execution_status: "running", only_in_old_cache: true },
  });
  await state.refresh();
  assert.deepEqual(seen, [
    { method: "GET", url: `http://server.test:8000/prefix/api/conversations/${ID}` },
  ]);
  // Replaced, not merged: the old-only key is gone.
  assert.deepEqual(state.modelDump(), info);
  assert.equal(state.agentStatus, "paused");
  assert.equal(state.persistenceDir, snapshot.persistence_dir);
});

test("`refresh()` rejects with the client's error when the server answers 404", async () => {
  const client = createAgentServerClient({
    host: "http://server.test:8000",
    maxRetries: 0,
    fetch: () => Promise.resolve(Response.json({ detail: "Not Found" }, { status: 404 })),
  });
  const state = new RemoteState({
    id: ID,
    events: new RemoteEventsList(),
    client,
    initial: { execution_status: "idle" },
  });
  await assert.rejects(state.refresh(), NotFoundError);
  assert.deepEqual(state.modelDump(), { execution_status: "idle" });
});

test("`refresh()` rejects before any request when the timeout is not positive", async () => {
  let calls = 0;
  const client = createAgentServerClient({
    host: "http://server.test:8000",
    fetch: () => {
      calls++;
      return Promise.resolve(Response.json({}));
    },
  });
  const state = new RemoteState({ id: ID, events: new RemoteEventsList(), client });
  await assert.rejects(state.refresh({ timeoutMs: 0 }), RangeError);
  assert.equal(calls, 0);
});

test("`refresh()` throws when no client was given", async () => {
  const state = newState({ execution_status: "idle" });
  await assert.rejects(state.refresh(), {
    name: "Error",
    message: "Cannot refresh the state as no client was given",
  });
  assert.deepEqual(state.modelDump(), { execution_status: "idle" });
});
