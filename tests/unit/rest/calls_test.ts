/**
 * The library's own REST calls (`src/rest/_calls.ts`) against the public openapi-fetch client on
 * the same fake fetch: the same requests on the wire (method, URL, key, content type, body), the
 * same data, the same typed errors; plus the transport's guarantees on this path (retries of
 * idempotent calls only, a body that is not JSON, an empty JSON answer, a streamed answer).
 */

import assert from "node:assert/strict";
import { createConnection } from "../../../src/rest/connection.ts";
import { NotFoundError, ProtocolError, ServerError, ValidationError } from "../../../src/errors.ts";
import { test } from "../../support/test.ts";

const KEY = "sk-session-0123456789abcdef";
const ID = "6c1b5b1e-0000-4000-8000-000000000000";

interface Seen {
  method: string;
  url: string;
  key: string | null;
  type: string | null;
  body: string;
}

function recorder(answer: (request: Request) => Response) {
  const seen: Seen[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    const type = request.headers.get("content-type");
    seen.push({
      method: request.method,
      url: request.url,
      key: request.headers.get("x-session-api-key"),
      // A multipart boundary differs per request: compare the kind only.
      type: type?.startsWith("multipart/form-data") ? "multipart/form-data" : type,
      body: request.body === null
        ? ""
        : type?.startsWith("multipart/")
        ? "(form)"
        : await request.text(),
    });
    return answer(request);
  };
  return { seen, fetch };
}

function both(answer: (request: Request) => Response) {
  const lean = recorder(answer);
  const open = recorder(answer);
  const leanRest = createConnection({ host: "http://agent.test/prefix/", apiKey: KEY, ...lean })
    .rest;
  const openRest = createConnection({ host: "http://agent.test/prefix/", apiKey: KEY, ...open })
    .client.rest;
  return { lean, open, leanRest, openRest };
}

test("the library's calls put the same requests on the wire as openapi-fetch", async () => {
  const { lean, open, leanRest, openRest } = both(() => Response.json({ ok: 1 }));
  for (const rest of [leanRest, openRest]) {
    await rest.GET("/api/conversations/search", {
      params: { query: { limit: 5, status: null, page_id: "a b&c=d/é" } },
    });
    await rest.GET("/api/conversations/{conversation_id}/events/search", {
      params: { path: { conversation_id: "x/../y?z" }, query: { limit: 100 } },
    });
    await rest.POST("/api/conversations/{conversation_id}/events", {
      params: { path: { conversation_id: ID } },
      body: { role: "user", content: [{ type: "text", text: "hi" }], run: false },
    });
    await rest.DELETE("/api/conversations/{conversation_id}", {
      params: { path: { conversation_id: ID } },
    });
    const form = new FormData();
    form.append("file", new Blob(["abc"]), "a.txt");
    await rest.POST("/api/file/upload", {
      params: { query: { path: "/w/a.txt" } },
      body: form as never,
    });
  }
  assert.equal(lean.seen.length, 5);
  assert.deepEqual(lean.seen, open.seen);
  assert.equal(
    lean.seen[0]!.url,
    "http://agent.test/prefix/api/conversations/search?limit=5&page_id=a%20b%26c%3Dd%2F%C3%A9",
  );
  assert.equal(
    lean.seen[1]!.url,
    "http://agent.test/prefix/api/conversations/x%2F..%2Fy%3Fz/events/search?limit=100",
  );
  assert.equal(lean.seen[2]!.type, "application/json");
  assert.equal(lean.seen[4]!.type, "multipart/form-data");
  for (const s of lean.seen) assert.equal(s.key, KEY);
});

test("the library's calls give the same data and the same typed errors as openapi-fetch", async () => {
  const secret = "ghp_secret_value_123";
  const { leanRest, openRest } = both((request) => {
    const path = new URL(request.url).pathname;
    if (path.endsWith("/count")) return Response.json(7);
    if (path.endsWith("/secrets")) {
      // A server that echoes what it got, the key and the secret among it.
      return Response.json({ detail: `bad: ${KEY} ${secret}` }, { status: 422 });
    }
    return Response.json({ detail: "Conversation not found" }, { status: 404 });
  });
  for (const rest of [leanRest, openRest]) {
    const { data } = await rest.GET("/api/conversations/count");
    assert.equal(data, 7);
  }
  const errors: unknown[] = [];
  for (const rest of [leanRest, openRest]) {
    errors.push(
      await rest.GET("/api/conversations/{conversation_id}", {
        params: { path: { conversation_id: ID } },
      }).catch((err: unknown) => err),
    );
    errors.push(
      await rest.POST("/api/conversations/{conversation_id}/secrets", {
        params: { path: { conversation_id: ID } },
        body: { secrets: { GH: { kind: "StaticSecret", value: secret } } },
      }).catch((err: unknown) => err),
    );
  }
  const [leanGone, leanBad, openGone, openBad] = errors as Error[];
  assert.ok(leanGone instanceof NotFoundError && openGone instanceof NotFoundError);
  assert.equal(leanGone.message, openGone.message);
  assert.equal(leanGone.path, `/prefix/api/conversations/${ID}`);
  assert.ok(leanBad instanceof ValidationError && openBad instanceof ValidationError);
  assert.equal(leanBad.message, openBad.message);
  assert.ok(!leanBad.message.includes(KEY) && !leanBad.message.includes(secret), leanBad.message);
  assert.ok(!JSON.stringify(leanBad.detail).includes(secret));
});

test("the library's calls: a body that is not JSON, or an empty JSON one, is a ProtocolError", async () => {
  const { leanRest } = both((request) =>
    new URL(request.url).pathname.endsWith("/count")
      ? new Response("<html>", { headers: { "content-type": "text/html" } })
      : new Response("", { headers: { "content-type": "application/json" } })
  );
  const notJson = await leanRest.GET("/api/conversations/count").catch((err: unknown) => err);
  assert.ok(notJson instanceof ProtocolError);
  assert.match(notJson.message, /GET \/prefix\/api\/conversations\/count.*not JSON/);
  const empty = await leanRest.GET("/api/conversations/{conversation_id}", {
    params: { path: { conversation_id: ID } },
  }).catch((err: unknown) => err);
  assert.ok(empty instanceof ProtocolError);
  assert.match(empty.message, /has no body/);
});

test("the library's calls: an answer that declares its length is parsed in one read; not JSON is a ProtocolError", async () => {
  const good = JSON.stringify({ items: [{ id: "e1" }], next_page_id: null });
  const { leanRest } = both((request) => {
    const text = new URL(request.url).pathname.endsWith("/count") ? "<html>" : good;
    const length = String(new TextEncoder().encode(text).byteLength);
    return new Response(text, {
      headers: { "content-type": "application/json", "content-length": length },
    });
  });
  const { data } = await leanRest.GET("/api/conversations/search");
  assert.deepEqual(data, { items: [{ id: "e1" }], next_page_id: null });
  const notJson = await leanRest.GET("/api/conversations/count").catch((err: unknown) => err);
  assert.ok(notJson instanceof ProtocolError);
  assert.match(notJson.message, /GET \/prefix\/api\/conversations\/count.*not JSON/);
  assert.ok(notJson.cause instanceof SyntaxError);
});

test("the library's calls: an answer without a length is read in pieces and parsed the same", async () => {
  const text = JSON.stringify({ items: [{ id: "e1" }], next_page_id: null });
  const { leanRest } = both(() => {
    const bytes = new TextEncoder().encode(text);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 5));
        controller.enqueue(bytes.subarray(5));
        controller.close();
      },
    });
    return new Response(body, { headers: { "content-type": "application/json" } });
  });
  const { data } = await leanRest.GET("/api/conversations/search");
  assert.deepEqual(data, { items: [{ id: "e1" }], next_page_id: null });
});

test("the library's calls: a GET is retried after a 503, a POST never is", async () => {
  let calls = 0;
  const connection = createConnection({
    host: "http://agent.test",
    fetch: (request) => {
      calls++;
      return Promise.resolve(
        calls === 1 || request.method === "POST"
          ? new Response("busy", { status: 503, headers: { "retry-after-ms": "1" } })
          : Response.json(3),
      );
    },
  });
  const { data } = await connection.rest.GET("/api/conversations/count");
  assert.equal(data, 3);
  assert.equal(calls, 2);
  calls = 1;
  const err = await connection.rest.POST("/api/conversations/{conversation_id}/pause", {
    params: { path: { conversation_id: ID } },
  }).catch((error: unknown) => error);
  assert.ok(err instanceof ServerError);
  assert.equal(err.status, 503);
  assert.equal(calls, 2);
});
