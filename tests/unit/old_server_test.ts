/**
 * What the client does against older agent servers (README "Server versions"), on a loopback
 * fake server that answers as those releases do:
 *
 * - before 1.52.0 there is no `POST /api/bash/bash_commands/{id}/stop` (404 `Not Found`);
 * - before 1.56.0 `POST /api/file/upload` answers `{ success: true }` without `file_size`;
 * - before 1.58.0 `DELETE /api/conversations/{id}` answers an unknown id with a bare 400
 *   (`{"detail": "Bad Request"}`), while `GET` answers 404.
 */

import assert from "node:assert/strict";
import { ConversationManager } from "../../src/manager/conversation_manager.ts";
import {
  BadRequestError,
  NotFoundError,
  RemoteHandsError,
  UnsupportedByServerError,
} from "../../src/errors.ts";
import { RemoteWorkspace } from "../../src/workspace/remote_workspace.ts";
import {
  type FakeAnswer,
  type FakeHttpServer,
  type RecordedRequest,
  startFakeHttpServer,
} from "../support/fake_http_server.ts";
import { test } from "../support/test.ts";

const COMMAND_ID = "0b6e2f1a5c3d4e8f9a1b2c3d4e5f6a7b";
const START = "POST /api/bash/start_bash_command";
const SEARCH = "GET /api/bash/bash_events/search";
const STOP = `POST /api/bash/bash_commands/${COMMAND_ID}/stop`;
const STOP_PROBE = `GET /api/bash/bash_commands/${COMMAND_ID}/stop`;
const NOT_FOUND: FakeAnswer = { status: 404, json: { detail: "Not Found" } };
const FEATURE = "stopping a running command (POST /api/bash/bash_commands/{command_id}/stop)";

const ID = "6c1b5b1e-0000-4000-8000-000000000000";
const CONVERSATION = `/api/conversations/${ID}`;

/** `METHOD /path` of a request, without the query. */
function line(request: RecordedRequest): string {
  return `${request.method} ${request.url.split("?")[0]}`;
}

function lines(server: FakeHttpServer): string[] {
  return server.requests.map(line);
}

/**
 * A bash server whose command never ends: `stop` and `probe` are its answers to the stop route's
 * POST and GET. The first output search aborts `controller` (the answer still goes out).
 */
function bashServer(
  controller: AbortController,
  reason: unknown,
  stop: FakeAnswer,
  probe: FakeAnswer,
): (request: RecordedRequest) => FakeAnswer {
  return (request) => {
    switch (line(request)) {
      case START:
        return { status: 200, json: { id: COMMAND_ID, command: "sleep 600" } };
      case SEARCH:
        controller.abort(reason);
        return { status: 200, json: { items: [], next_page_id: null } };
      case STOP:
        return stop;
      case STOP_PROBE:
        return probe;
      default:
        return NOT_FOUND;
    }
  };
}

function workspace(server: FakeHttpServer): RemoteWorkspace {
  return new RemoteWorkspace({ host: server.url, workingDir: "/work", maxRetries: 0 });
}

// --- executeCommand: stopping on abort -------------------------------------------------------

test("executeCommand abort, server before 1.52.0 (no stop route): AbortError with UnsupportedByServerError cause", async () => {
  const controller = new AbortController();
  await using server = await startFakeHttpServer(
    bashServer(controller, undefined, NOT_FOUND, NOT_FOUND),
  );
  const error = await workspace(server)
    .executeCommand("sleep 600", { signal: controller.signal, timeoutMs: 120_000 })
    .then(() => assert.fail("expected a rejection"), (err: unknown) => err);

  assert.deepEqual(lines(server), [START, SEARCH, STOP, STOP_PROBE]);
  assert.ok(error instanceof DOMException, `got ${String(error)}`);
  assert.equal(error.name, "AbortError");
  assert.notEqual(error, controller.signal.reason);
  for (
    const fragment of [
      `The command ${COMMAND_ID} was aborted (`,
      "but this agent server cannot stop it",
      "it runs on until its time limit of 120 s",
      "(upgrade the server to 1.52.0)",
    ]
  ) assert.ok(error.message.includes(fragment), `${fragment} not in: ${error.message}`);

  const cause = (error as { cause?: unknown }).cause;
  assert.ok(cause instanceof UnsupportedByServerError);
  assert.ok(cause instanceof RemoteHandsError);
  assert.equal(cause.feature, FEATURE);
  assert.equal(cause.since, "1.52.0");
  assert.equal(
    cause.message,
    `This agent server does not support ${FEATURE} (added in 1.52.0): upgrade the server`,
  );
  assert.ok(cause.cause instanceof NotFoundError);
  assert.equal(cause.cause.status, 404);
  assert.equal(cause.cause.method, "POST");
  assert.equal(cause.cause.path, `/api/bash/bash_commands/${COMMAND_ID}/stop`);
});

test("executeCommand abort with AbortSignal.timeout()-style reason, no stop route: TimeoutError kind", async () => {
  const controller = new AbortController();
  const reason = new DOMException("Signal timed out.", "TimeoutError");
  await using server = await startFakeHttpServer(
    bashServer(controller, reason, NOT_FOUND, NOT_FOUND),
  );
  const error = await workspace(server)
    .executeCommand("sleep 600", { signal: controller.signal })
    .then(() => assert.fail("expected a rejection"), (err: unknown) => err);

  assert.deepEqual(lines(server), [START, SEARCH, STOP, STOP_PROBE]);
  assert.ok(error instanceof DOMException);
  assert.equal(error.name, "TimeoutError");
  assert.ok(error.message.includes("was aborted (Signal timed out.)"), error.message);
  assert.ok(error.message.includes("time limit of 30 s"), error.message);
  const cause = (error as { cause?: unknown }).cause;
  assert.ok(cause instanceof UnsupportedByServerError);
  assert.equal(cause.since, "1.52.0");
  assert.equal(controller.signal.reason, reason);
});

test("executeCommand abort, server from 1.52.0 stops the command: rejects with the signal's reason", async () => {
  const controller = new AbortController();
  const reason = new Error("user cancelled");
  await using server = await startFakeHttpServer(
    bashServer(controller, reason, { status: 200, json: { success: true } }, NOT_FOUND),
  );
  const error = await workspace(server)
    .executeCommand("sleep 600", { signal: controller.signal })
    .then(() => assert.fail("expected a rejection"), (err: unknown) => err);

  assert.equal(error, reason);
  assert.deepEqual(lines(server), [START, SEARCH, STOP]);
  const stop = server.requests[2]!;
  assert.equal(stop.body, "");
});

test("executeCommand abort, stop route present but command unknown (404, GET 405): rejects with the reason", async () => {
  const controller = new AbortController();
  const reason = new Error("user cancelled");
  await using server = await startFakeHttpServer(
    bashServer(controller, reason, NOT_FOUND, {
      status: 405,
      json: { detail: "Method Not Allowed" },
    }),
  );
  const error = await workspace(server)
    .executeCommand("sleep 600", { signal: controller.signal })
    .then(() => assert.fail("expected a rejection"), (err: unknown) => err);

  assert.equal(error, reason);
  assert.deepEqual(lines(server), [START, SEARCH, STOP, STOP_PROBE]);
});

// --- fileUpload: file_size -----------------------------------------------------------------------

test("fileUpload, server before 1.56.0 ({ success: true }): file_size is the byte size sent", async () => {
  await using server = await startFakeHttpServer(() => ({
    status: 200,
    json: { success: true },
  }));
  const ws = workspace(server);
  const text = "héllo wörld\n"; // 14 bytes in UTF-8
  assert.deepEqual(await ws.fileUpload("notes.txt", text), { success: true, file_size: 14 });
  assert.deepEqual(await ws.fileUpload("/tmp/b.bin", new Uint8Array([0, 1, 2, 255])), {
    success: true,
    file_size: 4,
  });
  assert.deepEqual(await ws.fileUpload("empty", new ArrayBuffer(0)), {
    success: true,
    file_size: 0,
  });
  const stream = new Blob(["abc", "defg"]).stream();
  assert.deepEqual(await ws.fileUpload("s.txt", stream), { success: true, file_size: 7 });

  assert.deepEqual(
    server.requests.map((r) => `${r.method} ${decodeURIComponent(r.url)}`),
    [
      "POST /api/file/upload?path=/work/notes.txt",
      "POST /api/file/upload?path=/tmp/b.bin",
      "POST /api/file/upload?path=/work/empty",
      "POST /api/file/upload?path=/work/s.txt",
    ],
  );
  assert.ok(server.requests[0]!.body.includes('filename="notes.txt"'));
  assert.ok(server.requests[0]!.body.includes(text));
});

test("fileUpload, server from 1.56.0: file_size is the server's", async () => {
  await using server = await startFakeHttpServer(() => ({
    status: 200,
    json: { success: true, file_size: 999 },
  }));
  assert.deepEqual(await workspace(server).fileUpload("a.txt", "abc"), {
    success: true,
    file_size: 999,
  });
  assert.equal(server.requests.length, 1);
});

// --- ConversationManager.delete / get on an unknown id -----------------------------------------

function manager(server: FakeHttpServer): ConversationManager {
  return new ConversationManager({ host: server.url, maxRetries: 0 });
}

function conversationServer(
  deleteAnswer: FakeAnswer,
  getAnswer: FakeAnswer,
): (request: RecordedRequest) => FakeAnswer {
  return (request) =>
    request.method === "DELETE" ? deleteAnswer : request.method === "GET" ? getAnswer : NOT_FOUND;
}

const BARE_400: FakeAnswer = { status: 400, json: { detail: "Bad Request" } };

test("delete, server before 1.58.0: bare 400 confirmed by GET 404 is a NotFoundError", async () => {
  await using server = await startFakeHttpServer(conversationServer(BARE_400, NOT_FOUND));
  const error = await manager(server).delete(ID).then(
    () => assert.fail("expected a rejection"),
    (err: unknown) => err,
  );

  assert.deepEqual(lines(server), [`DELETE ${CONVERSATION}`, `GET ${CONVERSATION}`]);
  assert.ok(error instanceof NotFoundError, `got ${String(error)}`);
  assert.equal(error.status, 404);
  assert.equal(error.method, "DELETE");
  assert.equal(error.path, CONVERSATION);
  assert.equal(error.detail, "Bad Request");
  assert.equal(
    error.message,
    `DELETE ${CONVERSATION} failed with 400: Bad Request (the conversation does not exist: ` +
      "GET answered 404; servers before 1.58.0 answer 400 here). Check the id and the host",
  );
  assert.ok(error.cause instanceof BadRequestError);
  assert.equal(error.cause.status, 400);
});

test("delete: a 400 whose detail says not found, confirmed by GET 404, is a NotFoundError", async () => {
  await using server = await startFakeHttpServer(conversationServer(
    { status: 400, json: { detail: "Conversation not found" } },
    NOT_FOUND,
  ));
  const error = await manager(server).delete(ID).then(
    () => assert.fail("expected a rejection"),
    (err: unknown) => err,
  );
  assert.deepEqual(lines(server), [`DELETE ${CONVERSATION}`, `GET ${CONVERSATION}`]);
  assert.ok(error instanceof NotFoundError);
  assert.ok(error.message.includes("failed with 400: Conversation not found (the conversation"));
});

test("delete: bare 400 but GET finds the conversation stays a BadRequestError", async () => {
  await using server = await startFakeHttpServer(conversationServer(BARE_400, {
    status: 200,
    json: { id: ID, execution_status: "idle" },
  }));
  const error = await manager(server).delete(ID).then(
    () => assert.fail("expected a rejection"),
    (err: unknown) => err,
  );
  assert.deepEqual(lines(server), [`DELETE ${CONVERSATION}`, `GET ${CONVERSATION}`]);
  assert.ok(error instanceof BadRequestError, `got ${String(error)}`);
  assert.ok(!(error instanceof NotFoundError));
  assert.equal(error.status, 400);
  assert.equal(
    error.message,
    `DELETE ${CONVERSATION} failed with 400: Bad Request (the server refused the request as it stands)`,
  );
});

test("delete: a 400 with another detail stays a BadRequestError, with no second request", async () => {
  await using server = await startFakeHttpServer(conversationServer(
    { status: 400, json: { detail: "Conversation is being deleted" } },
    NOT_FOUND,
  ));
  const error = await manager(server).delete(ID).then(
    () => assert.fail("expected a rejection"),
    (err: unknown) => err,
  );
  assert.deepEqual(lines(server), [`DELETE ${CONVERSATION}`]);
  assert.ok(error instanceof BadRequestError);
  assert.equal(error.detail, "Conversation is being deleted");
});

test("delete, server from 1.58.0 (404): NotFoundError with no second request", async () => {
  await using server = await startFakeHttpServer(conversationServer(NOT_FOUND, NOT_FOUND));
  const error = await manager(server).delete(ID).then(
    () => assert.fail("expected a rejection"),
    (err: unknown) => err,
  );
  assert.deepEqual(lines(server), [`DELETE ${CONVERSATION}`]);
  assert.ok(error instanceof NotFoundError);
  assert.equal(error.status, 404);
  assert.equal(
    error.message,
    `DELETE ${CONVERSATION} failed with 404: Not Found (check the id and the host)`,
  );
});

test("delete of a known conversation resolves after one request", async () => {
  await using server = await startFakeHttpServer(conversationServer(
    { status: 200, json: { success: true } },
    NOT_FOUND,
  ));
  assert.equal(await manager(server).delete(ID), undefined);
  assert.deepEqual(lines(server), [`DELETE ${CONVERSATION}`]);
});

test("get on an unknown id is a NotFoundError on every server (GET always answered 404)", async () => {
  await using server = await startFakeHttpServer(conversationServer(BARE_400, NOT_FOUND));
  const error = await manager(server).get(ID).then(
    () => assert.fail("expected a rejection"),
    (err: unknown) => err,
  );
  assert.deepEqual(lines(server), [`GET ${CONVERSATION}`]);
  assert.ok(error instanceof NotFoundError);
  assert.equal(error.status, 404);
});
