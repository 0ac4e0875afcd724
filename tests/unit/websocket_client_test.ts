import assert from "node:assert/strict";
import { delay } from "../../src/_async.ts";
import {
  AuthenticationError,
  EventValidationError,
  NotFoundError,
  RemoteHandsError,
  WebSocketConnectionError,
} from "../../src/errors.ts";
import type { Event } from "../../src/events/kinds.ts";
import { reconnectDelay } from "../../src/socket/reconnect.ts";
import { WebSocketCallbackClient } from "../../src/socket/websocket_client.ts";
import type { WebSocketCallbackClientOptions } from "../../src/socket/types.ts";
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
const PATH = `/sockets/events/${ID}`;
interface Recorded {
  events: Event[];
  errors: RemoteHandsError[];
  /** `event:<id>`, `error:<name>`, `ready:<reconnect>` in call order. */
  log: string[];
}

/** A client on `server` that records what it is told; extra options override. */
function makeClient(
  server: FakeWsServer,
  options: Partial<WebSocketCallbackClientOptions> = {},
): { client: WebSocketCallbackClient; rec: Recorded } & AsyncDisposable {
  const rec: Recorded = { events: [], errors: [], log: [] };
  const client = new WebSocketCallbackClient({
    host: server.url,
    conversationId: ID,
    apiKey: KEY,
    reconnect: FAST,
    callback: (event) => {
      rec.events.push(event);
      rec.log.push(`event:${event.id}`);
    },
    onError: (error) => {
      rec.errors.push(error);
      rec.log.push(`error:${error.name}`);
    },
    ...options,
  });
  // `await using t = makeClient(...)` stops the client even when an assertion fails.
  return { client, rec, [Symbol.asyncDispose]: () => client.stop() };
}

/** Authenticates, then sends a state event and messages `ids`. */
function streamOf(...ids: string[]): (conn: FakeWsConnection) => Promise<void> {
  return async (conn) => {
    if (!(await authenticate(conn, KEY))) return;
    conn.sendJson(stateEvent({ id: `state-${conn.index}` }));
    for (const id of ids) conn.sendJson(messageEvent(id));
  };
}

/** Records rejection of `p` without awaiting it. */
function settled(p: Promise<unknown>): { done: boolean; error?: unknown } {
  const out: { done: boolean; error?: unknown } = { done: false };
  p.then(() => (out.done = true), (error: unknown) => Object.assign(out, { done: true, error }));
  return out;
}

// --- pure parts ----------------------------------------------------------------------------------

test("reconnectDelay: defaults double from 1 s and cap at 30 s; jitter takes up to 25 % off", () => {
  const none = () => 0;
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 20].map((n) => reconnectDelay(n, {}, none)),
    [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000],
  );
  assert.deepEqual(
    [0, 3, 6].map((n) => reconnectDelay(n, {}, () => 1)),
    [750, 6000, 22500],
  );
  assert.equal(reconnectDelay(2, { jitter: 0.5 }, () => 0.5), 3000);
  assert.deepEqual(
    [0, 1, 2, 3].map((n) => reconnectDelay(n, FAST, () => 0.9)),
    [10, 20, 40, 40],
  );
  assert.equal(reconnectDelay(-1, { initialDelayMs: 10 }, none), 10);
  for (const n of [0, 1, 5, 9]) {
    const d = reconnectDelay(n);
    assert.ok(d > 0.75 * Math.min(30_000, 1000 * 2 ** n) - 1e-9 && d <= 30_000, `${n}: ${d}`);
  }
});

test("reconnectDelay: invalid options throw RangeError", () => {
  assert.throws(() => reconnectDelay(0, { jitter: 1.5 }), {
    name: "RangeError",
    message: "Cannot reconnect as 'jitter' must be between 0 and 1: current value is 1.5",
  });
  assert.throws(() => reconnectDelay(0, { multiplier: 0.5 }), {
    name: "RangeError",
    message: "Cannot reconnect as 'multiplier' must be a finite number >= 1: current value is 0.5",
  });
  assert.throws(() => reconnectDelay(0, { initialDelayMs: 10, maxDelayMs: 5 }), {
    name: "RangeError",
    message:
      "Cannot reconnect as 'maxDelayMs' must be a number >= 'initialDelayMs' (10): current value is 5",
  });
  assert.throws(() => reconnectDelay(0, { initialDelayMs: -1 }), { name: "RangeError" });
  assert.throws(() => reconnectDelay(0, { minUptimeMs: Number.NaN }), { name: "RangeError" });
});

/** A WebSocket stand-in that records URLs and closes when asked. */
class RecordingSocket extends EventTarget {
  static urls: string[] = [];
  readyState = 0;
  binaryType = "blob";
  sent: string[] = [];
  constructor(url: string) {
    super();
    RecordingSocket.urls.push(url);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 3;
    queueMicrotask(() => this.dispatchEvent(new Event("close")));
  }
}

test("constructor: ws/wss from http/https, path prefix kept, id encoded, bad options throw", async () => {
  RecordingSocket.urls = [];
  const Ctor = RecordingSocket as unknown as typeof WebSocket;
  const callback = (): void => {};
  for (const host of ["https://example.test/base/", "http://127.0.0.1:8000"]) {
    const c = new WebSocketCallbackClient({
      host,
      conversationId: "a b/c",
      callback,
      WebSocket: Ctor,
    });
    c.start();
    c.start(); // idempotent: one socket
    assert.equal(c.connected, false);
    await c.stop();
  }
  assert.deepEqual(RecordingSocket.urls, [
    "wss://example.test/base/sockets/events/a%20b%2Fc",
    "ws://127.0.0.1:8000/sockets/events/a%20b%2Fc",
  ]);
  assert.throws(
    () => new WebSocketCallbackClient({ host: "ws://h", conversationId: ID, callback }),
    {
      name: "TypeError",
      message: "Cannot use the host as its scheme must be http or https: current value is 'ws:'",
    },
  );
  assert.throws(
    () => new WebSocketCallbackClient({ host: "http://h", conversationId: "", callback }),
    { name: "TypeError", message: "Cannot open the event socket as the conversation id is empty" },
  );
  assert.throws(
    () =>
      new WebSocketCallbackClient({
        host: "http://h",
        conversationId: ID,
        callback,
        reconnect: { jitter: 2 },
      }),
    { name: "RangeError" },
  );
});

test("stop before start resolves at once; start after stop does nothing", async () => {
  RecordingSocket.urls = [];
  const client = new WebSocketCallbackClient({
    host: "http://127.0.0.1:1",
    conversationId: ID,
    callback: () => {},
    WebSocket: RecordingSocket as unknown as typeof WebSocket,
  });
  const first = client.stop();
  assert.equal(client.stop(), first);
  await first;
  client.start();
  assert.deepEqual(RecordingSocket.urls, []);
  await assert.rejects(client.waitUntilReady({ timeoutMs: 10 }), {
    name: "WebSocketConnectionError",
    message: "WebSocket: the client was stopped before it was ready",
  });
});

// --- auth, URL, delivery ---------------------------------------------------------------------------

test("auth: one first frame with the key; no key in URL or headers; events in order", async () => {
  await using server = await startFakeWsServer({
    onConnection: streamOf(...Array.from({ length: 20 }, (_, i) => `e${i}`)),
  });
  await using t = makeClient(server);
  const { client, rec } = t;
  assert.equal(client.connectionCount, 0);
  assert.equal(client.lastClose, undefined);
  client.start();
  await client.waitUntilReady({ timeoutMs: 5_000 });
  await waitFor(() => rec.events.length === 21, "21 events");
  assert.deepEqual(rec.events.map((e) => e.id), [
    "state-1",
    ...Array.from({ length: 20 }, (_, i) => `e${i}`),
  ]);
  assert.equal(rec.events[1]?.kind, "MessageEvent");
  assert.deepEqual(rec.errors, []);
  assert.equal(client.connected, true);
  assert.equal(client.connectionCount, 1);
  assert.equal(client.reconnectAttempts, 0);

  const conn = server.connections[0]!;
  assert.equal(conn.url.pathname, PATH);
  assert.equal(conn.url.search, "");
  assert.ok(!conn.url.href.includes(KEY));
  assert.equal(conn.headers.get("x-session-api-key"), null);
  for (const [name, value] of conn.headers) assert.ok(!value.includes(KEY), name);
  await client.stop();
  assert.deepEqual(await conn.closed, { code: 1000, reason: "client stopped" });
  assert.deepEqual(conn.messages, [`{"type":"auth","session_api_key":"${KEY}"}`]);
  assert.equal(client.connected, false);
  assert.deepEqual(client.lastClose, { code: 1000, reason: "client stopped" });
  assert.deepEqual(server.errors, []);
});

test("auth: no apiKey, no auth frame; host path prefix is kept", async () => {
  await using server = await startFakeWsServer({
    onConnection: (conn) => conn.sendJson(stateEvent()),
  });
  await using t = makeClient(server, { apiKey: undefined, host: `${server.url}/prefix/` });
  const { client } = t;
  client.start();
  await client.waitUntilReady({ timeoutMs: 5_000 });
  await client.stop();
  const conn = server.connections[0]!;
  await conn.closed;
  assert.equal(conn.url.pathname, `/prefix${PATH}`);
  assert.deepEqual(conn.messages, []);
});

test("resumeAfter: resend_mode=all, then since with the timestamp url-encoded, per connect", async () => {
  await using server = await startFakeWsServer({ onConnection: streamOf("e1") });
  const stamps: (string | undefined)[] = [undefined, "2026-01-02T03:04:05.678+01:00"];
  let calls = 0;
  await using t = makeClient(server, { resumeAfter: () => stamps[calls++] });
  const { client, rec } = t;
  client.start();
  await waitFor(() => rec.events.length === 2, "first stream");
  server.connections[0]!.drop();
  await waitFor(() => rec.events.length === 4, "second stream");
  await client.stop();
  assert.equal(calls, 2);
  assert.deepEqual(server.connections.map((c) => c.url.search), [
    "?resend_mode=all",
    "?resend_mode=since&after_timestamp=2026-01-02T03%3A04%3A05.678%2B01%3A00",
  ]);
  assert.equal(
    server.connections[1]!.url.searchParams.get("after_timestamp"),
    "2026-01-02T03:04:05.678+01:00",
  );
});

// --- onReady ---------------------------------------------------------------------------------------

test("onReady: runs before the state event, holds later frames, once per connection", async () => {
  await using server = await startFakeWsServer({ onConnection: streamOf("a", "b") });
  let release = (): void => {};
  const log: string[] = [];
  await using t = makeClient(server, {
    onReady: async ({ reconnect }) => {
      log.push(`ready:${reconnect}`);
      if (!reconnect) await new Promise<void>((resolve) => (release = resolve));
      log.push(`ready-done:${reconnect}`);
    },
    callback: (event) => void log.push(`event:${event.id}`),
  });
  const { client } = t;
  client.start();
  const ready = settled(client.waitUntilReady({ timeoutMs: 5_000 }));
  await waitFor(() => log.length === 1, "onReady call");
  await delay(30); // a and b arrive meanwhile; they are held while onReady is pending
  assert.deepEqual(log, ["ready:false"]);
  assert.equal(ready.done, false);
  release();
  await waitFor(() => log.length === 5, "first stream");
  await delay(0);
  assert.equal(ready.done, true);
  assert.equal(ready.error, undefined);

  server.connections[0]!.drop();
  await waitFor(() => log.length === 10, "second stream");
  // Already ready once: resolves at once even though this is another connection.
  await client.waitUntilReady({ timeoutMs: 1 });
  await client.stop();
  assert.deepEqual(log, [
    "ready:false",
    "ready-done:false",
    "event:state-1",
    "event:a",
    "event:b",
    "ready:true",
    "ready-done:true",
    "event:state-2",
    "event:a",
    "event:b",
  ]);
  assert.equal(client.connectionCount, 2);
  assert.deepEqual(t.rec.errors, []);
});

test("onReady: events before the state event are delivered as they come; ready waits for state", async () => {
  await using server = await startFakeWsServer({
    onConnection: async (conn) => {
      if (!(await authenticate(conn, KEY))) return;
      conn.sendJson(messageEvent("early"));
      conn.sendJson(stateEvent({ id: "s", key: "execution_status", value: "idle" }));
      conn.sendJson(stateEvent({ id: "s2" }));
      conn.sendJson(messageEvent("late"));
    },
  });
  await using t = makeClient(server, {
    onReady: ({ reconnect }) => void t.rec.log.push(`ready:${reconnect}`),
  });
  const { client, rec } = t;
  client.start();
  await client.waitUntilReady({ timeoutMs: 5_000 });
  await waitFor(() => rec.events.length === 4, "events");
  assert.deepEqual(rec.log, ["event:early", "ready:false", "event:s", "event:s2", "event:late"]);
});

test("onReady: a throw or rejection is reported and delivery goes on", async () => {
  await using server = await startFakeWsServer({ onConnection: streamOf("a") });
  const boom = new Error("hook failed");
  let calls = 0;
  await using t = makeClient(server, {
    onReady: (): Promise<void> => {
      if (++calls === 1) throw boom;
      return Promise.reject(boom);
    },
  });
  const { client, rec } = t;
  client.start();
  await client.waitUntilReady({ timeoutMs: 5_000 });
  await waitFor(() => rec.events.length === 2, "first stream");
  server.connections[0]!.drop();
  await waitFor(() => rec.events.length === 4, "second stream");
  await client.stop();
  assert.deepEqual(rec.log, [
    "error:RemoteHandsError",
    "event:state-1",
    "event:a",
    "error:RemoteHandsError",
    "event:state-2",
    "event:a",
  ]);
  for (const error of rec.errors) {
    assert.equal(error.message, "onReady threw: hook failed");
    assert.equal(error.cause, boom);
  }
});

// --- fatal closes ----------------------------------------------------------------------------------

test("4001: AuthenticationError with closeCode 4001, waitUntilReady rejects fast, no reconnect", async () => {
  await using server = await startFakeWsServer({
    onConnection: (conn) => authenticate(conn, "the-right-key").then(() => {}),
  });
  await using t = makeClient(server, { apiKey: "a-wrong-key" });
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
    `WebSocket ${PATH} closed with 4001 (Authentication failed): check the apiKey option`,
  );
  assert.ok(!error.message.includes("a-wrong-key"));
  assert.deepEqual(rec.errors, [error]);
  await assert.rejects(client.waitUntilReady(), (err) => err === error);

  await delay(100); // ten times the reconnect delay
  client.start();
  assert.equal(server.upgradeAttempts, 1);
  assert.equal(client.connectionCount, 1);
  assert.equal(client.reconnectAttempts, 0);
  assert.equal(client.connected, false);
  assert.deepEqual(client.lastClose, { code: 4001, reason: "Authentication failed" });
  await client.stop();
  assert.deepEqual(rec.errors, [error]);
});

test("4004: NotFoundError with closeCode 4004, stops for good", async () => {
  await using server = await startFakeWsServer({
    onConnection: async (conn) => {
      if (await authenticate(conn, KEY)) conn.close(4004, "Conversation not found");
    },
  });
  await using t = makeClient(server);
  const { client, rec } = t;
  client.start();
  await waitFor(() => rec.errors.length === 1, "the fatal error");
  const [error] = rec.errors;
  assert.ok(error instanceof NotFoundError);
  assert.equal(error.closeCode, 4004);
  assert.equal(error.status, 404);
  assert.equal(
    error.message,
    `WebSocket ${PATH} closed with 4004 (Conversation not found): check the conversation id and host`,
  );
  await assert.rejects(client.waitUntilReady({ timeoutMs: 10_000 }), (err) => err === error);
  await delay(100);
  assert.equal(server.upgradeAttempts, 1);
  await client.stop();
});

// --- reconnects ------------------------------------------------------------------------------------

test("1013: reconnects with backoff, counts attempts, not reported as an error", async () => {
  const seen: number[] = [];
  await using server = await startFakeWsServer();
  await using made = makeClient(server);
  const { client } = made;
  server.onConnection = async (conn) => {
    seen.push(client.reconnectAttempts);
    if (conn.index <= 2) {
      conn.close(1013, "Too many connections for this conversation");
      return;
    }
    await streamOf("a")(conn);
  };
  client.start();
  await client.waitUntilReady({ timeoutMs: 5_000 });
  await waitFor(() => made.rec.events.length === 2, "events");
  assert.deepEqual(seen, [0, 1, 2]);
  assert.equal(client.connectionCount, 3);
  assert.deepEqual(client.lastClose, {
    code: 1013,
    reason: "Too many connections for this conversation",
  });
  assert.deepEqual(made.rec.log, ["event:state-3", "event:a"]);
  await client.stop();
});

test("1006: a dropped connection reconnects; lastClose is 1006 on every runtime", async () => {
  await using server = await startFakeWsServer({ onConnection: streamOf("a") });
  await using t = makeClient(server);
  const { client, rec } = t;
  client.start();
  await waitFor(() => rec.events.length === 2, "first stream");
  server.connections[0]!.drop();
  await waitFor(() => rec.events.length === 4, "second stream");
  assert.deepEqual(rec.log, ["event:state-1", "event:a", "event:state-2", "event:a"]);
  assert.equal(client.connectionCount, 2);
  assert.equal(client.reconnectAttempts, 1);
  assert.deepEqual(client.lastClose, { code: 1006, reason: "" });
  assert.deepEqual(rec.errors, []);
});

test("HTTP 403 at the upgrade: retried with backoff (an error event and an abnormal close)", async () => {
  const seen: number[] = [];
  await using server = await startFakeWsServer();
  await using made = makeClient(server);
  const { client } = made;
  server.onUpgrade = ({ attempt }) => {
    seen.push(client.reconnectAttempts);
    return attempt <= 2 ? 403 : undefined;
  };
  server.onConnection = streamOf();
  client.start();
  await client.waitUntilReady({ timeoutMs: 5_000 });
  assert.deepEqual(seen, [0, 1, 2]);
  assert.equal(server.upgradeAttempts, 3);
  assert.equal(client.connectionCount, 1);
  assert.deepEqual(client.lastClose, { code: 1006, reason: "" });
  assert.deepEqual(made.rec.errors, []);
  await client.stop();
});

test("backoff: delays grow by the multiplier and stop at maxDelayMs", async () => {
  const seen: number[] = [];
  await using server = await startFakeWsServer();
  // Uncapped this would wait 20, 200, 2000, 20000 ms.
  await using t = makeClient(server, {
    reconnect: { initialDelayMs: 20, multiplier: 10, maxDelayMs: 40, jitter: 0 },
  });
  const { client } = t;
  server.onConnection = (conn) => {
    seen.push(client.reconnectAttempts);
    conn.close(1012, "Service restart");
  };
  client.start();
  await waitFor(() => server.connectionCount === 5, "five connections");
  await client.stop();
  const opened = server.connections.map((c) => c.openedAt);
  const gaps = opened.slice(1).map((at, i) => at - opened[i]!);
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  const expected = [20, 40, 40, 40];
  gaps.forEach((gap, i) => {
    assert.ok(gap >= expected[i]! - 2, `gap ${i}: ${gap} >= ${expected[i]}`);
    assert.ok(gap < 1_000, `gap ${i}: ${gap} is capped`);
  });
});

test("minUptimeMs: the attempt count resets only after a connection stayed open long enough", async () => {
  const seen: number[] = [];
  let during = -1;
  await using server = await startFakeWsServer();
  await using t = makeClient(server, { reconnect: { ...FAST, minUptimeMs: 100 } });
  const { client } = t;
  server.onConnection = async (conn) => {
    seen.push(client.reconnectAttempts);
    if (conn.index === 3) {
      await delay(150);
      during = client.reconnectAttempts;
      conn.close(1001, "Going away");
    } else if (conn.index < 5) {
      conn.close(1013, "busy");
    }
  };
  client.start();
  await waitFor(() => server.connectionCount === 5, "five connections");
  await client.stop();
  // 1 and 2 drop at once (1, 2); 3 lives 150 ms (0 while open), so its drop counts 1 again.
  assert.deepEqual(seen, [0, 1, 2, 1, 2]);
  assert.equal(during, 0);
});

// --- bad frames, throwing callback -----------------------------------------------------------------

test("frames: bad JSON, a binary frame and a non-event are one EventValidationError each", async () => {
  await using server = await startFakeWsServer({
    onConnection: async (conn) => {
      if (!(await authenticate(conn, KEY))) return;
      conn.sendJson(stateEvent({ id: "s" }));
      conn.send("{not json");
      conn.sendJson(messageEvent("a"));
      conn.sendBinary(new Uint8Array([1, 2, 3]));
      conn.sendJson({ kind: "MessageEvent", timestamp: "t", source: "agent" });
      conn.sendJson(messageEvent("b"));
    },
  });
  await using t = makeClient(server);
  const { client, rec } = t;
  client.start();
  await waitFor(() => rec.events.length === 3, "good events");
  await client.stop();
  assert.deepEqual(rec.log, [
    "event:s",
    "error:EventValidationError",
    "event:a",
    "error:EventValidationError",
    "error:EventValidationError",
    "event:b",
  ]);
  const [bad, binary, nonEvent] = rec.errors as EventValidationError[];
  for (const error of rec.errors) assert.ok(error instanceof EventValidationError);
  assert.equal(bad!.message, "Invalid event frame: not JSON");
  assert.equal(bad!.excerpt, "{not json");
  assert.equal(
    binary!.message,
    "Invalid event frame: binary frame of 3 bytes (the server sends events as text frames)",
  );
  assert.equal(binary!.excerpt, "");
  assert.match(nonEvent!.message, /^Invalid event frame: MessageEvent /);
  assert.equal(client.connectionCount, 1);
});

test("callback: a throw is reported with its cause and delivery goes on", async () => {
  await using server = await startFakeWsServer({ onConnection: streamOf("a", "b", "c") });
  const boom = new TypeError("callback bug");
  const ids: string[] = [];
  await using t = makeClient(server, {
    callback: (event) => {
      ids.push(event.id);
      if (event.id === "b") throw boom;
    },
  });
  const { client, rec } = t;
  client.start();
  await waitFor(() => ids.length === 4, "all events");
  await client.stop();
  assert.deepEqual(ids, ["state-1", "a", "b", "c"]);
  assert.equal(rec.errors.length, 1);
  const [error] = rec.errors;
  assert.ok(error instanceof RemoteHandsError);
  assert.equal(error.name, "RemoteHandsError");
  assert.equal(error.message, "The event callback threw on MessageEvent b: callback bug");
  assert.equal(error.cause, boom);
});

test("onError: a throwing onError does not stop the stream", async () => {
  await using server = await startFakeWsServer({
    onConnection: async (conn) => {
      if (!(await authenticate(conn, KEY))) return;
      conn.send("nope");
      conn.sendJson(stateEvent());
      conn.sendJson(messageEvent("a"));
    },
  });
  const ids: string[] = [];
  await using t = makeClient(server, {
    callback: (event) => ids.push(event.id),
    onError: () => {
      throw new Error("onError bug");
    },
  });
  const { client } = t;
  client.start();
  await client.waitUntilReady({ timeoutMs: 5_000 });
  await waitFor(() => ids.length === 2, "events");
  await client.stop();
});

// --- stop, waitUntilReady ----------------------------------------------------------------------------

test("stop: during a backoff cancels the reconnect timer", async () => {
  await using server = await startFakeWsServer({
    onConnection: (conn) => conn.close(1013, "credential_binding_activation_required"),
  });
  await using t = makeClient(server, {
    reconnect: { ...FAST, initialDelayMs: 300, maxDelayMs: 300 },
  });
  const { client } = t;
  client.start();
  const ready = settled(client.waitUntilReady({ timeoutMs: 10_000 }));
  await waitFor(() => client.reconnectAttempts === 1, "the first failure");
  const start = performance.now();
  const stopping = client.stop();
  assert.equal(client.stop(), stopping);
  await stopping;
  assert.ok(performance.now() - start < 200, "stop did not wait for the backoff");
  await delay(400);
  assert.equal(server.upgradeAttempts, 1);
  assert.ok(ready.error instanceof WebSocketConnectionError);
  assert.equal(ready.error.message, "WebSocket: the client was stopped before it was ready");
  assert.equal(ready.error.closeCode, 1013);
  assert.equal(ready.error.closeReason, "credential_binding_activation_required");
});

test("stop: while connecting; asyncDispose stops too", async () => {
  await using server = await startFakeWsServer({ onConnection: streamOf() });
  {
    const { client } = makeClient(server);
    client.start();
    await client.stop();
    assert.equal(client.connected, false);
  }
  let disposed: WebSocketCallbackClient;
  {
    await using client = makeClient(server).client;
    disposed = client;
    client.start();
    await client.waitUntilReady({ timeoutMs: 5_000 });
    assert.equal(client.connected, true);
  }
  assert.equal(disposed.connected, false);
  assert.deepEqual(disposed.lastClose, { code: 1000, reason: "client stopped" });
  await delay(50);
  assert.ok(server.connections.every((c) => !c.isOpen));
});

test("waitUntilReady: times out with WebSocketConnectionError and the last close code", async () => {
  await using server = await startFakeWsServer();
  await using t = makeClient(server, { apiKey: undefined });
  const { client } = t;
  client.start();
  await assert.rejects(client.waitUntilReady({ timeoutMs: 100 }), (err) => {
    assert.ok(err instanceof WebSocketConnectionError);
    assert.equal(err.message, "WebSocket: no state event within 100 ms");
    assert.equal(err.closeCode, undefined);
    return true;
  });
  server.onConnection = (conn) => conn.close(1013, "busy");
  server.connections[0]!.close(1013, "busy");
  await waitFor(() => client.lastClose !== undefined, "a close");
  await assert.rejects(client.waitUntilReady({ timeoutMs: 50 }), (err) => {
    assert.ok(err instanceof WebSocketConnectionError);
    assert.equal(err.message, "WebSocket: no state event within 50 ms");
    assert.equal(err.closeCode, 1013);
    assert.equal(err.closeReason, "busy");
    assert.equal(err.cause, undefined);
    return true;
  });
  server.onUpgrade = () => 403;
  await waitFor(() => client.lastClose?.code === 1006, "a refused upgrade");
  await assert.rejects(client.waitUntilReady({ timeoutMs: 50 }), (err) => {
    assert.ok(err instanceof WebSocketConnectionError);
    assert.equal(err.message, "WebSocket: no state event within 50 ms");
    assert.equal(err.closeCode, 1006);
    assert.ok(err.cause instanceof Error);
    assert.match(err.cause.message, /\b403\b/);
    return true;
  });
  await client.stop();
});

test("waitUntilReady: an aborted signal rejects with its reason", async () => {
  await using server = await startFakeWsServer();
  await using t = makeClient(server);
  const { client } = t;
  client.start();
  const reason = new Error("user gave up");
  await assert.rejects(
    client.waitUntilReady({ signal: AbortSignal.abort(reason) }),
    (err) => err === reason,
  );
  const controller = new AbortController();
  const waiting = client.waitUntilReady({ signal: controller.signal, timeoutMs: 10_000 });
  setTimeout(() => controller.abort(reason), 20);
  await assert.rejects(waiting, (err) => err === reason);
  await client.stop();
});
