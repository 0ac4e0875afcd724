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
import { browserPage, unreachable } from "../../src/errors/_unreachable.ts";
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

// --- a 500 that names its cause ------------------------------------------------------------------

const CREATE = { method: "POST", path: "/api/conversations" };
const ERROR_ID = "d0ebe21bdf444841bacae8e6ca027d13";

test("`APIError.from()` quotes the `exception` of a 500 and the error_id of its traceback", () => {
  // The 1.58.2 server's catch-all handler (api.py) for an agent with an unknown tool.
  const body = {
    detail: "Internal Server Error",
    exception: `"ToolDefinition 'terminl' is not registered"`,
    error_id: ERROR_ID,
  };
  const err = APIError.from(500, body, CREATE);
  assert.ok(err instanceof ServerError);
  assert.equal(
    err.message,
    `POST /api/conversations failed with 500: Internal Server Error: "ToolDefinition 'terminl' is not registered" (the server log has the traceback under error_id ${ERROR_ID})`,
  );
  assert.equal(err.detail, "Internal Server Error");
  assert.deepEqual(err.body, body);
});

test("`APIError.from()`: an exception without error_id, alone, or equal to the detail", () => {
  // The HTTPException path of a 5xx: `exception` is str(exc), no error_id.
  assert.equal(
    APIError.from(503, {
      detail: "Internal Server Error",
      exception: "503: Conversation service is not ready",
    }, CREATE).message,
    "POST /api/conversations failed with 503: Internal Server Error: 503: Conversation service is not ready (retry later or read the server log)",
  );
  assert.equal(
    APIError.from(500, { exception: "  boom \n" }, CREATE).message,
    "POST /api/conversations failed with 500: boom (retry later or read the server log)",
  );
  assert.equal(
    APIError.from(500, { detail: "boom", exception: "boom" }, CREATE).message,
    "POST /api/conversations failed with 500: boom (retry later or read the server log)",
  );
  // Not text, blank, or an error_id that is not a plain token: left out.
  assert.equal(
    APIError.from(500, {
      detail: "Internal Server Error",
      exception: { nested: 1 },
      error_id: "a b",
    }, CREATE).message,
    "POST /api/conversations failed with 500: Internal Server Error (retry later or read the server log)",
  );
  assert.equal(
    APIError.from(500, { detail: "Internal Server Error", exception: " ", error_id: 7 }, CREATE)
      .message,
    "POST /api/conversations failed with 500: Internal Server Error (retry later or read the server log)",
  );
});

test("`APIError.from()` cuts a long exception to 500 characters with the detail", () => {
  const exception = `KeyError: ${"x".repeat(600)}`;
  const err = APIError.from(500, { detail: "Internal Server Error", exception }, CREATE);
  const quoted = `Internal Server Error: ${exception}`.slice(0, 500);
  assert.equal(
    err.message,
    `POST /api/conversations failed with 500: ${quoted}… (retry later or read the server log)`,
  );
});

test("`APIError.from()` redacts secret fields around the exception as in any body", () => {
  const err = APIError.from(500, {
    detail: "Internal Server Error",
    exception: "LLM call failed",
    api_key: "sk-secret-value",
    error_id: ERROR_ID,
  }, CREATE);
  assert.ok(!err.message.includes("sk-secret-value"));
  assert.ok(!JSON.stringify(err.body).includes("sk-secret-value"));
  assert.equal(
    err.message,
    `POST /api/conversations failed with 500: Internal Server Error: LLM call failed (the server log has the traceback under error_id ${ERROR_ID})`,
  );
});

// --- a failed fetch in a browser -----------------------------------------------------------------

const PAGE = { origin: "https://app.example.com" };
const AGENT = "https://agent.example.com";
const PLAIN_FETCH_FAILED =
  "Cannot reach the agent server at https://agent.example.com: Failed to fetch (check the host and that the server is running)";

test("`unreachable()` in a browser page names CORS and OH_ALLOW_CORS_ORIGINS with the page's origin", () => {
  const cause = new TypeError("Failed to fetch");
  const err = unreachable(AGENT, cause, PAGE);
  assert.ok(err instanceof ConnectionError);
  assert.equal(err.origin, AGENT);
  assert.equal(err.cause, cause);
  assert.equal(
    err.message,
    "Cannot reach the agent server at https://agent.example.com: Failed to fetch. In a browser this is also how a CORS refusal looks: the server may refuse this page's origin (https://app.example.com); allow it with the server setting OH_ALLOW_CORS_ORIGINS='[\"https://app.example.com\"]'. Otherwise check the host and that the server is running",
  );
  assert.equal(
    unreachable(AGENT, new TypeError(""), { origin: undefined }).message,
    "Cannot reach the agent server at https://agent.example.com. In a browser this is also how a CORS refusal looks: the server may refuse this page's origin; allow it with the server setting OH_ALLOW_CORS_ORIGINS (a JSON list of origins). Otherwise check the host and that the server is running",
  );
});

test("`unreachable()` keeps the plain message outside a browser, same-origin, localhost pages and non-TypeErrors", () => {
  const failed = new TypeError("Failed to fetch");
  assert.equal(unreachable(AGENT, failed, undefined).message, PLAIN_FETCH_FAILED);
  assert.equal(unreachable(AGENT, failed, { origin: AGENT }).message, PLAIN_FETCH_FAILED);
  for (const origin of ["http://localhost:5173", "http://127.0.0.1:8080", "https://localhost"]) {
    assert.equal(unreachable(AGENT, failed, { origin }).message, PLAIN_FETCH_FAILED, origin);
  }
  assert.equal(
    unreachable(AGENT, new Error("Failed to fetch"), PAGE).message,
    PLAIN_FETCH_FAILED,
  );
  // Deno and Bun, where these tests run, are not browsers: the default is the plain message.
  assert.equal(unreachable(AGENT, failed).message, PLAIN_FETCH_FAILED);
});

test("`browserPage()`: a page or worker has a location and no Deno, Bun or Node process", () => {
  assert.equal(browserPage(), undefined, "this runtime");
  const location = { origin: "https://app.example.com" };
  assert.deepEqual(browserPage({ location }), { origin: "https://app.example.com" });
  assert.deepEqual(browserPage({ location, process: { env: {} } }), PAGE, "a bundler's shim");
  assert.deepEqual(browserPage({ location: { origin: "null" } }), { origin: undefined });
  assert.deepEqual(browserPage({ location: 1 }), { origin: undefined });
  for (
    const g of [
      {},
      { location, Deno: {} },
      { location, Bun: {} },
      { location, process: { versions: { node: "24.0.0" } } },
    ]
  ) {
    assert.equal(browserPage(g), undefined, JSON.stringify(g));
  }
});
