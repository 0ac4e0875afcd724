/**
 * Hostile HTTP servers against the REST client (issue 10: findings 2, 4, 7, 10 and 11, REST
 * parts): redirects that try to carry the session key, secrets and LLM keys to another origin,
 * answers too large to hold, keys and secrets echoed back (escaped), answers that are not JSON,
 * and timeouts the runtimes cannot honour. Every server is a loopback fake.
 */

import assert from "node:assert/strict";
import { callInit, createAgentServerClient } from "../../src/rest/client.ts";
import { fetchWithinOrigin } from "../../src/rest/_redirect.ts";
import { titleFromLLM } from "../../src/conversation/_title.ts";
import {
  APIError,
  ProtocolError,
  RedirectError,
  ResponseTooLargeError,
  ValidationError,
} from "../../src/errors.ts";
import { RemoteWorkspace } from "../../src/workspace/remote_workspace.ts";
import {
  type FakeHttpServer,
  type RecordedRequest,
  startFakeHttpServer,
} from "../support/fake_http_server.ts";
import { test } from "../support/test.ts";
import { recordHostile } from "./_metrics.ts";

const KEY = "sk-session-7f3a9c";
const SECRET = "ghp_secretvalue42";
const LLM_KEY = "sk-llm-b81d0e";
const ID = "6c1b5b1e-0000-4000-8000-000000000000";
const MiB = 1024 * 1024;

/** Requests that carry the session key, a secret value or the LLM key, in headers or body. */
function leaks(requests: readonly RecordedRequest[]): number {
  return requests.filter((r) => {
    const text = JSON.stringify(r.headers) + r.body;
    return [KEY, SECRET, LLM_KEY].some((s) => text.includes(s));
  }).length;
}

/** A server that answers every request with `status` and `Location: target + path`. */
function redirector(status: number, target: () => string): Promise<FakeHttpServer> {
  return startFakeHttpServer((r) => ({
    status,
    headers: { location: `${target()}${r.url}` },
    text: "",
  }));
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("the call resolved");
}

// --- finding 2: redirects ------------------------------------------------------------------------

for (const status of [301, 302, 303, 307, 308]) {
  test(`a ${status} to another port is refused with RedirectError before the key, secrets or LLM key go there`, async () => {
    await using other = await startFakeHttpServer(() => ({ status: 200, json: { ok: true } }));
    await using server = await redirector(status, () => other.url);
    const client = createAgentServerClient({ host: server.url, apiKey: KEY, maxRetries: 0 });
    const calls: Array<() => Promise<unknown>> = [
      () => client.rest.GET("/api/conversations/count"),
      () =>
        client.rest.POST("/api/conversations/{conversation_id}/secrets", {
          params: { path: { conversation_id: ID } },
          body: { secrets: { GH: { kind: "StaticSecret", value: SECRET } } },
        }),
      () =>
        client.rest.POST("/api/conversations", {
          body: { agent: { llm: { model: "m", api_key: LLM_KEY } } } as never,
        }),
    ];
    const workspace = new RemoteWorkspace({
      host: server.url,
      apiKey: KEY,
      workingDir: "/w",
      maxRetries: 0,
    });
    calls.push(
      () => workspace.fileUpload("/w/a.txt", SECRET),
      () => workspace.fileDownload("/w/a.txt"),
    );
    for (const call of calls) {
      const err = await rejection(call());
      assert.ok(err instanceof RedirectError, String(err));
      assert.equal(err.status, status);
      assert.equal(err.targetOrigin, other.url);
      assert.ok(err.message.includes(other.url));
    }
    const n = leaks(other.requests);
    recordHostile("redirect_leaks", n);
    assert.equal(n, 0);
    assert.equal(other.requests.length, 0);
    assert.equal(server.requests.length, calls.length);
  });
}

test("a 307 from 127.0.0.1 to localhost (same port) is another origin and is refused", async () => {
  let port = "";
  await using server = await startFakeHttpServer((r) =>
    r.headers.host?.startsWith("localhost")
      ? { status: 200, json: 1 }
      : { status: 307, headers: { location: `http://localhost:${port}${r.url}` }, text: "" }
  );
  port = new URL(server.url).port;
  const client = createAgentServerClient({ host: server.url, apiKey: KEY, maxRetries: 0 });
  const err = await rejection(
    client.rest.POST("/api/conversations/{conversation_id}/secrets", {
      params: { path: { conversation_id: ID } },
      body: { secrets: { GH: { kind: "StaticSecret", value: SECRET } } },
    }),
  );
  assert.ok(err instanceof RedirectError, String(err));
  assert.equal(err.targetOrigin, `http://localhost:${port}`);
  const n = leaks(server.requests.filter((r) => r.headers.host?.startsWith("localhost")));
  recordHostile("redirect_leaks", n);
  assert.equal(n, 0);
  assert.equal(server.requests.length, 1);
});

test("redirects within the origin are followed: a moved path prefix, 303 to GET, 307 keeping the body", async () => {
  await using server = await startFakeHttpServer((r) => {
    if (r.url.startsWith("/old/")) {
      return { status: 308, headers: { location: r.url.replace("/old/", "/new/") }, text: "" };
    }
    if (r.url === "/new/api/conversations/count") return { status: 200, json: 7 };
    if (r.url === "/new/api/conversations/search") {
      return { status: 303, headers: { location: "/new/api/conversations/count" }, text: "" };
    }
    return {
      status: 200,
      json: { method: r.method, body: r.body, key: r.headers["x-session-api-key"] },
    };
  });
  const client = createAgentServerClient({ host: `${server.url}/old`, apiKey: KEY });
  assert.equal((await client.rest.GET("/api/conversations/count")).data, 7);
  // 308 then 303: the POST goes on as a GET without a body.
  const seen = await client.rest.POST(
    "/api/conversations/search" as never,
    { body: { a: 1 } } as never,
  );
  assert.equal((seen as { data: unknown }).data, 7);
  // 308 keeps the method and the body.
  const { data } = await client.rest.POST("/api/conversations/{conversation_id}/secrets", {
    params: { path: { conversation_id: ID } },
    body: { secrets: { GH: { kind: "StaticSecret", value: "v" } } },
  });
  assert.deepEqual(data, {
    method: "POST",
    body: '{"secrets":{"GH":{"kind":"StaticSecret","value":"v"}}}',
    key: KEY,
  });
  assert.deepEqual(
    server.requests.map((r) => `${r.method} ${r.url} ${r.body.length}`),
    [
      "GET /old/api/conversations/count 0",
      "GET /new/api/conversations/count 0",
      "POST /old/api/conversations/search 7",
      "POST /new/api/conversations/search 7",
      "GET /new/api/conversations/count 0",
      `POST /old/api/conversations/${ID}/secrets 54`,
      `POST /new/api/conversations/${ID}/secrets 54`,
    ],
  );
});

test("a redirect loop within the origin stops after 5 redirects with RedirectError", async () => {
  await using server = await startFakeHttpServer((r) => ({
    status: 302,
    headers: { location: `/loop${r.n}` },
    text: "",
  }));
  const client = createAgentServerClient({ host: server.url, maxRetries: 0 });
  const err = await rejection(client.rest.GET("/api/conversations/count"));
  assert.ok(err instanceof RedirectError, String(err));
  assert.equal(err.targetOrigin, server.url);
  assert.ok(err.message.includes("at most 5"), err.message);
  const extra = server.requests.length - 6;
  recordHostile("unbounded_requests", extra);
  assert.equal(extra, 0);
});

test("an opaque redirect (what browsers return for redirect: 'manual') is a RedirectError to 'unknown'", async () => {
  const seen: RequestRedirect[] = [];
  const client = createAgentServerClient({
    host: "http://agent.test",
    apiKey: KEY,
    fetch: (request) => {
      seen.push(request.redirect);
      const opaque = new Response(null, { status: 200 });
      Object.defineProperty(opaque, "type", { value: "opaqueredirect" });
      Object.defineProperty(opaque, "status", { value: 0 });
      return Promise.resolve(opaque);
    },
  });
  const err = await rejection(client.rest.GET("/api/conversations/count"));
  assert.ok(err instanceof RedirectError, String(err));
  assert.equal(err.targetOrigin, "unknown");
  assert.equal(err.status, 0);
  assert.deepEqual(seen, ["manual"]);
});

test("the title LLM call keeps its Authorization within the LLM's origin", async () => {
  await using other = await startFakeHttpServer(() => ({
    status: 200,
    json: { choices: [{ message: { content: "stolen" } }] },
  }));
  for (const status of [301, 302, 303, 307, 308]) {
    await using llm = await redirector(status, () => other.url);
    const err = await rejection(
      titleFromLLM(
        "hello",
        { model: "m", base_url: `${llm.url}/v1`, api_key: LLM_KEY },
        50,
        (request) => globalThis.fetch(request),
      ),
    );
    assert.ok(err instanceof RedirectError, String(err));
    assert.equal(err.targetOrigin, other.url);
  }
  const n = leaks(other.requests);
  recordHostile("redirect_leaks", n);
  assert.equal(n, 0);
  assert.equal(other.requests.length, 0);
  // Within the origin it is followed, with the key.
  await using moved = await startFakeHttpServer((r) =>
    r.url.startsWith("/v1/")
      ? { status: 307, headers: { location: r.url.replace("/v1/", "/v2/") }, text: "" }
      : { status: 200, json: { choices: [{ message: { content: "✨ Title" } }] } }
  );
  const title = await titleFromLLM(
    "hello",
    { model: "m", base_url: `${moved.url}/v1`, api_key: LLM_KEY },
    50,
    (request) => globalThis.fetch(request),
  );
  assert.equal(title, "✨ Title");
  assert.deepEqual(moved.requests.map((r) => [r.url, r.headers.authorization]), [
    ["/v1/chat/completions", `Bearer ${LLM_KEY}`],
    ["/v2/chat/completions", `Bearer ${LLM_KEY}`],
  ]);
});

test("`fetchWithinOrigin()` refuses a Location that is not http(s) or not a URL", async () => {
  for (const [location, origin] of [["data:text/plain,x", "data:"], ["http://[::1", "unknown"]]) {
    const err = await rejection(
      fetchWithinOrigin(
        () =>
          Promise.resolve(new Response(null, { status: 302, headers: { location: location! } })),
        new Request("http://agent.test/x"),
      ),
    );
    assert.ok(err instanceof RedirectError, String(err));
    assert.equal(err.targetOrigin, origin);
  }
});

// --- finding 4: response size --------------------------------------------------------------------

/** An answer that streams `total` bytes of JSON-ish filler and counts what it wrote. */
function huge(status: number, total: number, headers: Record<string, string>) {
  const written = { bytes: 0, stopped: false };
  const chunk = new Uint8Array(256 * 1024).fill(0x20);
  return {
    written,
    answer: {
      status,
      headers: { "content-type": "application/json", ...headers },
      pump: async (write: (chunk: Uint8Array) => Promise<boolean>) => {
        while (written.bytes < total) {
          if (!(await write(chunk))) {
            written.stopped = true;
            return;
          }
          written.bytes += chunk.byteLength;
        }
      },
    },
  };
}

test(
  "a 300 MB JSON answer without Content-Length stops at the 64 MiB default with ResponseTooLargeError",
  async () => {
    const body = huge(200, 300 * MiB, {});
    await using server = await startFakeHttpServer(() => body.answer);
    const client = createAgentServerClient({ host: server.url, maxRetries: 0 });
    const err = await rejection(client.rest.GET("/api/conversations/count"));
    assert.ok(err instanceof ResponseTooLargeError, String(err));
    assert.equal(err.limitBytes, 64 * MiB);
    await server.close();
    assert.equal(body.written.stopped, true);
    assert.ok(body.written.bytes >= 64 * MiB, String(body.written.bytes));
    assert.ok(body.written.bytes < 100 * MiB, `the server wrote ${body.written.bytes} bytes`);
  },
  { timeoutMs: 120_000 },
);

test("a 300 MB JSON answer with Content-Length is refused before its body is read", async () => {
  const body = huge(200, 300 * MiB, { "content-length": String(300 * MiB) });
  await using server = await startFakeHttpServer(() => body.answer);
  const client = createAgentServerClient({ host: server.url, maxRetries: 0 });
  const err = await rejection(client.rest.GET("/api/conversations/count"));
  assert.ok(err instanceof ResponseTooLargeError, String(err));
  await server.close();
  assert.equal(body.written.stopped, true);
  assert.ok(body.written.bytes < 48 * MiB, `the server wrote ${body.written.bytes} bytes`);
});

test("a 300 MB error body is read up to 64 KiB and the message quotes at most 500 characters", async () => {
  const body = huge(500, 300 * MiB, {});
  await using server = await startFakeHttpServer(() => body.answer);
  const client = createAgentServerClient({ host: server.url, maxRetries: 0 });
  const err = await rejection(client.rest.GET("/api/conversations/count"));
  assert.ok(err instanceof APIError, String(err));
  assert.equal(err.status, 500);
  assert.equal(typeof err.body, "string");
  assert.equal((err.body as string).length, 64 * 1024);
  const quoted = `GET /api/conversations/count failed with 500: ${" ".repeat(500)}… `;
  assert.equal(err.message, `${quoted}(retry later or read the server log)`);
  await server.close();
  assert.equal(body.written.stopped, true);
  assert.ok(body.written.bytes < 48 * MiB, `the server wrote ${body.written.bytes} bytes`);
});

test("maxResponseBytes sets the limit: at the limit is read, one byte over is refused", async () => {
  const at = JSON.stringify("x".repeat(998)); // 1000 bytes
  await using server = await startFakeHttpServer((r) => ({
    status: 200,
    headers: { "content-type": "application/json" },
    text: r.url.endsWith("over") ? `${at} ` : at,
  }));
  const client = createAgentServerClient({ host: server.url, maxResponseBytes: 1000 });
  const { data } = await client.rest.GET("/at" as never);
  assert.equal((data as string).length, 998);
  const err = await rejection(client.rest.GET("/over" as never));
  assert.ok(err instanceof ResponseTooLargeError, String(err));
  assert.equal(err.limitBytes, 1000);
  for (const bad of [0, -1, 1.5, NaN]) {
    assert.throws(() => createAgentServerClient({ host: server.url, maxResponseBytes: bad }), {
      name: "RangeError",
      message:
        `Cannot use 'maxResponseBytes' as it must be a whole number of bytes above 0 or Infinity: current value is ${bad}`,
    });
  }
});

test("file downloads are the user's data and are not limited by maxResponseBytes", async () => {
  const size = 3 * MiB;
  await using server = await startFakeHttpServer(() => ({
    status: 200,
    headers: { "content-type": "application/json" },
    text: "7".repeat(size),
  }));
  const workspace = new RemoteWorkspace({ host: server.url, workingDir: "/w" });
  // The workspace's client has the default limit; a client with a tiny one shows raw reads pass.
  const client = createAgentServerClient({ host: server.url, maxResponseBytes: 1024 });
  const { data } = await client.rest.GET("/api/file/download", {
    params: { query: { path: "/w/a.json" } },
    parseAs: "blob",
  });
  assert.equal((data as Blob).size, size);
  const stream = await workspace.fileDownloadStream("/w/a.json");
  let total = 0;
  for await (const chunk of stream) total += chunk.byteLength;
  assert.equal(total, size);
});

// --- finding 7: redaction ------------------------------------------------------------------------

/** The key written with JSON escapes: every other character as \uXXXX (mixed hex case). */
function escaped(text: string): string {
  return Array.from(text).map((c, i) =>
    i % 2 === 0 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()}` : c
  ).join("");
}

function assertClean(err: unknown, secrets: string[]): void {
  assert.ok(err instanceof APIError, String(err));
  const shown = [err.message, String(err.stack), JSON.stringify(err), JSON.stringify(err.body)];
  for (const s of secrets) {
    for (const text of shown) {
      assert.ok(!text.includes(s), `${s} in ${text}`);
      assert.ok(!text.includes(escaped(s)), `escaped ${s} in ${text}`);
      assert.ok(!text.toLowerCase().includes("\\u0073k-"), text);
    }
  }
  assert.ok(err.message.includes("[redacted]"), err.message);
}

test("a key echoed JSON-escaped (\\u0073k-...) is redacted from message, stack, body and JSON", async () => {
  await using server = await startFakeHttpServer(() => ({
    status: 401,
    headers: { "content-type": "application/json" },
    text: `{"detail":"bad key ${escaped(KEY)}","echo":"\\u0073k-session-7f3a9c"}`,
  }));
  const client = createAgentServerClient({ host: server.url, apiKey: KEY });
  const err = await rejection(client.rest.GET("/api/conversations/count"));
  assertClean(err, [KEY]);
  assert.deepEqual((err as APIError).body, { detail: "bad key [redacted]", echo: "[redacted]" });
});

test("secret values and the LLM key the client sent are redacted when the server echoes them in detail or msg", async () => {
  await using server = await startFakeHttpServer((r) =>
    r.url.endsWith("/secrets")
      ? {
        status: 422,
        json: { detail: [{ loc: ["body", "secrets", "GH"], msg: `bad value ${SECRET}` }] },
      }
      : {
        status: 400,
        headers: { "content-type": "application/json" },
        text: `{"detail":"model m rejected key ${escaped(LLM_KEY)} (${LLM_KEY})"}`,
      }
  );
  const client = createAgentServerClient({ host: server.url, apiKey: KEY });
  const secretsErr = await rejection(
    client.rest.POST("/api/conversations/{conversation_id}/secrets", {
      params: { path: { conversation_id: ID } },
      body: { secrets: { GH: { kind: "StaticSecret", value: SECRET } } },
    }),
  );
  assert.ok(secretsErr instanceof ValidationError);
  assertClean(secretsErr, [SECRET, KEY]);
  assert.equal(
    secretsErr.message,
    `POST /api/conversations/${ID}/secrets failed with 422: body.secrets.GH: bad value [redacted] (fix the request fields named above)`,
  );
  const createErr = await rejection(
    client.rest.POST("/api/conversations", {
      body: { agent: { llm: { model: "m", api_key: LLM_KEY } } } as never,
    }),
  );
  assertClean(createErr, [LLM_KEY, KEY]);
  assert.equal((createErr as APIError).detail, "model m rejected key [redacted] ([redacted])");
});

// --- finding 10: answers that are not JSON -------------------------------------------------------

for (
  const [name, headers, text] of [
    ["not JSON", { "content-type": "application/json" }, "<html>proxy error</html>"],
    ["truncated JSON", { "content-type": "application/json" }, '{"items":['],
    ["empty, Content-Length 0", { "content-type": "application/json" }, ""],
    ["whitespace", { "content-type": "application/json" }, "  "],
    ["an HTML page", { "content-type": "text/html" }, "<html></html>"],
  ] as const
) {
  for (const chunked of [false, true]) {
    test(`a 200 answer that is ${name}${chunked ? " (chunked)" : ""} is a ProtocolError`, async () => {
      await using server = await startFakeHttpServer(() =>
        chunked
          ? { status: 200, headers, pump: async (write) => void (text && await write(text)) }
          : { status: 200, headers, text }
      );
      const client = createAgentServerClient({ host: server.url, maxRetries: 0 });
      const err = await rejection(
        client.rest.GET("/api/conversations/{conversation_id}", {
          params: { path: { conversation_id: ID } },
        }),
      );
      assert.ok(err instanceof ProtocolError, String(err));
      assert.equal(err.what, `GET /api/conversations/${ID}`);
    });
  }
}

// --- finding 11: timeouts the runtimes cannot honour ---------------------------------------------

test("a REST timeoutMs above 2^31 - 1 ms is a RangeError at the call; 2^31 - 1 is accepted", async () => {
  const message = (v: number) =>
    `Cannot use 'timeoutMs' as it must be a positive number of milliseconds up to 2147483647: current value is ${v}`;
  for (const value of [2 ** 31, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
    assert.throws(() => callInit({ timeoutMs: value }), {
      name: "RangeError",
      message: message(value),
    });
    assert.throws(
      () => createAgentServerClient({ host: "http://agent.test", timeoutMs: value }),
      { name: "RangeError", message: message(value) },
    );
  }
  await using server = await startFakeHttpServer(() => ({ status: 200, json: 3 }));
  const client = createAgentServerClient({ host: server.url, timeoutMs: 2 ** 31 - 1 });
  const { data } = await client.rest.GET("/api/conversations/count", {
    ...callInit({ timeoutMs: 2 ** 31 - 1 }),
  });
  assert.equal(data, 3);
});
