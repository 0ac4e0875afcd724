import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  type AgentServerClientOptions,
  callInit,
  createAgentServerClient,
  normalizeHost,
} from "../../../src/rest/client.ts";
import { TIMEOUT_HEADER } from "../../../src/rest/_transport.ts";
import {
  APIError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  ValidationError,
} from "../../../src/errors.ts";
import { test } from "../../support/test.ts";

const KEY = "sk-session-0123456789abcdef";
const ID = "6c1b5b1e-0000-4000-8000-000000000000";

interface Seen {
  method: string;
  url: string;
  headers: Headers;
  body: string;
}

/** An injected fetch that records each request and answers with `answer`. */
function fakeFetch(
  answer: (request: Request, n: number) => Response | Promise<Response> = () =>
    Response.json({ items: [], next_page_id: null }),
): { fetch: (request: Request) => Promise<Response>; seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    seen,
    fetch: async (request) => {
      seen.push({
        method: request.method,
        url: request.url,
        headers: new Headers(request.headers),
        body: await request.text(),
      });
      return answer(request, seen.length);
    },
  };
}

function client(
  answer?: (request: Request, n: number) => Response | Promise<Response>,
  options: Partial<AgentServerClientOptions> = {},
): { client: ReturnType<typeof createAgentServerClient>; seen: Seen[] } {
  const { fetch, seen } = fakeFetch(answer);
  return {
    client: createAgentServerClient({ host: "http://h:1", maxRetries: 0, fetch, ...options }),
    seen,
  };
}

/** Calls GET /api/conversations/search and returns what it threw. */
async function searchError(c: ReturnType<typeof createAgentServerClient>): Promise<unknown> {
  try {
    await c.rest.GET("/api/conversations/search");
  } catch (err) {
    return err;
  }
  assert.fail("expected the call to throw");
}

/** Calls POST /api/conversations/{id}/pause and returns what it threw. */
async function pauseError(c: ReturnType<typeof createAgentServerClient>): Promise<unknown> {
  try {
    await c.rest.POST("/api/conversations/{conversation_id}/pause", {
      params: { path: { conversation_id: ID } },
    });
  } catch (err) {
    return err;
  }
  assert.fail("expected the call to throw");
}

// --- host validation -----------------------------------------------------------------------------

test("`createAgentServerClient()` throws a TypeError when the host is not a URL", () => {
  for (const host of ["not a url", "", "127.0.0.1:8000", "//h:1/x"]) {
    assert.throws(() => createAgentServerClient({ host }), (e) => {
      assert.ok(e instanceof TypeError);
      assert.equal(e.message, `Cannot use the host as it is not a URL: current value is '${host}'`);
      return true;
    });
  }
});

test("`createAgentServerClient()` throws a TypeError when the scheme is not http or https", () => {
  const cases: [string, string][] = [
    ["ftp://h:1/", "ftp:"],
    ["ws://h:1", "ws:"],
    ["file:///tmp/x", "file:"],
  ];
  for (const [host, scheme] of cases) {
    assert.throws(() => createAgentServerClient({ host }), (e) => {
      assert.ok(e instanceof TypeError);
      assert.equal(
        e.message,
        `Cannot use the host as its scheme must be http or https: current value is '${scheme}'`,
      );
      return true;
    });
  }
});

test("`createAgentServerClient()` throws a TypeError without echoing credentials in the URL", () => {
  for (const host of ["http://user:pw-secret@h:1", "https://user@h", "http://:pw-secret@h/x"]) {
    assert.throws(() => createAgentServerClient({ host }), (e) => {
      assert.ok(e instanceof TypeError);
      assert.equal(
        e.message,
        "Cannot use the host as it contains credentials: pass apiKey instead",
      );
      return true;
    });
  }
});

test("`createAgentServerClient()` throws a TypeError when the host has a query or fragment", () => {
  for (const host of ["http://h:1/?api_key=x", "http://h:1/prefix?a=1", "http://h:1/#frag"]) {
    assert.throws(() => createAgentServerClient({ host }), (e) => {
      assert.ok(e instanceof TypeError);
      assert.equal(
        e.message,
        "Cannot use the host as it has a query or fragment: pass the base URL",
      );
      return true;
    });
  }
});

test("`normalizeHost()` removes trailing slashes and keeps a path prefix", () => {
  const cases: [string | URL, string][] = [
    ["http://h:1", "http://h:1"],
    ["http://h:1/", "http://h:1"],
    ["http://h:1/prefix/", "http://h:1/prefix"],
    ["https://host/runtime/x//", "https://host/runtime/x"],
    ["HTTP://H:1/Prefix", "http://h:1/Prefix"],
    ["https://h:443/a", "https://h/a"],
    [new URL("http://127.0.0.1:8000/"), "http://127.0.0.1:8000"],
  ];
  for (const [host, expected] of cases) {
    assert.equal(normalizeHost(host), expected);
    assert.equal(createAgentServerClient({ host }).baseUrl, expected);
  }
});

test("`createAgentServerClient()` sends requests under the path prefix without a double slash", async () => {
  const { client: c, seen } = client(undefined, { host: "http://h:1/prefix/" });
  const { data, response } = await c.rest.GET("/api/conversations/search", {
    params: { query: { limit: 5 } },
  });
  assert.deepEqual(data, { items: [], next_page_id: null });
  assert.equal(response.status, 200);
  await c.rest.GET("/api/conversations/search");
  assert.deepEqual(seen.map((s) => [s.method, s.url]), [
    ["GET", "http://h:1/prefix/api/conversations/search?limit=5"],
    ["GET", "http://h:1/prefix/api/conversations/search"],
  ]);
});

// --- API key -------------------------------------------------------------------------------------

test("`createAgentServerClient()` sets X-Session-API-Key when apiKey is given, never in the URL", async () => {
  const { client: c, seen } = client(undefined, { apiKey: KEY });
  assert.equal(c.hasApiKey, true);
  await c.rest.GET("/api/conversations/search", { params: { query: { limit: 1 } } });
  await c.rest.POST("/api/conversations/{conversation_id}/pause", {
    params: { path: { conversation_id: ID } },
  });
  assert.equal(seen.length, 2);
  for (const s of seen) {
    assert.equal(s.headers.get("x-session-api-key"), KEY);
    assert.ok(!s.url.includes(KEY));
    assert.ok(!s.body.includes(KEY));
  }
  assert.equal(seen[1]!.url, `http://h:1/api/conversations/${ID}/pause`);
  assert.ok(!JSON.stringify(c).includes(KEY));
  assert.deepEqual(Object.keys(c).sort(), ["baseUrl", "hasApiKey", "rest", "timeoutMs"]);
});

test("`createAgentServerClient()` sends no X-Session-API-Key when apiKey is absent or empty", async () => {
  for (const apiKey of [undefined, ""]) {
    const { client: c, seen } = client(undefined, { apiKey });
    assert.equal(c.hasApiKey, false);
    await c.rest.GET("/api/conversations/search");
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.headers.has("x-session-api-key"), false);
  }
});

test("`createAgentServerClient()` sends extra headers, and apiKey wins over a header of the same name", async () => {
  const { client: c, seen } = client(undefined, {
    apiKey: KEY,
    headers: { "X-Trace": "t-1", "X-Session-API-Key": "from-headers" },
  });
  await c.rest.GET("/api/conversations/search");
  assert.equal(seen[0]!.headers.get("x-trace"), "t-1");
  assert.equal(seen[0]!.headers.get("x-session-api-key"), KEY);
});

test("`createAgentServerClient()` puts the key on the wire of a real loopback request", async () => {
  const received: { url: string | undefined; key: string | string[] | undefined }[] = [];
  const server = http.createServer((req, res) => {
    received.push({ url: req.url, key: req.headers["x-session-api-key"] });
    res.writeHead(200, { "content-type": "application/json", connection: "close" });
    res.end('{"items":[],"next_page_id":null}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const c = createAgentServerClient({ host: `http://127.0.0.1:${port}/p/`, apiKey: KEY });
    const { data } = await c.rest.GET("/api/conversations/search");
    assert.deepEqual(data, { items: [], next_page_id: null });
    assert.deepEqual(received, [{ url: "/p/api/conversations/search", key: KEY }]);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

// --- option validation ---------------------------------------------------------------------------

test("`createAgentServerClient()` throws a RangeError when timeoutMs is not a positive number", () => {
  for (const timeoutMs of [0, -1, NaN, Infinity]) {
    assert.throws(() => createAgentServerClient({ host: "http://h:1", timeoutMs }), (e) => {
      assert.ok(e instanceof RangeError);
      assert.equal(
        e.message,
        `Cannot use 'timeoutMs' as it must be a positive number of milliseconds up to 2147483647: current value is ${timeoutMs}`,
      );
      return true;
    });
  }
});

test("`createAgentServerClient()` throws a RangeError when maxRetries is not a whole number >= 0", () => {
  for (const maxRetries of [-1, 1.5, NaN, Infinity]) {
    assert.throws(() => createAgentServerClient({ host: "http://h:1", maxRetries }), (e) => {
      assert.ok(e instanceof RangeError);
      assert.equal(
        e.message,
        `Cannot use 'maxRetries' as it must be a whole number >= 0: current value is ${maxRetries}`,
      );
      return true;
    });
  }
});

test("`createAgentServerClient()` defaults timeoutMs to 60000 and keeps a given one", () => {
  assert.equal(createAgentServerClient({ host: "http://h:1" }).timeoutMs, 60_000);
  assert.equal(createAgentServerClient({ host: "http://h:1", timeoutMs: 1.5 }).timeoutMs, 1.5);
  assert.equal(createAgentServerClient({ host: "http://h:1", maxRetries: 0 }).timeoutMs, 60_000);
});

test("`callInit()` returns only the fields asked for", () => {
  const signal = new AbortController().signal;
  assert.deepEqual(callInit(), {});
  assert.deepEqual(callInit({}), {});
  assert.deepEqual(callInit({ signal: undefined, timeoutMs: undefined }), {});
  const init = callInit({ signal, timeoutMs: 250 });
  assert.equal(init.signal, signal);
  assert.deepEqual(init.headers, { [TIMEOUT_HEADER]: "250" });
  assert.equal(TIMEOUT_HEADER, "x-remote-hands-timeout-ms");
});

test("`callInit()` throws a RangeError when timeoutMs is not a positive number", () => {
  for (const timeoutMs of [0, -5, NaN]) {
    assert.throws(() => callInit({ timeoutMs }), (e) => {
      assert.ok(e instanceof RangeError);
      assert.equal(
        e.message,
        `Cannot use 'timeoutMs' as it must be a positive number of milliseconds up to 2147483647: current value is ${timeoutMs}`,
      );
      return true;
    });
  }
});

// --- error mapping -------------------------------------------------------------------------------

test("`createAgentServerClient()` maps each error status to its APIError subclass", async () => {
  const cases: [number, typeof APIError, string][] = [
    [400, BadRequestError, "the server refused the request as it stands"],
    [
      401,
      AuthenticationError,
      "check the apiKey option: the server requires a valid X-Session-API-Key",
    ],
    [403, PermissionDeniedError, "the key is valid but not allowed to do this"],
    [404, NotFoundError, "check the id and the host"],
    [409, ConflictError, "the resource is busy or already exists; wait or pause it first"],
    [422, ValidationError, "fix the request fields named above"],
    [429, RateLimitError, "slow down and retry later"],
    [500, ServerError, "retry later or read the server log"],
    [503, ServerError, "retry later or read the server log"],
  ];
  for (const [status, Class, advice] of cases) {
    const { client: c, seen } = client(
      () => Response.json({ detail: `detail ${status}` }, { status }),
      { host: "http://h:1/prefix" },
    );
    const err = await pauseError(c);
    assert.ok(err instanceof Class, `status ${status}`);
    assert.equal(err.constructor, Class);
    assert.equal(err.status, status);
    assert.equal(err.detail, `detail ${status}`);
    assert.deepEqual(err.body, { detail: `detail ${status}` });
    assert.equal(err.method, "POST");
    assert.equal(err.path, `/prefix/api/conversations/${ID}/pause`);
    assert.equal(
      err.message,
      `POST /prefix/api/conversations/${ID}/pause failed with ${status}: detail ${status} (${advice})`,
    );
    assert.equal(seen.length, 1, "POST is not retried");
  }
});

test("`createAgentServerClient()` reports the path without the query string", async () => {
  const { client: c } = client(() => Response.json({ detail: "Not Found" }, { status: 404 }));
  try {
    await c.rest.GET("/api/conversations/search", { params: { query: { limit: 3 } } });
    assert.fail("expected NotFoundError");
  } catch (err) {
    assert.ok(err instanceof NotFoundError);
    assert.equal(err.path, "/api/conversations/search");
    assert.equal(
      err.message,
      "GET /api/conversations/search failed with 404: Not Found (check the id and the host)",
    );
  }
});

test("`createAgentServerClient()` renders a 422 FastAPI detail list as 'loc: msg'", async () => {
  const detail = [
    { type: "missing", loc: ["body", "agent"], msg: "Field required", input: { x: 1 } },
    {
      type: "int_parsing",
      loc: ["query", "limit"],
      msg: "Input should be a valid integer, unable to parse string as an integer",
      input: "ten",
    },
  ];
  const { client: c } = client(() => Response.json({ detail }, { status: 422 }));
  const err = await searchError(c);
  assert.ok(err instanceof ValidationError);
  assert.equal(
    err.message,
    "GET /api/conversations/search failed with 422: body.agent: Field required; " +
      "query.limit: Input should be a valid integer, unable to parse string as an integer " +
      "(fix the request fields named above)",
  );
  assert.deepEqual(err.detail, [
    { type: "missing", loc: ["body", "agent"], msg: "Field required", input: "[redacted]" },
    {
      type: "int_parsing",
      loc: ["query", "limit"],
      msg: "Input should be a valid integer, unable to parse string as an integer",
      input: "[redacted]",
    },
  ]);
  assert.deepEqual(err.body, { detail: err.detail });
});

test("`createAgentServerClient()` keeps the API key out of an error whose body echoes it in input fields", async () => {
  const echo = {
    detail: [{
      type: "string_too_short",
      loc: ["header", "x-session-api-key"],
      msg: "String should have at least 64 characters",
      input: KEY,
    }],
    api_key: KEY,
    session_api_key: KEY,
    request: { headers: { value: KEY }, secrets: [KEY] },
  };
  const { client: c } = client(() => Response.json(echo, { status: 422 }), { apiKey: KEY });
  const err = await searchError(c);
  assert.ok(err instanceof ValidationError);
  assert.ok(!err.message.includes(KEY), err.message);
  assert.ok(!JSON.stringify(err).includes(KEY));
  assert.ok(!String(err.stack).includes(KEY));
  assert.deepEqual(err.body, {
    detail: [{
      type: "string_too_short",
      loc: ["header", "x-session-api-key"],
      msg: "String should have at least 64 characters",
      input: "[redacted]",
    }],
    api_key: "[redacted]",
    session_api_key: "[redacted]",
    request: { headers: { value: "[redacted]" }, secrets: "[redacted]" },
  });
});

test("`createAgentServerClient()` keeps the API key out of a 401 error", async () => {
  const { client: c } = client(
    () => Response.json({ detail: "Unauthorized" }, { status: 401 }),
    { apiKey: KEY },
  );
  const err = await searchError(c);
  assert.ok(err instanceof AuthenticationError);
  assert.equal(
    err.message,
    "GET /api/conversations/search failed with 401: Unauthorized " +
      "(check the apiKey option: the server requires a valid X-Session-API-Key)",
  );
  assert.ok(!JSON.stringify(err).includes(KEY));
  assert.ok(!err.message.includes(KEY));
});

test("`createAgentServerClient()` keeps the API key out of an error whose detail or text body echoes it", async () => {
  const echoes: [number, () => Response][] = [
    [401, () => Response.json({ detail: `Invalid X-Session-API-Key '${KEY}'` }, { status: 401 })],
    [401, () => new Response(`bad key ${KEY}`, { status: 401 })],
    [
      422,
      () =>
        Response.json({
          detail: [{ loc: ["header", "x-session-api-key"], msg: `bad value ${KEY}` }],
        }, { status: 422 }),
    ],
    [
      400,
      () => Response.json({ detail: { headers: { "X-Session-API-Key": KEY } } }, { status: 400 }),
    ],
  ];
  for (const [status, answer] of echoes) {
    const { client: c } = client(answer, { apiKey: KEY });
    const err = await searchError(c);
    assert.ok(err instanceof APIError);
    assert.equal(err.status, status);
    assert.ok(!err.message.includes(KEY), `message leaks the key: ${err.message}`);
    assert.ok(!JSON.stringify(err).includes(KEY), `JSON leaks the key: ${JSON.stringify(err)}`);
  }
});

test("`createAgentServerClient()` keeps a non-JSON error body as the text detail", async () => {
  const { client: c } = client(() =>
    new Response("<html>502 Bad Gateway</html>", {
      status: 500,
      headers: { "content-type": "text/html" },
    })
  );
  const err = await searchError(c);
  assert.ok(err instanceof ServerError);
  assert.equal(err.detail, "<html>502 Bad Gateway</html>");
  assert.equal(err.body, "<html>502 Bad Gateway</html>");
  assert.equal(
    err.message,
    "GET /api/conversations/search failed with 500: <html>502 Bad Gateway</html> " +
      "(retry later or read the server log)",
  );
});

test("`createAgentServerClient()` gives an empty error body no detail", async () => {
  const { client: c } = client(() => new Response(null, { status: 404 }));
  const err = await searchError(c);
  assert.ok(err instanceof NotFoundError);
  assert.equal(err.detail, undefined);
  assert.equal(err.body, undefined);
  assert.equal(
    err.message,
    "GET /api/conversations/search failed with 404 (check the id and the host)",
  );
});

test("`createAgentServerClient()` maps an unlisted 4xx to the APIError base class", async () => {
  const { client: c } = client(() => Response.json({ detail: "teapot" }, { status: 418 }));
  const err = await searchError(c);
  assert.ok(err instanceof APIError);
  assert.equal(err.constructor, APIError);
  assert.equal(err.name, "APIError");
  assert.equal(
    err.message,
    "GET /api/conversations/search failed with 418: teapot (see the detail)",
  );
});

test("`createAgentServerClient()` throws a RangeError when timeoutMs is above 2^31 - 1", () => {
  for (const timeoutMs of [2 ** 31, Infinity]) {
    assert.throws(() => createAgentServerClient({ host: "http://h:1", timeoutMs }), {
      name: "RangeError",
    });
    assert.throws(() => callInit({ timeoutMs }), { name: "RangeError" });
  }
});

test("`createAgentServerClient()` accepts maxResponseBytes Infinity and rejects non-integers", () => {
  createAgentServerClient({ host: "http://h:1", maxResponseBytes: Infinity });
  assert.throws(() => createAgentServerClient({ host: "http://h:1", maxResponseBytes: 0.5 }), {
    name: "RangeError",
    message:
      "Cannot use 'maxResponseBytes' as it must be a whole number of bytes above 0 or Infinity: current value is 0.5",
  });
});

test("`createAgentServerClient()` marks raw reads for the transport and never sends the marker", async () => {
  const seen: Headers[] = [];
  const client = createAgentServerClient({
    host: "http://h:1",
    maxResponseBytes: 4,
    fetch: (request) => {
      seen.push(new Headers(request.headers));
      return Promise.resolve(
        new Response('"0123456789"', { headers: { "content-type": "application/json" } }),
      );
    },
  });
  const { data } = await client.rest.GET("/api/file/download", {
    params: { query: { path: "/a" } },
    parseAs: "text",
  });
  assert.equal(data, '"0123456789"');
  await assert.rejects(client.rest.GET("/api/conversations/count"), {
    name: "ResponseTooLargeError",
    limitBytes: 4,
  });
  assert.deepEqual(seen.map((h) => [...h.keys()].filter((k) => k.startsWith("x-remote"))), [
    [],
    [],
  ]);
});

test("`createAgentServerClient()` redacts a secret it sent from an error that echoes it only in text", async () => {
  const client = createAgentServerClient({
    host: "http://h:1",
    fetch: () => Promise.resolve(new Response("bad value pw-123456 given", { status: 400 })),
  });
  const err = await client.rest.POST("/api/conversations/{conversation_id}/secrets", {
    params: { path: { conversation_id: ID } },
    body: { secrets: { DB: { kind: "StaticSecret", value: "pw-123456" } } },
  }).catch((e: unknown) => e);
  assert.ok(err instanceof BadRequestError);
  assert.equal(err.detail, "bad value [redacted] given");
});

test("`createAgentServerClient()` puts a 500's exception in the message, with the key and sent secrets redacted", async () => {
  const client = createAgentServerClient({
    host: "http://h:1",
    apiKey: KEY,
    fetch: () =>
      Promise.resolve(Response.json({
        detail: "Internal Server Error",
        exception: `ToolDefinition 'terminl' is not registered (key ${KEY}, secret pw-123456)`,
        error_id: "0123abcd",
      }, { status: 500 })),
  });
  const err = await client.rest.POST("/api/conversations/{conversation_id}/secrets", {
    params: { path: { conversation_id: ID } },
    body: { secrets: { DB: { kind: "StaticSecret", value: "pw-123456" } } },
  }).catch((e: unknown) => e);
  assert.ok(err instanceof ServerError);
  assert.equal(
    err.message,
    `POST /api/conversations/${ID}/secrets failed with 500: Internal Server Error: ToolDefinition 'terminl' is not registered (key [redacted], secret [redacted]) (the server log has the traceback under error_id 0123abcd)`,
  );
});

test("`createAgentServerClient()`: a fetch TypeError outside a browser keeps the plain ConnectionError message", async () => {
  const cause = new TypeError("error sending request: Connection refused");
  const client = createAgentServerClient({
    host: "http://h:1",
    maxRetries: 0,
    fetch: () => Promise.reject(cause),
  });
  const err = await client.rest.GET("/api/conversations/count").catch((e: unknown) => e);
  assert.ok(err instanceof ConnectionError);
  assert.equal(err.cause, cause);
  assert.equal(
    err.message,
    "Cannot reach the agent server at http://h:1: error sending request: Connection refused (check the host and that the server is running)",
  );
});
