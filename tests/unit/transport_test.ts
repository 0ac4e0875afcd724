import assert from "node:assert/strict";
import net from "node:net";
import { callInit, createAgentServerClient } from "../../src/rest/client.ts";
import {
  createTransport,
  type FetchLike,
  retryAfterMs,
  TIMEOUT_HEADER,
  type TransportOptions,
} from "../../src/rest/_transport.ts";
import { ConnectionError, ServerError, TimeoutError } from "../../src/errors.ts";
import { FakeTime } from "../support/fake_time.ts";
import { test } from "../support/test.ts";
import { track } from "../support/track.ts";

const START = 1_700_000_000_000;
const URL_SEARCH = "http://h:1/api/conversations/search";
const ADVICE_CONNECT = "(check the host and that the server is running)";

interface Call {
  /** Fake milliseconds since START when the attempt reached the fetch. */
  at: number;
  method: string;
  url: string;
  headers: Headers;
  signal: AbortSignal;
  body: string;
}

/** An injected fetch that records each attempt (time, request) and answers with `answer`. */
function recorder(
  answer: (request: Request, n: number) => Response | Promise<Response>,
): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: FetchLike = async (request) => {
    const call: Call = {
      at: Date.now() - START,
      method: request.method,
      url: request.url,
      headers: new Headers(request.headers),
      signal: request.signal,
      body: "",
    };
    calls.push(call);
    const n = calls.length;
    call.body = await request.text();
    return await answer(request, n);
  };
  return { fetch, calls };
}

/** A fetch answer that never settles unless the request's signal aborts (like a real fetch). */
function hang(request: Request, rejectWith?: unknown): Promise<Response> {
  return new Promise((_, reject) => {
    request.signal.addEventListener(
      "abort",
      () => reject(rejectWith ?? request.signal.reason),
      { once: true },
    );
  });
}

/** A response whose body records whether it was cancelled. */
function cancellable(status: number, headers: HeadersInit = {}): {
  response: Response;
  cancelled: () => boolean;
} {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(`status ${status}`));
      controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return { response: new Response(body, { status, headers }), cancelled: () => cancelled };
}

function transport(fetch: FetchLike, options: Partial<TransportOptions> = {}): FetchLike {
  return createTransport({ fetch, timeoutMs: 60_000, maxRetries: 2, ...options });
}

/** Replaces Math.random while `fn` runs. */
async function withRandom<T>(value: number, fn: () => Promise<T>): Promise<T> {
  const random = Math.random;
  Math.random = () => value;
  try {
    return await fn();
  } finally {
    Math.random = random;
  }
}

/** A loopback port that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
  return port;
}

// --- retryAfterMs --------------------------------------------------------------------------------

test("`retryAfterMs()` reads Retry-After seconds as milliseconds", () => {
  const cases: [string, number][] = [
    ["2", 2_000],
    ["0", 0],
    ["1.5", 1_500],
    [" 7 ", 7_000],
    ["120", 120_000],
    ["-3", 0],
  ];
  for (const [value, expected] of cases) {
    assert.equal(retryAfterMs(new Headers({ "retry-after": value }), START), expected, value);
  }
});

test("`retryAfterMs()` reads a Retry-After HTTP date relative to the injected now", () => {
  const in5s = new Date(START + 5_000).toUTCString();
  assert.equal(in5s, "Tue, 14 Nov 2023 22:13:25 GMT");
  assert.equal(retryAfterMs(new Headers({ "retry-after": in5s }), START), 5_000);
  assert.equal(retryAfterMs(new Headers({ "retry-after": in5s }), START + 4_000), 1_000);
  assert.equal(retryAfterMs(new Headers({ "retry-after": in5s }), START + 9_000), 0);
});

test("`retryAfterMs()` defaults now to Date.now()", () => {
  using _time = new FakeTime(START + 1_000);
  const in5s = new Date(START + 5_000).toUTCString();
  assert.equal(retryAfterMs(new Headers({ "retry-after": in5s })), 4_000);
});

test("`retryAfterMs()` prefers retry-after-ms over Retry-After", () => {
  assert.equal(retryAfterMs(new Headers({ "retry-after-ms": "250" }), START), 250);
  assert.equal(retryAfterMs(new Headers({ "retry-after-ms": "0" }), START), 0);
  assert.equal(retryAfterMs(new Headers({ "retry-after-ms": "12.5" }), START), 12.5);
  assert.equal(
    retryAfterMs(new Headers({ "retry-after-ms": "250", "retry-after": "10" }), START),
    250,
  );
});

test("`retryAfterMs()` falls back to Retry-After when retry-after-ms is invalid", () => {
  for (const ms of ["soon", "-1", "Infinity"]) {
    assert.equal(
      retryAfterMs(new Headers({ "retry-after-ms": ms, "retry-after": "3" }), START),
      3_000,
      ms,
    );
    assert.equal(retryAfterMs(new Headers({ "retry-after-ms": ms }), START), undefined, ms);
  }
});

test("`retryAfterMs()` returns undefined for a missing, empty or garbage header", () => {
  assert.equal(retryAfterMs(new Headers(), START), undefined);
  for (const value of ["", "   ", "soon", "Infinity", "NaN", "two seconds"]) {
    assert.equal(retryAfterMs(new Headers({ "retry-after": value }), START), undefined, value);
  }
});

// --- retries on status ---------------------------------------------------------------------------

test("`createTransport()` retries a GET on 503 after exactly the Retry-After: 2 seconds", async () => {
  using time = new FakeTime(START);
  const first = cancellable(503, { "retry-after": "2" });
  const { fetch, calls } = recorder((_, n) => n === 1 ? first.response : Response.json({ ok: 1 }));
  const p = track(transport(fetch)(new Request(URL_SEARCH)));
  await time.tickAsync(1_999);
  assert.equal(calls.length, 1);
  assert.equal(p.state, "pending");
  assert.equal(first.cancelled(), true, "the 503 body is cancelled before waiting");
  await time.tickAsync(1);
  assert.equal(p.state, "fulfilled");
  assert.deepEqual(calls.map((c) => c.at), [0, 2_000]);
  assert.equal(p.value!.status, 200);
  assert.deepEqual(await p.value!.json(), { ok: 1 });
  assert.equal(time.pendingTimers, 0);
});

test("`createAgentServerClient()` resolves a GET after a 503 with Retry-After: 2 at exactly 2000 ms", async () => {
  using time = new FakeTime(START);
  const { fetch, calls } = recorder((_, n) =>
    n === 1
      ? new Response("busy", { status: 503, headers: { "retry-after": "2" } })
      : Response.json({ items: [], next_page_id: null })
  );
  const client = createAgentServerClient({ host: "http://h:1", fetch });
  const p = track(client.rest.GET("/api/conversations/search"));
  await time.tickAsync(1_999);
  assert.equal(p.state, "pending");
  await time.tickAsync(1);
  await time.tickAsync(0);
  assert.equal(p.state, "fulfilled");
  assert.deepEqual(p.value!.data, { items: [], next_page_id: null });
  assert.deepEqual(calls.map((c) => [c.at, c.method, c.url]), [
    [0, "GET", URL_SEARCH],
    [2_000, "GET", URL_SEARCH],
  ]);
  assert.equal(time.pendingTimers, 0);
});

test("`createTransport()` retries a GET on 429 after the retry-after-ms milliseconds", async () => {
  using time = new FakeTime(START);
  const { fetch, calls } = recorder((_, n) =>
    n === 1
      ? new Response(null, {
        status: 429,
        headers: { "retry-after-ms": "250", "retry-after": "9" },
      })
      : new Response("ok")
  );
  const p = track(transport(fetch)(new Request(URL_SEARCH)));
  await time.tickAsync(249);
  assert.equal(calls.length, 1);
  await time.tickAsync(1);
  assert.equal(p.state, "fulfilled");
  assert.deepEqual(calls.map((c) => c.at), [0, 250]);
  assert.equal(await p.value!.text(), "ok");
});

test("`createTransport()` waits until a Retry-After HTTP date, read against the fake clock", async () => {
  using time = new FakeTime(START);
  const date = new Date(START + 3_000).toUTCString();
  const { fetch, calls } = recorder((_, n) =>
    n === 1
      ? new Response(null, { status: 503, headers: { "retry-after": date } })
      : new Response("ok")
  );
  const p = track(transport(fetch)(new Request(URL_SEARCH)));
  await time.tickAsync(3_000);
  assert.equal(p.state, "fulfilled");
  assert.deepEqual(calls.map((c) => c.at), [0, 3_000]);
  await p.value!.body?.cancel();
});

test("`createTransport()` caps Retry-After at 60 seconds", async () => {
  using time = new FakeTime(START);
  const { fetch, calls } = recorder((_, n) =>
    n === 1
      ? new Response(null, { status: 503, headers: { "retry-after": "3600" } })
      : new Response("ok")
  );
  const p = track(transport(fetch)(new Request(URL_SEARCH)));
  await time.tickAsync(59_999);
  assert.equal(calls.length, 1);
  await time.tickAsync(1);
  assert.equal(p.state, "fulfilled");
  assert.deepEqual(calls.map((c) => c.at), [0, 60_000]);
  await p.value!.body?.cancel();
});

test("`createTransport()` backs off exponentially with jitter when no Retry-After is sent", async () => {
  using time = new FakeTime(START);
  // Math.random() = 1 takes the full 25 % jitter: 0.75 * 500, 0.75 * 1000.
  await withRandom(1, async () => {
    const { fetch, calls } = recorder((_, n) =>
      n < 3 ? new Response(null, { status: 502 }) : new Response("ok")
    );
    const p = track(transport(fetch)(new Request(URL_SEARCH)));
    await time.tickAsync(2_000);
    assert.equal(p.state, "fulfilled");
    assert.deepEqual(calls.map((c) => c.at), [0, 375, 1_125]);
    await p.value!.body?.cancel();
  });
});

test("`createTransport()` caps the backoff at retryMaxMs and starts it at retryBaseMs", async () => {
  using time = new FakeTime(START);
  await withRandom(0, async () => {
    const { fetch, calls } = recorder(() => new Response(null, { status: 504 }));
    const p = track(
      transport(fetch, { maxRetries: 4, retryBaseMs: 100, retryMaxMs: 250 })(
        new Request(URL_SEARCH),
      ),
    );
    await time.tickAsync(10_000);
    assert.equal(p.state, "fulfilled");
    // Waits 100, 200, 250, 250.
    assert.deepEqual(calls.map((c) => c.at), [0, 100, 300, 550, 800]);
    assert.equal(p.value!.status, 504);
  });
});

test("`createTransport()` retries only 408, 429, 502, 503 and 504", async () => {
  using time = new FakeTime(START);
  const cases: [number, number][] = [
    [408, 2],
    [429, 2],
    [502, 2],
    [503, 2],
    [504, 2],
    [400, 1],
    [404, 1],
    [409, 1],
    [500, 1],
    [501, 1],
  ];
  for (const [status, expected] of cases) {
    const { fetch, calls } = recorder(() =>
      new Response(null, { status, headers: { "retry-after-ms": "0" } })
    );
    const p = track(transport(fetch, { maxRetries: 1 })(new Request(URL_SEARCH)));
    await time.tickAsync(0);
    assert.equal(p.state, "fulfilled", `status ${status}`);
    assert.equal(p.value!.status, status);
    assert.equal(calls.length, expected, `status ${status}`);
  }
  assert.equal(time.pendingTimers, 0);
});

test("`createTransport()` retries GET, HEAD, OPTIONS, PUT and DELETE but never POST or PATCH", async () => {
  using time = new FakeTime(START);
  const cases: [string, number][] = [
    ["GET", 3],
    ["HEAD", 3],
    ["OPTIONS", 3],
    ["PUT", 3],
    ["DELETE", 3],
    ["POST", 1],
    ["PATCH", 1],
  ];
  for (const [method, expected] of cases) {
    const { fetch, calls } = recorder(() =>
      new Response(null, { status: 503, headers: { "retry-after-ms": "0" } })
    );
    const p = track(transport(fetch)(new Request(URL_SEARCH, { method })));
    await time.tickAsync(0);
    assert.equal(p.state, "fulfilled", method);
    assert.equal(p.value!.status, 503);
    assert.equal(calls.length, expected, method);
    assert.ok(calls.every((c) => c.method === method));
  }
  assert.equal(time.pendingTimers, 0);
});

test("`createTransport()` sends the same URL, headers and body on every retry of a PUT", async () => {
  using time = new FakeTime(START);
  const { fetch, calls } = recorder((_, n) =>
    n < 3 ? new Response(null, { status: 503, headers: { "retry-after-ms": "5" } }) : new Response()
  );
  const request = new Request(`${URL_SEARCH}?q=1`, {
    method: "PUT",
    headers: { "content-type": "application/json", "x-session-api-key": "k" },
    body: '{"policy":"never"}',
  });
  const p = track(transport(fetch)(request));
  await time.tickAsync(10);
  assert.equal(p.state, "fulfilled");
  assert.deepEqual(
    calls.map((c) => [c.at, c.method, c.url, c.headers.get("x-session-api-key"), c.body]),
    [0, 5, 10].map((at) => [at, "PUT", `${URL_SEARCH}?q=1`, "k", '{"policy":"never"}']),
  );
});

test("`createTransport()` does not retry a POST on 503 and starts no timer", async () => {
  using time = new FakeTime(START);
  const { fetch, calls } = recorder(() =>
    new Response("down", { status: 503, headers: { "retry-after": "1" } })
  );
  const response = await transport(fetch)(
    new Request(URL_SEARCH, { method: "POST", body: "{}" }),
  );
  assert.equal(response.status, 503);
  assert.equal(await response.text(), "down");
  assert.equal(calls.length, 1);
  assert.equal(time.pendingTimers, 0);
});

test("`createAgentServerClient()` throws ServerError after one POST attempt on 503", async () => {
  using time = new FakeTime(START);
  const { fetch, calls } = recorder(() =>
    Response.json({ detail: "overloaded" }, { status: 503, headers: { "retry-after": "1" } })
  );
  const client = createAgentServerClient({ host: "http://h:1", fetch, maxRetries: 5 });
  const id = "6c1b5b1e-0000-4000-8000-000000000000";
  const p = track(client.rest.POST("/api/conversations/{conversation_id}/pause", {
    params: { path: { conversation_id: id } },
  }));
  await time.tickAsync(10_000);
  assert.equal(p.state, "rejected");
  assert.ok(p.error instanceof ServerError);
  assert.equal(p.error.status, 503);
  assert.equal(p.error.detail, "overloaded");
  assert.equal(p.error.method, "POST");
  assert.equal(calls.length, 1);
});

test("`createTransport()` with maxRetries 0 returns the first 503 at once", async () => {
  using time = new FakeTime(START);
  const { fetch, calls } = recorder(() => new Response(null, { status: 503 }));
  const response = await transport(fetch, { maxRetries: 0 })(new Request(URL_SEARCH));
  assert.equal(response.status, 503);
  assert.equal(calls.length, 1);
  assert.equal(time.pendingTimers, 0);
});

test("`createTransport()` gives up after maxRetries and returns the last response", async () => {
  using time = new FakeTime(START);
  const answers = [1, 2, 3].map(() => cancellable(503, { "retry-after-ms": "10" }));
  const { fetch, calls } = recorder((_, n) => answers[n - 1]!.response);
  const p = track(transport(fetch)(new Request(URL_SEARCH)));
  await time.tickAsync(1_000);
  assert.equal(p.state, "fulfilled");
  assert.equal(p.value!.status, 503);
  assert.equal(p.value!.headers.get("retry-after-ms"), "10");
  assert.deepEqual(calls.map((c) => c.at), [0, 10, 20]);
  assert.deepEqual(answers.map((a) => a.cancelled()), [true, true, false]);
  assert.equal(await p.value!.text(), "status 503");
});

test("`createAgentServerClient()` throws the typed error of the last response after the retries", async () => {
  using time = new FakeTime(START);
  const { fetch, calls } = recorder((_, n) =>
    Response.json({ detail: `attempt ${n}` }, { status: 503, headers: { "retry-after-ms": "1" } })
  );
  const client = createAgentServerClient({ host: "http://h:1", fetch, maxRetries: 2 });
  const p = track(client.rest.GET("/api/conversations/search"));
  await time.tickAsync(100);
  assert.equal(p.state, "rejected");
  assert.ok(p.error instanceof ServerError);
  assert.equal(p.error.status, 503);
  assert.equal(p.error.detail, "attempt 3");
  assert.equal(
    p.error.message,
    "GET /api/conversations/search failed with 503: attempt 3 (retry later or read the server log)",
  );
  assert.equal(calls.length, 3);
});

// --- connection errors ---------------------------------------------------------------------------

test("`createTransport()` retries a GET after connection errors with backoff", async () => {
  using time = new FakeTime(START);
  await withRandom(0, async () => {
    const { fetch, calls } = recorder((_, n) => {
      if (n < 3) throw new TypeError("connection reset");
      return new Response("ok");
    });
    const p = track(transport(fetch)(new Request(URL_SEARCH)));
    await time.tickAsync(499);
    assert.equal(calls.length, 1);
    await time.tickAsync(1);
    assert.equal(calls.length, 2);
    await time.tickAsync(1_000);
    assert.equal(p.state, "fulfilled");
    assert.deepEqual(calls.map((c) => c.at), [0, 500, 1_500]);
    assert.equal(await p.value!.text(), "ok");
  });
});

test("`createTransport()` throws ConnectionError after maxRetries connection errors", async () => {
  using time = new FakeTime(START);
  const thrown: TypeError[] = [];
  const { fetch, calls } = recorder(() => {
    const err = new TypeError(`refused ${thrown.length + 1}`);
    thrown.push(err);
    throw err;
  });
  const p = track(transport(fetch)(new Request(URL_SEARCH)));
  await time.tickAsync(10_000);
  assert.equal(p.state, "rejected");
  assert.ok(p.error instanceof ConnectionError);
  assert.equal(p.error.origin, "http://h:1");
  assert.equal(p.error.cause, thrown[2]);
  assert.equal(
    p.error.message,
    `Cannot reach the agent server at http://h:1: refused 3 ${ADVICE_CONNECT}`,
  );
  assert.equal(calls.length, 3);
  assert.equal(time.pendingTimers, 0);
});

test("`createTransport()` does not retry a POST after a connection error", async () => {
  using time = new FakeTime(START);
  const { fetch, calls } = recorder(() => {
    throw new TypeError("refused");
  });
  await assert.rejects(
    transport(fetch)(new Request(URL_SEARCH, { method: "POST", body: "{}" })),
    (e) => e instanceof ConnectionError && e.origin === "http://h:1",
  );
  assert.equal(calls.length, 1);
  assert.equal(time.pendingTimers, 0);
});

test("`createAgentServerClient()` throws ConnectionError naming the origin of a closed loopback port", async () => {
  const port = await closedPort();
  const client = createAgentServerClient({
    host: `http://127.0.0.1:${port}/prefix`,
    maxRetries: 0,
  });
  try {
    await client.rest.GET("/api/conversations/search");
    assert.fail("expected ConnectionError");
  } catch (err) {
    assert.ok(err instanceof ConnectionError, String(err));
    assert.equal(err.origin, `http://127.0.0.1:${port}`);
    assert.ok(err.cause instanceof Error);
    assert.equal(
      err.message,
      `Cannot reach the agent server at http://127.0.0.1:${port}: ${err.cause.message} ` +
        ADVICE_CONNECT,
    );
    assert.ok(!err.message.includes("/prefix"));
  }
});

test("`createTransport()` retries a refused real connection maxRetries times", async () => {
  const port = await closedPort();
  let calls = 0;
  const fetch: FetchLike = (request) => {
    calls++;
    return globalThis.fetch(request);
  };
  const t = createTransport({ fetch, timeoutMs: 5_000, maxRetries: 2, retryBaseMs: 1 });
  await assert.rejects(t(new Request(`http://127.0.0.1:${port}/api/x`)), (e) => {
    assert.ok(e instanceof ConnectionError);
    assert.equal(e.origin, `http://127.0.0.1:${port}`);
    return true;
  });
  assert.equal(calls, 3);
});

// --- timeouts ------------------------------------------------------------------------------------

test("`createTransport()` throws TimeoutError with timeoutMs when an attempt runs out of time", async () => {
  using time = new FakeTime(START);
  const { fetch, calls } = recorder((request) => hang(request));
  const p = track(transport(fetch, { timeoutMs: 1_000, maxRetries: 0 })(new Request(URL_SEARCH)));
  await time.tickAsync(999);
  assert.equal(p.state, "pending");
  assert.equal(calls[0]!.signal.aborted, false);
  await time.tickAsync(1);
  assert.equal(p.state, "rejected");
  assert.ok(p.error instanceof TimeoutError);
  assert.equal(p.error.timeoutMs, 1_000);
  assert.equal(
    p.error.message,
    "GET /api/conversations/search timed out after 1000 ms (raise the timeout or check the server)",
  );
  assert.ok(p.error.cause instanceof DOMException);
  assert.equal(p.error.cause.name, "TimeoutError");
  assert.equal(calls[0]!.signal.aborted, true);
  assert.equal(calls.length, 1);
  assert.equal(time.pendingTimers, 0);
});

test("`createTransport()` retries a GET after a timeout and gives up with TimeoutError", async () => {
  using time = new FakeTime(START);
  await withRandom(1, async () => {
    const { fetch, calls } = recorder((request) => hang(request));
    const p = track(transport(fetch, { timeoutMs: 1_000, maxRetries: 1 })(new Request(URL_SEARCH)));
    await time.tickAsync(2_374);
    assert.equal(p.state, "pending");
    await time.tickAsync(1);
    assert.equal(p.state, "rejected");
    assert.ok(p.error instanceof TimeoutError);
    // Attempt 1 times out at 1000, waits 0.75 * 500, attempt 2 times out at 2375.
    assert.deepEqual(calls.map((c) => c.at), [0, 1_375]);
    assert.equal(time.pendingTimers, 0);
  });
});

test("`createTransport()` honours the timeout header and strips it before the fetch", async () => {
  using time = new FakeTime(START);
  const { fetch, calls } = recorder((request) => hang(request));
  const request = new Request(URL_SEARCH, {
    headers: { [TIMEOUT_HEADER]: "250", "x-session-api-key": "k" },
  });
  const p = track(transport(fetch, { maxRetries: 0 })(request));
  await time.tickAsync(249);
  assert.equal(p.state, "pending");
  await time.tickAsync(1);
  assert.equal(p.state, "rejected");
  assert.ok(p.error instanceof TimeoutError);
  assert.equal(p.error.timeoutMs, 250);
  assert.equal(calls[0]!.headers.has(TIMEOUT_HEADER), false);
  assert.equal(calls[0]!.headers.get("x-session-api-key"), "k");
});

test("`createTransport()` strips the timeout header from a POST and keeps its body", async () => {
  using _time = new FakeTime(START);
  const { fetch, calls } = recorder(() => new Response("created", { status: 201 }));
  const response = await transport(fetch)(
    new Request(URL_SEARCH, {
      method: "POST",
      headers: { [TIMEOUT_HEADER]: "100", "content-type": "application/json" },
      body: '{"initial_message":"hi"}',
    }),
  );
  assert.equal(await response.text(), "created");
  assert.deepEqual(
    calls.map((
      c,
    ) => [c.method, c.headers.has(TIMEOUT_HEADER), c.headers.get("content-type"), c.body]),
    [["POST", false, "application/json", '{"initial_message":"hi"}']],
  );
});

test("`createAgentServerClient()` applies callInit({ timeoutMs }) per attempt and hides the header", async () => {
  using time = new FakeTime(START);
  await withRandom(0, async () => {
    const { fetch, calls } = recorder((request) => hang(request));
    const client = createAgentServerClient({
      host: "http://h:1",
      fetch,
      maxRetries: 1,
      apiKey: "k",
    });
    const p = track(client.rest.GET("/api/conversations/search", callInit({ timeoutMs: 300 })));
    await time.tickAsync(1_099);
    assert.equal(p.state, "pending");
    await time.tickAsync(1);
    assert.equal(p.state, "rejected");
    assert.ok(p.error instanceof TimeoutError);
    assert.equal(p.error.timeoutMs, 300);
    // Attempt 1 at 0 times out at 300, waits 500, attempt 2 at 800 times out at 1100.
    assert.deepEqual(calls.map((c) => c.at), [0, 800]);
    assert.deepEqual(
      calls.map((c) => [c.headers.has(TIMEOUT_HEADER), c.headers.get("x-session-api-key")]),
      [[false, "k"], [false, "k"]],
    );
    assert.equal(time.pendingTimers, 0);
  });
});

test("`createAgentServerClient()` strips the timeout header when it is the request's only header", async () => {
  // No apiKey, no extra headers, a GET: the override is the only header openapi-fetch sets.
  const { fetch, calls } = recorder(() => Response.json({ items: [], next_page_id: null }));
  const client = createAgentServerClient({ host: "http://h:1", fetch, maxRetries: 1 });
  const { data } = await client.rest.GET(
    "/api/conversations/search",
    callInit({ timeoutMs: 300 }),
  );
  assert.deepEqual(data, { items: [], next_page_id: null });
  assert.equal(calls.length, 1);
  assert.deepEqual([...calls[0]!.headers.keys()], []);
});

// --- caller abort --------------------------------------------------------------------------------

test("`createTransport()` rejects with the caller's reason, unwrapped, when aborted during the fetch", async () => {
  using time = new FakeTime(START);
  const { fetch, calls } = recorder((request) =>
    hang(request, new DOMException("The operation was aborted.", "AbortError"))
  );
  const controller = new AbortController();
  const p = track(transport(fetch)(new Request(URL_SEARCH, { signal: controller.signal })));
  await time.tickAsync(100);
  const reason = new Error("user cancelled");
  controller.abort(reason);
  await time.tickAsync(0);
  assert.equal(p.state, "rejected");
  assert.equal(p.error, reason);
  await time.tickAsync(60_000);
  assert.equal(calls.length, 1);
  assert.equal(time.pendingTimers, 0);
});

test("`createTransport()` rejects with the caller's reason and stops retrying when aborted during the backoff", async () => {
  using time = new FakeTime(START);
  const { fetch, calls } = recorder(() =>
    new Response(null, { status: 503, headers: { "retry-after": "10" } })
  );
  const controller = new AbortController();
  const p = track(transport(fetch)(new Request(URL_SEARCH, { signal: controller.signal })));
  await time.tickAsync(5_000);
  assert.equal(time.pendingTimers, 1);
  controller.abort("stop");
  await time.tickAsync(0);
  assert.equal(p.state, "rejected");
  assert.equal(p.error, "stop");
  assert.equal(time.pendingTimers, 0);
  await time.tickAsync(60_000);
  assert.equal(calls.length, 1);
});

test("`createTransport()` never calls the fetch when the signal is already aborted", async () => {
  using time = new FakeTime(START);
  const { fetch, calls } = recorder(() => new Response("unreachable"));
  const reason = { why: "already" };
  await assert.rejects(
    transport(fetch)(new Request(URL_SEARCH, { signal: AbortSignal.abort(reason) })),
    (e) => e === reason,
  );
  assert.equal(calls.length, 0);
  assert.equal(time.pendingTimers, 0);
});

test("`createAgentServerClient()` rejects with the signal's reason from callInit({ signal })", async () => {
  using time = new FakeTime(START);
  const { fetch, calls } = recorder((request) => hang(request));
  const client = createAgentServerClient({ host: "http://h:1", fetch });
  const controller = new AbortController();
  const p = track(
    client.rest.GET("/api/conversations/search", callInit({ signal: controller.signal })),
  );
  await time.tickAsync(10);
  controller.abort();
  await time.tickAsync(0);
  assert.equal(p.state, "rejected");
  assert.ok(p.error instanceof DOMException);
  assert.equal(p.error.name, "AbortError");
  assert.ok(!(p.error instanceof TimeoutError) && !(p.error instanceof ConnectionError));
  assert.equal(calls.length, 1);
  assert.equal(time.pendingTimers, 0);
});

test("`createAgentServerClient()` rejects with the signal's reason when aborted while the body streams", async () => {
  // Like a real fetch, the fake errors the body stream when the signal it was given aborts.
  let body: ReadableStreamDefaultController<Uint8Array> | undefined;
  const fetch: FetchLike = (request) => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        body = controller;
        controller.enqueue(new TextEncoder().encode('{"items":['));
      },
    });
    request.signal.addEventListener("abort", () => {
      try {
        body?.error(request.signal.reason);
      } catch { /* already closed */ }
    }, { once: true });
    return Promise.resolve(
      new Response(stream, { headers: { "content-type": "application/json" } }),
    );
  };
  const client = createAgentServerClient({ host: "http://h:1", fetch, maxRetries: 0 });
  const controller = new AbortController();
  const p = track(
    client.rest.GET("/api/conversations/search", callInit({ signal: controller.signal })),
  );
  // Let the headers arrive and the body read start.
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(p.state, "pending");
  const reason = new Error("user cancelled");
  controller.abort(reason);
  await new Promise((resolve) => setTimeout(resolve, 10));
  try {
    assert.equal(p.state, "rejected", "the body read is still running after the abort");
    assert.equal(p.error, reason);
  } finally {
    // Unblock a body read the abort did not reach, so the test leaves nothing running.
    try {
      body?.close();
    } catch { /* already errored */ }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
});

// --- body limits, redirects, answers that are not JSON -------------------------------------------

test("`readBounded()` reads a declared, uncompressed body in one call and a chunked one with a count", async () => {
  const { readBounded } = await import("../../src/rest/_read_bounded.ts");
  const declared = new Response("abcd", { headers: { "content-length": "4" } });
  assert.equal(new TextDecoder().decode(await readBounded(declared, 4, "GET /x", false)), "abcd");
  const chunks = ["ab", "cd", "ef"].map((s) => new TextEncoder().encode(s));
  const stream = () =>
    new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
  await assert.rejects(readBounded(new Response(stream()), 5, "GET /x", false), {
    name: "ResponseTooLargeError",
    limitBytes: 5,
  });
  assert.deepEqual(chunks.length, 0);
  chunks.push(...["ab", "cd", "ef"].map((s) => new TextEncoder().encode(s)));
  const cut = await readBounded(new Response(stream()), 3, "GET /x", true);
  assert.equal(new TextDecoder().decode(cut), "abc");
  // Gzip says nothing about the decoded size: counted, not trusted.
  const gz = new Response("abcdef", {
    headers: { "content-length": "2", "content-encoding": "gzip" },
  });
  await assert.rejects(readBounded(gz, 4, "GET /x", false), { name: "ResponseTooLargeError" });
});

test("`createTransport()` cancels a retried answer's body unread and reads the last one up to 64 KiB", async () => {
  using time = new FakeTime(START);
  const big = "e".repeat(100_000);
  const { fetch, calls } = recorder((_, n) =>
    n === 1
      ? new Response(big, { status: 503, headers: { "retry-after-ms": "5" } })
      : new Response(big, { status: 500 })
  );
  const p = track(transport(fetch)(new Request(URL_SEARCH)));
  await time.tickAsync(100);
  assert.equal(calls.length, 2);
  assert.equal(p.state, "fulfilled");
  assert.equal(p.value!.status, 500);
  assert.equal((await p.value!.text()).length, 64 * 1024);
});

test("`createTransport()` sends every request with redirect 'manual' and rejects a bad timeout header", async () => {
  const seen: RequestRedirect[] = [];
  const fetch: FetchLike = (request) => {
    seen.push(request.redirect);
    return Promise.resolve(Response.json(1));
  };
  await transport(fetch)(new Request(URL_SEARCH));
  await transport(fetch)(new Request(URL_SEARCH, { method: "POST", body: "{}" }));
  assert.deepEqual(seen, ["manual", "manual"]);
  await assert.rejects(
    transport(fetch)(new Request(URL_SEARCH, { headers: { [TIMEOUT_HEADER]: String(2 ** 31) } })),
    { name: "RangeError" },
  );
});
