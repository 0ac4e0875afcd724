/**
 * The REST client against a real loopback HTTP server that misbehaves: rate limits, 503s,
 * refused connections, a server that never answers, and callers that give up.
 */

import assert from "node:assert/strict";
import { delay } from "../../../src/_async.ts";
import { callInit, createAgentServerClient } from "../../../src/rest/client.ts";
import { ConnectionError, RateLimitError, ServerError, TimeoutError } from "../../../src/errors.ts";
import {
  closedPort,
  type FakeAnswer,
  type FakeHttpServer,
  type RecordedRequest,
  startFakeHttpServer,
} from "../../support/fake_http_server.ts";
import { test } from "../../support/test.ts";
import { waitFor } from "../../support/wait.ts";

const ID = "6c1b5b1e-0000-4000-8000-000000000000";
const CONVERSATION_PATH = `/api/conversations/${ID}`;
const EVENTS_PATH = `/api/conversations/${ID}/events`;
const INFO = { id: ID, execution_status: "idle" };
const MESSAGE = {
  role: "user" as const,
  content: [{ type: "text" as const, text: "hi" }],
  run: false,
};

/** Answers the n-th request (1-based) with `answers[n - 1]`, the last one from then on. */
function script(...answers: FakeAnswer[]): (request: RecordedRequest) => FakeAnswer {
  return (request) => answers[Math.min(request.n, answers.length) - 1]!;
}

/** Milliseconds between consecutive requests. */
function gaps(server: FakeHttpServer): number[] {
  return server.requests.slice(1).map((r, i) => r.at - server.requests[i]!.at);
}

function getConversation(
  client: ReturnType<typeof createAgentServerClient>,
  init: ReturnType<typeof callInit> = {},
) {
  return client.rest.GET("/api/conversations/{conversation_id}", {
    params: { path: { conversation_id: ID } },
    ...init,
  });
}

function sendMessage(client: ReturnType<typeof createAgentServerClient>) {
  return client.rest.POST("/api/conversations/{conversation_id}/events", {
    params: { path: { conversation_id: ID } },
    body: MESSAGE,
  });
}

// --- retries -------------------------------------------------------------------------------------

test("GET is retried after 429 and 503 with retry-after-ms and then succeeds", async () => {
  await using server = await startFakeHttpServer(script(
    { status: 429, headers: { "retry-after-ms": "20" }, json: { detail: "slow down" } },
    { status: 503, headers: { "retry-after-ms": "20" }, json: { detail: "busy" } },
    { status: 200, json: INFO },
  ));
  const client = createAgentServerClient({ host: server.url, apiKey: "k" });
  const { data, response } = await getConversation(client);
  assert.deepEqual(data, INFO);
  assert.equal(response.status, 200);
  assert.deepEqual(
    server.requests.map((r) => `${r.method} ${r.url} ${r.headers["x-session-api-key"]}`),
    Array(3).fill(`GET ${CONVERSATION_PATH} k`),
  );
  // The server's 20 ms, not the default backoff (at least 375 ms).
  for (const gap of gaps(server)) assert.ok(gap >= 15 && gap < 300, `gap ${gap} ms`);
});

test("GET is retried after 503 with Retry-After in seconds (0) and then succeeds", async () => {
  await using server = await startFakeHttpServer(script(
    { status: 503, headers: { "retry-after": "0" }, text: "Service Unavailable" },
    { status: 200, json: INFO },
  ));
  const client = createAgentServerClient({ host: server.url });
  const { data } = await getConversation(client);
  assert.deepEqual(data, INFO);
  assert.equal(server.requests.length, 2);
  assert.ok(gaps(server)[0]! < 300, `gap ${gaps(server)[0]} ms`);
});

test("GET retries stop at maxRetries and throw the last answer's error", async () => {
  await using server = await startFakeHttpServer(script(
    { status: 503, headers: { "retry-after-ms": "10" }, json: { detail: "still busy" } },
  ));
  const client = createAgentServerClient({ host: server.url, maxRetries: 3 });
  await assert.rejects(getConversation(client), (err: unknown) => {
    assert.ok(err instanceof ServerError, String(err));
    assert.equal(err.status, 503);
    assert.equal(err.method, "GET");
    assert.equal(err.path, CONVERSATION_PATH);
    assert.equal(
      err.message,
      `GET ${CONVERSATION_PATH} failed with 503: still busy (retry later or read the server log)`,
    );
    return true;
  });
  assert.equal(server.requests.length, 4);
  await delay(50);
  assert.equal(server.requests.length, 4, "no attempt after giving up");
});

test("GET backs off 500 ms × 2ⁿ, minus up to 25 %, when no Retry-After is sent", async () => {
  await using server = await startFakeHttpServer(script(
    { status: 502, text: "Bad Gateway" },
    { status: 504, text: "Gateway Timeout" },
    { status: 429, json: { detail: "limited" } },
  ));
  const client = createAgentServerClient({ host: server.url, maxRetries: 2 });
  await assert.rejects(getConversation(client), (err: unknown) => {
    assert.ok(err instanceof RateLimitError, String(err));
    assert.equal(err.status, 429);
    return true;
  });
  assert.equal(server.requests.length, 3);
  const [first, second] = gaps(server) as [number, number];
  // 5 ms of slack below for timer and clock granularity, 250 ms above for a busy machine.
  assert.ok(first >= 370 && first <= 750, `first wait ${first} ms, expected 375-500`);
  assert.ok(second >= 745 && second <= 1250, `second wait ${second} ms, expected 750-1000`);
});

// --- POST is never retried -----------------------------------------------------------------------

test("a sendMessage POST on 503 is sent once and throws ServerError", async () => {
  await using server = await startFakeHttpServer(script(
    { status: 503, headers: { "retry-after-ms": "1" }, json: { detail: "overloaded" } },
  ));
  const client = createAgentServerClient({ host: server.url, maxRetries: 2 });
  await assert.rejects(sendMessage(client), (err: unknown) => {
    assert.ok(err instanceof ServerError, String(err));
    assert.equal(err.status, 503);
    assert.equal(err.method, "POST");
    assert.equal(err.path, EVENTS_PATH);
    assert.equal(err.detail, "overloaded");
    return true;
  });
  await delay(50);
  assert.equal(server.requests.length, 1, "a message must not be sent twice");
  assert.equal(server.requests[0]!.method, "POST");
  assert.equal(server.requests[0]!.url, EVENTS_PATH);
  assert.deepEqual(JSON.parse(server.requests[0]!.body), MESSAGE);
});

test("a sendMessage POST on 429 is sent once and throws RateLimitError", async () => {
  await using server = await startFakeHttpServer(script(
    { status: 429, headers: { "retry-after-ms": "1" }, json: { detail: "run slots used up" } },
  ));
  const client = createAgentServerClient({ host: server.url });
  await assert.rejects(sendMessage(client), RateLimitError);
  await delay(50);
  assert.equal(server.requests.length, 1);
});

test("a sendMessage POST that times out is sent once and throws TimeoutError", async () => {
  await using server = await startFakeHttpServer(() => "hang");
  const client = createAgentServerClient({ host: server.url, timeoutMs: 200, maxRetries: 2 });
  await assert.rejects(sendMessage(client), (err: unknown) => {
    assert.ok(err instanceof TimeoutError, String(err));
    assert.equal(err.timeoutMs, 200);
    assert.equal(
      err.message,
      `POST ${EVENTS_PATH} timed out after 200 ms (raise the timeout or check the server)`,
    );
    return true;
  });
  await delay(50);
  assert.equal(server.requests.length, 1);
});

// --- connection refused --------------------------------------------------------------------------

test("a closed port gives ConnectionError naming the origin", async () => {
  const port = await closedPort();
  const origin = `http://127.0.0.1:${port}`;
  const client = createAgentServerClient({ host: `${origin}/runtime/`, maxRetries: 0 });
  for (const call of [() => getConversation(client), () => sendMessage(client)]) {
    await assert.rejects(call(), (err: unknown) => {
      assert.ok(err instanceof ConnectionError, String(err));
      assert.equal(err.origin, origin);
      assert.ok(
        err.message.startsWith(`Cannot reach the agent server at ${origin}`),
        err.message,
      );
      assert.ok(
        err.message.endsWith("(check the host and that the server is running)"),
        err.message,
      );
      assert.ok(err.cause !== undefined);
      return true;
    });
  }
});

// --- a server that never answers -----------------------------------------------------------------

test("a server that never answers gives TimeoutError with timeoutMs", async () => {
  await using server = await startFakeHttpServer(() => "hang");
  const client = createAgentServerClient({ host: server.url, timeoutMs: 200, maxRetries: 0 });
  const start = performance.now();
  await assert.rejects(getConversation(client), (err: unknown) => {
    assert.ok(err instanceof TimeoutError, String(err));
    assert.equal(err.timeoutMs, 200);
    assert.equal(
      err.message,
      `GET ${CONVERSATION_PATH} timed out after 200 ms (raise the timeout or check the server)`,
    );
    return true;
  });
  const took = performance.now() - start;
  assert.ok(took >= 195 && took < 2_000, `took ${took} ms`);
  assert.equal(server.requests.length, 1);
});

test("callInit({ timeoutMs }) bounds one call; a timed-out GET is retried", async () => {
  await using server = await startFakeHttpServer(() => "hang");
  const client = createAgentServerClient({ host: server.url, maxRetries: 1 });
  await assert.rejects(getConversation(client, callInit({ timeoutMs: 200 })), (err: unknown) => {
    assert.ok(err instanceof TimeoutError, String(err));
    assert.equal(err.timeoutMs, 200);
    return true;
  });
  assert.equal(server.requests.length, 2);
  for (const r of server.requests) {
    assert.equal(r.headers["x-remote-hands-timeout-ms"], undefined, "the header is stripped");
  }
});

test("a server that sends the headers but never the whole body gives TimeoutError", async () => {
  await using server = await startFakeHttpServer(script({ status: 200, stall: '{"id":' }));
  const client = createAgentServerClient({ host: server.url, timeoutMs: 200, maxRetries: 0 });
  const start = performance.now();
  await assert.rejects(getConversation(client), (err: unknown) => {
    assert.ok(err instanceof TimeoutError, String(err));
    assert.equal(err.timeoutMs, 200);
    return true;
  });
  const took = performance.now() - start;
  assert.ok(took >= 195 && took < 2_000, `took ${took} ms`);
});

// --- the caller gives up -------------------------------------------------------------------------

test("aborting while the server is silent rejects with the signal's reason", async () => {
  await using server = await startFakeHttpServer(() => "hang");
  const client = createAgentServerClient({ host: server.url });
  const controller = new AbortController();
  const reason = new Error("user gave up");
  const call = getConversation(client, callInit({ signal: controller.signal }));
  await waitFor(() => server.requests.length === 1, "the request");
  controller.abort(reason);
  await assert.rejects(call, (err: unknown) => {
    assert.equal(err, reason);
    return true;
  });
  assert.equal(server.requests.length, 1);
});

test("aborting during a Retry-After wait rejects with the signal's reason and sends no retry", async () => {
  await using server = await startFakeHttpServer(script(
    { status: 503, headers: { "retry-after": "3600" }, json: { detail: "maintenance" } },
  ));
  const client = createAgentServerClient({ host: server.url });
  const controller = new AbortController();
  const call = getConversation(client, callInit({ signal: controller.signal }));
  await waitFor(() => server.requests.length === 1, "the request");
  await delay(20);
  controller.abort();
  await assert.rejects(call, (err: unknown) => {
    assert.equal(err, controller.signal.reason);
    assert.ok(err instanceof DOMException && err.name === "AbortError", String(err));
    return true;
  });
  await delay(50);
  assert.equal(server.requests.length, 1);
});

test("an already aborted signal rejects with its reason and sends nothing", async () => {
  await using server = await startFakeHttpServer(script({ status: 200, json: INFO }));
  const client = createAgentServerClient({ host: server.url });
  const reason = new Error("cancelled before it started");
  const signal = AbortSignal.abort(reason);
  await assert.rejects(getConversation(client, callInit({ signal })), (err: unknown) => {
    assert.equal(err, reason);
    return true;
  });
  await assert.rejects(
    client.rest.POST("/api/conversations/{conversation_id}/events", {
      params: { path: { conversation_id: ID } },
      body: MESSAGE,
      signal,
    }),
    (err: unknown) => err === reason,
  );
  await delay(50);
  assert.equal(server.requests.length, 0);
});
