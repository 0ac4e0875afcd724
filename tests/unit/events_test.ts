import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EventValidationError } from "../../src/errors.ts";
import { contentText, isEventKind, isPersistedEvent } from "../../src/events/helpers.ts";
import type { Event } from "../../src/events/kinds.ts";
import { parseEvent, parseEventFrame } from "../../src/events/parse.ts";
import { test } from "../support/test.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/events/", import.meta.url));
const fixtureFiles = readdirSync(FIXTURES).filter((f) => f.endsWith(".json")).sort();

function fixtureText(file: string): string {
  return readFileSync(join(FIXTURES, file), "utf8");
}

function fixture(file: string): Record<string, unknown> {
  return JSON.parse(fixtureText(file)) as Record<string, unknown>;
}

function parsed(raw: unknown): Event {
  const result = parseEvent(raw);
  if (!result.success) throw result.error;
  return result.event;
}

function rejected(raw: unknown): EventValidationError {
  const result = parseEvent(raw);
  assert.equal(result.success, false, "expected a validation error");
  if (result.success) throw new Error("unreachable");
  assert.ok(result.error instanceof EventValidationError);
  assert.equal(result.error.name, "EventValidationError");
  return result.error;
}

const pause = { kind: "PauseEvent", id: "p1", timestamp: "2026-01-01T00:00:00", source: "user" };
const message = {
  kind: "MessageEvent",
  id: "m1",
  timestamp: "2026-01-01T00:00:00",
  source: "user",
  llm_message: { role: "user", content: [{ type: "text", text: "hi" }] },
};

// --- recorded fixtures ---------------------------------------------------------------------------

test("fixtures: one recorded example of every kind the scripted runs produce", () => {
  for (
    const file of [
      "ActionEvent.json",
      "ActionEvent.TerminalAction.json",
      "ActionEvent.FinishAction.json",
      "ActionEvent.ThinkAction.json",
      "ConversationErrorEvent.json",
      "ConversationStateUpdateEvent.json",
      "ConversationStateUpdateEvent.execution_status.json",
      "ConversationStateUpdateEvent.full_state.json",
      "ConversationStateUpdateEvent.stats.json",
      "MessageEvent.json",
      "MessageEvent.agent.json",
      "MessageEvent.user.json",
      "MessageEvent.reasoning.json",
      "ObservationEvent.json",
      "ObservationEvent.TerminalObservation.json",
      "ObservationEvent.FinishObservation.json",
      "ServerErrorEvent.json",
      "SystemPromptEvent.json",
      "UserRejectObservation.json",
    ]
  ) {
    assert.ok(fixtureFiles.includes(file), `missing fixture ${file}`);
  }
});

test("fixtures: hold placeholders, never the session key or a temporary path", () => {
  for (const file of fixtureFiles) {
    const text = fixtureText(file);
    assert.doesNotMatch(text, /rh-test-[0-9a-f]/, file);
    assert.doesNotMatch(text, /\/tmp\/|remote-hands-server-/, file);
  }
  assert.match(fixtureText("ObservationEvent.TerminalObservation.json"), /<SERVER_ROOT>/);
});

test("`parseEvent()` accepts every recorded event and keeps it as sent", () => {
  assert.ok(fixtureFiles.length >= 19);
  for (const file of fixtureFiles) {
    const raw = fixture(file);
    const result = parseEvent(raw);
    assert.ok(result.success, `${file}: ${result.success ? "" : result.error.message}`);
    assert.deepEqual(result.event, raw, file);
    assert.equal(result.event.kind, file.split(".")[0], file);
    assert.equal(typeof result.event.id, "string");
    assert.ok(result.event.id.length > 0);
    assert.match(result.event.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
    assert.ok(["agent", "user", "environment", "hook"].includes(result.event.source), file);
  }
});

test("`parseEventFrame()` accepts every recorded event as socket text", () => {
  for (const file of fixtureFiles) {
    const result = parseEventFrame(fixtureText(file));
    assert.ok(result.success, file);
    assert.deepEqual(result.event, fixture(file));
  }
});

test("`parseEvent()` types the key fields of each recorded kind", () => {
  const action = parsed(fixture("ActionEvent.TerminalAction.json"));
  assert.ok(isEventKind(action, "ActionEvent"));
  assert.equal(action.tool_name, "terminal");
  assert.equal(typeof action.tool_call_id, "string");
  assert.equal(action.action?.kind, "TerminalAction");
  assert.equal(action.action?.command, "printf 'hello\\nworld\\n'");

  const finish = parsed(fixture("ActionEvent.FinishAction.json"));
  assert.ok(isEventKind(finish, "ActionEvent"));
  assert.equal(finish.tool_name, "finish");
  assert.equal(finish.action?.kind, "FinishAction");
  assert.equal(finish.action?.message, "done");

  const think = parsed(fixture("ActionEvent.ThinkAction.json"));
  assert.ok(isEventKind(think, "ActionEvent"));
  assert.equal(think.reasoning_content, "I should plan first.");

  const observation = parsed(fixture("ObservationEvent.TerminalObservation.json"));
  assert.ok(isEventKind(observation, "ObservationEvent"));
  assert.equal(observation.tool_name, "terminal");
  assert.equal(observation.action_id, action.id);
  assert.equal(observation.tool_call_id, action.tool_call_id);
  assert.equal(observation.observation.kind, "TerminalObservation");
  assert.equal(observation.observation.exit_code, 0);

  const user = parsed(fixture("MessageEvent.user.json"));
  assert.ok(isEventKind(user, "MessageEvent"));
  assert.equal(user.source, "user");
  assert.equal(user.llm_message.role, "user");
  assert.ok(Array.isArray(user.llm_message.content));

  const agent = parsed(fixture("MessageEvent.agent.json"));
  assert.ok(isEventKind(agent, "MessageEvent"));
  assert.equal(agent.llm_message.role, "assistant");
  assert.equal(contentText(agent.llm_message.content), "Hi from the script");

  const reasoning = parsed(fixture("MessageEvent.reasoning.json"));
  assert.ok(isEventKind(reasoning, "MessageEvent"));
  assert.equal(reasoning.llm_message.reasoning_content, "Let me think step by step about this.");

  const reject = parsed(fixture("UserRejectObservation.json"));
  assert.ok(isEventKind(reject, "UserRejectObservation"));
  assert.equal(reject.rejection_reason, "no");
  assert.equal(reject.tool_name, "terminal");
  assert.equal(typeof reject.action_id, "string");

  const convError = parsed(fixture("ConversationErrorEvent.json"));
  assert.ok(isEventKind(convError, "ConversationErrorEvent"));
  assert.equal(convError.code, "LLMServiceUnavailableError");
  assert.match(convError.detail, /scripted failure/);

  const serverError = parsed(fixture("ServerErrorEvent.json"));
  assert.ok(isEventKind(serverError, "ServerErrorEvent"));
  assert.equal(serverError.code, "ValidationError");
  assert.match(String(serverError.detail), /validation error for Message/);

  const status = parsed(fixture("ConversationStateUpdateEvent.execution_status.json"));
  assert.ok(isEventKind(status, "ConversationStateUpdateEvent"));
  assert.equal(status.key, "execution_status");
  assert.equal(status.value, "running");

  const snapshot = parsed(fixture("ConversationStateUpdateEvent.full_state.json"));
  assert.ok(isEventKind(snapshot, "ConversationStateUpdateEvent"));
  assert.equal(snapshot.key, "full_state");
  const state = snapshot.value as Record<string, unknown>;
  assert.equal(typeof state.execution_status, "string");
  assert.equal((state.agent as { llm: { api_key: string } }).llm.api_key, "**********");

  const system = parsed(fixture("SystemPromptEvent.json"));
  assert.ok(isEventKind(system, "SystemPromptEvent"));
  assert.ok(Array.isArray(system.tools));
});

// --- what is kept --------------------------------------------------------------------------------

test("`parseEvent()` keeps an unknown kind with all its fields", () => {
  const raw = {
    kind: "FutureEvent",
    id: "f1",
    timestamp: "2026-01-01T00:00:00",
    source: "agent",
    parent_id: "x",
    payload: { nested: [1, "two", null, { three: true }] },
  };
  const event = parsed(raw);
  assert.deepEqual(event, raw);
  assert.equal(event.kind, "FutureEvent");
  assert.equal(isEventKind(event, "PauseEvent"), false);
});

test("`parseEvent()` keeps unknown extra fields of a known kind, nested ones too", () => {
  const raw = {
    ...fixture("ActionEvent.TerminalAction.json"),
    new_top_level_field: { a: 1 },
    action: { kind: "TerminalAction", command: "ls", brand_new: [1, 2] },
  };
  assert.deepEqual(parsed(raw), raw);
  const msg = { ...message, llm_message: { ...message.llm_message, future: "x" }, extra: 0 };
  assert.deepEqual(parsed(msg), msg);
});

// --- what is rejected ----------------------------------------------------------------------------

test("`parseEvent()` rejects a known kind without `id`", () => {
  const { id: _id, ...raw } = message;
  const err = rejected(raw);
  assert.ok(err.message.startsWith("Invalid event frame: MessageEvent id: "), err.message);
  assert.equal(
    err.message,
    'Invalid event frame: MessageEvent id: Invalid key: Expected "id" but received undefined',
  );
  assert.equal(err.excerpt, JSON.stringify(raw).slice(0, 200));
});

test("`parseEvent()` rejects an unknown kind without `id`", () => {
  const err = rejected({ kind: "FutureEvent", timestamp: "t", source: "agent" });
  assert.ok(err.message.startsWith("Invalid event frame: FutureEvent id: "), err.message);
});

test("`parseEvent()` rejects an empty `id`", () => {
  const err = rejected({ ...pause, id: "" });
  assert.ok(err.message.startsWith("Invalid event frame: PauseEvent id: "), err.message);
});

test("`parseEvent()` rejects a `timestamp` that is not a string", () => {
  const err = rejected({ ...message, timestamp: 1767225600 });
  assert.ok(err.message.startsWith("Invalid event frame: MessageEvent timestamp: "), err.message);
  assert.equal(
    err.message,
    "Invalid event frame: MessageEvent timestamp: Invalid type: Expected string but received 1767225600",
  );
});

test("`parseEvent()` rejects a known kind without its key fields", () => {
  const { llm_message: _m, ...raw } = message;
  const err = rejected(raw);
  assert.ok(err.message.startsWith("Invalid event frame: MessageEvent llm_message: "), err.message);
  const obs = fixture("ObservationEvent.TerminalObservation.json");
  delete obs.observation;
  assert.ok(
    rejected(obs).message.startsWith("Invalid event frame: ObservationEvent observation: "),
  );
});

test("`parseEvent()` rejects a `kind` that is not a string", () => {
  const err = rejected({ ...pause, kind: 7 });
  assert.ok(err.message.startsWith("Invalid event frame: event kind: "), err.message);
});

test("`parseEvent()` rejects values that are not objects", () => {
  for (const raw of [null, undefined, "MessageEvent", 42, true, [pause]]) {
    const err = rejected(raw);
    assert.equal(err.message, "Invalid event frame: not a JSON object");
  }
});

test("`parseEventFrame()` rejects invalid JSON and keeps the frame as excerpt", () => {
  for (const frame of ["not json", "{", '{"kind":"PauseEvent",}', ""]) {
    const result = parseEventFrame(frame);
    assert.equal(result.success, false);
    if (result.success) continue;
    assert.ok(result.error instanceof EventValidationError);
    assert.equal(result.error.message, "Invalid event frame: not JSON");
    assert.equal(result.error.excerpt, frame);
    assert.ok(result.error.cause instanceof SyntaxError);
  }
  const long = "x".repeat(1000);
  const result = parseEventFrame(long);
  assert.ok(!result.success && result.error.excerpt === long.slice(0, 200));
});

test("`parseEventFrame()` rejects JSON that is not an event object", () => {
  for (const frame of ["null", "[]", '"text"', "1"]) {
    const result = parseEventFrame(frame);
    assert.ok(!result.success);
    assert.equal(result.error.message, "Invalid event frame: not a JSON object");
  }
});

// --- prototype pollution -------------------------------------------------------------------------

test("`parseEventFrame()` with `__proto__` and `constructor` keys leaves prototypes alone", () => {
  const frame = JSON.stringify({ ...pause }).slice(0, -1) +
    ',"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted2":"yes"}}' +
    ',"nested":{"__proto__":{"polluted3":"yes"}}}';
  const result = parseEventFrame(frame);
  assert.ok(result.success, result.success ? "" : result.error.message);
  const event = result.event as Record<string, unknown>;
  const empty = {} as Record<string, unknown>;
  assert.equal(empty.polluted, undefined);
  assert.equal(empty.polluted2, undefined);
  assert.equal(empty.polluted3, undefined);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, "polluted"), false);
  assert.equal(Object.getPrototypeOf(event), Object.prototype);
  assert.equal(event.polluted, undefined);
  assert.equal(event.kind, "PauseEvent");
  const nested = event.nested as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(nested), Object.prototype);
  assert.equal(nested.polluted3, undefined);
  // Copying the event afterwards must not pollute either.
  const copy = { ...event };
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test("`parseEvent()` with an own `__proto__` key leaves prototypes alone", () => {
  const raw = JSON.parse(
    '{"kind":"MessageEvent","id":"m","timestamp":"t","source":"user",' +
      '"llm_message":{"role":"user","content":[],"__proto__":{"polluted":1}},' +
      '"__proto__":{"polluted":1}}',
  );
  const event = parsed(raw) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(event), Object.prototype);
  assert.equal(event.polluted, undefined);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

// --- isPersistedEvent ----------------------------------------------------------------------------

test("`isPersistedEvent()` is false for snapshots, deltas and server errors", () => {
  assert.equal(
    isPersistedEvent(parsed(fixture("ConversationStateUpdateEvent.full_state.json"))),
    false,
  );
  assert.equal(isPersistedEvent(parsed(fixture("ServerErrorEvent.json"))), false);
  const delta = parsed({
    kind: "StreamingDeltaEvent",
    id: "d1",
    timestamp: "2026-01-01T00:00:00",
    source: "agent",
    content: "Hel",
  });
  assert.equal(isPersistedEvent(delta), false);
});

test("`isPersistedEvent()` is true for every other recorded event and unknown kinds", () => {
  const socketOnly = new Set([
    "ConversationStateUpdateEvent.full_state.json",
    "ServerErrorEvent.json",
  ]);
  for (const file of fixtureFiles.filter((f) => !socketOnly.has(f))) {
    assert.equal(isPersistedEvent(parsed(fixture(file))), true, file);
  }
  assert.equal(isPersistedEvent(parsed({ ...pause, kind: "FutureEvent" })), true);
  assert.equal(
    isPersistedEvent(parsed({ ...fixture("ConversationStateUpdateEvent.json"), key: "stats" })),
    true,
  );
});

// --- contentText ---------------------------------------------------------------------------------

test("`contentText()` joins the text parts of recorded content", () => {
  const user = parsed(fixture("MessageEvent.user.json"));
  assert.ok(isEventKind(user, "MessageEvent"));
  assert.equal(
    contentText(user.llm_message.content),
    '[script:reply text="Hi from the script"] say hi',
  );
  const obs = parsed(fixture("ObservationEvent.TerminalObservation.json"));
  assert.ok(isEventKind(obs, "ObservationEvent"));
  assert.equal(contentText(obs.observation.content), "\u001b[?2004lhello\nworld\n\u001b[?2004h");
});

test("`contentText()` skips parts without text and tolerates any input", () => {
  assert.equal(
    contentText([
      { type: "text", text: "a" },
      { type: "image", image_urls: ["data:x"] },
      null,
      "loose string",
      { type: "text", text: 5 },
      { type: "text", text: "b" },
    ]),
    "ab",
  );
  assert.equal(contentText("plain"), "plain");
  assert.equal(contentText([]), "");
  assert.equal(contentText(undefined), "");
  assert.equal(contentText(null), "");
  assert.equal(contentText({ text: "not an array" }), "");
  assert.equal(contentText(42), "");
});
