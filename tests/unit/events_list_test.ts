import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Event } from "../../src/events/kinds.ts";
import { listWriterOf, RemoteEventsList } from "../../src/conversation/events_list.ts";
import { test } from "../support/test.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/events/", import.meta.url));

function fixture(file: string): Event {
  return JSON.parse(readFileSync(join(FIXTURES, file), "utf8")) as Event;
}

/** A stored event with the given id and timestamp. */
function ev(id: string, timestamp: string, extra: Record<string, unknown> = {}): Event {
  return { kind: "PauseEvent", id, timestamp, source: "user", ...extra };
}

function acp(id: string, timestamp: string, toolCallId: string, status: string): Event {
  return {
    kind: "ACPToolCallEvent",
    id,
    timestamp,
    source: "agent",
    tool_call_id: toolCallId,
    status,
  };
}

function ids(list: RemoteEventsList): string[] {
  return [...list].map((e) => e.id);
}

test("`RemoteEventsList` is empty when created", () => {
  const list = new RemoteEventsList();
  assert.equal(list.length, 0);
  assert.equal(list.at(0), undefined);
  assert.equal(list.at(-1), undefined);
  assert.equal(list.lastTimestamp, undefined);
  assert.deepEqual(list.slice(), []);
  assert.deepEqual([...list], []);
  assert.equal(JSON.stringify(list), "[]");
});

test("`addEvent()` orders events by timestamp when they arrive out of order", () => {
  const list = new RemoteEventsList();
  assert.equal(list.addEvent(ev("c", "2026-01-01T00:00:03")), true);
  assert.equal(list.addEvent(ev("a", "2026-01-01T00:00:01")), true);
  assert.equal(list.addEvent(ev("d", "2026-01-01T00:00:04")), true);
  assert.equal(list.addEvent(ev("b", "2026-01-01T00:00:02")), true);
  assert.equal(list.addEvent(ev("0", "2025-12-31T23:59:59")), true);
  assert.deepEqual(ids(list), ["0", "a", "b", "c", "d"]);
  assert.equal(list.length, 5);
});

test("`addEvent()` keeps arrival order for equal timestamps when appended at the end", () => {
  const list = new RemoteEventsList();
  const t = "2026-01-01T00:00:01.000001";
  list.addEvent(ev("x", t));
  list.addEvent(ev("y", t));
  list.addEvent(ev("z", t));
  assert.deepEqual(ids(list), ["x", "y", "z"]);
});

test("`addEvent()` puts an event after every equal timestamp when inserted in the middle", () => {
  const list = new RemoteEventsList();
  list.addEvent(ev("a1", "2026-01-01T00:00:01"));
  list.addEvent(ev("b1", "2026-01-01T00:00:02"));
  list.addEvent(ev("c1", "2026-01-01T00:00:03"));
  // Not at the end (c1 is newer), so this goes through the bisect path.
  list.addEvent(ev("b2", "2026-01-01T00:00:02"));
  list.addEvent(ev("a2", "2026-01-01T00:00:01"));
  list.addEvent(ev("b3", "2026-01-01T00:00:02"));
  assert.deepEqual(ids(list), ["a1", "a2", "b1", "b2", "b3", "c1"]);
});

test("`addEvent()` sorts a timestamp without microseconds before one with microseconds at the same second", () => {
  const list = new RemoteEventsList();
  list.addEvent(ev("later", "2026-01-01T00:00:01.5"));
  list.addEvent(ev("next-second", "2026-01-01T00:00:02"));
  list.addEvent(ev("whole", "2026-01-01T00:00:01"));
  list.addEvent(ev("micro", "2026-01-01T00:00:01.000001"));
  assert.deepEqual(ids(list), ["whole", "micro", "later", "next-second"]);
  assert.equal(list.lastTimestamp, "2026-01-01T00:00:02");
});

test("`addEvent()` returns false and changes nothing when the id is already known", () => {
  const list = new RemoteEventsList();
  const first = ev("a", "2026-01-01T00:00:01", { note: "first" });
  assert.equal(list.addEvent(first), true);
  list.addEvent(ev("b", "2026-01-01T00:00:02"));
  // Same id, different content and an earlier timestamp: ignored entirely.
  assert.equal(list.addEvent(ev("a", "2025-01-01T00:00:00", { note: "second" })), false);
  assert.equal(list.addEvent(ev("b", "2026-01-01T00:00:02")), false);
  assert.equal(list.length, 2);
  assert.deepEqual(ids(list), ["a", "b"]);
  assert.equal(list.at(0), first);
  assert.equal(list.at(0)?.note, "first");
});

test("`append()` behaves like `addEvent()` when given a new or a known id", () => {
  const list = new RemoteEventsList();
  assert.equal(list.append(ev("b", "2026-01-01T00:00:02")), true);
  assert.equal(list.append(ev("a", "2026-01-01T00:00:01")), true);
  assert.equal(list.append(ev("a", "2026-01-01T00:00:01")), false);
  assert.deepEqual(ids(list), ["a", "b"]);
});

test("`addEvent()` returns false when the frame is a full_state snapshot, a streaming delta or a server error", () => {
  const list = new RemoteEventsList();
  const snapshot = fixture("ConversationStateUpdateEvent.full_state.json");
  const serverError = fixture("ServerErrorEvent.json");
  const delta: Event = {
    kind: "StreamingDeltaEvent",
    id: "delta-1",
    timestamp: "2026-01-01T00:00:01",
    source: "agent",
    content: "tok",
  };
  assert.equal(list.addEvent(snapshot), false);
  assert.equal(list.addEvent(serverError), false);
  assert.equal(list.addEvent(delta), false);
  assert.equal(list.length, 0);
  assert.equal(list.has(snapshot.id), false);
  assert.equal(list.has(serverError.id), false);
  assert.equal(list.has("delta-1"), false);
});

test("`addEvent()` stores a per-key state update when its key is not full_state", () => {
  const list = new RemoteEventsList();
  const update = fixture("ConversationStateUpdateEvent.execution_status.json");
  assert.equal(list.addEvent(update), true);
  assert.equal(list.has(update.id), true);
  assert.equal(list.at(0), update);
});

test("`addEvent()` orders recorded events by their real timestamps when fed in reverse", () => {
  const files = [
    "SystemPromptEvent.json", // 23:39:23.497196
    "MessageEvent.user.json", // 23:39:23.508336
    "ConversationStateUpdateEvent.last_user_message_id.json", // 23:39:23.515168
    "ConversationStateUpdateEvent.execution_status.json", // 23:39:23.537342
    "ConversationStateUpdateEvent.stats.json", // 23:39:24.493335
    "MessageEvent.agent.json", // 23:39:24.503394
    "ActionEvent.TerminalAction.json", // 23:39:27.981405
    "ObservationEvent.TerminalObservation.json", // 23:39:28.006658
    "ActionEvent.FinishAction.json", // 23:39:28.034182
    "ObservationEvent.FinishObservation.json", // 23:39:28.036721
  ];
  const events = files.map(fixture);
  const list = new RemoteEventsList();
  for (const event of [...events].reverse()) assert.equal(list.addEvent(event), true);
  assert.deepEqual(ids(list), events.map((e) => e.id));
  assert.equal(list.lastTimestamp, "2026-11-23T23:39:28.036721");
  // The duplicate fixtures (<Kind>.json) are the same events: all rejected.
  assert.equal(list.addEvent(fixture("MessageEvent.json")), false);
  assert.equal(list.addEvent(fixture("ActionEvent.json")), false);
  assert.equal(list.addEvent(fixture("ObservationEvent.json")), false);
  assert.equal(list.length, 10);
});

test("`at()` counts from the end when the index is negative", () => {
  const list = new RemoteEventsList();
  for (const [i, id] of ["a", "b", "c"].entries()) list.addEvent(ev(id, `2026-01-01T00:00:0${i}`));
  assert.equal(list.at(0)?.id, "a");
  assert.equal(list.at(2)?.id, "c");
  assert.equal(list.at(-1)?.id, "c");
  assert.equal(list.at(-3)?.id, "a");
  assert.equal(list.at(-4), undefined);
  assert.equal(list.at(3), undefined);
});

test("`slice()` returns a copy of a range when given start and end like Array.prototype.slice", () => {
  const list = new RemoteEventsList();
  for (const [i, id] of ["a", "b", "c", "d"].entries()) {
    list.addEvent(ev(id, `2026-01-01T00:00:0${i}`));
  }
  assert.deepEqual(list.slice().map((e) => e.id), ["a", "b", "c", "d"]);
  assert.deepEqual(list.slice(1).map((e) => e.id), ["b", "c", "d"]);
  assert.deepEqual(list.slice(1, 3).map((e) => e.id), ["b", "c"]);
  assert.deepEqual(list.slice(-2).map((e) => e.id), ["c", "d"]);
  assert.deepEqual(list.slice(0, -1).map((e) => e.id), ["a", "b", "c"]);
  assert.deepEqual(list.slice(5), []);
  // A copy: changing it does not change the list.
  const copy = list.slice();
  copy.pop();
  copy.reverse();
  assert.equal(list.length, 4);
  assert.deepEqual(ids(list), ["a", "b", "c", "d"]);
});

test("`[Symbol.iterator]()` yields the events in order when used by for-of and spread", () => {
  const list = new RemoteEventsList();
  list.addEvent(ev("b", "2026-01-01T00:00:02"));
  list.addEvent(ev("a", "2026-01-01T00:00:01"));
  const seen: string[] = [];
  for (const event of list) seen.push(event.id);
  assert.deepEqual(seen, ["a", "b"]);
  assert.deepEqual(Array.from(list, (e) => e.timestamp), [
    "2026-01-01T00:00:01",
    "2026-01-01T00:00:02",
  ]);
});

test("`has()` is true only when an event with that id was added", () => {
  const list = new RemoteEventsList();
  assert.equal(list.has("a"), false);
  list.addEvent(ev("a", "2026-01-01T00:00:01"));
  assert.equal(list.has("a"), true);
  assert.equal(list.has("b"), false);
  assert.equal(list.has(""), false);
});

test("`lastTimestamp` is the newest timestamp when an older event arrives last", () => {
  const list = new RemoteEventsList();
  list.addEvent(ev("b", "2026-01-01T00:00:02"));
  assert.equal(list.lastTimestamp, "2026-01-01T00:00:02");
  list.addEvent(ev("a", "2026-01-01T00:00:01"));
  assert.equal(list.lastTimestamp, "2026-01-01T00:00:02");
  list.addEvent(ev("c", "2026-01-01T00:00:02.5"));
  assert.equal(list.lastTimestamp, "2026-01-01T00:00:02.5");
});

test("`createDefaultCallback()` adds each event it gets when called, skipping duplicates and snapshots", () => {
  const list = new RemoteEventsList();
  const callback = list.createDefaultCallback();
  assert.equal(callback(ev("b", "2026-01-01T00:00:02")), undefined);
  callback(ev("a", "2026-01-01T00:00:01"));
  callback(ev("a", "2026-01-01T00:00:01"));
  callback(fixture("ConversationStateUpdateEvent.full_state.json"));
  assert.deepEqual(ids(list), ["a", "b"]);
});

test("`addEvent()` replaces an ACPToolCallEvent in place when the tool_call_id was seen", () => {
  const list = new RemoteEventsList();
  const first = acp("acp-1", "2026-01-01T00:00:01", "tc-1", "in_progress");
  const other = ev("m", "2026-01-01T00:00:02");
  const second = acp("acp-2", "2026-01-01T00:00:03", "tc-1", "completed");
  assert.equal(list.addEvent(first), true);
  assert.equal(list.addEvent(other), true);
  assert.equal(list.addEvent(second), true);
  // Same position as the first one, not moved to its own timestamp.
  assert.deepEqual(ids(list), ["acp-2", "m"]);
  assert.equal(list.at(0), second);
  assert.equal(list.at(0)?.status, "completed");
  assert.equal(list.length, 2);
  assert.equal(list.has("acp-1"), false);
  assert.equal(list.has("acp-2"), true);
  // The replacing id is known now: a repeat is a duplicate.
  assert.equal(list.addEvent(second), false);
  // A third update replaces the second one in the same slot.
  const third = acp("acp-3", "2026-01-01T00:00:04", "tc-1", "failed");
  assert.equal(list.addEvent(third), true);
  assert.deepEqual(ids(list), ["acp-3", "m"]);
  assert.equal(list.has("acp-2"), false);
  assert.equal(list.lastTimestamp, "2026-01-01T00:00:02");
});

test("`addEvent()` keeps ACPToolCallEvents apart when their tool_call_ids differ", () => {
  const list = new RemoteEventsList();
  list.addEvent(acp("acp-1", "2026-01-01T00:00:01", "tc-1", "in_progress"));
  list.addEvent(acp("acp-2", "2026-01-01T00:00:02", "tc-2", "in_progress"));
  list.addEvent(acp("acp-3", "2026-01-01T00:00:03", "tc-2", "completed"));
  list.addEvent(acp("acp-4", "2026-01-01T00:00:04", "tc-1", "completed"));
  assert.deepEqual(ids(list), ["acp-4", "acp-3"]);
  assert.deepEqual([...list].map((e) => e.tool_call_id), ["tc-1", "tc-2"]);
});

test("`addEvent()` does not replace by tool_call_id when the earlier event is not an ACPToolCallEvent", () => {
  const list = new RemoteEventsList();
  const action = fixture("ActionEvent.TerminalAction.json");
  list.addEvent(action);
  const call = acp("acp-1", "2026-11-23T23:39:29", String(action.tool_call_id), "completed");
  assert.equal(list.addEvent(call), true);
  assert.deepEqual(ids(list), [action.id, "acp-1"]);
});

test("`toJSON()` returns the events as a plain array copy when stringified", () => {
  const list = new RemoteEventsList();
  list.addEvent(ev("b", "2026-01-01T00:00:02"));
  list.addEvent(ev("a", "2026-01-01T00:00:01"));
  assert.equal(
    JSON.stringify(list),
    '[{"kind":"PauseEvent","id":"a","timestamp":"2026-01-01T00:00:01","source":"user"},' +
      '{"kind":"PauseEvent","id":"b","timestamp":"2026-01-01T00:00:02","source":"user"}]',
  );
  const json = list.toJSON();
  assert.ok(Array.isArray(json));
  json.length = 0;
  assert.equal(list.length, 2);
});

test("`addEvent()` keeps 10,000 in-order events in order when appended one by one", () => {
  const list = new RemoteEventsList();
  const stamp = (i: number): string => {
    const seconds = Math.floor(i / 1000);
    const micros = String((i % 1000) * 1000).padStart(6, "0");
    return `2026-01-01T00:${String(Math.floor(seconds / 60)).padStart(2, "0")}:${
      String(seconds % 60).padStart(2, "0")
    }.${micros}`;
  };
  for (let i = 0; i < 10_000; i++) assert.equal(list.addEvent(ev(`e${i}`, stamp(i))), true);
  assert.equal(list.length, 10_000);
  assert.equal(list.at(0)?.id, "e0");
  assert.equal(list.at(-1)?.id, "e9999");
  assert.equal(list.lastTimestamp, "2026-01-01T00:00:09.999000");
  let i = 0;
  for (const event of list) {
    assert.equal(event.id, `e${i}`);
    i++;
  }
  assert.equal(i, 10_000);
  assert.equal(list.addEvent(ev("e5000", stamp(5000))), false);
  assert.equal(list.length, 10_000);
});

// --- server order (a conversation's own list) ----------------------------------------------------

test("`place()` keeps the server's order, not timestamps: a stats update stamped early stays after", () => {
  const list = new RemoteEventsList();
  // Servers before 1.58 store a stats update after the observation, stamped before the action.
  assert.equal(listWriterOf(list).place(ev("action", "2026-01-01T00:00:02"), 0), true);
  assert.equal(listWriterOf(list).place(ev("observation", "2026-01-01T00:00:03"), 1), true);
  assert.equal(listWriterOf(list).place(ev("stats", "2026-01-01T00:00:01"), 2), true);
  assert.equal(listWriterOf(list).place(ev("live", "2026-01-01T00:00:00"), -1), true);
  assert.deepEqual(ids(list), ["action", "observation", "stats", "live"]);
  assert.equal(list.lastTimestamp, "2026-01-01T00:00:00");
});

test("`place()` puts a late seq before the tail of higher seqs", () => {
  const list = new RemoteEventsList();
  listWriterOf(list).place(ev("s0", "t0"), 0);
  listWriterOf(list).place(ev("s2", "t2"), 2);
  listWriterOf(list).place(ev("s3", "t3"), 3);
  listWriterOf(list).place(ev("s1", "t1"), 1);
  listWriterOf(list).place(ev("s4", "t4"), 4);
  assert.deepEqual(ids(list), ["s0", "s1", "s2", "s3", "s4"]);
  assert.equal(listWriterOf(list).place(ev("s1", "t1"), 1), false, "a known id changes nothing");
  assert.equal(list.length, 5);
});

test("`place()` with `after` goes right after that event; `null` is the log's start", () => {
  const list = new RemoteEventsList();
  listWriterOf(list).place(ev("a", "2026-01-01T00:00:01"), -1);
  listWriterOf(list).place(ev("c", "2026-01-01T00:00:03"), -1);
  listWriterOf(list).place(ev("d", "2026-01-01T00:00:04"), -1);
  listWriterOf(list).place(ev("b", "2026-01-01T00:00:09"), -1, "a");
  listWriterOf(list).place(ev("first", "2026-01-01T00:00:09"), -1, null);
  listWriterOf(list).place(ev("unknown-after", "2026-01-01T00:00:00"), -1, "nope");
  assert.deepEqual(ids(list), ["first", "a", "b", "c", "d", "unknown-after"]);
});

test("`storedCount()` counts the events a later ACP tool call replaced", () => {
  const list = new RemoteEventsList();
  assert.equal(listWriterOf(list).storedCount(), 0);
  listWriterOf(list).place(acp("t1", "2026-01-01T00:00:01", "call-1", "in_progress"), 0);
  listWriterOf(list).place(ev("m", "2026-01-01T00:00:02"), 1);
  listWriterOf(list).place(acp("t2", "2026-01-01T00:00:03", "call-1", "completed"), 2);
  assert.deepEqual(ids(list), ["t2", "m"]);
  assert.equal(list.length, 2);
  assert.equal(listWriterOf(list).storedCount(), 3);
});
