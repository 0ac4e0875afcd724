/**
 * The workspace resources (`src/rest/bash.ts`, `files.ts`, `git.ts`, `server.ts`) against a
 * loopback fake server: exact requests, answer checks and the older-server quirks.
 */

import assert from "node:assert/strict";
import { ProtocolError, UnsupportedByServerError } from "../../../src/errors.ts";
import { commandOutputs, startCommand, stopCommand } from "../../../src/rest/bash.ts";
import { type Connection, createConnection } from "../../../src/rest/connection.ts";
import { downloadFile, downloadFileStream, uploadFile } from "../../../src/rest/files.ts";
import { gitChanges, gitDiff } from "../../../src/rest/git.ts";
import { serverInfo } from "../../../src/rest/server.ts";
import {
  type FakeHttpServer,
  type RecordedRequest,
  startFakeHttpServer,
} from "../../support/fake_http_server.ts";
import { test } from "../../support/test.ts";

const COMMAND = "0b6e2f1a-5c3d-4e8f-9a1b-2c3d4e5f6a7b";
const KEY = "session-key-123";

function connect(server: FakeHttpServer): Connection {
  return createConnection({ host: server.url, apiKey: KEY, maxRetries: 0 });
}

function line(request: RecordedRequest): string {
  return `${request.method} ${decodeURIComponent(request.url)}`;
}

test("startCommand POSTs the command and returns its UUID id", async () => {
  await using server = await startFakeHttpServer(() => ({ status: 200, json: { id: COMMAND } }));
  const id = await startCommand(connect(server), { command: "ls", cwd: "/w", timeout: 30 });
  assert.equal(id, COMMAND);
  assert.deepEqual(server.requests.map(line), ["POST /api/bash/start_bash_command"]);
  assert.deepEqual(JSON.parse(server.requests[0]!.body), { command: "ls", cwd: "/w", timeout: 30 });
});

test("startCommand: an id that is not a UUID is a ProtocolError", async () => {
  for (const id of ["..", undefined, 7]) {
    await using server = await startFakeHttpServer(() => ({ status: 200, json: { id } }));
    const error = await startCommand(connect(server), { command: "ls", cwd: "/w", timeout: 1 })
      .catch((err: unknown) => err);
    assert.ok(error instanceof ProtocolError, String(error));
    assert.equal(error.what, "POST /api/bash/start_bash_command");
  }
});

test("commandOutputs pages the command's BashOutput chunks and drops other kinds", async () => {
  await using server = await startFakeHttpServer((request) => ({
    status: 200,
    json: request.n === 1
      ? {
        items: [{ kind: "BashOutput", order: 0, stdout: "a" }, { kind: "BashCommand" }, null],
        next_page_id: "p2",
      }
      : { items: [{ kind: "BashOutput", order: 1, stdout: "b" }], next_page_id: null },
  }));
  const outputs = await commandOutputs(connect(server), COMMAND);
  assert.deepEqual(outputs.map((o) => o.stdout), ["a", "b"]);
  const query = `kind__eq=BashOutput&command_id__eq=${COMMAND}&sort_order=TIMESTAMP&limit=100`;
  assert.deepEqual(server.requests.map(line), [
    `GET /api/bash/bash_events/search?${query}`,
    `GET /api/bash/bash_events/search?${query}&page_id=p2`,
  ]);
});

test("commandOutputs: a page token that comes back is a ProtocolError", async () => {
  await using server = await startFakeHttpServer(() => ({
    status: 200,
    json: { items: [], next_page_id: "same" },
  }));
  const error = await commandOutputs(connect(server), COMMAND).catch((err: unknown) => err);
  assert.ok(error instanceof ProtocolError, String(error));
  assert.equal(server.requests.length, 2);
});

test("stopCommand: 200 is stopped; 404 with GET 405 is a server that has the route", async () => {
  await using server = await startFakeHttpServer((request) =>
    request.n === 1
      ? { status: 200, json: { success: true } }
      : request.method === "POST"
      ? { status: 404, json: { detail: "Not Found" } }
      : { status: 405, json: { detail: "Method Not Allowed" } }
  );
  assert.equal(await stopCommand(connect(server), COMMAND), undefined);
  assert.equal(await stopCommand(connect(server), COMMAND), undefined);
  const stop = `/api/bash/bash_commands/${COMMAND}/stop`;
  assert.deepEqual(server.requests.map(line), [`POST ${stop}`, `POST ${stop}`, `GET ${stop}`]);
  assert.equal(server.requests[2]!.headers["x-session-api-key"], KEY);
});

test("stopCommand: 404 with GET 404 is a server before 1.52.0 (UnsupportedByServerError)", async () => {
  await using server = await startFakeHttpServer(() => ({
    status: 404,
    json: { detail: "Not Found" },
  }));
  const unsupported = await stopCommand(connect(server), COMMAND);
  assert.ok(unsupported instanceof UnsupportedByServerError);
  assert.equal(unsupported.since, "1.52.0");
  assert.equal(
    unsupported.feature,
    "stopping a running command (POST /api/bash/bash_commands/{command_id}/stop)",
  );
});

test("stopCommand never rejects: a server that is gone is nothing more to do", async () => {
  const server = await startFakeHttpServer(() => ({ status: 200, json: {} }));
  const connection = connect(server);
  await server.close();
  assert.equal(await stopCommand(connection, COMMAND), undefined);
});

test("uploadFile sends multipart field `file` with the name; file_size falls back to the bytes sent", async () => {
  await using server = await startFakeHttpServer((request) => ({
    status: 200,
    json: request.n === 1 ? { success: true, file_size: 99 } : { success: true },
  }));
  const connection = connect(server);
  const blob = new Blob(["héllo"]);
  assert.deepEqual(await uploadFile(connection, "/w/a.txt", blob, "a.txt"), {
    success: true,
    file_size: 99,
  });
  assert.deepEqual(await uploadFile(connection, "/w/a.txt", blob, "a.txt"), {
    success: true,
    file_size: 6,
  });
  const request = server.requests[0]!;
  assert.equal(line(request), "POST /api/file/upload?path=/w/a.txt");
  assert.match(String(request.headers["content-type"]), /^multipart\/form-data; boundary=/);
  assert.match(request.body, /name="file"; filename="a.txt"/);
  assert.ok(request.body.includes("héllo"));
});

test("downloadFile and downloadFileStream read the bytes; an empty file is empty", async () => {
  await using server = await startFakeHttpServer((request) => ({
    status: 200,
    headers: { "content-type": "application/octet-stream" },
    text: request.n <= 2 ? "abc" : "",
  }));
  const connection = connect(server);
  assert.equal(await (await downloadFile(connection, "/w/a")).text(), "abc");
  assert.equal(await new Response(await downloadFileStream(connection, "/w/a")).text(), "abc");
  assert.equal((await downloadFile(connection, "/w/a")).size, 0);
  assert.equal(await new Response(await downloadFileStream(connection, "/w/a")).text(), "");
  assert.equal(line(server.requests[0]!), "GET /api/file/download?path=/w/a");
});

test("gitChanges and gitDiff send path, ref and commit", async () => {
  await using server = await startFakeHttpServer((request) => ({
    status: 200,
    json: request.url.startsWith("/api/git/changes")
      ? [{ path: "a.ts", status: "ADDED" }]
      : { original: "a", modified: "b" },
  }));
  const connection = connect(server);
  assert.deepEqual(await gitChanges(connection, { path: "/w", ref: "HEAD" }), [
    { path: "a.ts", status: "ADDED" },
  ]);
  assert.deepEqual(await gitDiff(connection, { path: "/w/a.ts", commit: "abcd" }), {
    original: "a",
    modified: "b",
  });
  assert.deepEqual(server.requests.map(line), [
    "GET /api/git/changes?path=/w&ref=HEAD",
    "GET /api/git/diff?path=/w/a.ts&commit=abcd",
  ]);
});

test("serverInfo reads /server_info; an answer without a string version is a ProtocolError", async () => {
  await using server = await startFakeHttpServer((request) => ({
    status: 200,
    json: request.n === 1 ? { version: "1.58.2", uptime: 3 } : { version: 1 },
  }));
  const connection = connect(server);
  assert.deepEqual(await serverInfo(connection), { version: "1.58.2", uptime: 3 });
  const error = await serverInfo(connection).catch((err: unknown) => err);
  assert.ok(error instanceof ProtocolError, String(error));
  assert.equal(error.what, "GET /server_info");
  assert.deepEqual(server.requests.map(line), ["GET /server_info", "GET /server_info"]);
});
