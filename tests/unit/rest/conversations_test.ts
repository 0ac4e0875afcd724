/**
 * The conversation resources (`src/rest/conversations.ts`) against a loopback fake server: the
 * exact request each one makes, and what it does with good, bad and error answers.
 */

import assert from "node:assert/strict";
import {
  BadRequestError,
  ConflictError,
  NotFoundError,
  ProtocolError,
} from "../../../src/errors.ts";
import { type Connection, createConnection } from "../../../src/rest/connection.ts";
import {
  countConversations,
  deleteConversation,
  getConversation,
  pauseConversation,
  runConversation,
  searchConversations,
  setConfirmationPolicy,
  startConversation,
  updateSecrets,
} from "../../../src/rest/conversations.ts";
import {
  type FakeHttpServer,
  type RecordedRequest,
  startFakeHttpServer,
} from "../../support/fake_http_server.ts";
import { test } from "../../support/test.ts";

const ID = "6c1b5b1e-0000-4000-8000-000000000000";
const OTHER = "0b6e2f1a-5c3d-4e8f-9a1b-2c3d4e5f6a7b";
const PATH = `/api/conversations/${ID}`;

function connect(server: FakeHttpServer, apiKey?: string): Connection {
  return createConnection({ host: server.url, maxRetries: 0, ...(apiKey ? { apiKey } : {}) });
}

function line(request: RecordedRequest): string {
  return `${request.method} ${decodeURIComponent(request.url)}`;
}

test("startConversation POSTs the request as JSON and returns the checked conversation", async () => {
  await using server = await startFakeHttpServer(() => ({
    status: 200,
    json: { id: ID, title: null },
  }));
  const info = await startConversation(connect(server, "key"), {
    workspace: { working_dir: "/w" },
    conversation_id: ID,
  });
  assert.equal(info.id, ID);
  assert.deepEqual(server.requests.map(line), ["POST /api/conversations"]);
  const request = server.requests[0]!;
  assert.deepEqual(JSON.parse(request.body), {
    workspace: { working_dir: "/w" },
    conversation_id: ID,
  });
  assert.equal(request.headers["x-session-api-key"], "key");
});

test("startConversation: an answer without a UUID id, or about another id, is a ProtocolError", async () => {
  for (
    const [answer, message] of [
      [{ detail: "Internal error" }, "the conversation id is missing, not a UUID"],
      [{ id: ".." }, 'the conversation id is "..", not a UUID'],
      [[], "the answer is an array, not a conversation"],
      [{ id: OTHER }, `the answer is about conversation ${OTHER}, not ${ID}`],
    ] as const
  ) {
    await using server = await startFakeHttpServer(() => ({ status: 200, json: answer }));
    const error = await startConversation(connect(server), {
      workspace: { working_dir: "/w" },
      conversation_id: ID,
    }).catch((err: unknown) => err);
    assert.ok(error instanceof ProtocolError, String(error));
    assert.equal(error.what, "POST /api/conversations");
    assert.ok(error.message.includes(message), error.message);
  }
});

test("getConversation GETs one conversation; an id under `conversation_id` is taken as `id`", async () => {
  await using server = await startFakeHttpServer(() => ({
    status: 200,
    json: { conversation_id: ID },
  }));
  const info = await getConversation(connect(server), ID);
  assert.equal(info.id, ID);
  assert.deepEqual(server.requests.map(line), [`GET ${PATH}`]);
});

test("getConversation: an answer about another conversation is a ProtocolError naming the request", async () => {
  await using server = await startFakeHttpServer(() => ({ status: 200, json: { id: OTHER } }));
  const error = await getConversation(connect(server), ID).catch((err: unknown) => err);
  assert.ok(error instanceof ProtocolError);
  assert.equal(error.what, `GET ${PATH}`);
});

test("getConversation: a 404 is a NotFoundError", async () => {
  await using server = await startFakeHttpServer(() => ({
    status: 404,
    json: { detail: "Not Found" },
  }));
  await assert.rejects(getConversation(connect(server), ID), NotFoundError);
});

test("deleteConversation DELETEs once when the server answers 200", async () => {
  await using server = await startFakeHttpServer(() => ({ status: 200, json: { success: true } }));
  await deleteConversation(connect(server), ID);
  assert.deepEqual(server.requests.map(line), [`DELETE ${PATH}`]);
});

test("deleteConversation: a bare 400 confirmed by a GET 404 is a NotFoundError (servers before 1.58.0)", async () => {
  await using server = await startFakeHttpServer((request) =>
    request.method === "DELETE"
      ? { status: 400, json: { detail: "Bad Request" } }
      : { status: 404, json: { detail: "Not Found" } }
  );
  const error = await deleteConversation(connect(server), ID).catch((err: unknown) => err);
  assert.ok(error instanceof NotFoundError, String(error));
  assert.equal(error.status, 404);
  assert.ok(error.cause instanceof BadRequestError);
  assert.deepEqual(server.requests.map(line), [`DELETE ${PATH}`, `GET ${PATH}`]);
});

test("deleteConversation: any other 400 stays a BadRequestError, without a GET", async () => {
  await using server = await startFakeHttpServer(() => ({ status: 400, json: { detail: "busy" } }));
  await assert.rejects(deleteConversation(connect(server), ID), BadRequestError);
  assert.deepEqual(server.requests.map(line), [`DELETE ${PATH}`]);
});

test("searchConversations sends the query and checks the page", async () => {
  await using server = await startFakeHttpServer(() => ({
    status: 200,
    json: { items: [{ id: ID }], next_page_id: "p2" },
  }));
  const page = await searchConversations(connect(server), {
    limit: 10,
    status: "idle",
    sort_order: "UPDATED_AT_DESC",
    page_id: "p1",
  });
  assert.equal(page.next_page_id, "p2");
  assert.deepEqual(server.requests.map(line), [
    "GET /api/conversations/search?limit=10&status=idle&sort_order=UPDATED_AT_DESC&page_id=p1",
  ]);
});

test("searchConversations: items with an id '..', items that are not an array, a numeric token are ProtocolErrors", async () => {
  for (
    const [answer, message] of [
      [{ items: [{ id: ".." }] }, 'a conversation id is "..", not a UUID'],
      [{ items: {} }, "items is an object, not an array"],
      [{ items: [], next_page_id: 2 }, "next_page_id is a number, not a string"],
      ["page", 'the answer is "page", not a page of conversations'],
    ] as const
  ) {
    await using server = await startFakeHttpServer(() => ({ status: 200, json: answer }));
    const error = await searchConversations(connect(server), {}).catch((err: unknown) => err);
    assert.ok(error instanceof ProtocolError, String(error));
    assert.equal(error.what, "GET /api/conversations/search");
    assert.ok(error.message.includes(message), error.message);
  }
});

test("countConversations sends the status and checks the count", async () => {
  await using server = await startFakeHttpServer(() => ({ status: 200, json: 3 }));
  assert.equal(await countConversations(connect(server), { status: "finished" }), 3);
  assert.equal(await countConversations(connect(server), {}), 3);
  assert.deepEqual(server.requests.map(line), [
    "GET /api/conversations/count?status=finished",
    "GET /api/conversations/count",
  ]);
});

test("countConversations: a count that is not a whole number is a ProtocolError", async () => {
  for (const answer of [-1, 1.5, "3", { detail: "oops" }]) {
    await using server = await startFakeHttpServer(() => ({ status: 200, json: answer }));
    const error = await countConversations(connect(server), {}).catch((err: unknown) => err);
    assert.ok(error instanceof ProtocolError, String(error));
    assert.equal(error.what, "GET /api/conversations/count");
  }
});

test("runConversation POSTs /run; a 409 is a ConflictError", async () => {
  await using server = await startFakeHttpServer((request) =>
    request.n === 1 ? { status: 200, json: { success: true } } : {
      status: 409,
      json: { detail: "already running" },
    }
  );
  await runConversation(connect(server), ID);
  await assert.rejects(runConversation(connect(server), ID), ConflictError);
  assert.deepEqual(server.requests.map(line), [`POST ${PATH}/run`, `POST ${PATH}/run`]);
});

test("pauseConversation POSTs /pause without a body", async () => {
  await using server = await startFakeHttpServer(() => ({ status: 200, json: { success: true } }));
  await pauseConversation(connect(server), ID);
  assert.deepEqual(server.requests.map(line), [`POST ${PATH}/pause`]);
  assert.equal(server.requests[0]!.body, "");
});

test("setConfirmationPolicy POSTs { policy }", async () => {
  await using server = await startFakeHttpServer(() => ({ status: 200, json: { success: true } }));
  await setConfirmationPolicy(connect(server), ID, {
    kind: "ConfirmRisky",
    threshold: "MEDIUM",
    confirm_unknown: false,
  });
  assert.deepEqual(server.requests.map(line), [`POST ${PATH}/confirmation_policy`]);
  assert.deepEqual(JSON.parse(server.requests[0]!.body), {
    policy: { kind: "ConfirmRisky", threshold: "MEDIUM", confirm_unknown: false },
  });
});

test("updateSecrets POSTs { secrets }; an error that echoes a value has it redacted", async () => {
  await using server = await startFakeHttpServer((request) => ({
    status: 500,
    text: request.body,
  }));
  const error = await updateSecrets(connect(server), ID, {
    TOKEN: { kind: "StaticSecret", value: "hunter2-secret" },
  }).catch((err: unknown) => err);
  assert.ok(error instanceof Error);
  assert.ok(!error.message.includes("hunter2-secret"), error.message);
  assert.deepEqual(server.requests.map(line), [`POST ${PATH}/secrets`]);
  assert.deepEqual(JSON.parse(server.requests[0]!.body), {
    secrets: { TOKEN: { kind: "StaticSecret", value: "hunter2-secret" } },
  });
});

test("a signal that aborts rejects the call with its reason", async () => {
  await using server = await startFakeHttpServer(() => "hang");
  const controller = new AbortController();
  const reason = new Error("stop");
  const call = getConversation(connect(server), ID, { signal: controller.signal });
  setTimeout(() => controller.abort(reason), 20);
  assert.equal(await call.catch((err: unknown) => err), reason);
});
