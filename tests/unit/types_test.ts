/**
 * The types a TypeScript user expects, checked by the compiler (`deno check`, `deno test`): a
 * known kind narrows the event union in callbacks, `events()`, `onEvent()` and `state.events`;
 * the agent is typed from the server's schema (typos do not compile); the stats are typed. Each
 * `@ts-expect-error` is a line that must not compile: `deno test` fails when it does. The bodies
 * also run (under Bun too, which does not check types) and assert what they build.
 */

import assert from "node:assert/strict";
import {
  type AgentConfig,
  type CombinedMetrics,
  type ConversationCallback,
  type ConversationStats,
  type Event,
  type EventOfKind,
  getCombinedMetrics,
  isEventKind,
  type KnownEventKind,
  parseEvent,
  type RemoteConversation,
  RemoteEventsList,
  RemoteState,
  type UnknownEvent,
} from "../../mod.ts";
import { test } from "../support/test.ts";

/** `true` when `A` and `B` are assignable to each other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compiles only when `T` is `true`. */
function holds<T extends true>(_proof?: T): void {}

const BASE = { timestamp: "2026-01-01T00:00:00", source: "agent" };

function parsed(raw: Record<string, unknown>): Event {
  const result = parseEvent({ ...BASE, ...raw });
  if (!result.success) throw result.error;
  return result.event;
}

/** One event of each shape the tests switch on, parsed as they arrive from a server. */
function sample(): Event[] {
  return [
    parsed({
      kind: "ActionEvent",
      id: "a1",
      tool_name: "terminal",
      tool_call_id: "call_1",
      action: { kind: "TerminalAction", command: "ls" },
    }),
    parsed({
      kind: "ObservationEvent",
      id: "o1",
      tool_name: "terminal",
      tool_call_id: "call_1",
      action_id: "a1",
      observation: { kind: "TerminalObservation", exit_code: 0 },
    }),
    parsed({ kind: "MessageEvent", id: "m1", llm_message: { role: "assistant", content: [] } }),
    parsed({ kind: "FutureEvent", id: "f1", extra: 1 }),
  ];
}

/** What a user writes: a switch on `kind`, each case using its kind's own fields. */
function describe(event: Event): string {
  switch (event.kind) {
    case "ActionEvent": {
      holds<Same<typeof event, EventOfKind<"ActionEvent">>>();
      const tool: string = event.tool_name;
      // @ts-expect-error: an ActionEvent has no observation, so the case is ActionEvent alone
      const observation: { kind: string } = event.observation;
      assert.equal(observation, undefined);
      return `action ${tool} ${event.action?.kind}`;
    }
    case "ObservationEvent": {
      holds<Same<typeof event, EventOfKind<"ObservationEvent">>>();
      const exit: unknown = event.observation.exit_code;
      return `observation ${event.tool_name} ${exit}`;
    }
    case "MessageEvent":
      return `message ${event.llm_message.role}`;
    default: {
      // Every other kind reaches `default`, the ones this client does not know included.
      const kind: string = event.kind;
      return `other ${kind}`;
    }
  }
}

const DESCRIBED = [
  "action terminal TerminalAction",
  "observation terminal 0",
  "message assistant",
  "other FutureEvent",
];

test("types: `switch (event.kind)` narrows to the kind alone; unknown kinds reach `default`", () => {
  assert.deepEqual(sample().map(describe), DESCRIBED);
  const action = sample()[0]!;
  if (action.kind === "ActionEvent") {
    holds<Same<typeof action, EventOfKind<"ActionEvent">>>();
    assert.equal(action.tool_call_id, "call_1");
  } else {
    assert.fail("not narrowed at run time");
  }
  // A kind this client does not know is compared as a string.
  const future = sample()[3]!;
  // @ts-expect-error: no known kind is "FutureEvent", and an unknown kind is not a literal
  assert.equal(future.kind === "FutureEvent", true);
  const kind: string = future.kind;
  assert.equal(kind, "FutureEvent");
  assert.equal(future.extra, 1);
});

test("types: an unknown kind's type excludes every known kind, and each known kind is one type", () => {
  holds<Same<Extract<KnownEventKind, UnknownEvent["kind"]>, never>>();
  // @ts-expect-error: were the unknown kind a plain string, every known kind would be one
  holds<Same<Extract<KnownEventKind, string>, never>>();
  holds<Same<Extract<Event, { kind: "PauseEvent" }>, EventOfKind<"PauseEvent">>>();
  holds<Same<Extract<Event, { kind: "ActionEvent" }>, EventOfKind<"ActionEvent">>>();
  // An unknown event is written only by parsing one: a string literal kind is a known kind.
  // @ts-expect-error: "FutureEvent" is not a known kind
  const written: Event = { ...BASE, kind: "FutureEvent", id: "w" };
  assert.equal(written.id, "w");
  const events = sample();
  assert.deepEqual(events.filter((e) => isEventKind(e, "ActionEvent")).map((e) => e.tool_name), [
    "terminal",
  ]);
});

test("types: callbacks, `events()`, `onEvent()` and `state.events` all narrow the same way", async () => {
  // A callback.
  const seen: string[] = [];
  const callback: ConversationCallback = (event) => {
    seen.push(describe(event));
    if (event.kind === "ActionEvent") seen.push(event.tool_name);
  };
  for (const event of sample()) callback(event);
  assert.deepEqual(seen, [...DESCRIBED.slice(0, 1), "terminal", ...DESCRIBED.slice(1)]);

  // events() yields Event; onEvent() hands the kind's own type.
  type Yielded = ReturnType<RemoteConversation["events"]> extends AsyncIterator<infer E> ? E
    : never;
  holds<Same<Yielded, Event>>();
  type OnAction = Parameters<typeof RemoteConversation.prototype.onEvent<"ActionEvent">>[1];
  holds<Same<Parameters<OnAction>[0], EventOfKind<"ActionEvent">>>();
  async function* live(): AsyncIterableIterator<Event> {
    yield* sample();
  }
  const iterated: string[] = [];
  const stream: ReturnType<RemoteConversation["events"]> = live();
  for await (const event of stream) {
    if (event.kind === "ObservationEvent") iterated.push(event.action_id);
  }
  assert.deepEqual(iterated, ["a1"]);

  // state.events.
  const events = new RemoteEventsList();
  for (const event of sample()) events.addEvent(event);
  const state = new RemoteState({ id: "c1", events });
  const tools: string[] = [];
  for (const event of state.events) {
    switch (event.kind) {
      case "ActionEvent":
      case "ObservationEvent":
        tools.push(event.tool_name);
        break;
    }
  }
  assert.deepEqual(tools, ["terminal", "terminal"]);
  assert.equal(state.events.length, 4, "the unknown kind is kept");
});

test("types: the agent is typed from the server's schema, so typos do not compile", () => {
  const agent: AgentConfig = {
    llm: { model: "openai/gpt-4o-mini", api_key: "sk-test", temperature: 0 },
    tools: [{ name: "terminal", params: { terminal_type: "subprocess" } }],
  };
  const acp: AgentConfig = { kind: "ACPAgent", acp_command: ["acp-server"] };
  const badModel: AgentConfig = {
    // @ts-expect-error: `modle` is not a field of the LLM
    llm: { modle: "openai/gpt-4o-mini" },
  };
  const badTool: AgentConfig = {
    llm: { model: "openai/gpt-4o-mini" },
    // @ts-expect-error: `nmae` is not a field of a tool (and `name` is missing)
    tools: [{ nmae: "terminal" }],
  };
  const badKey: AgentConfig = {
    llm: { model: "openai/gpt-4o-mini" },
    // @ts-expect-error: `toolz` is not a field of the agent
    toolz: [],
  };
  const badKind: AgentConfig = {
    // @ts-expect-error: the agent kinds are `Agent` and `ACPAgent`
    kind: "Agnet",
    llm: { model: "openai/gpt-4o-mini" },
  };
  // @ts-expect-error: an ACP agent needs its command
  const noCommand: AgentConfig = { kind: "ACPAgent" };
  // `RemoteConversation.create()` takes the same type.
  type CreateAgent = Parameters<typeof RemoteConversation.create>[0]["agent"];
  const created: CreateAgent = agent;
  assert.equal(created, agent);
  assert.deepEqual(
    [agent, acp, badModel, badTool, badKey, badKind, noCommand].map((a) => a.kind ?? "Agent"),
    ["Agent", "ACPAgent", "Agent", "Agent", "Agent", "Agnet", "ACPAgent"],
  );
});

test("types: `conversationStats`, `state.stats` and the combined view are typed", () => {
  holds<Same<RemoteConversation["conversationStats"], ConversationStats | undefined>>();
  holds<Same<RemoteState["stats"], ConversationStats | undefined>>();
  const stats: ConversationStats = {
    usage_to_metrics: {
      agent: {
        model_name: "openai/gpt-4o-mini",
        accumulated_cost: 0.5,
        accumulated_token_usage: { prompt_tokens: 100, completion_tokens: 10 },
      },
    },
  };
  // @ts-expect-error: a usage id may be absent (`?.` needed)
  const cost: number = stats.usage_to_metrics.agent.accumulated_cost;
  assert.equal(cost, 0.5);
  const wrong: ConversationStats = {
    // @ts-expect-error: a cost is a number
    usage_to_metrics: { agent: { accumulated_cost: "0.5" } },
  };
  assert.equal(typeof wrong, "object");
  const total: CombinedMetrics = getCombinedMetrics(stats);
  const prompt: number = total.accumulated_token_usage.prompt_tokens; // no `?.`, no `?? 0`
  assert.equal(prompt, 100);
  assert.equal(total.accumulated_cost, 0.5);
});
