/**
 * Event cursors: the two forms round-trip, and anything else (a cursor comes back from a browser
 * or a request header) is a TypeError that quotes none of it.
 */

import assert from "node:assert/strict";
import { formatCursor, parseCursor, timeCursor } from "../../src/conversation/cursor.ts";
import { encodeEvent, heartbeat } from "../../src/bridge/_encode.ts";
import type { Event } from "../../mod.ts";
import { test } from "../support/test.ts";

test("cursors: a seq and a timestamp with an id round-trip", () => {
  for (const seq of [-1, 0, 7, 123456789012345]) {
    assert.deepEqual(parseCursor(formatCursor({ seq })), { seq });
  }
  const at = {
    timestamp: "2026-12-05T21:40:51.123456",
    id: "6c1b5b1e-0000-4000-8000-000000000000",
  };
  assert.equal(timeCursor(at), `t:${at.timestamp}/${at.id}`);
  assert.deepEqual(parseCursor(timeCursor(at)), at);
});

test("cursors: anything this client did not make is a TypeError that does not quote it", () => {
  const bad = [
    "",
    "s:",
    "s:01",
    "s:-2",
    "s:1.5",
    "s:1e3",
    "s: 1",
    "s:1\n",
    "S:1",
    "s:1234567890123456",
    "t:2026-01-01/",
    "t:/e1",
    "t:2026-01-01 00:00/e1",
    "t:2026-01-01/e/1",
    "t:2026-01-01/e\u0000",
    `t:2026-01-01/${"e".repeat(101)}`,
    "x:1",
    "../../x",
    12,
    null,
    undefined,
    { seq: 1 },
  ];
  for (const cursor of bad) {
    assert.throws(() => parseCursor(cursor), (err: unknown) => {
      assert.ok(err instanceof TypeError);
      assert.match(err.message, /^Cannot resume as 'after' is not an event cursor of this client/);
      if (typeof cursor === "string" && cursor.length > 2) assert.ok(!err.message.includes(cursor));
      return true;
    }, String(cursor));
  }
});

test("cursors: an event whose id or timestamp does not fit the alphabet has no timestamp cursor", () => {
  assert.equal(timeCursor({ timestamp: "2026-01-01T00:00:00", id: "a/b" }), undefined);
  assert.equal(timeCursor({ timestamp: "2026-01-01T00:00:00", id: "a\nid: s:9" }), undefined);
  assert.equal(timeCursor({ timestamp: "soon", id: "e1" }), undefined);
  assert.equal(timeCursor({ timestamp: "2026-01-01T00:00:00", id: "e".repeat(101) }), undefined);
});

test("event stream frames: SSE and NDJSON, with and without a cursor, and their heartbeats", () => {
  const event = { kind: "PauseEvent", id: "e1", timestamp: "t", source: "user" } as Event;
  const json = JSON.stringify(event);
  assert.equal(encodeEvent("sse", event, "s:3"), `id: s:3\ndata: ${json}\n\n`);
  assert.equal(encodeEvent("sse", event, undefined), `data: ${json}\n\n`);
  assert.equal(encodeEvent("ndjson", event, "s:3"), `{"cursor":"s:3","event":${json}}\n`);
  assert.equal(encodeEvent("ndjson", event, undefined), `{"event":${json}}\n`);
  // A line break inside a string is escaped by JSON: one data line carries the event whole.
  const text = encodeEvent("sse", { ...event, id: "a\nb" } as Event, undefined);
  assert.equal(text.split("\n").length, 3);
  assert.equal(heartbeat("sse"), ": keep-alive\n\n");
  assert.equal(heartbeat("ndjson"), "{}\n");
});
