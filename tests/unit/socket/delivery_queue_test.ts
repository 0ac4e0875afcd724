/**
 * The ordered delivery queue, pure: order, ready-gating by `onReady`, seq dedupe and the resume
 * cursor, dropping on stop, and the waiters of `waitUntilReady`.
 */

import assert from "node:assert/strict";
import { RemoteHandsError } from "../../../src/errors.ts";
import type { Event } from "../../../src/events/kinds.ts";
import {
  DeliveryQueue,
  type DeliveryTargets,
  type QueueConnection,
} from "../../../src/socket/_delivery_queue.ts";
import type { ReadyInfo } from "../../../src/socket/types.ts";
import { test } from "../../support/test.ts";

function event(id: string, kind = "MessageEvent"): Event {
  return { kind, id, timestamp: "", source: "agent" } as Event;
}

const STATE = event("s1", "ConversationStateUpdateEvent");

/** A queue that logs `event:<id>[@seq][~]`, `error:<message>` and `ready:<reconnect>`. */
function recorder(overrides: Partial<DeliveryTargets> = {}): {
  queue: DeliveryQueue;
  log: string[];
} {
  const log: string[] = [];
  const queue = new DeliveryQueue({
    callback: (e, seq, transient) => {
      log.push(`event:${e.id}${seq === undefined ? "" : `@${seq}`}${transient ? "~" : ""}`);
    },
    onReady: (info: ReadyInfo) => void log.push(`ready:${info.reconnect}`),
    report: (error) => void log.push(`error:${error.message}`),
    dropping: () => false,
    ...overrides,
  });
  return { queue, log };
}

function events(): QueueConnection {
  return { ready: false, protocol: "events" };
}

function session(): QueueConnection {
  return { ready: false, protocol: "session" };
}

test("events socket: the first state event makes the connection ready, then reaches the callback", () => {
  const { queue, log } = recorder();
  const conn = events();
  queue.push({ conn, event: event("a") });
  queue.push({ conn, event: STATE });
  queue.push({ conn, event: event("s2", "ConversationStateUpdateEvent") });
  assert.deepEqual(log, ["event:a", "ready:false", "event:s1", "event:s2"]);
  assert.equal(conn.ready, true);
  assert.equal(queue.readyDone, true);
});

test("a second connection's ready says reconnect: true", () => {
  const { queue, log } = recorder();
  queue.push({ conn: events(), event: STATE });
  queue.push({ conn: events(), event: STATE });
  assert.deepEqual(log, ["ready:false", "event:s1", "ready:true", "event:s1"]);
});

test("while onReady's promise is pending, later items wait, then arrive in order", async () => {
  let release!: () => void;
  const log: string[] = [];
  const { queue } = recorder({
    callback: (e) => void log.push(e.id),
    onReady: () => new Promise<void>((resolve) => (release = resolve)),
  });
  const conn = events();
  queue.push({ conn, event: STATE });
  queue.push({ conn, event: event("a") });
  queue.pushLive(conn, event("b"));
  assert.deepEqual(log, []);
  assert.equal(queue.readyDone, false);
  release();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(log, ["s1", "a", "b"]);
  assert.equal(queue.readyDone, true);
});

test("an onReady that throws or rejects is reported and delivery goes on", async () => {
  const sync = recorder({
    onReady: () => {
      throw new Error("boom");
    },
  });
  sync.queue.push({ conn: events(), event: STATE });
  assert.deepEqual(sync.log, ["error:onReady threw: boom", "event:s1"]);
  const async = recorder({ onReady: () => Promise.reject(new Error("late")) });
  async.queue.push({ conn: events(), event: STATE });
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(async.log, ["error:onReady threw: late", "event:s1"]);
});

test("a callback that throws is reported with the event's kind and id; the stream goes on", () => {
  const { queue, log } = recorder({
    callback: (e) => {
      if (e.id === "a") throw "plain";
      log.push(e.id);
    },
  });
  const conn = { ready: true, protocol: "events" as const };
  queue.pushLive(conn, event("a"));
  queue.pushLive(conn, event("b"));
  assert.deepEqual(log, ["error:The event callback threw on MessageEvent a: plain", "b"]);
});

test("session socket: a ready mark sets the cursor once; events pass before it", () => {
  const { queue, log } = recorder();
  const conn = session();
  queue.push({ conn, event: event("t"), transient: true });
  queue.push({ conn, ready: true, cursor: 7 });
  assert.equal(queue.lastSeq, 7);
  queue.push({ conn: session(), ready: true, cursor: 2 });
  assert.equal(queue.lastSeq, 7, "a cursor never replaces one already held");
  assert.deepEqual(log, ["event:t~", "ready:false", "ready:true"]);
});

test("a stored event moves the cursor; a lower seq is a duplicate only once its id was delivered", () => {
  const { queue, log } = recorder();
  const conn = session();
  queue.push({ conn, event: event("e2"), seq: 2 });
  queue.push({ conn, event: event("e1"), seq: 1 }); // before 1.58: n + 1 can come before n
  queue.push({ conn, event: event("e2"), seq: 2 }); // replay overlap
  queue.push({ conn, event: event("e1"), seq: 1 });
  assert.deepEqual(log, ["event:e2@2", "event:e1@1"]);
  assert.equal(queue.lastSeq, 2);
});

test("with the callback side's record, a replayed stored event it holds is dropped and the queue keeps no ids of its own", () => {
  const held = new Set<string>(["r0"]); // r0: read from the log over REST, never on the socket
  const asked: string[] = [];
  const { queue, log } = recorder({
    callback: (e, seq) => {
      log.push(`event:${e.id}@${seq}`);
      if (e.kind === "MessageEvent") held.add(e.id); // what a conversation's list does
    },
    delivered: {
      covers: (e) => e.kind === "MessageEvent",
      has: (id) => (asked.push(id), held.has(id)),
    },
  });
  const conn = session();
  queue.push({ conn, event: event("e2"), seq: 2 });
  queue.push({ conn, event: event("e1"), seq: 1 }); // before 1.58: n + 1 can come before n
  queue.push({ conn, event: event("e2"), seq: 2 }); // replay overlap: the record holds it
  queue.push({ conn, event: event("r0"), seq: 0 }); // held already: not handed again
  queue.push({ conn, event: event("x", "PauseEvent"), seq: 3 }); // not covered: own ids
  queue.push({ conn, event: event("x", "PauseEvent"), seq: 3 });
  assert.deepEqual(log, ["event:e2@2", "event:e1@1", "event:x@3"]);
  assert.deepEqual(asked, ["e1", "e2", "r0"]); // asked only for a seq at or below the cursor
  assert.equal(queue.lastSeq, 3);
});

test("an error with seq moves the cursor past the bad stored event", () => {
  const { queue, log } = recorder();
  queue.push({ conn: session(), error: new RemoteHandsError("bad"), seq: 5 });
  assert.equal(queue.lastSeq, 5);
  assert.deepEqual(log, ["error:bad"]);
});

test("pushLive delivers at once only on a ready connection with nothing held back", () => {
  const { queue, log } = recorder();
  const conn = events();
  queue.pushLive(conn, event("a")); // not ready: queued, then delivered (not a state event)
  queue.pushLive(conn, STATE);
  queue.pushLive(conn, event("b"));
  assert.deepEqual(log, ["event:a", "ready:false", "event:s1", "event:b"]);
});

test("when dropping (stopped), queued items are cleared and nothing more is delivered", async () => {
  let stopped = false;
  let release!: () => void;
  const { queue, log } = recorder({
    onReady: () => new Promise<void>((resolve) => (release = resolve)),
    dropping: () => stopped,
  });
  const conn = events();
  queue.push({ conn, event: STATE });
  queue.push({ conn, event: event("a") });
  stopped = true;
  release();
  await new Promise((resolve) => setTimeout(resolve, 0));
  queue.push({ conn, event: event("b") });
  assert.deepEqual(log, []);
  assert.equal(queue.readyDone, false);
});

test("whenReady resolves at the first ready; rejectWaiters rejects the rest", async () => {
  const { queue } = recorder();
  const first = queue.whenReady(1_000, undefined, () => new Error("timeout"));
  queue.push({ conn: events(), event: STATE });
  await first;
  const { queue: other } = recorder();
  const waiting = other.whenReady(1_000, undefined, () => new Error("timeout"));
  other.rejectWaiters(new Error("stopped"));
  await assert.rejects(waiting, { message: "stopped" });
});

test("whenReady rejects with timeoutError() after timeoutMs and with the signal's reason", async () => {
  const { queue } = recorder();
  await assert.rejects(queue.whenReady(5, undefined, () => new Error("no state event")), {
    message: "no state event",
  });
  const controller = new AbortController();
  const waiting = queue.whenReady(1_000, controller.signal, () => new Error("timeout"));
  controller.abort(new Error("gave up"));
  await assert.rejects(waiting, { message: "gave up" });
});
