import assert from "node:assert/strict";
import * as errors from "../../src/errors.ts";
import * as publicApi from "../../mod.ts";
import {
  APIError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RemoteHandsError,
  ServerError,
  TimeoutError,
  ValidationError,
} from "../../src/errors.ts";
import { test } from "../support/test.ts";

const GET_X = { method: "GET", path: "/api/conversations/x" };

// --- RemoteHandsError ----------------------------------------------------------------------------

test("`RemoteHandsError()` sets name, message and cause", () => {
  const cause = new Error("inner");
  const err = new RemoteHandsError("Cannot do it: reason", { cause });
  assert.ok(err instanceof Error);
  assert.equal(err.name, "RemoteHandsError");
  assert.equal(err.message, "Cannot do it: reason");
  assert.equal(err.cause, cause);
});

test("`RemoteHandsError()` subclasses take their own class name", () => {
  class CustomError extends RemoteHandsError {}
  assert.equal(new CustomError("x").name, "CustomError");
  assert.equal(new NotFoundError(404, undefined, GET_X).name, "NotFoundError");
  assert.equal(new ConnectionError("http://h:1").name, "ConnectionError");
  assert.equal(new TimeoutError("GET /x", 1).name, "TimeoutError");
});

test("every public error class names itself on its prototype, so minified bundles keep the name", () => {
  const classes = Object.entries(publicApi).filter(([, value]) =>
    typeof value === "function" && value.prototype instanceof Error
  );
  assert.equal(classes.length, 20, classes.map(([name]) => name).join(", "));
  for (const [name, Class] of classes) {
    assert.ok(Object.hasOwn(Class.prototype, "name"), name);
    assert.equal(Class.prototype.name, name);
  }
  // A renamed class (as a minifier leaves it) still reports the library's name.
  const Renamed = { x: class extends NotFoundError {} }.x;
  Renamed.prototype.name = "NotFoundError"; // what each class of the library does
  assert.equal(new Renamed(404, undefined, GET_X).name, "NotFoundError");
  // A subclass of a library class that is not RemoteHandsError takes its own name too.
  class MyNotFound extends NotFoundError {}
  assert.equal(new MyNotFound(404, undefined, GET_X).name, "MyNotFound");
  assert.equal(errors.closeError(4004, "", "/x").name, "NotFoundError");
});

// --- APIError.from -------------------------------------------------------------------------------

test("`APIError.from()` picks the subclass, name and advice by status", () => {
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
    [502, ServerError, "retry later or read the server log"],
    [503, ServerError, "retry later or read the server log"],
    [504, ServerError, "retry later or read the server log"],
    [418, APIError, "see the detail"],
    [405, APIError, "see the detail"],
  ];
  for (const [status, Class, advice] of cases) {
    const err = APIError.from(status, { detail: "why" }, GET_X);
    assert.equal(err.constructor, Class, `status ${status}`);
    assert.equal(err.name, Class.name);
    assert.ok(err instanceof APIError);
    assert.ok(err instanceof RemoteHandsError);
    assert.ok(err instanceof Error);
    assert.equal(err.status, status);
    assert.equal(err.detail, "why");
    assert.equal(err.method, "GET");
    assert.equal(err.path, "/api/conversations/x");
    assert.equal(
      err.message,
      `GET /api/conversations/x failed with ${status}: why (${advice})`,
    );
  }
});

test("`APIError.from()` omits the detail part when the body has none", () => {
  const empty = [undefined, null, "", {}, { other: 1 }, [], { detail: null }];
  for (const body of empty) {
    const err = APIError.from(404, body, { method: "DELETE", path: "/api/x" });
    assert.equal(err.message, "DELETE /api/x failed with 404 (check the id and the host)");
    assert.equal(
      err.detail,
      body && typeof body === "object" && "detail" in body ? null : undefined,
    );
  }
});

// --- APIError detail rendering -------------------------------------------------------------------

test("`APIError()` renders a FastAPI validation list as 'loc: msg' joined by '; '", () => {
  const detail = [
    { loc: ["body", "agent", "llm", "model"], msg: "Field required", type: "missing" },
    { loc: ["query", "limit"], msg: "Input should be less than or equal to 100" },
    { loc: [], msg: "empty loc" },
    { msg: "no loc" },
    { loc: "not-a-list", msg: "string loc" },
    { loc: ["body", 0, "x"], msg: 42 },
    "plain",
    7,
    { code: "no msg" },
  ];
  const err = new ValidationError(422, { detail }, { method: "POST", path: "/api/conversations" });
  assert.equal(
    err.message,
    "POST /api/conversations failed with 422: body.agent.llm.model: Field required; " +
      "query.limit: Input should be less than or equal to 100; empty loc; no loc; string loc; " +
      'body.0.x: 42; "plain"; 7; {"code":"no msg"} (fix the request fields named above)',
  );
  assert.deepEqual(err.detail, detail);
});

test("`APIError()` uses detail.message of an object detail, else its JSON", () => {
  const withMessage = new APIError(409, { detail: { message: "busy", code: 7 } }, GET_X);
  assert.equal(
    withMessage.message,
    "GET /api/conversations/x failed with 409: busy " +
      "(the resource is busy or already exists; wait or pause it first)",
  );
  assert.deepEqual(withMessage.detail, { message: "busy", code: 7 });

  const withoutMessage = new APIError(400, { detail: { code: 7 } }, GET_X);
  assert.equal(
    withoutMessage.message,
    'GET /api/conversations/x failed with 400: {"code":7} ' +
      "(the server refused the request as it stands)",
  );

  const numeric = new APIError(500, { detail: 42 }, GET_X);
  assert.equal(
    numeric.message,
    "GET /api/conversations/x failed with 500: 42 (retry later or read the server log)",
  );
  assert.equal(numeric.detail, 42);
});

test("`APIError()` keeps a non-empty text body as the detail", () => {
  const err = new APIError(502, "Bad Gateway from proxy", GET_X);
  assert.equal(err.detail, "Bad Gateway from proxy");
  assert.equal(err.body, "Bad Gateway from proxy");
  assert.equal(
    err.message,
    "GET /api/conversations/x failed with 502: Bad Gateway from proxy " +
      "(retry later or read the server log)",
  );
});

test("`APIError()` uses the given message instead of the generated one", () => {
  const err = new APIError(500, { detail: "x" }, GET_X, "Custom message: reason");
  assert.equal(err.message, "Custom message: reason");
  assert.equal(err.detail, "x");
  assert.equal(err.status, 500);
});

// --- redaction -----------------------------------------------------------------------------------

test("`APIError()` redacts input, api_key, session_api_key, value and secrets at any depth", () => {
  const body = {
    detail: [
      {
        loc: ["body", "secrets", "TOKEN"],
        msg: "Input should be a valid string",
        input: { TOKEN: "s3cr3t" },
        ctx: { value: "s3cr3t", keep: "ok" },
      },
    ],
    api_key: "k1",
    session_api_key: "k2",
    nested: [{ secrets: { a: "b" } }, { deeper: { input: "x", other: [1, 2] } }],
    keep: "visible",
  };
  const original = structuredClone(body);
  const err = new ValidationError(422, body, { method: "POST", path: "/api/conversations" });
  assert.deepEqual(err.body, {
    detail: [
      {
        loc: ["body", "secrets", "TOKEN"],
        msg: "Input should be a valid string",
        input: "[redacted]",
        ctx: { value: "[redacted]", keep: "ok" },
      },
    ],
    api_key: "[redacted]",
    session_api_key: "[redacted]",
    nested: [{ secrets: "[redacted]" }, { deeper: { input: "[redacted]", other: [1, 2] } }],
    keep: "visible",
  });
  assert.deepEqual(err.detail, (err.body as { detail: unknown }).detail);
  assert.deepEqual(body, original, "the caller's body is not mutated");
  assert.ok(!JSON.stringify(err).includes("s3cr3t"));
  assert.ok(!err.message.includes("s3cr3t"));
});

test("`APIError()` redacts a secret key in an object eight levels deep", () => {
  let body: Record<string, unknown> = { input: "deep-secret", keep: 1 };
  for (let i = 0; i < 8; i++) body = { level: body };
  const err = new APIError(400, body, GET_X);
  let node = err.body as Record<string, unknown>;
  for (let i = 0; i < 8; i++) node = node.level as Record<string, unknown>;
  assert.deepEqual(node, { input: "[redacted]", keep: 1 });
});

test("`APIError()` JSON-serializes to name, status, detail, body, method and path", () => {
  const err = APIError.from(404, { detail: "Conversation not found", input: "x" }, GET_X);
  assert.deepEqual(JSON.parse(JSON.stringify(err)), {
    name: "NotFoundError",
    status: 404,
    detail: "Conversation not found",
    body: { detail: "Conversation not found", input: "[redacted]" },
    method: "GET",
    path: "/api/conversations/x",
  });
});

// --- ConnectionError -----------------------------------------------------------------------------

test("`ConnectionError()` names the origin and the cause's message", () => {
  const cause = new TypeError("Connection refused (os error 111)");
  const err = new ConnectionError("http://127.0.0.1:1", cause);
  assert.ok(err instanceof RemoteHandsError);
  assert.equal(err.origin, "http://127.0.0.1:1");
  assert.equal(err.cause, cause);
  assert.equal(
    err.message,
    "Cannot reach the agent server at http://127.0.0.1:1: Connection refused (os error 111) " +
      "(check the host and that the server is running)",
  );
});

test("`ConnectionError()` omits the reason when there is no cause or it has no message", () => {
  const expected =
    "Cannot reach the agent server at https://h (check the host and that the server is running)";
  assert.equal(new ConnectionError("https://h").message, expected);
  assert.equal(new ConnectionError("https://h", new Error("")).message, expected);
  assert.equal(new ConnectionError("https://h").cause, undefined);
});

test("`ConnectionError()` stringifies a non-Error cause and accepts a custom message", () => {
  assert.equal(
    new ConnectionError("http://h:2", "ECONNRESET").message,
    "Cannot reach the agent server at http://h:2: ECONNRESET " +
      "(check the host and that the server is running)",
  );
  const custom = new ConnectionError("http://h:2", 5, "Cannot connect: custom");
  assert.equal(custom.message, "Cannot connect: custom");
  assert.equal(custom.cause, 5);
  assert.equal(custom.origin, "http://h:2");
});

// --- TimeoutError --------------------------------------------------------------------------------

test("`TimeoutError()` says what timed out after how many ms, and keeps the cause", () => {
  const cause = new DOMException("Signal timed out.", "TimeoutError");
  const err = new TimeoutError("GET /api/conversations/search", 5_000, { cause });
  assert.ok(err instanceof RemoteHandsError);
  assert.equal(err.timeoutMs, 5_000);
  assert.equal(err.cause, cause);
  assert.equal(
    err.message,
    "GET /api/conversations/search timed out after 5000 ms (raise the timeout or check the server)",
  );
  assert.equal(new TimeoutError("x", 1).cause, undefined);
});

test("`APIError()` quotes at most 500 characters of the detail and marks the cut with …", () => {
  const fits = APIError.from(400, { detail: "d".repeat(500) }, GET_X);
  assert.equal(
    fits.message,
    `GET /api/conversations/x failed with 400: ${
      "d".repeat(500)
    } (the server refused the request as it stands)`,
  );
  const long = APIError.from(400, { detail: `${"😀".repeat(500)}tail` }, GET_X);
  assert.equal(
    long.message,
    `GET /api/conversations/x failed with 400: ${
      "😀".repeat(500)
    }… (the server refused the request as it stands)`,
  );
  assert.equal(long.detail, `${"😀".repeat(500)}tail`);
});
