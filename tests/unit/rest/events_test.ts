/**
 * The event resources (`src/rest/events.ts`) against a loopback fake server: search and paging
 * of the stored log (with the page-token checks), the count, messages and confirmations.
 */

import assert from "node:assert/strict";
import { ProtocolError } from "../../../src/errors.ts";
import { type Connection, createConnection } from "../../../src/rest/connection.ts";
import {
  countEvents,
  readEventLog,
  respondToConfirmation,
  searchEvents,
  sendMessage,
} from "../../../src/rest/events.ts";
import {
  type FakeHttpServer,
  type RecordedRequest,
  startFakeHttpServer,
} from "../../support/fake_http_server.ts";
import { test } from "../../support/test.ts";

const ID = "6c1b5b1e-0000-4000-8000-000000000000";
const SEARCH = `/api/conversations/${ID}/events/search`;

function connect(server: FakeHttpServer): Connection {
  return createConnection({ host: server.url, maxRetries: 0 });
}

function line(request: RecordedRequest): string {
  return `${request.method} ${decodeURIComponent(request.url)}`;
}

function pageId(request: RecordedRequest): string | null {
  return new URL(request.url, "http://x").searchParams.get("page_id");
}

test("searchEvents maps the query and returns the items unchecked with the next token", async () => {
  await using server = await startFakeHttpServer(() => ({
    status: 200,
    json: { items: [{ anything: 1 }], next_page_id: "p2" },
  }));
  const page = await searchEvents(connect(server), ID, {
    limit: 5,
    pageId: "p1",
    timestampGte: "2026-01-01T00:00:00",
  });
  assert.deepEqual(page, { items: [{ anything: 1 }], nextPageId: "p2" });
  assert.deepEqual(server.requests.map(line), [
    `GET ${SEARCH}?limit=5&page_id=p1&timestamp__gte=2026-01-01T00:00:00`,
  ]);
});

test("searchEvents: an empty token is the last page; a missing items list is no items", async () => {
  await using server = await startFakeHttpServer(() => ({
    status: 200,
    json: { next_page_id: "" },
  }));
  assert.deepEqual(await searchEvents(connect(server), ID, {}), {
    items: [],
    nextPageId: undefined,
  });
  assert.deepEqual(server.requests.map(line), [`GET ${SEARCH}`]);
});

test("searchEvents: an answer that is not a page, or a token that is not a string, is a ProtocolError", async () => {
  for (
    const [answer, message] of [
      [[1, 2], "the answer is an array, not a page of events"],
      [{ items: "x" }, "the answer is an object, not a page of events"],
      [{ items: [], next_page_id: 7 }, "next_page_id is a number, not a string"],
    ] as const
  ) {
    await using server = await startFakeHttpServer(() => ({ status: 200, json: answer }));
    const error = await searchEvents(connect(server), ID, {}).catch((err: unknown) => err);
    assert.ok(error instanceof ProtocolError, String(error));
    assert.equal(error.what, `GET ${SEARCH}`);
    assert.ok(error.message.includes(message), error.message);
  }
});

test("readEventLog pages 100 at a time until the last page", async () => {
  await using server = await startFakeHttpServer((request) => {
    const page = pageId(request);
    return {
      status: 200,
      json: page === null
        ? { items: [{ id: "e1" }, { id: "e2" }], next_page_id: "p2" }
        : { items: [{ id: "e3" }], next_page_id: null },
    };
  });
  const events = await readEventLog(connect(server), ID, { since: "2026-01-01T00:00:00" });
  assert.deepEqual(events, [{ id: "e1" }, { id: "e2" }, { id: "e3" }]);
  assert.deepEqual(server.requests.map(line), [
    `GET ${SEARCH}?limit=100&timestamp__gte=2026-01-01T00:00:00`,
    `GET ${SEARCH}?limit=100&page_id=p2&timestamp__gte=2026-01-01T00:00:00`,
  ]);
});

test("readEventLog with max asks for no more than it needs and stops there", async () => {
  await using server = await startFakeHttpServer((request) => ({
    status: 200,
    json: {
      items: [{ id: `e${request.n}` }, { id: `f${request.n}` }],
      next_page_id: `p${request.n}`,
    },
  }));
  const events = await readEventLog(connect(server), ID, { max: 3 });
  assert.equal(events.length, 4); // the server sent more than asked: kept, paging stops
  assert.deepEqual(server.requests.map(line), [
    `GET ${SEARCH}?limit=3`,
    `GET ${SEARCH}?limit=1&page_id=p1`,
  ]);
});

test("readEventLog: a page token that comes back is a ProtocolError (the pages never end)", async () => {
  await using server = await startFakeHttpServer((request) => ({
    status: 200,
    json: { items: [], next_page_id: pageId(request) === "a" ? "b" : "a" },
  }));
  const error = await readEventLog(connect(server), ID, {}).catch((err: unknown) => err);
  assert.ok(error instanceof ProtocolError, String(error));
  assert.equal(error.what, `GET ${SEARCH}`);
  assert.ok(error.message.includes('next_page_id "a" came back after 2 pages'), error.message);
  assert.equal(server.requests.length, 3);
});

test("countEvents: a number, or undefined when the answer is not one", async () => {
  await using server = await startFakeHttpServer((request) => ({
    status: 200,
    json: request.n === 1 ? 12 : { detail: "proxy" },
  }));
  assert.equal(await countEvents(connect(server), ID), 12);
  assert.equal(await countEvents(connect(server), ID), undefined);
  assert.deepEqual(server.requests.map(line), [
    `GET /api/conversations/${ID}/events/count`,
    `GET /api/conversations/${ID}/events/count`,
  ]);
});

test("sendMessage POSTs the message; respondToConfirmation POSTs { accept, reason }", async () => {
  await using server = await startFakeHttpServer(() => ({ status: 200, json: { success: true } }));
  const connection = connect(server);
  await sendMessage(connection, ID, {
    role: "user",
    content: [{ type: "text", text: "hi" }],
    run: false,
  });
  await respondToConfirmation(connection, ID, { accept: false, reason: "not now" });
  assert.deepEqual(server.requests.map(line), [
    `POST /api/conversations/${ID}/events`,
    `POST /api/conversations/${ID}/events/respond_to_confirmation`,
  ]);
  assert.deepEqual(JSON.parse(server.requests[0]!.body), {
    role: "user",
    content: [{ type: "text", text: "hi" }],
    run: false,
  });
  assert.deepEqual(JSON.parse(server.requests[1]!.body), { accept: false, reason: "not now" });
});
