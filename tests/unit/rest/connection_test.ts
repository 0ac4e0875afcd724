/**
 * `Connection` (`src/rest/connection.ts`): made once from the user's options, shared through the
 * workspace registry, and never showing its key.
 */

import assert from "node:assert/strict";
import util from "node:util";
import {
  connectionOf,
  createConnection,
  registerConnection,
} from "../../../src/rest/connection.ts";
import { RemoteWorkspace } from "../../../src/workspace/remote_workspace.ts";
import { startFakeHttpServer } from "../../support/fake_http_server.ts";
import { test } from "../../support/test.ts";

const KEY = "session-key-123";

test("createConnection normalizes the host and resolves the defaults", () => {
  const connection = createConnection({ host: "http://agent.test/prefix/" });
  assert.equal(connection.baseUrl, "http://agent.test/prefix");
  assert.equal(connection.apiKey, undefined);
  assert.equal(connection.timeoutMs, 60_000);
  assert.equal(connection.maxResponseBytes, 64 * 1024 * 1024);
  assert.equal(connection.WebSocket, undefined);
  assert.equal(connection.client.baseUrl, "http://agent.test/prefix");
  assert.ok(Object.isFrozen(connection));
});

test("createConnection: an empty key is no key", () => {
  const connection = createConnection({ host: "http://agent.test", apiKey: "" });
  assert.equal(connection.apiKey, undefined);
  assert.equal(connection.client.hasApiKey, false);
});

test("createConnection checks its options as createAgentServerClient does", () => {
  assert.throws(() => createConnection({ host: "ftp://agent.test" }), TypeError);
  assert.throws(() => createConnection({ host: "http://agent.test", timeoutMs: 0 }), RangeError);
  assert.throws(() => createConnection({ host: "http://agent.test", maxRetries: -1 }), RangeError);
  assert.throws(
    () => createConnection({ host: "http://agent.test", maxResponseBytes: 0 }),
    RangeError,
  );
});

test("a connection never shows its key: JSON, inspect and own enumerable keys", () => {
  const connection = createConnection({ host: "http://agent.test", apiKey: KEY });
  assert.equal(connection.apiKey, KEY);
  for (const shown of [JSON.stringify(connection), util.inspect(connection, { depth: 5 })]) {
    assert.ok(!shown.includes(KEY), shown);
  }
  assert.ok(!Object.keys(connection).includes("apiKey"));
});

test("the user's fetch is used by REST and kept raw for the probes", async () => {
  await using server = await startFakeHttpServer(() => ({ status: 200, json: 2 }));
  const seen: string[] = [];
  const fetch = (request: Request): Promise<Response> => {
    seen.push(`${request.method} ${new URL(request.url).pathname}`);
    return globalThis.fetch(request);
  };
  const connection = createConnection({ host: server.url, apiKey: KEY, fetch });
  const { data } = await connection.client.rest.GET("/api/conversations/count");
  assert.equal(data, 2);
  await (await connection.fetch(new Request(`${server.url}/ready`))).body?.cancel();
  assert.deepEqual(seen, ["GET /api/conversations/count", "GET /ready"]);
  assert.equal(server.requests[0]!.headers["x-session-api-key"], KEY);
  assert.equal(server.requests[1]!.headers["x-session-api-key"], undefined);
});

test("connectionOf finds the connection a RemoteWorkspace registered, and only that", () => {
  const workspace = new RemoteWorkspace({
    host: "http://agent.test",
    apiKey: KEY,
    workingDir: "/w",
    timeoutMs: 1_000,
  });
  const connection = connectionOf(workspace);
  assert.equal(connection.apiKey, KEY);
  assert.equal(connection.timeoutMs, 1_000);
  assert.equal(connection.client, workspace.client);
  assert.throws(() => connectionOf({}), TypeError);
  assert.throws(() => connectionOf({ client: workspace.client }), TypeError);
  const owner = {};
  registerConnection(owner, connection);
  assert.equal(connectionOf(owner), connection);
});
