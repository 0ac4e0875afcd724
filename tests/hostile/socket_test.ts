/**
 * Hostile servers against the event sockets (issue 10, findings 1, 7, 8, 11, 13, 15, 16): frames
 * that used to throw out of a listener, a key echoed in a close reason, a `/ready` probe that
 * outlived `stop()` or followed a redirect, timer values out of range, a frame too large for the
 * runtime, reconnect storms and a refused upgrade retried forever, and the `transient` flag.
 * Every case runs under `deno test` and `bun test` against the loopback fake server.
 */

import assert from "node:assert/strict";
import { delay } from "../../src/_async.ts";
import {
  AuthenticationError,
  EventValidationError,
  NotFoundError,
  type RemoteHandsError,
  WebSocketConnectionError,
} from "../../src/errors.ts";
import type { Event } from "../../src/events/kinds.ts";
import { MIN_RECONNECT_DELAY_MS, reconnectDelay } from "../../src/socket/reconnect.ts";
import type { WebSocketCallbackClientOptions } from "../../src/socket/types.ts";
import { WebSocketCallbackClient } from "../../src/socket/websocket_client.ts";
import { watchUnhandled } from "../chaos/fuzz_frames.ts";
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
import { recordHostile } from "./_metrics.ts";

const KEY = "sk-hostile-0123456789abcdef";
const ID = "6c1b5b1e-0000-4000-8000-0000000000aa";
interface Seen {
  /** Callback calls: the event and the other arguments, as given. */
  calls: { event: Event; args: unknown[] }[];
  errors: RemoteHandsError[];
}

function makeClient(
  server: FakeWsServer,
  options: Partial<WebSocketCallbackClientOptions> = {},
): { client: WebSocketCallbackClient; seen: Seen } & AsyncDisposable {
  const seen: Seen = { calls: [], errors: [] };
  const client = new WebSocketCallbackClient({
    host: server.url,
    conversationId: ID,
    apiKey: KEY,
    callback: (event, ...args) => void seen.calls.push({ event, args }),
    onError: (error) => void seen.errors.push(error),
    reconnect: FAST,
    ...options,
  });
  return { client, seen, [Symbol.asyncDispose]: () => client.stop() };
}

/** Every form of `text` a leak could take: as is, JSON-escaped, `\u`-escaped. */
function leaks(text: string): boolean {
  const u = [...KEY].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
  return text.includes(KEY) || text.includes(u) || text.includes(u.toUpperCase()) ||
    text.includes("0123456789abcdef");
}

// --- 1: no frame throws out of a listener --------------------------------------------------------

test("hostile socket 1: session fields whose toString is not a function are one EventValidationError each; the stream goes on", async () => {
  const watch = watchUnhandled();
  try {
    await using server = await startFakeWsServer({
      onConnection: async (conn) => {
        if (!(await authenticate(conn, KEY))) return;
        conn.sendJson({ type: "sync" });
        conn.send(
          '{"type":"delta","item_id":{"toString":1},"attempt":1,"order":0,"content":"x"}',
        );
        conn.send(
          '{"type":"delta","item_id":"i","attempt":{"valueOf":{}},"order":0,"content":"x"}',
        );
        conn.send(
          '{"type":"delta","item_id":"i","attempt":1,"order":{"toString":1},"content":"x"}',
        );
        conn.send('{"type":"error","code":{"toString":1},"detail":"d"}');
        conn.send('{"type":{"toString":1}}');
        conn.send('{"type":"durable","seq":{"valueOf":1},"event":{}}');
        conn.send('{"type":"sync","through_seq":{"toString":1}}');
        conn.sendJson({ type: "durable", seq: 0, event: messageEvent("m0") });
      },
    });
    await using t = makeClient(server, {
      protocol: "session",
      // A callback that throws a value String() cannot print is reported too.
      callback: (event) => {
        if (event.id === "m0") throw { toString: 1 };
      },
    });
    t.client.start();
    await t.client.waitUntilReady({ timeoutMs: 10_000 });
    await waitFor(() => t.seen.errors.length === 8, "eight reports");
    await delay(50);
    const names = t.seen.errors.map((e) => e.constructor.name);
    assert.deepEqual(names, [...Array(7).fill("EventValidationError"), "RemoteHandsError"]);
    for (const error of t.seen.errors.slice(0, 7)) assert.ok(error instanceof EventValidationError);
    assert.deepEqual(t.seen.errors.slice(0, 7).map((e) => e.message), [
      "Invalid event frame: session frame 'delta': 'item_id' must be a string (got an object)",
      "Invalid event frame: session frame 'delta': 'attempt' must be a whole number (got an object)",
      "Invalid event frame: session frame 'delta': 'order' must be a whole number (got an object)",
      "Invalid event frame: session frame 'error': 'code' must be a string (got an object)",
      "Invalid event frame: session frame without a string 'type' (got an object)",
      "Invalid event frame: session frame 'durable': 'seq' must be a whole number >= 0 (got an object)",
      "Invalid event frame: session frame 'sync': 'through_seq' must be a whole number >= 0 or null (got an object)",
    ]);
    assert.equal(
      t.seen.errors[7]!.message,
      "The event callback threw on MessageEvent m0: a value that cannot be shown (an object)",
    );
    assert.equal(t.client.lastSeq, 0, "the stream went on to the durable frame");
    assert.equal(server.connectionCount, 1);
  } finally {
    await delay(10);
    watch.dispose();
  }
  recordHostile("uncaught", watch.seen.size);
  assert.equal(watch.seen.size, 0, `uncaught: ${[...watch.seen].map(String).join("; ")}`);
});

// --- 7: the key in a close reason ----------------------------------------------------------------

for (const [code, ErrorClass] of [[4001, AuthenticationError], [4004, NotFoundError]] as const) {
  test(`hostile socket 7: a close ${code} whose reason echoes the key (raw and JSON-escaped) is redacted`, async () => {
    // A close reason holds at most 123 bytes: the key raw, half `\u`-escaped, JSON-quoted.
    const reason = `bad ${KEY} "\\u0073\\u006B${KEY.slice(2)}" \\"${KEY}\\"`;
    await using server = await startFakeWsServer({
      onConnection: async (conn) => {
        await conn.nextMessage();
        conn.close(code, reason);
      },
    });
    await using t = makeClient(server);
    t.client.start();
    const err = await t.client.waitUntilReady({ timeoutMs: 10_000 }).then(
      () => assert.fail("ready"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ErrorClass);
    assert.deepEqual(t.seen.errors, [err]);
    const shown = [err.message, String(err.stack), JSON.stringify(err), JSON.stringify(err.body)]
      .join("\n");
    assert.equal(leaks(shown), false, shown);
    assert.equal(leaks(JSON.stringify(t.client.lastClose)), false);
    const redacted = 'bad [redacted] "[redacted]" \\"[redacted]\\"';
    assert.deepEqual(t.client.lastClose, { code, reason: redacted });
    assert.equal(err.detail, redacted);
  });
}

test("hostile socket 7: a non-fatal close reason with the key is redacted in lastClose and the ready error", async () => {
  await using server = await startFakeWsServer({
    onConnection: async (conn) => {
      await conn.nextMessage();
      conn.close(1013, `try again, ${KEY}`);
    },
  });
  await using t = makeClient(server);
  t.client.start();
  await waitFor(() => t.client.lastClose !== undefined, "a close");
  assert.deepEqual(t.client.lastClose, { code: 1013, reason: "try again, [redacted]" });
  const err = await t.client.waitUntilReady({ timeoutMs: 50 }).then(
    () => assert.fail("ready"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WebSocketConnectionError);
  assert.equal(err.closeReason, "try again, [redacted]");
});

// --- 8: the /ready probe -------------------------------------------------------------------------

test("hostile socket 8: stop() waits until the /ready probe in flight has ended", async () => {
  let inFlight = 0;
  let answer = (): void => {};
  await using server = await startFakeWsServer({
    onUpgrade: () => 404,
    // /ready hangs until the test lets it go (after the check).
    onHttp: () =>
      new Promise<Response>((resolve) => {
        answer = () => resolve(new Response("{}", { status: 200 }));
      }),
  });
  await using t = makeClient(server, {
    protocol: "auto",
    fetch: (request) => {
      inFlight++;
      return globalThis.fetch(request).finally(() => inFlight--);
    },
  });
  t.client.start();
  await waitFor(() => server.httpRequests.length === 1, "the probe");
  assert.equal(inFlight, 1);
  await t.client.stop();
  const left = inFlight;
  answer();
  recordHostile("unbounded_requests", left);
  assert.equal(left, 0, "no probe outlives stop()");
  assert.equal(server.upgradeAttempts, 1);
  assert.deepEqual(t.seen.errors, []);
});

test("hostile socket 8: the /ready probe does not follow a redirect to another origin (a 3xx is 'not up')", async () => {
  await using other = await startFakeWsServer();
  await using server = await startFakeWsServer({
    onUpgrade: ({ url }) => (url.pathname.startsWith("/sockets/session/") ? 404 : undefined),
    onHttp: () =>
      new Response(null, {
        status: 302,
        headers: { location: `${other.url}/ready`, connection: "close" },
      }),
  });
  await using t = makeClient(server, { protocol: "auto" });
  t.client.start();
  await waitFor(() => server.httpRequests.length >= 2, "two probes");
  await t.client.stop();
  recordHostile("redirect_leaks", other.httpRequests.length);
  assert.deepEqual(other.httpRequests, []);
  assert.equal(t.client.protocol, "session", "a redirect is not an answer: no fallback");
  for (const request of server.httpRequests) assert.equal(request, "GET /ready");
});

// --- 11: timer values ----------------------------------------------------------------------------

test("hostile socket 11: timer options out of range are a RangeError at the call", async () => {
  await using server = await startFakeWsServer();
  const bad = [2 ** 31, Number.NaN, -1, Infinity];
  for (const value of bad) {
    for (const name of ["connectTimeoutMs", "initialDelayMs", "maxDelayMs", "minUptimeMs"]) {
      const reconnect = name === "maxDelayMs" || name === "initialDelayMs"
        ? { initialDelayMs: 10, maxDelayMs: 40, [name]: value }
        : { [name]: value };
      assert.throws(
        () => makeClient(server, { reconnect }),
        (err: unknown) => err instanceof RangeError && err.message.includes(`'${name}'`),
        `${name}: ${value}`,
      );
    }
  }
  assert.throws(() => makeClient(server, { reconnect: { connectTimeoutMs: 2 ** 31 } }), {
    name: "RangeError",
    message:
      "Cannot reconnect as 'connectTimeoutMs' must be at most 2147483647 ms (2^31 - 1): current value is 2147483648",
  });
  await using t = makeClient(server);
  for (const timeoutMs of bad) {
    assert.throws(() => t.client.waitUntilReady({ timeoutMs }), {
      name: "RangeError",
      message:
        `Cannot wait for the event socket as 'timeoutMs' must be a number from 0 to 2147483647: current value is ${timeoutMs}`,
    });
  }
  // The largest value is fine, and its timer is cleared.
  await assert.rejects(
    t.client.waitUntilReady({ timeoutMs: 2 ** 31 - 1, signal: AbortSignal.abort("gave up") }),
    (reason) => reason === "gave up",
  );
});

// --- 13: a frame too large for the runtime -------------------------------------------------------

test("hostile socket 13: a frame too large for the runtime, resent on every reconnect, is reported once", async () => {
  // Deno takes frames up to 64 MiB, Bun up to 128 MiB: one byte more fails on both.
  const big = `{"kind":"FutureEvent","id":"big","timestamp":"t","source":"agent","x":"${
    "x".repeat(128 * 1024 * 1024 + 1)
  }"}`;
  await using server = await startFakeWsServer({
    onConnection: async (conn) => {
      if (!(await authenticate(conn, KEY))) return;
      conn.sendJson(stateEvent());
      conn.send(big);
    },
  });
  await using t = makeClient(server);
  t.client.start();
  await waitFor(() => server.connectionCount >= 3, "three connections", 60_000);
  await waitFor(() => t.client.lastClose !== undefined, "a close");
  await t.client.stop();
  assert.equal(t.seen.errors.length, 1, t.seen.errors.map((e) => e.message).join("; "));
  const err = t.seen.errors[0]!;
  assert.ok(err instanceof WebSocketConnectionError);
  assert.equal(err.closeCode, 1006);
  assert.match(
    err.message,
    /^WebSocket: \/sockets\/events\/6c1b5b1e-0000-4000-8000-0000000000aa received a frame too large for this runtime's WebSocket \(.*(Frame too large|Message too big).*\); it reconnects/,
  );
});

test("hostile socket 13: a forced session socket closed 1013 frame_too_large on every reconnect is reported once", async () => {
  await using server = await startFakeWsServer({
    onConnection: async (conn) => {
      if (!(await authenticate(conn, KEY))) return;
      conn.sendJson({ type: "sync" });
      conn.close(1013, "frame_too_large");
    },
  });
  await using t = makeClient(server, { protocol: "session" });
  t.client.start();
  await waitFor(() => server.connectionCount >= 4, "four connections");
  await t.client.stop();
  assert.equal(t.seen.errors.length, 1, t.seen.errors.map((e) => e.message).join("; "));
  const err = t.seen.errors[0]!;
  assert.ok(err instanceof WebSocketConnectionError);
  assert.deepEqual([err.closeCode, err.closeReason], [1013, "frame_too_large"]);
  assert.equal(
    err.message,
    `WebSocket: /sockets/session/${ID} was closed twice at the same point as the server found a frame too large to send (frame_too_large); it reconnects, but a resent frame drops it again: shrink the event on the server or read the history over REST`,
  );
});

// --- 15: reconnect floor and a refused upgrade ---------------------------------------------------

test("hostile socket 15: reconnect delays have a 10 ms floor (no delay of 0, not even by jitter)", () => {
  assert.equal(MIN_RECONNECT_DELAY_MS, 10);
  assert.throws(() => reconnectDelay(0, { initialDelayMs: 0 }), {
    name: "RangeError",
    message:
      "Cannot reconnect as 'initialDelayMs' must be at least 10 ms (a reconnect loop without a pause floods the server): current value is 0",
  });
  assert.equal(reconnectDelay(0, { initialDelayMs: 10, jitter: 1 }, () => 0.999), 10);
  assert.equal(reconnectDelay(5, { initialDelayMs: 10, multiplier: 1, jitter: 1 }, () => 1), 10);
  assert.equal(reconnectDelay(0, { initialDelayMs: 10 }, () => Number.NaN), 10);
});

test("hostile socket 15: a server that accepts and drops at once gets at most 100 attempts a second", async () => {
  await using server = await startFakeWsServer({ onConnection: (conn) => conn.drop() });
  await using t = makeClient(server, {
    reconnect: { initialDelayMs: 10, maxDelayMs: 10, multiplier: 1, jitter: 1 },
  });
  const started = performance.now();
  t.client.start();
  await delay(500);
  await t.client.stop();
  const seconds = (performance.now() - started) / 1000;
  const attempts = server.upgradeAttempts;
  assert.ok(attempts >= 2, `${attempts} attempts`);
  assert.ok(attempts <= Math.ceil(seconds * 100) + 1, `${attempts} attempts in ${seconds} s`);
});

for (const status of [401, 403]) {
  test(`hostile socket 15: an upgrade refused with HTTP ${status} and a REST ${status} for the key is an AuthenticationError, not retried forever`, async () => {
    const probes: { path: string; key: string | null }[] = [];
    await using server = await startFakeWsServer({
      onUpgrade: () => status,
      onHttp: ({ url, headers }) => {
        probes.push({
          path: `${url.pathname}${url.search}`,
          key: headers.get("x-session-api-key"),
        });
        return Response.json({ detail: "Unauthorized" }, { status });
      },
    });
    await using t = makeClient(server);
    t.client.start();
    const err = await t.client.waitUntilReady({ timeoutMs: 10_000 }).then(
      () => assert.fail("ready"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AuthenticationError);
    assert.equal(err.status, status);
    assert.equal(
      err.message,
      `WebSocket /sockets/events/${ID} was refused, and GET /api/conversations/${ID} with the same key answered ${status}: check the apiKey option`,
    );
    assert.deepEqual(t.seen.errors, [err]);
    await delay(100);
    assert.equal(server.upgradeAttempts, 3, "no retry after the answer");
    assert.deepEqual(probes, [{ path: `/api/conversations/${ID}`, key: KEY }]);
    for (const url of server.upgradeUrls) assert.equal(url.search, "");
  });
}

test("hostile socket 15: a refused upgrade and a JSON 404 for the conversation is a NotFoundError; an HTML 404 or a redirect keeps retrying", async () => {
  let html = true;
  await using other = await startFakeWsServer();
  await using server = await startFakeWsServer({
    onUpgrade: () => 404,
    onHttp: ({ url }) => {
      if (url.pathname.endsWith("/redirect")) return undefined;
      if (html) {
        html = false;
        return new Response("<h1>Not Found</h1>", {
          status: 404,
          headers: { "content-type": "text/html" },
        });
      }
      if (server.httpRequests.length === 2) {
        return new Response(null, { status: 307, headers: { location: `${other.url}/x` } });
      }
      return Response.json({ detail: "Not Found" }, { status: 404 });
    },
  });
  await using t = makeClient(server);
  t.client.start();
  const err = await t.client.waitUntilReady({ timeoutMs: 10_000 }).then(
    () => assert.fail("ready"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof NotFoundError);
  assert.equal(server.httpRequests.length, 3, "HTML 404, then a redirect, then a JSON 404");
  assert.equal(server.upgradeAttempts, 5);
  recordHostile("redirect_leaks", other.httpRequests.length);
  assert.deepEqual(other.httpRequests, []);
});

// --- 16: transient frames ------------------------------------------------------------------------

test("hostile socket 16: the callback's third argument is true for a transient frame only", async () => {
  await using server = await startFakeWsServer({
    onConnection: async (conn: FakeWsConnection) => {
      if (!(await authenticate(conn, KEY))) return;
      conn.sendJson({ type: "sync", through_seq: 0 });
      conn.sendJson({ type: "transient", event: stateEvent({ id: "snap" }) });
      conn.sendJson({ type: "durable", seq: 1, event: messageEvent("m1") });
      conn.sendJson({
        type: "transient",
        event: { kind: "FutureEvent", id: "f", timestamp: "t", source: "agent" },
      });
      conn.sendJson({
        type: "delta",
        item_id: "i",
        attempt: 1,
        order: 0,
        kind: "text",
        content: "c",
      });
      conn.sendJson({ type: "error", code: "E", detail: "d" });
    },
  });
  await using t = makeClient(server, { protocol: "session" });
  t.client.start();
  await waitFor(() => t.seen.calls.length === 5, "five events");
  assert.deepEqual(t.seen.calls.map(({ event, args }) => [event.id, ...args]), [
    ["snap", undefined, true],
    ["m1", 1],
    ["f", undefined, true],
    ["i:1:0", undefined],
    ["server-error-1", undefined],
  ]);
  assert.deepEqual(t.seen.errors, []);
});
