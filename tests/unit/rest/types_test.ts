/**
 * `RestClient`, the public type of `AgentServerClient.rest`: what `deno check` must accept and
 * reject (type-level), and that the runtime object (openapi-fetch's client) behaves as typed.
 * Bun runs the same file without type-checking it: the type-level parts are never called.
 */

import assert from "node:assert/strict";
import { type AgentServerClient, createAgentServerClient } from "../../../src/rest/client.ts";
import { NotFoundError, ValidationError } from "../../../src/errors.ts";
import type {
  RestBody,
  RestClient,
  RestData,
  RestInit,
  RestMethod,
  RestOperation,
  RestPath,
  ServerInfo,
} from "../../../src/rest/types.ts";
import type { ConversationInfo, ConversationPage, Schemas } from "../../../src/types.ts";
import { test } from "../../support/test.ts";

const ID = "6c1b5b1e-0000-4000-8000-000000000000";

/** `true` when A and B are the same type, else `false`. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;

/** Compiles only when `value` is `true`: a type-level assertion. */
function typeIs<T extends true>(value: T): T {
  return value;
}

/** A client on a stand-in fetch that records requests and answers with `answer`. */
function client(
  answer: (request: Request) => Response,
): { rest: RestClient; seen: string[] } {
  const seen: string[] = [];
  const { rest } = createAgentServerClient({
    host: "http://agent.test",
    maxRetries: 0,
    fetch: (request) => {
      seen.push(`${request.method} ${new URL(request.url).pathname}${new URL(request.url).search}`);
      return Promise.resolve(answer(request));
    },
  });
  return { rest, seen };
}

// --- types -----------------------------------------------------------------------------------

test("RestClient: AgentServerClient.rest is a RestClient; operations, params and bodies come from the spec", () => {
  typeIs<Equal<AgentServerClient["rest"], RestClient>>(true);
  typeIs<Equal<RestMethod, "get" | "put" | "post" | "patch" | "delete">>(true);
  type Get = RestOperation<"get", "/api/conversations/{conversation_id}">;
  typeIs<Equal<RestData<Get>, ConversationInfo>>(true);
  typeIs<Equal<RestData<RestOperation<"get", "/api/conversations/count">>, number>>(true);
  // 204 No Content: no data.
  typeIs<Equal<RestData<RestOperation<"post", "/api/auth/workspace-session">>, undefined>>(true);
  typeIs<
    Equal<
      RestBody<RestOperation<"post", "/api/conversations">>,
      Schemas["StartConversationRequest"]
    >
  >(true);
  typeIs<Equal<RestBody<Get>, never>>(true);
  // A multipart body is a FormData, sent as it is.
  typeIs<Equal<RestBody<RestOperation<"post", "/api/file/upload">>, FormData>>(true);
  // The routes the public document leaves out are typed too.
  typeIs<Equal<RestData<RestOperation<"get", "/server_info">>, ServerInfo>>(true);
  // Every operation of every method has a result type (none resolves to `never`).
  type NeverData<M extends RestMethod> = {
    [P in RestPath<M>]: [RestData<RestOperation<M, P>>] extends [never] ? P : never;
  }[RestPath<M>];
  typeIs<Equal<NeverData<RestMethod>, never>>(true);
  typeIs<Equal<NeverData<"get"> | NeverData<"post"> | NeverData<"delete">, never>>(true);
});

/** Never called: each line must be a type error for `deno check` (the directive fails if not). */
function _typeErrors(
  rest: RestClient,
  init: RestInit<RestOperation<"post", "/api/conversations">>,
): void {
  // @ts-expect-error: the path parameter is required, so is the init
  void rest.GET("/api/conversations/{conversation_id}");
  // @ts-expect-error: the path parameter is required
  void rest.GET("/api/conversations/{conversation_id}", {});
  // @ts-expect-error: `params` without its `path`
  void rest.GET("/api/conversations/{conversation_id}", { params: { query: {} } });
  const numericId = { path: { conversation_id: 1 } };
  // @ts-expect-error: a path parameter of the wrong type
  void rest.GET("/api/conversations/{conversation_id}", { params: numericId });
  // @ts-expect-error: a query parameter of the wrong type
  void rest.GET("/api/conversations/search", { params: { query: { limit: "ten" } } });
  // @ts-expect-error: the body is required
  void rest.POST("/api/conversations", {});
  // @ts-expect-error: a GET takes no body
  void rest.GET("/api/conversations/count", { body: {} });
  // @ts-expect-error: the count has no DELETE
  void rest.DELETE("/api/conversations/count");
  // @ts-expect-error: not a path of the server
  void rest.GET("/api/nowhere");
  void rest.POST("/api/conversations", init);
}

// --- runtime ---------------------------------------------------------------------------------

test("RestClient: a typed GET resolves with the typed data and the response", async () => {
  const { rest, seen } = client(() =>
    Response.json({ id: ID, execution_status: "idle", title: "Fix the tests" })
  );
  const { data, response } = await rest.GET("/api/conversations/{conversation_id}", {
    params: { path: { conversation_id: ID } },
  });
  typeIs<Equal<typeof data, ConversationInfo>>(true);
  // No `?.`: a call that resolves has its data.
  assert.equal(data.execution_status, "idle");
  assert.equal(data.title, "Fix the tests");
  assert.equal(response.status, 200);
  assert.deepEqual(seen, [`GET /api/conversations/${ID}`]);
});

test("RestClient: query params are sent, and the result is the page type", async () => {
  const { rest, seen } = client(() => Response.json({ items: [], next_page_id: null }));
  const { data } = await rest.GET("/api/conversations/search", {
    params: { query: { limit: 5, status: "finished" } },
    signal: new AbortController().signal,
  });
  typeIs<Equal<typeof data, ConversationPage>>(true);
  assert.deepEqual(data, { items: [], next_page_id: null });
  assert.deepEqual(seen, ["GET /api/conversations/search?limit=5&status=finished"]);
});

test("RestClient: parseAs reads the body raw and types it so", async () => {
  const { rest } = client(() => new Response("abc"));
  const { data } = await rest.GET("/api/file/download", {
    params: { query: { path: "/workspace/a.txt" } },
    parseAs: "blob",
  });
  typeIs<Equal<typeof data, Blob | undefined>>(true);
  assert.ok(data instanceof Blob);
  assert.equal(await data.text(), "abc");
});

test("RestClient: a 204 resolves with undefined data", async () => {
  const { rest } = client(() => new Response(null, { status: 204 }));
  const { data, response } = await rest.DELETE("/api/auth/workspace-session");
  typeIs<Equal<typeof data, undefined>>(true);
  assert.equal(data, undefined);
  assert.equal(response.status, 204);
});

test("RestClient: a non-2xx throws the typed error instead of resolving", async () => {
  const { rest } = client(() => Response.json({ detail: "Not Found" }, { status: 404 }));
  await assert.rejects(
    rest.GET("/api/conversations/{conversation_id}", {
      params: { path: { conversation_id: ID } },
    }),
    (err: unknown) => {
      assert.ok(err instanceof NotFoundError);
      assert.equal(err.status, 404);
      assert.equal(err.method, "GET");
      assert.equal(err.path, `/api/conversations/${ID}`);
      return true;
    },
  );
  const invalid = client(() =>
    Response.json({ detail: [{ loc: ["body", "agent"], msg: "Field required" }] }, {
      status: 422,
    })
  );
  await assert.rejects(
    invalid.rest.POST("/api/conversations/{conversation_id}/events", {
      params: { path: { conversation_id: ID } },
      body: { role: "user", content: [{ type: "text", text: "hi" }] },
    }),
    ValidationError,
  );
});

test("RestClient: the runtime object is still the openapi-fetch client", () => {
  const { rest } = client(() => Response.json(0));
  const raw = rest as unknown as Record<string, unknown>;
  for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE", "use", "eject"]) {
    assert.equal(typeof raw[method], "function", method);
  }
});
