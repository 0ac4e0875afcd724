/**
 * The session socket's envelopes, pure: decoding with the exact field checks, and what each frame
 * means for its connection (queue items, where the replay ends, the resume cursor).
 */

import assert from "node:assert/strict";
import { EventValidationError } from "../../../src/errors.ts";
import type { Event } from "../../../src/events/kinds.ts";
import type { QueueItem } from "../../../src/socket/_delivery_queue.ts";
import {
  decodeSessionFrame,
  serverErrorEvent,
  type SessionFrame,
} from "../../../src/socket/_session_frames.ts";
import { type ReplayConnection, sessionFrameItems } from "../../../src/socket/_session_replay.ts";
import { test } from "../../support/test.ts";

const EVENT = {
  kind: "MessageEvent",
  id: "e1",
  timestamp: "2026-01-01T00:00:00",
  source: "user",
  llm_message: { role: "user", content: [{ type: "text", text: "hi" }] },
};

function decode(frame: unknown): SessionFrame {
  return decodeSessionFrame(JSON.stringify(frame));
}

/** The error message of a frame decoded as invalid or skipped with an error. */
function problem(frame: SessionFrame): string {
  assert.ok(frame.type === "invalid" || frame.type === "skip" || frame.type === "sync");
  assert.ok(frame.error instanceof EventValidationError);
  return frame.error.message;
}

test("text that is not a JSON object, or has no string 'type', is invalid", () => {
  assert.equal(decodeSessionFrame("{").type, "invalid");
  assert.match(problem(decodeSessionFrame("{")), /not JSON/);
  assert.match(problem(decode([1])), /not a JSON object/);
  assert.match(problem(decode(null)), /not a JSON object/);
  assert.match(
    problem(decode({ type: 3 })),
    /session frame without a string 'type' \(got a number\)/,
  );
});

test("a 'type' inherited through __proto__ does not count", () => {
  const frame = decodeSessionFrame('{"__proto__":{"type":"sync"}}');
  assert.match(problem(frame), /without a string 'type' \(got missing\)/);
});

test("sync: through_seq a whole number >= 0, or null or absent", () => {
  assert.deepEqual(decode({ type: "sync", through_seq: 7 }), { type: "sync", throughSeq: 7 });
  assert.deepEqual(decode({ type: "sync", through_seq: null }), {
    type: "sync",
    throughSeq: undefined,
  });
  assert.deepEqual(decode({ type: "sync" }), { type: "sync", throughSeq: undefined });
  const bad = decode({ type: "sync", through_seq: -1 });
  assert.equal(bad.type, "sync");
  assert.ok(bad.type === "sync" && bad.throughSeq === undefined);
  assert.match(
    problem(bad),
    /session frame 'sync': 'through_seq' must be a whole number >= 0 or null \(got a number\)/,
  );
});

test("durable: a bad seq skips the frame; a good seq carries the event's parse, good or bad", () => {
  assert.match(
    problem(decode({ type: "durable", seq: 1.5, event: EVENT })),
    /'seq' must be a whole number >= 0/,
  );
  const good = decode({ type: "durable", seq: 3, event: EVENT });
  assert.ok(good.type === "durable" && good.seq === 3 && good.parsed.success);
  assert.equal(good.parsed.event.id, "e1");
  const badEvent = decode({ type: "durable", seq: 4, event: { kind: "MessageEvent" } });
  assert.ok(badEvent.type === "durable" && badEvent.seq === 4 && !badEvent.parsed.success);
});

test("transient carries the event's parse", () => {
  const frame = decode({ type: "transient", event: EVENT });
  assert.ok(frame.type === "transient" && frame.parsed.success);
});

test("delta becomes a StreamingDeltaEvent with id item:attempt:order; attempt 1 and text by default", () => {
  assert.deepEqual(decode({ type: "delta", item_id: "m1", order: 2, content: "Hel" }), {
    type: "delta",
    event: {
      kind: "StreamingDeltaEvent",
      id: "m1:1:2",
      timestamp: "",
      source: "agent",
      content: "Hel",
      item_id: "m1",
      attempt: 1,
    },
  });
  const reasoning = decode({
    type: "delta",
    item_id: "m1",
    attempt: 2,
    order: 0,
    kind: "reasoning",
    content: "hm",
  });
  assert.ok(reasoning.type === "delta");
  assert.equal(reasoning.event.id, "m1:2:0");
  assert.equal((reasoning.event as { reasoning_content?: unknown }).reasoning_content, "hm");
});

test("delta checks item_id, attempt, order, kind and content in that order", () => {
  const base = { type: "delta", item_id: "m1", attempt: 1, order: 0, kind: "text", content: "" };
  const cases: [Record<string, unknown>, string][] = [
    [{ item_id: 1 }, "'item_id' must be a string (got a number)"],
    [{ attempt: null }, "'attempt' must be a whole number (got null)"],
    [{ order: undefined }, "'order' must be a whole number (got missing)"],
    [{ kind: "image" }, `'kind' must be 'text' or 'reasoning' (got "image")`],
    [{ content: [] }, "'content' must be a string (got an array)"],
    [{ item_id: 1, content: [] }, "'item_id' must be a string"],
  ];
  for (const [fields, message] of cases) {
    assert.ok(
      problem(decode({ ...base, ...fields })).includes(`session frame 'delta': ${message}`),
    );
  }
});

test("error: a string code and a detail that is present (any JSON)", () => {
  assert.deepEqual(decode({ type: "error", code: "ValidationError", detail: null }), {
    type: "error",
    code: "ValidationError",
    detail: null,
  });
  assert.match(problem(decode({ type: "error", detail: "x" })), /'code' must be a string/);
  assert.match(problem(decode({ type: "error", code: "E" })), /'detail' must be present/);
});

test("item_started and item_aborted: item_id a string, attempt absent (1) or a whole number, an abort's reason a string (cut to 200)", () => {
  assert.deepEqual(decode({ type: "item_started", item_id: "m1", anchor_seq: 3 }), {
    type: "item_started",
    itemId: "m1",
    attempt: 1,
  });
  assert.deepEqual(
    decode({ type: "item_aborted", item_id: "m1", attempt: 2, reason: "cancelled" }),
    {
      type: "item_aborted",
      itemId: "m1",
      attempt: 2,
      reason: "cancelled",
    },
  );
  const long = decode({ type: "item_aborted", item_id: "m1", reason: "r".repeat(500) });
  assert.ok(long.type === "item_aborted" && long.reason === `${"r".repeat(199)}…`);
  const cases: [Record<string, unknown>, string][] = [
    [{ type: "item_started" }, "'item_started': 'item_id' must be a string (got missing)"],
    [
      { type: "item_started", item_id: "m1", attempt: null },
      "'item_started': 'attempt' must be a whole number (got null)",
    ],
    [
      { type: "item_aborted", item_id: 1, reason: "r" },
      "'item_aborted': 'item_id' must be a string (got a number)",
    ],
    [
      { type: "item_aborted", item_id: "m1", attempt: 1.5, reason: "r" },
      "'item_aborted': 'attempt' must be a whole number (got a number)",
    ],
    [
      { type: "item_aborted", item_id: "m1" },
      "'item_aborted': 'reason' must be a string (got missing)",
    ],
  ];
  for (const [frame, message] of cases) {
    assert.ok(problem(decode(frame)).includes(`session frame ${message}`), message);
  }
});

test("unknown types are skipped without an error", () => {
  assert.deepEqual(decode({ type: "from_the_future" }), { type: "skip", error: undefined });
});

test("serverErrorEvent numbers its id and redacts code and a string detail only", () => {
  const redact = (text: string): string => text.replaceAll("KEY", "[redacted]");
  assert.deepEqual(serverErrorEvent(2, "E KEY", "bad KEY", redact), {
    kind: "ServerErrorEvent",
    id: "server-error-2",
    timestamp: "",
    source: "environment",
    code: "E [redacted]",
    detail: "bad [redacted]",
  });
  const detail = { key: "KEY" };
  assert.equal((serverErrorEvent(1, "E", detail, redact) as { detail: unknown }).detail, detail);
});

// --- what a frame means for its connection -----------------------------------------------------

function conn(afterSeq?: number): ReplayConnection {
  return afterSeq === undefined
    ? { ready: false, protocol: "session" }
    : { ready: false, protocol: "session", afterSeq };
}

const noServerError = (): Event => {
  throw new Error("not an error frame");
};

function items(c: ReplayConnection, frame: unknown): QueueItem[] {
  return sessionFrameItems(c, decode(frame), noServerError);
}

/** Items as short strings: `ready`, `ready@<cursor>`, `event:<id>[@seq][~]`, `error[@seq]`. */
function shortly(list: QueueItem[]): string[] {
  return list.map((item) => {
    if ("ready" in item) return item.cursor === undefined ? "ready" : `ready@${item.cursor}`;
    const seq = item.seq === undefined ? "" : `@${item.seq}`;
    if ("error" in item) return `error${seq}`;
    return `event:${item.event.id}${seq}${"transient" in item ? "~" : ""}`;
  });
}

test("a live-only sync is ready at once, resuming after through_seq (-1 for an empty log)", () => {
  assert.deepEqual(shortly(items(conn(), { type: "sync", through_seq: 9 })), ["ready@9"]);
  assert.deepEqual(shortly(items(conn(), { type: "sync" })), ["ready@-1"]);
});

test("a sync with nothing to replay after after_seq is ready with no new cursor", () => {
  assert.deepEqual(shortly(items(conn(9), { type: "sync", through_seq: 9 })), ["ready@9"]);
  assert.deepEqual(shortly(items(conn(9), { type: "sync" })), ["ready"]);
});

test("a bad through_seq is reported, then ready with no cursor", () => {
  assert.deepEqual(shortly(items(conn(), { type: "sync", through_seq: "9" })), ["error", "ready"]);
});

test("a replay is ready after the durable frame at through_seq", () => {
  const c = conn(2);
  assert.deepEqual(shortly(items(c, { type: "sync", through_seq: 4 })), []);
  assert.equal(c.replayThrough, 4);
  assert.deepEqual(shortly(items(c, { type: "durable", seq: 3, event: EVENT })), ["event:e1@3"]);
  assert.deepEqual(shortly(items(c, { type: "durable", seq: 4, event: { ...EVENT, id: "e2" } })), [
    "event:e2@4",
    "ready",
  ]);
  assert.equal(c.replayThrough, undefined);
  assert.deepEqual(shortly(items(c, { type: "durable", seq: 5, event: EVENT })), ["event:e1@5"]);
});

test("a bad stored event is an error that keeps its seq and still ends the replay", () => {
  const c = conn(-1);
  items(c, { type: "sync", through_seq: 0 });
  assert.deepEqual(shortly(items(c, { type: "durable", seq: 0, event: {} })), ["error@0", "ready"]);
});

test("a transient frame ends a replay whose last events the server skipped", () => {
  const c = conn(-1);
  items(c, { type: "sync", through_seq: 8 });
  assert.deepEqual(shortly(items(c, { type: "transient", event: EVENT })), ["event:e1~", "ready"]);
  assert.deepEqual(shortly(items(c, { type: "transient", event: EVENT })), ["event:e1~"]);
});

test("a bad transient event is an error without seq", () => {
  assert.deepEqual(shortly(items(conn(), { type: "transient", event: 1 })), ["error"]);
});

test("invalid and skipped frames give their error or nothing; delta and error give one event", () => {
  assert.deepEqual(shortly(items(conn(), "nope")), ["error"]);
  assert.deepEqual(shortly(items(conn(), { type: "item_started", item_id: "m" })), []);
  assert.deepEqual(shortly(items(conn(), { type: "item_started" })), ["error"]);
  assert.deepEqual(shortly(items(conn(), { type: "delta", item_id: "m", order: 1, content: "" })), [
    "event:m:1:1",
  ]);
  const errorEvent = serverErrorEvent(1, "E", null, (t) => t);
  const list = sessionFrameItems(
    conn(),
    decode({ type: "error", code: "E", detail: null }),
    (code, detail) => {
      assert.deepEqual([code, detail], ["E", null]);
      return errorEvent;
    },
  );
  assert.deepEqual(shortly(list), ["event:server-error-1"]);
});
