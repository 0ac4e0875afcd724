import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createAgentServerClient } from "../../src/rest/client.ts";
import { NotFoundError, ProtocolError } from "../../src/errors.ts";
import type { Event } from "../../src/events/kinds.ts";
import { RemoteEventsList } from "../../src/conversation/events_list.ts";
import { RemoteState } from "../../src/conversation/remote_state.ts";
import { getCombinedMetrics } from "../../src/conversation/stats.ts";
import type { ConversationStats } from "../../src/types.ts";
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
  assert.deepEqual(state.invokedSkills, []);
  assert.equal(state.hookConfig, undefined);
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

test("`securityAnalyzer`, the skills and `hookConfig` return the cached values when set", () => {
  const hooks = { stop: [{ matcher: "*", hooks: [{ command: "true", type: "command" }] }] };
  const state = newState({
    security_analyzer: { kind: "LLMSecurityAnalyzer" },
    activated_knowledge_skills: ["git", "docker"],
    invoked_skills: ["pdf"],
    hook_config: hooks,
  });
  assert.deepEqual(state.securityAnalyzer, { kind: "LLMSecurityAnalyzer" });
  assert.deepEqual(state.activatedKnowledgeSkills, ["git", "docker"]);
  assert.deepEqual(state.invokedSkills, ["pdf"]);
  assert.deepEqual(state.hookConfig, hooks);
});

test("`securityAnalyzer` and `hookConfig` are undefined when the server sends null (as Python's None)", () => {
  const state = newState({ security_analyzer: null, hook_config: null });
  assert.equal(state.securityAnalyzer, undefined);
  assert.equal(state.hookConfig, undefined);
  // The cache keeps what the server sent.
  assert.deepEqual(state.modelDump(), { security_analyzer: null, hook_config: null });
  state.updateStateFromEvent(update("security_analyzer", { kind: "PatternSecurityAnalyzer" }));
  assert.deepEqual(state.securityAnalyzer, { kind: "PatternSecurityAnalyzer" });
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
  const keyless: Record<string, unknown> = {
    kind: "ConversationStateUpdateEvent",
    id: "k",
    timestamp: "t",
    source: "environment",
    value: "x",
  };
  state.updateStateFromEvent(keyless as Event);
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

test("`hookConfig` names each hook's flag `async` when a full_state snapshot sends `async_`", () => {
  // As the 1.58.2 server sends it in a snapshot (model_dump without aliases, None left out).
  const sent = {
    post_tool_use: [{ matcher: "*", hooks: [{ command: "a", async_: true, timeout: 60 }] }],
    stop: [{ matcher: "*", hooks: [{ command: "b", async: false }] }],
  };
  const state = newState();
  state.updateStateFromEvent(update("full_state", { hook_config: sent }));
  assert.deepEqual(state.hookConfig, {
    post_tool_use: [{ matcher: "*", hooks: [{ command: "a", async: true, timeout: 60 }] }],
    stop: [{ matcher: "*", hooks: [{ command: "b", async: false }] }],
  });
  // The cache keeps what the server sent; the parts without `async_` are the same objects.
  assert.deepEqual(state.modelDump().hook_config, sent);
  assert.equal(state.hookConfig?.stop, sent.stop);
  // REST's form (`async`) is returned as is.
  const rest = { stop: [{ matcher: "*", hooks: [{ command: "b", async: true }] }] };
  state.updateStateFromEvent(update("hook_config", rest));
  assert.equal(state.hookConfig, rest);
  // Shapes it does not know are kept as sent.
  const odd = {
    stop: "x",
    pre_tool_use: [1, { hooks: "y" }, { hooks: [null, { async_: 1, async: 2 }] }],
  };
  state.updateStateFromEvent(update("hook_config", odd));
  assert.equal(state.hookConfig, odd);
});

test("`hookConfig` throws a ProtocolError when the server's hook_config is not an object", () => {
  for (const [value, problem] of [["x", '"x"'], [[], "an array"], [1, "a number"]] as const) {
    assert.throws(() => newState({ hook_config: value }).hookConfig, {
      name: "ProtocolError",
      message:
        `conversation ${ID} state: the server broke the protocol (hook_config: ${problem}, not an object); check that the host is a supported agent server`,
    });
  }
});

test("`refreshFromServer()` replaces the cache and returns a copy of the server's answer", async () => {
  const info = { ...snapshot, execution_status: "idle", invoked_skills: ["pdf"] };
  let calls = 0;
  const state = new RemoteState({
    id: ID,
    events: new RemoteEventsList(),
    client: createAgentServerClient({
      host: "http://server.test:8000",
      maxRetries: 0,
      fetch: () => {
        calls++;
        return Promise.resolve(Response.json(info));
      },
    }),
    initial: { execution_status: "running", only_in_old_cache: true },
  });
  const answer = await state.refreshFromServer();
  assert.equal(calls, 1);
  assert.deepEqual(answer, info);
  assert.deepEqual(state.modelDump(), info);
  assert.deepEqual(state.invokedSkills, ["pdf"]);
  // The answer is the caller's: changing it does not reach the cache.
  answer.execution_status = "error";
  (answer.invoked_skills as string[]).push("x");
  assert.equal(state.executionStatus, "idle");
  assert.deepEqual(state.invokedSkills, ["pdf"]);
  // `refresh()` is the same request, without the answer.
  assert.equal(await state.refresh(), undefined);
  assert.equal(calls, 2);
});

test("`refreshFromServer()` throws when no client was given", async () => {
  await assert.rejects(newState().refreshFromServer(), {
    name: "Error",
    message: "Cannot refresh the state as no client was given",
  });
});

// --- stats and the combined view ------------------------------------------------------------

/** The recorded snapshot's stats: one usage (`agent`), one LLM call, full form. */
const recordedStats = snapshot.stats as ConversationStats;

test("`stats` returns the recorded server stats, typed, when they have the server's shape", () => {
  const state = newState();
  state.updateStateFromEvent(fixture("ConversationStateUpdateEvent.full_state.json"));
  const agent = state.stats?.usage_to_metrics.agent;
  assert.equal(agent?.model_name, "openai/scripted");
  assert.equal(agent?.accumulated_token_usage?.prompt_tokens, 100);
  assert.equal(agent?.token_usages?.length, 1);
  // The per-key update carries the snapshot form (no per-call lists).
  state.updateStateFromEvent(fixture("ConversationStateUpdateEvent.stats.json"));
  assert.equal(state.stats?.usage_to_metrics.agent?.token_usages, undefined);
  assert.equal(state.stats?.usage_to_metrics.agent?.max_budget_per_task, null);
});

test("`stats` throws a ProtocolError naming the field when the server's stats are malformed", () => {
  const cases: Array<[unknown, string]> = [
    [null, "stats: null, not an object"],
    [[], "stats: an array, not an object"],
    [{}, "stats: usage_to_metrics is missing, not an object"],
    [{ usage_to_metrics: [] }, "stats: usage_to_metrics is an array, not an object"],
    [
      { usage_to_metrics: { agent: 1 } },
      'stats: usage_to_metrics["agent"]: a number, not an object',
    ],
    [
      { usage_to_metrics: { agent: { accumulated_cost: "1" } } },
      'stats: usage_to_metrics["agent"]: accumulated_cost is "1", not a number',
    ],
    [
      { usage_to_metrics: { agent: { accumulated_cost: null } } },
      'stats: usage_to_metrics["agent"]: accumulated_cost is null, not a number',
    ],
    [
      { usage_to_metrics: { agent: { max_budget_per_task: "9" } } },
      'stats: usage_to_metrics["agent"]: max_budget_per_task is "9", not a number',
    ],
    [
      { usage_to_metrics: { agent: { model_name: 7 } } },
      'stats: usage_to_metrics["agent"]: model_name is a number',
    ],
    [
      { usage_to_metrics: { agent: { accumulated_token_usage: [] } } },
      'stats: usage_to_metrics["agent"]: accumulated_token_usage is an array, not an object',
    ],
    [
      { usage_to_metrics: { agent: { accumulated_token_usage: { prompt_tokens: "100" } } } },
      'stats: usage_to_metrics["agent"]: accumulated_token_usage.prompt_tokens is "100", not a number',
    ],
    [
      { usage_to_metrics: { agent: { accumulated_token_usage: { per_turn_token: Infinity } } } },
      'stats: usage_to_metrics["agent"]: accumulated_token_usage.per_turn_token is a number, not a number',
    ],
    [
      { usage_to_metrics: { agent: { token_usages: {} } } },
      'stats: usage_to_metrics["agent"]: token_usages is an object',
    ],
  ];
  for (const [stats, problem] of cases) {
    const state = newState({ stats });
    assert.throws(
      () => state.stats,
      (err: unknown) =>
        err instanceof ProtocolError && err.what === `conversation ${ID} state` &&
        err.message ===
          `conversation ${ID} state: the server broke the protocol (${problem}); check that the host is a supported agent server`,
      JSON.stringify(stats),
    );
  }
});

test("`stats` accepts absent, null and extra fields, and no usages", () => {
  for (
    const stats of [
      { usage_to_metrics: {} },
      { usage_to_metrics: {}, extra: 1 },
      { usage_to_metrics: { a: {} } },
      { usage_to_metrics: { a: { accumulated_token_usage: null, max_budget_per_task: null } } },
      { usage_to_metrics: { a: { accumulated_token_usage: { model: "m", response_id: "" } } } },
    ]
  ) {
    // The getter returns the cached value itself, checked, not a copy.
    assert.equal(newState({ stats }).stats, stats);
  }
});

test("`getCombinedMetrics()` sums the recorded stats to that usage's totals when there is one usage", () => {
  assert.deepEqual(getCombinedMetrics(recordedStats), {
    accumulated_cost: 0,
    max_budget_per_task: null,
    accumulated_token_usage: {
      prompt_tokens: 100,
      completion_tokens: 10,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      reasoning_tokens: 0,
      context_window: 0,
      per_turn_token: 110,
    },
  });
});

test("`getCombinedMetrics()` adds every usage as Python's get_combined_metrics() does", () => {
  const tokens = (n: number, window: number, perTurn: number) => ({
    prompt_tokens: n,
    completion_tokens: n / 10,
    cache_read_tokens: n / 100,
    cache_write_tokens: 1,
    reasoning_tokens: 2,
    context_window: window,
    per_turn_token: perTurn,
  });
  const stats: ConversationStats = {
    usage_to_metrics: {
      agent: {
        accumulated_cost: 0.25,
        max_budget_per_task: null,
        accumulated_token_usage: tokens(1000, 128_000, 1100),
      },
      condenser: {
        accumulated_cost: 0.5,
        max_budget_per_task: 5,
        accumulated_token_usage: tokens(300, 200_000, 330),
      },
      // A usage without token usage counts as zeros, and as the last usage's per-turn tokens.
      title: { accumulated_cost: 0.125, max_budget_per_task: 7 },
    },
  };
  assert.deepEqual(getCombinedMetrics(stats), {
    accumulated_cost: 0.875,
    max_budget_per_task: 5, // the first one set
    accumulated_token_usage: {
      prompt_tokens: 1300,
      completion_tokens: 130,
      cache_read_tokens: 13,
      cache_write_tokens: 2,
      reasoning_tokens: 4,
      context_window: 200_000, // the largest
      per_turn_token: 0, // the last usage's
    },
  });
  // Without the usage that has none, the last usage's per-turn tokens stay.
  delete stats.usage_to_metrics.title;
  assert.equal(getCombinedMetrics(stats).accumulated_token_usage.per_turn_token, 330);
});

test("`getCombinedMetrics()` gives zeros when there are no stats or no usages", () => {
  const zeros = {
    accumulated_cost: 0,
    max_budget_per_task: null,
    accumulated_token_usage: {
      prompt_tokens: 0,
      completion_tokens: 0,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      reasoning_tokens: 0,
      context_window: 0,
      per_turn_token: 0,
    },
  };
  assert.deepEqual(getCombinedMetrics(undefined), zeros);
  assert.deepEqual(getCombinedMetrics({ usage_to_metrics: {} }), zeros);
  assert.deepEqual(getCombinedMetrics({ usage_to_metrics: { a: {} } }), zeros);
});
