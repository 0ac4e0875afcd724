/**
 * The session socket (`/sockets/session/{id}`) side of `WebSocketCallbackClient`: URLs and
 * `after_seq`, replay before ready, exact resume, the envelope frames, and the `"auto"` fallback
 * to the events socket. Runs under `deno test` and `bun test` against the loopback fake server.
 */

import assert from "node:assert/strict";
import { delay } from "../../src/_async.ts";
import {
  AuthenticationError,
  EventValidationError,
  NotFoundError,
  type RemoteHandsError,
  UnsupportedByServerError,
} from "../../src/errors.ts";
import type { Event } from "../../src/events/kinds.ts";
import type { QueueItem } from "../../src/socket/_delivery_queue.ts";
import { decodeSessionFrame } from "../../src/socket/_session_frames.ts";
import { type ReplayConnection, sessionFrameItems } from "../../src/socket/_session_replay.ts";
import { MAX_STREAM_ITEMS } from "../../src/socket/_stream_items.ts";
import type { WebSocketCallbackClientOptions } from "../../src/socket/types.ts";
import { WebSocketCallbackClient } from "../../src/socket/websocket_client.ts";
import {
  authenticate,
  type FakeWsConnection,
  type FakeWsServer,
  messageEvent,
  startFakeWsServer,
  stateEvent,
} from "../support/fake_ws_server.ts";
import { test } from "../support/test.ts";
import { FAST, waitFor } from "../support/wait.ts";

const KEY = "sk-session-0123456789abcdef";
const ID = "6c1b5b1e-0000-4000-8000-000000000000";
const SESSION_PATH = `/sockets/session/${ID}`;
const EVENTS_PATH = `/sockets/events/${ID}`;
const AUTH_FRAME = `{"type":"auth","session_api_key":"${KEY}"}`;
// --- session frames ------------------------------------------------------------------------------

function sync(fields: { from_seq?: number; through_seq?: number } = {}): Record<string, unknown> {
  return { type: "sync", ...fields };
}

function durable(seq: number, event: Record<string, unknown>): Record<string, unknown> {
  return { type: "durable", seq, event };
}

function transient(event: Record<string, unknown>): Record<string, unknown> {
  return { type: "transient", event };
}

// --- helpers -------------------------------------------------------------------------------------

interface Recorded {
  events: Event[];
  errors: RemoteHandsError[];
  /** `event:<id>`, `error:<name>`, `ready:<reconnect>`, `protocol:<p>` in call order. */
  log: string[];
  /** Arguments of every `onProtocolChange` call. */
  changes: [string, string][];
}

/** A session-protocol client on `server` that records what it is told; extra options override. */
function makeClient(
  server: FakeWsServer,
  options: Partial<WebSocketCallbackClientOptions> = {},
): { client: WebSocketCallbackClient; rec: Recorded } & AsyncDisposable {
  const rec: Recorded = { events: [], errors: [], log: [], changes: [] };
  const client = new WebSocketCallbackClient({
    host: server.url,
    conversationId: ID,
    apiKey: KEY,
    reconnect: FAST,
    protocol: "session",
    callback: (event) => {
      rec.events.push(event);
      rec.log.push(`event:${event.id}`);
    },
    onError: (error) => {
      rec.errors.push(error);
      rec.log.push(`error:${error.name}`);
    },
    onReady: ({ reconnect }) => void rec.log.push(`ready:${reconnect}`),
    onProtocolChange: (protocol, reason) => {
      rec.changes.push([protocol, reason]);
      rec.log.push(`protocol:${protocol}`);
    },
    ...options,
  });
  return { client, rec, [Symbol.asyncDispose]: () => client.stop() };
}

/** Session socket: authenticates, then sends `frames` in order. */
function sessionOf(...frames: unknown[]): (conn: FakeWsConnection) => Promise<void> {
  return async (conn) => {
    if (!(await authenticate(conn, KEY))) return;
    for (const frame of frames) conn.sendJson(frame);
  };
}

/** Events socket: authenticates, then sends a state event `state-<index>` and messages `ids`. */
function eventsOf(...ids: string[]): (conn: FakeWsConnection) => Promise<void> {
  return async (conn) => {
    if (!(await authenticate(conn, KEY))) return;
    conn.sendJson(stateEvent({ id: `state-${conn.index}` }));
    for (const id of ids) conn.sendJson(messageEvent(id));
  };
}

/** Records how `p` settles without awaiting it. */
function settled(p: Promise<unknown>): { done: boolean; error?: unknown } {
  const out: { done: boolean; error?: unknown } = { done: false };
  p.then(() => (out.done = true), (error: unknown) => Object.assign(out, { done: true, error }));
  return out;
}

function search(urls: readonly URL[]): string[] {
  return urls.map((url) => `${url.pathname}${url.search}`);
}

// --- 1. URL and auth -----------------------------------------------------------------------------

test("session URL: /sockets/session/<id>; after_seq=-1 for replay all, none for live; key only in the auth frame", async () => {
  await using server = await startFakeWsServer({ onConnection: sessionOf(sync({})) });
  const cases: [WebSocketCallbackClientOptions["sessionReplay"], string][] = [
    ["all", "?after_seq=-1"],
    ["live", ""],
    [undefined, ""], // the default is live
  ];
  for (const [sessionReplay, expected] of cases) {
    await using t = makeClient(server, sessionReplay ? { sessionReplay } : {});
    const { client, rec } = t;
    assert.equal(client.protocol, "session");
    assert.equal(client.lastSeq, undefined);
    client.start();
    await client.waitUntilReady({ timeoutMs: 5_000 });
    const conn = server.connections.at(-1)!;
    assert.equal(conn.url.pathname, SESSION_PATH);
    assert.equal(conn.url.search, expected, `sessionReplay ${sessionReplay}`);
    assert.ok(!conn.url.href.includes(KEY));
    assert.equal(conn.headers.get("x-session-api-key"), null);
    for (const [name, value] of conn.headers) assert.ok(!value.includes(KEY), name);
    await client.stop();
    assert.deepEqual(await conn.closed, { code: 1000, reason: "client stopped" });
    assert.deepEqual(conn.messages, [AUTH_FRAME]);
    assert.deepEqual(rec.log, ["ready:false"]);
    assert.deepEqual(rec.errors, []);
    assert.equal(client.protocol, "session");
  }
  assert.deepEqual(search(server.upgradeUrls), [
    `${SESSION_PATH}?after_seq=-1`,
    SESSION_PATH,
    SESSION_PATH,
  ]);
  assert.deepEqual(server.httpRequests, []);
  assert.deepEqual(server.errors, []);
});

test("session URL: wss for https, host path prefix kept, id encoded", async () => {
  const urls: string[] = [];
  class RecordingSocket extends EventTarget {
    readyState = 0;
    binaryType = "blob";
    constructor(url: string) {
      super();
      urls.push(url);
    }
    send(): void {}
    close(): void {
      this.readyState = 3;
      queueMicrotask(() => this.dispatchEvent(new Event("close")));
    }
  }
  for (const host of ["https://example.test/base/", "http://127.0.0.1:8000"]) {
    const client = new WebSocketCallbackClient({
      host,
      conversationId: "a b/c",
      callback: () => {},
      protocol: "session",
      sessionReplay: "all",
      WebSocket: RecordingSocket as unknown as typeof WebSocket,
    });
    client.start();
    await client.stop();
  }
  assert.deepEqual(urls, [
    "wss://example.test/base/sockets/session/a%20b%2Fc?after_seq=-1",
    "ws://127.0.0.1:8000/sockets/session/a%20b%2Fc?after_seq=-1",
  ]);
  assert.throws(
    () =>
      new WebSocketCallbackClient({
        host: "http://h",
        conversationId: ID,
        callback: () => {},
        protocol: "legacy" as "events",
      }),
    {
      name: "TypeError",
      message:
        "Cannot open the event socket as 'protocol' must be events, session or auto: current value is legacy",
    },
  );
});

// --- 2., 3. replay and ready ---------------------------------------------------------------------

test("replay: durable 0..2 reach the callback, then onReady, then the transient snapshot", async () => {
  await using server = await startFakeWsServer({
    onConnection: sessionOf(
      sync({ from_seq: -1, through_seq: 2 }),
      durable(0, messageEvent("m0")),
      durable(1, messageEvent("m1")),
      durable(2, messageEvent("m2")),
      transient(stateEvent({ id: "snap" })),
    ),
  });
  let readyDone = false;
  await using t = makeClient(server, {
    sessionReplay: "all",
    onReady: async ({ reconnect }) => {
      t.rec.log.push(`ready:${reconnect}`);
      await delay(30); // the snapshot arrives meanwhile and is held back
      t.rec.log.push("ready-done");
      readyDone = true;
    },
  });
  const { client, rec } = t;
  client.start();
  const ready = settled(client.waitUntilReady({ timeoutMs: 5_000 }));
  await waitFor(() => rec.log.includes("ready:false"), "onReady");
  assert.equal(ready.done, false);
  await client.waitUntilReady({ timeoutMs: 5_000 });
  assert.equal(readyDone, true);
  await waitFor(() => rec.events.length === 4, "four events");
  assert.deepEqual(rec.log, [
    "event:m0",
    "event:m1",
    "event:m2",
    "ready:false",
    "ready-done",
    "event:snap",
  ]);
  assert.deepEqual(rec.events.map((e) => e.kind), [
    "MessageEvent",
    "MessageEvent",
    "MessageEvent",
    "ConversationStateUpdateEvent",
  ]);
  assert.deepEqual(rec.events[3], stateEvent({ id: "snap", timestamp: rec.events[3]!.timestamp }));
  assert.equal(client.lastSeq, 2); // the transient snapshot does not move the cursor
  assert.equal(client.connectionCount, 1);
  assert.equal(client.connected, true);
  assert.deepEqual(rec.errors, []);
  assert.deepEqual(server.connections[0]!.messages, [AUTH_FRAME]);
});

test("replay: a sync without through_seq (empty history) is ready at once; live durables follow", async () => {
  await using server = await startFakeWsServer();
  let conn: FakeWsConnection | undefined;
  server.onConnection = async (c) => {
    if (!(await authenticate(c, KEY))) return;
    conn = c;
    c.sendJson(sync({ from_seq: -1 }));
  };
  await using t = makeClient(server, { sessionReplay: "all" });
  const { client, rec } = t;
  client.start();
  await client.waitUntilReady({ timeoutMs: 5_000 });
  assert.deepEqual(rec.log, ["ready:false"]);
  assert.equal(client.lastSeq, undefined);
  conn!.sendJson(durable(0, messageEvent("m0")));
  conn!.sendJson(transient(stateEvent({ id: "snap" })));
  await waitFor(() => rec.events.length === 2, "live events");
  assert.deepEqual(rec.log, ["ready:false", "event:m0", "event:snap"]);
  assert.equal(client.lastSeq, 0);
  assert.equal(server.connections[0]!.url.search, "?after_seq=-1");
  assert.deepEqual(rec.errors, []);
});

test("replay: live mode is ready on sync even when the history is not empty; nothing is replayed", async () => {
  await using server = await startFakeWsServer({
    onConnection: sessionOf(
      sync({ through_seq: 5 }),
      transient(stateEvent({ id: "snap" })),
      durable(6, messageEvent("m6")),
    ),
  });
  await using t = makeClient(server, { sessionReplay: "live" });
  const { client, rec } = t;
  client.start();
  await client.waitUntilReady({ timeoutMs: 5_000 });
  await waitFor(() => rec.events.length === 2, "live events");
  assert.deepEqual(rec.log, ["ready:false", "event:snap", "event:m6"]);
  assert.equal(client.lastSeq, 6);
  assert.equal(server.connections[0]!.url.search, "");
});

// --- 4. reconnect and resume ---------------------------------------------------------------------

test("reconnect: resumes with after_seq=<lastSeq>; a durable with seq <= lastSeq is not delivered twice", async () => {
  await using server = await startFakeWsServer();
  server.onConnection = (conn) => {
    if (conn.index === 1) {
      return sessionOf(
        sync({ from_seq: -1, through_seq: 2 }),
        durable(0, messageEvent("m0")),
        durable(1, messageEvent("m1")),
        durable(2, messageEvent("m2")),
        transient(stateEvent({ id: "snap-1" })),
      )(conn);
    }
    if (conn.index === 2) {
      return sessionOf(
        sync({ from_seq: 2, through_seq: 3 }),
        durable(1, messageEvent("m1")), // duplicates: not delivered again
        durable(2, messageEvent("m2")),
        durable(3, messageEvent("m3")),
        transient(stateEvent({ id: "snap-2" })),
      )(conn);
    }
    return sessionOf(sync({ from_seq: 3, through_seq: 3 }), durable(3, messageEvent("m3")))(conn);
  };
  await using t = makeClient(server, { sessionReplay: "all" });
  const { client, rec } = t;
  client.start();
  await waitFor(() => rec.events.length === 4, "first connection");
  assert.equal(client.lastSeq, 2);
  server.connections[0]!.drop();
  await waitFor(() => rec.events.length === 6, "second connection");
  assert.equal(client.lastSeq, 3);
  server.connections[1]!.close(1011, "subscribe_failed");
  await waitFor(() => server.connectionCount === 3, "third connection");
  await waitFor(() => rec.log.length === 9, "third ready");
  await delay(30); // the duplicate m3 would have arrived by now
  await client.stop();
  assert.deepEqual(rec.log, [
    "event:m0",
    "event:m1",
    "event:m2",
    "ready:false",
    "event:snap-1",
    "event:m3",
    "ready:true",
    "event:snap-2",
    "ready:true",
  ]);
  assert.deepEqual(search(server.upgradeUrls), [
    `${SESSION_PATH}?after_seq=-1`,
    `${SESSION_PATH}?after_seq=2`,
    `${SESSION_PATH}?after_seq=3`,
  ]);
  for (const conn of server.connections) assert.deepEqual(conn.messages, [AUTH_FRAME]);
  assert.equal(client.lastSeq, 3);
  assert.equal(client.connectionCount, 3);
  assert.deepEqual(rec.errors, []);
  assert.deepEqual(rec.changes, []);
});

test("reconnect: live mode resumes after the last durable it received", async () => {
  await using server = await startFakeWsServer();
  server.onConnection = (conn) =>
    conn.index === 1
      ? sessionOf(sync({ through_seq: 6 }), durable(7, messageEvent("m7")))(conn)
      : sessionOf(sync({ from_seq: 7, through_seq: 8 }), durable(8, messageEvent("m8")))(conn);
  await using t = makeClient(server, { sessionReplay: "live" });
  const { client, rec } = t;
  client.start();
  await waitFor(() => rec.events.length === 1, "first connection");
  server.connections[0]!.drop();
  await waitFor(() => rec.events.length === 2, "second connection");
  assert.deepEqual(rec.log, ["ready:false", "event:m7", "event:m8", "ready:true"]);
  assert.deepEqual(search(server.upgradeUrls), [SESSION_PATH, `${SESSION_PATH}?after_seq=7`]);
  assert.equal(client.lastSeq, 8);
  assert.deepEqual(client.lastClose, { code: 1006, reason: "" });
});

// --- 5. envelope frames ------------------------------------------------------------------------

test("frames: delta and error become events; an abort after deltas is a discard; item_started and unknown types deliver nothing; bad frames are reported", async () => {
  await using server = await startFakeWsServer();
  server.onConnection = async (conn) => {
    if (!(await authenticate(conn, KEY))) return;
    conn.sendJson(sync({ through_seq: 0 }));
    conn.sendJson({ type: "item_started", item_id: "msg-1", attempt: 1, anchor_seq: 0 });
    conn.sendJson({
      type: "delta",
      item_id: "msg-1",
      attempt: 1,
      order: 0,
      kind: "text",
      content: "Hel",
      chunk_id: "c0",
      choice_index: 0,
    });
    conn.sendJson({
      type: "delta",
      item_id: "msg-1",
      attempt: 1,
      order: 1,
      kind: "reasoning",
      content: "thinking",
    });
    conn.send("{not json");
    conn.sendJson({ type: "item_aborted", item_id: "msg-1", attempt: 1, reason: "cancelled" });
    conn.sendJson({ type: "future_frame", seq: 99, event: messageEvent("future") });
    conn.sendJson({ type: "error", code: "ValidationError", detail: "bad inbound frame" });
    conn.sendJson(durable(1, { kind: "MessageEvent", id: "bad", timestamp: "t" }));
    conn.sendJson(durable(2, messageEvent("m2")));
    conn.sendJson(transient({ kind: "ConversationStateUpdateEvent", id: "s" }));
    conn.send("[1,2]");
    conn.sendJson({ type: "error", code: "JSONDecodeError", detail: { line: 1 } });
    conn.sendJson(durable(3, messageEvent("m3")));
  };
  await using t = makeClient(server);
  const { client, rec } = t;
  client.start();
  await waitFor(() => rec.events.length === 7, "seven events");
  await delay(20);
  assert.deepEqual(rec.log, [
    "ready:false",
    "event:msg-1:1:0",
    "event:msg-1:1:1",
    "error:EventValidationError",
    "event:msg-1:1:abort",
    "event:server-error-1",
    "error:EventValidationError",
    "event:m2",
    "error:EventValidationError",
    "error:EventValidationError",
    "event:server-error-2",
    "event:m3",
  ]);
  assert.deepEqual(rec.events[0], {
    kind: "StreamingDeltaEvent",
    id: "msg-1:1:0",
    timestamp: "",
    source: "agent",
    content: "Hel",
    item_id: "msg-1",
    attempt: 1,
  });
  assert.deepEqual(rec.events[1], {
    kind: "StreamingDeltaEvent",
    id: "msg-1:1:1",
    timestamp: "",
    source: "agent",
    reasoning_content: "thinking",
    item_id: "msg-1",
    attempt: 1,
  });
  // The aborted stream's text is void: one discard, no content, the server's reason.
  assert.deepEqual(rec.events[2], {
    kind: "StreamingDeltaEvent",
    id: "msg-1:1:abort",
    timestamp: "",
    source: "agent",
    item_id: "msg-1",
    attempt: 1,
    discard: true,
    reason: "cancelled",
  });
  assert.deepEqual(rec.events[3], {
    kind: "ServerErrorEvent",
    id: "server-error-1",
    timestamp: "",
    source: "environment",
    code: "ValidationError",
    detail: "bad inbound frame",
  });
  assert.deepEqual(rec.events[5], {
    kind: "ServerErrorEvent",
    id: "server-error-2",
    timestamp: "",
    source: "environment",
    code: "JSONDecodeError",
    detail: { line: 1 },
  });
  const [badJson, badDurable, badTransient, notObject] = rec.errors as EventValidationError[];
  for (const error of rec.errors) assert.ok(error instanceof EventValidationError);
  assert.equal(rec.errors.length, 4);
  assert.equal(badJson!.message, "Invalid event frame: not JSON");
  assert.equal(badJson!.excerpt, "{not json");
  assert.ok(badJson!.cause instanceof SyntaxError);
  assert.match(badDurable!.message, /^Invalid event frame: MessageEvent /);
  assert.equal(badDurable!.excerpt, '{"kind":"MessageEvent","id":"bad","timestamp":"t"}');
  assert.match(badTransient!.message, /^Invalid event frame: ConversationStateUpdateEvent /);
  assert.equal(notObject!.message, "Invalid event frame: not a JSON object");
  assert.equal(notObject!.excerpt, "[1,2]");
  // The invalid durable (seq 1) is not delivered and does not move the cursor by itself.
  assert.equal(client.lastSeq, 3);
  assert.equal(client.connectionCount, 1);
  assert.equal(client.connected, true);
});

// --- 5b. streams: retries and aborts --------------------------------------------------------------

function started(item: string, attempt: number): Record<string, unknown> {
  return { type: "item_started", item_id: item, attempt, anchor_seq: 0 };
}

function delta(
  item: string,
  attempt: number,
  order: number,
  content: string,
): Record<string, unknown> {
  return { type: "delta", item_id: item, attempt, order, kind: "text", content };
}

function aborted(item: string, attempt: number, reason: string): Record<string, unknown> {
  return { type: "item_aborted", item_id: item, attempt, reason };
}

/** The text per item a token consumer keeps: deltas appended, a discard drops what it had. */
function streamed(events: readonly Event[]): Map<string, string> {
  const texts = new Map<string, string>();
  for (const event of events) {
    if (event.kind !== "StreamingDeltaEvent") continue;
    const item = event.item_id ?? "";
    if (event.discard) texts.delete(item);
    else texts.set(item, (texts.get(item) ?? "") + (event.content ?? ""));
  }
  return texts;
}

test("streams: a retry (item_started attempt 2) voids the delivered text with one discard; attempt-1 deltas after it are dropped", async () => {
  await using server = await startFakeWsServer({
    onConnection: sessionOf(
      sync({ through_seq: 0 }),
      started("m1", 1),
      delta("m1", 1, 0, "Hel"),
      delta("m1", 1, 1, "lo wor"),
      started("m1", 2), // the server's LLM call is retried
      delta("m1", 1, 2, "ld"), // stale
      started("m1", 2), // again: nothing
      started("m1", 1), // lower: nothing
      delta("m1", 2, 0, "Hello"),
      delta("m1", 1, 3, "!!"), // stale
      delta("m1", 2, 1, " world"),
      durable(1, messageEvent("m1", "Hello world")),
    ),
  });
  await using t = makeClient(server);
  const { client, rec } = t;
  client.start();
  await waitFor(() => rec.log.includes("event:m1"), "the final message");
  await delay(20);
  assert.deepEqual(rec.log, [
    "ready:false",
    "event:m1:1:0",
    "event:m1:1:1",
    "event:m1:2:restart",
    "event:m1:2:0",
    "event:m1:2:1",
    "event:m1",
  ]);
  assert.deepEqual(rec.events[2], {
    kind: "StreamingDeltaEvent",
    id: "m1:2:restart",
    timestamp: "",
    source: "agent",
    item_id: "m1",
    attempt: 2,
    discard: true,
  });
  assert.deepEqual(rec.events[4], {
    kind: "StreamingDeltaEvent",
    id: "m1:2:1",
    timestamp: "",
    source: "agent",
    content: " world",
    item_id: "m1",
    attempt: 2,
  });
  assert.deepEqual(streamed(rec.events), new Map([["m1", "Hello world"]]));
  // Deltas and discards have no seq: only the stored message moves the cursor.
  assert.equal(client.lastSeq, 1);
  assert.deepEqual(rec.errors, []);
});

test("streams: no discard when nothing was delivered; a delta of a higher attempt without item_started voids the text before it", async () => {
  await using server = await startFakeWsServer({
    onConnection: sessionOf(
      sync({ through_seq: 0 }),
      started("a", 1),
      started("a", 2), // attempt 1 streamed nothing (or it was all dropped): nothing to void
      delta("a", 2, 0, "x"),
      delta("a", 3, 0, "y"), // its item_started was lost: the delta itself supersedes
      started("b", 1),
      aborted("b", 1, "no_durable_event"), // nothing of b was delivered
      durable(1, messageEvent("a", "y")),
    ),
  });
  await using t = makeClient(server);
  const { client, rec } = t;
  client.start();
  await waitFor(() => rec.log.includes("event:a"), "the final message");
  await delay(20);
  assert.deepEqual(rec.log, [
    "ready:false",
    "event:a:2:0",
    "event:a:3:restart",
    "event:a:3:0",
    "event:a",
  ]);
  assert.deepEqual(streamed(rec.events), new Map([["a", "y"]]));
  assert.deepEqual(rec.errors, []);
});

test("streams: an abort after deltas is one discard with the server's reason, cut to 200 characters; a stale abort changes nothing", async () => {
  // 198 characters, then emoji: the cut falls inside a surrogate pair and moves before it.
  const long = `${"z".repeat(198)}${"👋".repeat(10)}`;
  await using server = await startFakeWsServer({
    onConnection: sessionOf(
      sync({ through_seq: 0 }),
      started("x", 1),
      delta("x", 1, 0, "partial"),
      started("x", 2),
      delta("x", 2, 0, "again"),
      aborted("x", 1, "old"), // attempt 2 superseded attempt 1: its text stands
      delta("x", 2, 1, "!"),
      aborted("x", 2, long),
      started("y", 1),
      delta("y", 1, 0, "kept"),
    ),
  });
  await using t = makeClient(server);
  const { client, rec } = t;
  client.start();
  await waitFor(() => rec.log.includes("event:y:1:0"), "the last delta");
  await delay(20);
  assert.deepEqual(rec.log, [
    "ready:false",
    "event:x:1:0",
    "event:x:2:restart",
    "event:x:2:0",
    "event:x:2:1",
    "event:x:2:abort",
    "event:y:1:0",
  ]);
  assert.deepEqual(rec.events[4], {
    kind: "StreamingDeltaEvent",
    id: "x:2:abort",
    timestamp: "",
    source: "agent",
    item_id: "x",
    attempt: 2,
    discard: true,
    reason: `${"z".repeat(198)}…`,
  });
  assert.deepEqual(streamed(rec.events), new Map([["y", "kept"]]));
  assert.equal(client.lastSeq, 0);
  assert.deepEqual(rec.errors, []);
});

test("streams: a retry announced on a new connection voids the text delivered on the old one", async () => {
  await using server = await startFakeWsServer();
  server.onConnection = (conn) =>
    conn.index === 1
      ? sessionOf(sync({ through_seq: 0 }), started("r", 1), delta("r", 1, 0, "Hel"))(conn)
      : sessionOf(
        sync({ from_seq: 0, through_seq: 0 }),
        started("r", 2), // this connection never saw attempt 1: it may have been delivered
        delta("r", 2, 0, "Hello"),
        durable(1, messageEvent("r", "Hello")),
      )(conn);
  await using t = makeClient(server);
  const { client, rec } = t;
  client.start();
  await waitFor(() => rec.log.includes("event:r:1:0"), "the first delta");
  server.connections[0]!.drop();
  await waitFor(() => rec.log.includes("event:r"), "the final message");
  assert.deepEqual(rec.log, [
    "ready:false",
    "event:r:1:0",
    "ready:true",
    "event:r:2:restart",
    "event:r:2:0",
    "event:r",
  ]);
  assert.deepEqual(streamed(rec.events), new Map([["r", "Hello"]]));
  assert.deepEqual(rec.errors, []);
});

test("streams: bad item_started and item_aborted fields are one EventValidationError each and change nothing; attempt defaults to 1", async () => {
  await using server = await startFakeWsServer({
    onConnection: sessionOf(
      sync({ through_seq: 0 }),
      { type: "item_started", item_id: "d" }, // attempt 1
      { type: "item_started", item_id: 5, attempt: 2 },
      { type: "item_started", item_id: "d", attempt: "2" },
      { type: "item_started", item_id: "d", attempt: 2.5 },
      { type: "item_started", item_id: "d", attempt: null },
      delta("d", 1, 0, "ok"), // not stale: no bad frame raised the attempt
      { type: "item_aborted", item_id: "d", attempt: 1 },
      { type: "item_aborted", item_id: "d", reason: null },
      { type: "item_aborted", item_id: ["d"], reason: "r" },
      { type: "item_aborted", item_id: "d", attempt: {}, reason: "r" },
      { type: "item_aborted", item_id: "d", reason: "cancelled" }, // attempt 1
    ),
  });
  await using t = makeClient(server);
  const { client, rec } = t;
  client.start();
  await waitFor(() => rec.log.includes("event:d:1:abort"), "the discard");
  await delay(20);
  const bad = "error:EventValidationError";
  assert.deepEqual(rec.log, [
    "ready:false",
    ...Array(4).fill(bad),
    "event:d:1:0",
    ...Array(4).fill(bad),
    "event:d:1:abort",
  ]);
  assert.deepEqual(rec.errors.map((e) => e.message.replace("Invalid event frame: ", "")), [
    "session frame 'item_started': 'item_id' must be a string (got a number)",
    `session frame 'item_started': 'attempt' must be a whole number (got "2")`,
    "session frame 'item_started': 'attempt' must be a whole number (got a number)",
    "session frame 'item_started': 'attempt' must be a whole number (got null)",
    "session frame 'item_aborted': 'reason' must be a string (got missing)",
    "session frame 'item_aborted': 'reason' must be a string (got null)",
    "session frame 'item_aborted': 'item_id' must be a string (got an array)",
    "session frame 'item_aborted': 'attempt' must be a whole number (got an object)",
  ]);
  for (const error of rec.errors) assert.ok(error instanceof EventValidationError);
  assert.deepEqual(rec.events.at(-1), {
    kind: "StreamingDeltaEvent",
    id: "d:1:abort",
    timestamp: "",
    source: "agent",
    item_id: "d",
    attempt: 1,
    discard: true,
    reason: "cancelled",
  });
});

test("streams: a server opening 100,000 items keeps at most MAX_STREAM_ITEMS in memory; the least recent goes first; a stored event forgets its item", () => {
  const conn: ReplayConnection = { ready: true, protocol: "session" };
  const noServerError = (): Event => {
    throw new Error("no error frame here");
  };
  const items = (frame: unknown): QueueItem[] =>
    sessionFrameItems(conn, decodeSessionFrame(JSON.stringify(frame)), noServerError);
  const ids = (frame: unknown): string[] =>
    items(frame).map((item) => ("event" in item ? item.event.id : "not an event"));
  let delivered = 0;
  for (let i = 0; i < 100_000; i++) {
    delivered += items(started(`i${i}`, 1)).length + items(delta(`i${i}`, 1, 0, "x")).length;
    assert.ok((conn.streams?.size ?? 0) <= MAX_STREAM_ITEMS);
  }
  assert.equal(delivered, 100_000, "every delta, no discard");
  assert.equal(MAX_STREAM_ITEMS, 64);
  assert.equal(conn.streams?.size, MAX_STREAM_ITEMS);
  // The newest items are remembered: a retry voids their text, a stale delta is dropped.
  const newest = `i${100_000 - MAX_STREAM_ITEMS}`;
  assert.deepEqual(ids(started(newest, 2)), [`${newest}:2:restart`]);
  assert.deepEqual(ids(delta(newest, 1, 1, "late")), []);
  // Touching it made it the most recent: a new item forgets the next oldest, not it.
  assert.deepEqual(ids(started("new", 1)), []);
  assert.deepEqual(ids(delta(newest, 1, 2, "late")), []);
  // A forgotten item is unknown: a retry of it is voided (its text may have been delivered).
  const forgotten = `i${100_000 - MAX_STREAM_ITEMS + 1}`;
  assert.deepEqual(ids(started(forgotten, 2)), [`${forgotten}:2:restart`]);
  // The stored event whose id is the item's ends its stream.
  assert.equal(conn.streams?.size, MAX_STREAM_ITEMS);
  assert.deepEqual(ids(durable(1, messageEvent(newest))), [newest]);
  assert.equal(conn.streams?.size, MAX_STREAM_ITEMS - 1);
});

test("frames: a binary frame is one EventValidationError; the stream goes on", async () => {
  await using server = await startFakeWsServer({
    onConnection: async (conn) => {
      if (!(await authenticate(conn, KEY))) return;
      conn.sendJson(sync({}));
      conn.sendBinary(new Uint8Array([1, 2, 3]));
      conn.sendJson(durable(0, messageEvent("m0")));
    },
  });
  await using t = makeClient(server);
  const { client, rec } = t;
  client.start();
  await waitFor(() => rec.events.length === 1, "the event");
  assert.deepEqual(rec.log, ["ready:false", "error:EventValidationError", "event:m0"]);
  assert.equal(
    rec.errors[0]!.message,
    "Invalid event frame: binary frame of 3 bytes (the server sends events as text frames)",
  );
  assert.equal(client.lastSeq, 0);
});

test("frames: a durable with an invalid event during replay still ends the replay at through_seq", async () => {
  await using server = await startFakeWsServer({
    onConnection: sessionOf(
      sync({ from_seq: -1, through_seq: 1 }),
      durable(0, messageEvent("m0")),
      durable(1, { kind: "MessageEvent", id: "bad" }),
      transient(stateEvent({ id: "snap" })),
    ),
  });
  await using t = makeClient(server, { sessionReplay: "all" });
  const { client, rec } = t;
  client.start();
  await client.waitUntilReady({ timeoutMs: 5_000 });
  await waitFor(() => rec.events.length === 2, "events");
  assert.deepEqual(rec.log, [
    "event:m0",
    "error:EventValidationError",
    "ready:false",
    "event:snap",
  ]);
  // The bad stored event still moves the cursor, so a reconnect does not report it again.
  assert.equal(client.lastSeq, 1);
});

// --- 6., 7. auto ---------------------------------------------------------------------------------

test("auto: a working session socket is kept; no /ready probe", async () => {
  await using server = await startFakeWsServer({
    onConnection: sessionOf(sync({}), durable(0, messageEvent("m0"))),
  });
  await using t = makeClient(server, { protocol: "auto" });
  const { client, rec } = t;
  assert.equal(client.protocol, "session");
  client.start();
  await client.waitUntilReady({ timeoutMs: 5_000 });
  await waitFor(() => rec.events.length === 1, "the event");
  // Once the session socket has opened, a refused upgrade is a transient failure, not an old server.
  let refusals = 0;
  server.onUpgrade = () => (++refusals <= 2 ? 403 : undefined);
  server.connections[0]!.drop();
  await waitFor(() => server.connectionCount === 2, "a reconnect");
  await waitFor(() => rec.log.length === 3, "second ready");
  assert.equal(client.protocol, "session");
  assert.deepEqual(rec.log, ["ready:false", "event:m0", "ready:true"]);
  assert.deepEqual(search(server.upgradeUrls), [
    SESSION_PATH,
    `${SESSION_PATH}?after_seq=0`,
    `${SESSION_PATH}?after_seq=0`,
    `${SESSION_PATH}?after_seq=0`,
  ]);
  assert.deepEqual(server.httpRequests, []);
  assert.deepEqual(rec.changes, []);
});

for (const status of [403, 404]) {
  test(`auto: session upgrade refused with HTTP ${status} and /ready 200 → falls back to the events socket`, async () => {
    await using server = await startFakeWsServer({
      onUpgrade: ({ url }) => (url.pathname.startsWith("/sockets/session/") ? status : undefined),
      onConnection: eventsOf("a"),
    });
    await using t = makeClient(server, { protocol: "auto", sessionReplay: "all" });
    const { client, rec } = t;
    client.start();
    await client.waitUntilReady({ timeoutMs: 5_000 });
    await waitFor(() => rec.events.length === 2, "events");
    assert.equal(client.protocol, "events");
    assert.deepEqual(rec.changes, [["events", "the server refused the session socket"]]);
    assert.deepEqual(rec.log, ["protocol:events", "ready:false", "event:state-1", "event:a"]);
    assert.deepEqual(search(server.upgradeUrls), [`${SESSION_PATH}?after_seq=-1`, EVENTS_PATH]);
    assert.deepEqual(server.httpRequests, ["GET /ready"]);
    assert.equal(server.connectionCount, 1);
    assert.deepEqual(server.connections[0]!.messages, [AUTH_FRAME]);
    assert.equal(client.connectionCount, 1);
    assert.equal(client.lastSeq, undefined);
    assert.deepEqual(rec.errors, []);
    // The events socket is kept from now on: a drop reconnects to it, with no probe.
    server.connections[0]!.drop();
    await waitFor(() => rec.events.length === 4, "second connection");
    assert.deepEqual(search(server.upgradeUrls).slice(2), [EVENTS_PATH]);
    assert.deepEqual(server.httpRequests, ["GET /ready"]);
    assert.equal(rec.changes.length, 1);
    assert.deepEqual(rec.log.slice(4), ["ready:true", "event:state-2", "event:a"]);
  });
}

test("auto: the /ready probe goes to the host's path prefix", async () => {
  await using server = await startFakeWsServer({
    onUpgrade: ({ url }) => (url.pathname.includes("/sockets/session/") ? 404 : undefined),
    onConnection: eventsOf(),
  });
  await using t = makeClient(server, { protocol: "auto", host: `${server.url}/runtime/` });
  const { client, rec } = t;
  client.start();
  await client.waitUntilReady({ timeoutMs: 5_000 });
  assert.deepEqual(server.httpRequests, ["GET /runtime/ready"]);
  assert.deepEqual(search(server.upgradeUrls), [
    `/runtime${SESSION_PATH}`,
    `/runtime${EVENTS_PATH}`,
  ]);
  assert.deepEqual(rec.changes, [["events", "the server refused the session socket"]]);
});

test("auto: /ready failing keeps the session socket and retries with backoff; falls back once it answers", async () => {
  await using server = await startFakeWsServer();
  const seen: number[] = [];
  const probes: string[] = [];
  let healthUp = false;
  await using t = makeClient(server, {
    protocol: "auto",
    sessionReplay: "all",
    fetch: (request) => {
      probes.push(`${request.method} ${request.url}`);
      if (!healthUp) return Promise.reject(new TypeError("fetch failed: connection refused"));
      return Promise.resolve(new Response('{"status":"ok"}', { status: 200 }));
    },
  });
  const { client, rec } = t;
  server.onUpgrade = ({ url }) => {
    seen.push(client.reconnectAttempts);
    return url.pathname.startsWith("/sockets/session/") ? 404 : undefined;
  };
  server.onConnection = eventsOf("a");
  client.start();
  await waitFor(() => server.upgradeAttempts === 4, "four session attempts");
  assert.equal(client.protocol, "session");
  assert.deepEqual(rec.changes, []);
  // (slice: a fifth attempt may already be under way on a slow machine)
  assert.deepEqual(seen.slice(0, 4), [0, 1, 2, 3]);
  assert.deepEqual(
    search(server.upgradeUrls.slice(0, 4)),
    Array(4).fill(`${SESSION_PATH}?after_seq=-1`),
  );
  assert.ok(probes.length >= 3, `${probes.length} probes`);
  for (const probe of probes) assert.equal(probe, `GET ${server.url}/ready`);
  assert.deepEqual(server.httpRequests, []); // the fetch option is used, not globalThis.fetch
  assert.equal(client.connectionCount, 0);
  assert.deepEqual(client.lastClose, { code: 1006, reason: "" });
  assert.deepEqual(rec.errors, []);

  healthUp = true;
  await client.waitUntilReady({ timeoutMs: 5_000 });
  await waitFor(() => rec.events.length === 2, "events");
  assert.equal(client.protocol, "events");
  assert.deepEqual(rec.changes, [["events", "the server refused the session socket"]]);
  assert.deepEqual(rec.log, ["protocol:events", "ready:false", "event:state-1", "event:a"]);
  assert.equal(server.upgradeUrls.at(-1)!.pathname, EVENTS_PATH);
  assert.equal(server.connectionCount, 1);
});

test("auto: /health answering 503 counts as down (no fallback)", async () => {
  await using server = await startFakeWsServer({
    onUpgrade: ({ url }) => (url.pathname.startsWith("/sockets/session/") ? 403 : undefined),
    onHttp: () => new Response("starting", { status: 503, headers: { connection: "close" } }),
  });
  await using t = makeClient(server, { protocol: "auto" });
  const { client, rec } = t;
  client.start();
  await waitFor(() => server.upgradeAttempts === 3, "three session attempts");
  await client.stop();
  assert.equal(client.protocol, "session");
  assert.deepEqual(rec.changes, []);
  assert.ok(server.httpRequests.length >= 2);
  for (const request of server.httpRequests) assert.equal(request, "GET /ready");
  assert.ok(server.upgradeUrls.every((url) => url.pathname === SESSION_PATH));
});

test("auto: stop() during the /ready probe: no fallback and no further connection", async () => {
  await using server = await startFakeWsServer({ onUpgrade: () => 404 });
  let answer: (response: Response) => void = () => {};
  let probes = 0;
  await using t = makeClient(server, {
    protocol: "auto",
    fetch: () => {
      probes++;
      return new Promise<Response>((resolve) => (answer = resolve));
    },
  });
  const { client, rec } = t;
  client.start();
  await waitFor(() => probes === 1, "the probe");
  await client.stop();
  answer(new Response('{"status":"ok"}', { status: 200 }));
  await delay(50);
  assert.equal(server.upgradeAttempts, 1);
  assert.equal(client.protocol, "session");
  assert.deepEqual(rec.changes, []);
  assert.deepEqual(rec.errors, []);
});

test("auto: close 1013 frame_too_large on the session socket → falls back to the events socket at once", async () => {
  await using server = await startFakeWsServer();
  server.onConnection = async (conn) => {
    if (conn.url.pathname === SESSION_PATH) {
      if (!(await authenticate(conn, KEY))) return;
      conn.sendJson(sync({ from_seq: -1, through_seq: 0 }));
      conn.sendJson(durable(0, messageEvent("m0")));
      await delay(20);
      conn.close(1013, "frame_too_large");
      return;
    }
    await eventsOf("a")(conn);
  };
  await using t = makeClient(server, {
    protocol: "auto",
    sessionReplay: "all",
    // A backoff this long would fail the test: the fallback connects at once.
    reconnect: { ...FAST, initialDelayMs: 10_000, maxDelayMs: 10_000 },
  });
  const { client, rec } = t;
  client.start();
  await waitFor(() => rec.events.length === 3, "events", 3_000);
  assert.equal(client.protocol, "events");
  assert.deepEqual(rec.changes, [["events", "the session socket dropped a frame as too large"]]);
  assert.deepEqual(rec.log, [
    "event:m0",
    "ready:false",
    "protocol:events",
    "ready:true",
    "event:state-2",
    "event:a",
  ]);
  assert.deepEqual(search(server.upgradeUrls), [`${SESSION_PATH}?after_seq=-1`, EVENTS_PATH]);
  assert.deepEqual(server.httpRequests, []);
  assert.deepEqual(client.lastClose, { code: 1013, reason: "frame_too_large" });
  assert.equal(client.lastSeq, 0);
  assert.deepEqual(rec.errors, []);
});

test("frame_too_large (session only) and slow_consumer reconnect on the session socket with after_seq", async () => {
  for (const protocol of ["session", "auto"] as const) {
    await using server = await startFakeWsServer();
    server.onConnection = async (conn) => {
      if (!(await authenticate(conn, KEY))) return;
      conn.sendJson(sync({ through_seq: conn.index }));
      conn.sendJson(durable(conn.index + 1, messageEvent(`m${conn.index + 1}`)));
      await delay(10);
      if (conn.index === 1) conn.close(1013, protocol === "session" ? "frame_too_large" : "");
      if (conn.index === 2) conn.close(1013, "slow_consumer");
    };
    await using t = makeClient(server, { protocol });
    const { client, rec } = t;
    client.start();
    await waitFor(() => rec.events.length === 3, `${protocol}: three connections`);
    await client.stop();
    assert.equal(client.protocol, "session");
    assert.deepEqual(rec.changes, []);
    assert.deepEqual(search(server.upgradeUrls), [
      SESSION_PATH,
      `${SESSION_PATH}?after_seq=2`,
      `${SESSION_PATH}?after_seq=3`,
    ]);
    assert.deepEqual(rec.log, [
      "ready:false",
      "event:m2",
      "ready:true",
      "event:m3",
      "ready:true",
      "event:m4",
    ]);
    assert.equal(client.lastSeq, 4);
  }
});

// --- 8. fatal closes -----------------------------------------------------------------------------

for (const protocol of ["session", "auto"] as const) {
  test(`${protocol}: 4001 on the session socket is an AuthenticationError; no reconnect, no fallback`, async () => {
    await using server = await startFakeWsServer({
      onConnection: (conn) => authenticate(conn, "the-right-key").then(() => {}),
    });
    await using t = makeClient(server, { protocol, apiKey: "a-wrong-key" });
    const { client, rec } = t;
    const start = performance.now();
    client.start();
    const error = await client.waitUntilReady({ timeoutMs: 10_000 }).then(
      () => assert.fail("expected a rejection"),
      (err: unknown) => err,
    );
    assert.ok(performance.now() - start < 1_000, "rejected well before the timeout");
    assert.ok(error instanceof AuthenticationError);
    assert.equal(error.closeCode, 4001);
    assert.equal(error.status, 401);
    assert.equal(
      error.message,
      `WebSocket ${SESSION_PATH} closed with 4001 (Authentication failed): check the apiKey option`,
    );
    assert.ok(!error.message.includes("a-wrong-key"));
    assert.deepEqual(rec.errors, [error]);
    await assert.rejects(client.waitUntilReady(), (err) => err === error);
    await delay(100); // ten times the reconnect delay
    client.start();
    assert.equal(server.upgradeAttempts, 1);
    assert.deepEqual(server.httpRequests, []);
    assert.deepEqual(rec.changes, []);
    assert.equal(client.protocol, "session");
    assert.equal(client.connected, false);
    assert.deepEqual(client.lastClose, { code: 4001, reason: "Authentication failed" });
    await client.stop();
    assert.deepEqual(rec.errors, [error]);
  });
}

test("session: 4004 is a NotFoundError naming the session path; stops for good", async () => {
  await using server = await startFakeWsServer({
    onConnection: async (conn) => {
      if (await authenticate(conn, KEY)) conn.close(4004, "Conversation not found");
    },
  });
  await using t = makeClient(server, { protocol: "auto" });
  const { client, rec } = t;
  client.start();
  await waitFor(() => rec.errors.length === 1, "the fatal error");
  const [error] = rec.errors;
  assert.ok(error instanceof NotFoundError);
  assert.equal(error.closeCode, 4004);
  assert.equal(
    error.message,
    `WebSocket ${SESSION_PATH} closed with 4004 (Conversation not found): check the conversation id and host`,
  );
  await assert.rejects(client.waitUntilReady({ timeoutMs: 10_000 }), (err) => err === error);
  await delay(100);
  assert.equal(server.upgradeAttempts, 1);
  assert.deepEqual(server.httpRequests, []);
});

test("frames: a stored event that arrives after a higher seq (servers before 1.58) is still delivered", async () => {
  await using server = await startFakeWsServer();
  let conn: FakeWsConnection | undefined;
  server.onConnection = async (c) => {
    if (!(await authenticate(c, KEY))) return;
    conn = c;
    c.sendJson(sync({ from_seq: -1 }));
  };
  await using t = makeClient(server, { sessionReplay: "all" });
  const { client, rec } = t;
  client.start();
  await client.waitUntilReady({ timeoutMs: 5_000 });
  conn!.sendJson(durable(1, messageEvent("state-after")));
  conn!.sendJson(durable(0, messageEvent("user-message")));
  conn!.sendJson(durable(0, messageEvent("user-message"))); // a true duplicate
  conn!.sendJson(transient(stateEvent({ id: "snap" })));
  await waitFor(() => rec.events.length === 3, "live events");
  assert.deepEqual(rec.log, [
    "ready:false",
    "event:state-after",
    "event:user-message",
    "event:snap",
  ]);
  assert.equal(client.lastSeq, 1);
  assert.deepEqual(rec.errors, []);
});

test("frames: the callback gets each stored event's seq; transient frames have none", async () => {
  await using server = await startFakeWsServer();
  let conn: FakeWsConnection | undefined;
  server.onConnection = async (c) => {
    if (!(await authenticate(c, KEY))) return;
    conn = c;
    c.sendJson(sync({ from_seq: -1 }));
  };
  const seen: [string, number | undefined][] = [];
  await using t = makeClient(server, {
    sessionReplay: "all",
    callback: (event, seq) => void seen.push([event.id, seq]),
  });
  t.client.start();
  await t.client.waitUntilReady({ timeoutMs: 5_000 });
  conn!.sendJson(durable(1, messageEvent("b")));
  conn!.sendJson(durable(0, messageEvent("a")));
  conn!.sendJson(transient(stateEvent({ id: "snap" })));
  await waitFor(() => seen.length === 3, "three events");
  assert.deepEqual(seen, [["b", 1], ["a", 0], ["snap", undefined]]);
});

for (const status of [403, 404]) {
  test(`session forced: upgrade refused with HTTP ${status} and /ready 200 → UnsupportedByServerError at once`, async () => {
    await using server = await startFakeWsServer({
      onUpgrade: ({ url }) => (url.pathname.startsWith("/sockets/session/") ? status : undefined),
      onConnection: eventsOf("a"),
    });
    await using t = makeClient(server, { protocol: "session" });
    const { client, rec } = t;
    const started = performance.now();
    client.start();
    const error = await client.waitUntilReady({ timeoutMs: 30_000 }).then(
      () => assert.fail("ready on a server without the session socket"),
      (err: unknown) => err,
    );
    assert.ok(performance.now() - started < 5_000, "fails at once, not after readyTimeoutMs");
    assert.ok(error instanceof UnsupportedByServerError);
    assert.equal(error.since, "1.45.0");
    assert.equal(
      error.message,
      "This agent server does not support the session socket (/sockets/session) (added in 1.45.0): upgrade the server or use socketProtocol 'auto' or 'events'",
    );
    assert.deepEqual(rec.errors, [error]);
    assert.deepEqual(rec.changes, []);
    assert.equal(client.protocol, "session");
    await delay(100);
    assert.equal(server.upgradeAttempts, 1, "no retry and no events socket");
    assert.deepEqual(server.httpRequests, ["GET /ready"]);
  });
}

test("session forced: a refused upgrade while /ready is down is retried, then works", async () => {
  let refuse = true;
  await using server = await startFakeWsServer({
    onUpgrade: (
      { url },
    ) => (refuse && url.pathname.startsWith("/sockets/session/") ? 403 : undefined),
    onConnection: sessionOf(sync({})),
    onHttp: () => new Response("starting", { status: 503, headers: { connection: "close" } }),
  });
  await using t = makeClient(server, { protocol: "session" });
  t.client.start();
  await waitFor(() => server.upgradeAttempts >= 2, "a retry");
  refuse = false;
  await t.client.waitUntilReady({ timeoutMs: 5_000 });
  assert.equal(t.client.protocol, "session");
  assert.deepEqual(t.rec.errors, []);
});
