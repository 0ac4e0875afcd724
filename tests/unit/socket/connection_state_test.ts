/**
 * `onConnectionChange` of the event socket client, against the loopback fake: the order of the
 * changes over a reconnect, refusals, a fatal close, `stop()`, and listeners that throw or stop.
 */

import assert from "node:assert/strict";
import { AuthenticationError, type RemoteHandsError } from "../../../src/errors.ts";
import type { ConnectionChange } from "../../../src/socket/types.ts";
import { WebSocketCallbackClient } from "../../../src/socket/websocket_client.ts";
import type { WebSocketCallbackClientOptions } from "../../../src/socket/types.ts";
import {
  authenticate,
  type FakeWsConnection,
  type FakeWsServer,
  messageEvent,
  startFakeWsServer,
  stateEvent,
} from "../../support/fake_ws_server.ts";
import { test } from "../../support/test.ts";
import { FAST, waitFor } from "../../support/wait.ts";

const KEY = "sk-session-0123456789abcdef";
const ID = "6c1b5b1e-0000-4000-8000-000000000000";

interface Recorded {
  changes: ConnectionChange[];
  errors: RemoteHandsError[];
  events: string[];
}

/** A client on `server` that records its changes, errors and event ids. */
function makeClient(
  server: FakeWsServer,
  options: Partial<WebSocketCallbackClientOptions> = {},
): { client: WebSocketCallbackClient; rec: Recorded } & AsyncDisposable {
  const rec: Recorded = { changes: [], errors: [], events: [] };
  const client = new WebSocketCallbackClient({
    host: server.url,
    conversationId: ID,
    apiKey: KEY,
    reconnect: FAST,
    callback: (event) => rec.events.push(event.id),
    onError: (error) => rec.errors.push(error),
    onConnectionChange: (change) => rec.changes.push(change),
    ...options,
  });
  return { client, rec, [Symbol.asyncDispose]: () => client.stop() };
}

/** Authenticates, then sends a state event and message `m<index>`. */
async function stream(conn: FakeWsConnection): Promise<void> {
  if (!(await authenticate(conn, KEY))) return;
  conn.sendJson(stateEvent({ id: `state-${conn.index}` }));
  conn.sendJson(messageEvent(`m${conn.index}`));
}

const CONNECTING = { state: "connecting" } as const;
const OPEN = { state: "open" } as const;
const STOPPED = { state: "closed", code: 1000, reason: "client stopped" } as const;

test("onConnectionChange: connecting, open, reconnecting (attempt, delay, close), open, closed", async () => {
  await using server = await startFakeWsServer({ onConnection: stream });
  await using t = makeClient(server);
  const { client, rec } = t;
  assert.deepEqual(rec.changes, [], "nothing before start()");
  client.start();
  assert.deepEqual(rec.changes, [CONNECTING], "connecting is told at once");
  await client.waitUntilReady({ timeoutMs: 5_000 });
  assert.deepEqual(rec.changes, [CONNECTING, OPEN]);
  server.connections[0]!.close(1012, "Service restart");
  await waitFor(() => rec.events.includes("m2"), "the second connection's events");
  await client.stop();
  assert.deepEqual(rec.changes, [
    CONNECTING,
    OPEN,
    { state: "reconnecting", attempt: 1, delayMs: 10, code: 1012, reason: "Service restart" },
    CONNECTING,
    OPEN,
    STOPPED,
  ]);
  await client.stop();
  assert.equal(rec.changes.length, 6, "closed is told once");
  assert.deepEqual(rec.errors, []);
});

test("onConnectionChange: attempts count consecutive failures; a dropped connection is 1006", async () => {
  // Upgrades 1 and 2 are refused (never open: 1006); 3 opens and is dropped; 4 stays.
  await using server = await startFakeWsServer({
    onUpgrade: ({ attempt }) => (attempt <= 2 ? 403 : undefined),
    onConnection: stream,
  });
  await using t = makeClient(server);
  const { client, rec } = t;
  client.start();
  await waitFor(() => rec.events.includes("m1"), "the first open connection's events");
  server.connections[0]!.drop();
  await waitFor(() => rec.events.includes("m2"), "the reconnect's events");
  await client.stop();
  assert.deepEqual(rec.changes, [
    CONNECTING,
    { state: "reconnecting", attempt: 1, delayMs: 10, code: 1006, reason: "" },
    CONNECTING,
    { state: "reconnecting", attempt: 2, delayMs: 20, code: 1006, reason: "" },
    CONNECTING,
    OPEN,
    // minUptimeMs (60 s) had not passed: the drop is the third failure in a row.
    { state: "reconnecting", attempt: 3, delayMs: 40, code: 1006, reason: "" },
    CONNECTING,
    OPEN,
    STOPPED,
  ]);
});

test("onConnectionChange: a fatal close is the last change, with its code, reason and error", async () => {
  await using server = await startFakeWsServer({ onConnection: stream });
  await using t = makeClient(server, { apiKey: "wrong-key" });
  const { client, rec } = t;
  client.start();
  await waitFor(() => rec.changes.length === 3, "three changes");
  await assert.rejects(client.waitUntilReady({ timeoutMs: 1_000 }), AuthenticationError);
  const last = rec.changes[2];
  assert.ok(last?.state === "closed");
  assert.deepEqual({ ...last, error: undefined }, {
    state: "closed",
    code: 4001,
    reason: "Authentication failed",
    error: undefined,
  });
  assert.ok(last.error instanceof AuthenticationError);
  assert.equal(last.error, rec.errors[0], "the error given to onError");
  assert.deepEqual(rec.changes.slice(0, 2), [CONNECTING, OPEN]);
  await client.stop();
  assert.equal(rec.changes.length, 3, "stop() after a fatal close tells nothing more");
  assert.equal(server.connectionCount, 1);
});

test("onConnectionChange: a throwing listener is reported to onError each time; the socket goes on", async () => {
  await using server = await startFakeWsServer({ onConnection: stream });
  const states: string[] = [];
  await using t = makeClient(server, {
    onConnectionChange: (change) => {
      states.push(change.state);
      throw new Error(`no ${change.state}`);
    },
  });
  const { client, rec } = t;
  client.start();
  await client.waitUntilReady({ timeoutMs: 5_000 });
  await waitFor(() => rec.events.includes("m1"), "the events");
  server.connections[0]!.close(1011, "oops");
  await waitFor(() => rec.events.includes("m2"), "the reconnect's events");
  await client.stop();
  assert.deepEqual(states, ["connecting", "open", "reconnecting", "connecting", "open", "closed"]);
  assert.deepEqual(
    rec.errors.map((e) => `${e.name}: ${e.message}`),
    states.map((s) => `RemoteHandsError: onConnectionChange threw: no ${s}`),
  );
  assert.ok(rec.errors[0]!.cause instanceof Error);
  assert.deepEqual(rec.events, ["state-1", "m1", "state-2", "m2"]);
});

test("onConnectionChange: a listener may stop the client; nothing is told before start or after closed", async () => {
  await using server = await startFakeWsServer({ onConnection: stream });
  const holder: { client?: WebSocketCallbackClient } = {};
  const changes: ConnectionChange[] = [];
  await using t = makeClient(server, {
    onConnectionChange: (change) => {
      changes.push(change);
      if (change.state === "connecting") void holder.client?.stop();
    },
  });
  const client = (holder.client = t.client);
  client.start();
  await client.stop();
  assert.deepEqual(changes, [CONNECTING, STOPPED]);
  assert.equal(server.upgradeAttempts, 0, "the socket is never opened");

  // Stopped before start: no change at all.
  await using idle = makeClient(server);
  await idle.client.stop();
  idle.client.start();
  assert.deepEqual(idle.rec.changes, []);
});

test("onConnectionChange: an 'auto' fallback to the events socket connects again at once", async () => {
  // An older server: no session socket (the upgrade is refused), /ready answers 200.
  await using server = await startFakeWsServer({
    onUpgrade: ({ url }) => (url.pathname.startsWith("/sockets/session/") ? 404 : undefined),
    onConnection: stream,
  });
  const protocols: string[] = [];
  await using t = makeClient(server, {
    protocol: "auto",
    onProtocolChange: (protocol) => protocols.push(protocol),
  });
  const { client, rec } = t;
  client.start();
  await client.waitUntilReady({ timeoutMs: 5_000 });
  assert.deepEqual(protocols, ["events"]);
  assert.deepEqual(rec.changes, [CONNECTING, CONNECTING, OPEN]);
  assert.deepEqual(server.httpRequests, ["GET /ready"]);
});
