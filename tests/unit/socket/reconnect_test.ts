/**
 * The reconnect policy, pure: option defaults and checks, the backoff schedule, the close-code
 * table and what a probe's answer leads to, and the once-per-client report of a frame too large.
 */

import assert from "node:assert/strict";
import {
  AuthenticationError,
  NotFoundError,
  UnsupportedByServerError,
  WebSocketConnectionError,
} from "../../../src/errors.ts";
import {
  closeAction,
  type CloseFacts,
  normalizeCloseCode,
  PROBE_AFTER_REFUSALS,
  readyProbeAction,
  refusalProbeAction,
  type TooLargeFacts,
  TooLargeWatch,
} from "../../../src/socket/_close_policy.ts";
import {
  MIN_RECONNECT_DELAY_MS,
  reconnectDelay,
  resolveReconnect,
} from "../../../src/socket/reconnect.ts";
import { test } from "../../support/test.ts";

const PATH = "/sockets/events/c1";

test("resolveReconnect fills in 1 s, 30 s, x2, 25 % jitter, 5 s uptime and a 10 s connect timeout", () => {
  assert.deepEqual(resolveReconnect(), {
    initialDelayMs: 1_000,
    maxDelayMs: 30_000,
    multiplier: 2,
    jitter: 0.25,
    minUptimeMs: 5_000,
    connectTimeoutMs: 10_000,
  });
});

test("resolveReconnect refuses each out-of-range option with its name, rule and value", () => {
  const cases: [Parameters<typeof resolveReconnect>[0], string][] = [
    [{ initialDelayMs: -1 }, "'initialDelayMs' must be a number >= 0: current value is -1"],
    [
      { initialDelayMs: 5 },
      "'initialDelayMs' must be at least 10 ms (a reconnect loop without a pause floods the server): current value is 5",
    ],
    [
      { initialDelayMs: 2 ** 31 },
      "'initialDelayMs' must be at most 2147483647 ms (2^31 - 1): current value is 2147483648",
    ],
    [
      { initialDelayMs: 500, maxDelayMs: 100 },
      "'maxDelayMs' must be a number >= 'initialDelayMs' (500): current value is 100",
    ],
    [{ multiplier: 0.5 }, "'multiplier' must be a finite number >= 1: current value is 0.5"],
    [{ jitter: NaN }, "'jitter' must be between 0 and 1: current value is NaN"],
    [{ connectTimeoutMs: 0 }, "'connectTimeoutMs' must be a positive number: current value is 0"],
    [{ minUptimeMs: Infinity }, "'minUptimeMs' must be a number >= 0: current value is Infinity"],
  ];
  for (const [options, message] of cases) {
    assert.throws(() => resolveReconnect(options), {
      name: "RangeError",
      message: `Cannot reconnect as ${message}`,
    });
  }
});

test("reconnectDelay doubles from 1 s and stops at 30 s without jitter", () => {
  const delays = [0, 1, 2, 3, 4, 5, 6].map((n) => reconnectDelay(n, {}, () => 0));
  assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
});

test("reconnectDelay takes up to `jitter` of the delay off and never goes below 10 ms", () => {
  assert.equal(reconnectDelay(0, {}, () => 0.5), 875);
  assert.equal(
    reconnectDelay(0, { initialDelayMs: 10, jitter: 1 }, () => 1),
    MIN_RECONNECT_DELAY_MS,
  );
  assert.equal(reconnectDelay(0, { initialDelayMs: 10, jitter: 1 }, () => NaN), 10);
  assert.equal(reconnectDelay(-3, { initialDelayMs: 100 }, () => 0), 100);
});

test("normalizeCloseCode keeps 1000-4999 and makes anything else 1006", () => {
  assert.deepEqual(
    [1000, 4999, 0, 999, 5000, 1000.5, NaN, "4001", undefined].map(normalizeCloseCode),
    [1000, 4999, 1006, 1006, 1006, 1006, 1006, 1006, 1006],
  );
});

function facts(overrides: Partial<CloseFacts> = {}): CloseFacts {
  return {
    code: 1006,
    reason: "",
    protocol: "events",
    auto: false,
    sessionOpened: false,
    opened: true,
    timedOut: false,
    refusals: 0,
    path: PATH,
    ...overrides,
  };
}

test("closes 4001 and 4004 are fatal: AuthenticationError and NotFoundError with the path", () => {
  const auth = closeAction(facts({ code: 4001, reason: "bad key" }));
  assert.equal(auth.kind, "fail");
  assert.ok(auth.kind === "fail" && auth.error instanceof AuthenticationError);
  assert.equal(
    auth.error.message,
    `WebSocket ${PATH} closed with 4001 (bad key): check the apiKey option`,
  );
  const missing = closeAction(facts({ code: 4004 }));
  assert.ok(missing.kind === "fail" && missing.error instanceof NotFoundError);
});

test("every other close of an opened connection reconnects", () => {
  for (const code of [1000, 1001, 1006, 1011, 1013, 4000, 4002, 4999]) {
    assert.deepEqual(closeAction(facts({ code })), { kind: "reconnect" });
  }
});

test("a connection that never opened counts as a refusal; the third one probes", () => {
  assert.equal(PROBE_AFTER_REFUSALS, 3);
  assert.deepEqual(closeAction(facts({ opened: false })), {
    kind: "refused",
    refusals: 1,
    probe: false,
  });
  assert.deepEqual(closeAction(facts({ opened: false, refusals: 2 })), {
    kind: "refused",
    refusals: 3,
    probe: true,
  });
  assert.deepEqual(closeAction(facts({ opened: false, refusals: 7 })), {
    kind: "refused",
    refusals: 8,
    probe: true,
  });
});

test("a connect timeout is no refusal: a black hole answers no REST call either", () => {
  assert.deepEqual(closeAction(facts({ opened: false, timedOut: true, refusals: 5 })), {
    kind: "reconnect",
  });
});

test("a fatal code wins over a refusal count", () => {
  assert.equal(closeAction(facts({ code: 4001, opened: false, refusals: 2 })).kind, "fail");
});

test("a session socket that never opened asks /ready, whatever the close code", () => {
  for (const code of [1006, 4001, 4004]) {
    assert.deepEqual(closeAction(facts({ code, protocol: "session", opened: false })), {
      kind: "probe ready",
    });
  }
  assert.deepEqual(closeAction(facts({ protocol: "session", sessionOpened: true })), {
    kind: "reconnect",
  });
});

test("'auto' falls back at once when the session socket drops a frame as too large", () => {
  const close = { code: 1013, reason: "frame_too_large", protocol: "session" as const };
  assert.deepEqual(closeAction(facts({ ...close, auto: true, sessionOpened: true })), {
    kind: "fall back",
    reason: "the session socket dropped a frame as too large",
  });
  assert.deepEqual(closeAction(facts({ ...close, sessionOpened: true })), { kind: "reconnect" });
});

test("/ready: no answer or not 2xx retries; 2xx falls back under 'auto'", () => {
  assert.deepEqual(readyProbeAction(undefined, true), { kind: "reconnect" });
  assert.deepEqual(readyProbeAction({ status: 503, json: true }, true), { kind: "reconnect" });
  assert.deepEqual(readyProbeAction({ status: 204, json: false }, true), {
    kind: "fall back",
    reason: "the server refused the session socket",
  });
});

test("/ready 2xx with a forced 'session' is UnsupportedByServerError (since 1.45.0)", () => {
  const action = readyProbeAction({ status: 200, json: true }, false);
  assert.ok(action.kind === "fail" && action.error instanceof UnsupportedByServerError);
});

test("the conversation probe: 401/403 is the key, a JSON 404 the conversation, else retry", () => {
  const request = { method: "GET", path: "/api/conversations/c1" } as const;
  for (const status of [401, 403]) {
    const action = refusalProbeAction({ status, json: true, request }, PATH);
    assert.ok(action.kind === "fail" && action.error instanceof AuthenticationError);
    assert.equal(
      action.error.message,
      `WebSocket ${PATH} was refused, and GET /api/conversations/c1 with the same key answered ${status}: check the apiKey option`,
    );
  }
  const missing = refusalProbeAction({ status: 404, json: true, request }, PATH);
  assert.ok(missing.kind === "fail" && missing.error instanceof NotFoundError);
  assert.equal(
    missing.error.message,
    `WebSocket ${PATH} was refused, and GET /api/conversations/c1 answered 404: check the conversation id and host`,
  );
  for (
    const answer of [undefined, { status: 404, json: false, request }, {
      status: 200,
      json: true,
      request,
    }]
  ) {
    assert.deepEqual(refusalProbeAction(answer, PATH), { kind: "reconnect" });
  }
});

function tooLarge(overrides: Partial<TooLargeFacts> = {}): TooLargeFacts {
  return {
    code: 1006,
    reason: "",
    lastError: undefined,
    fallsBack: false,
    cursor: null,
    path: PATH,
    ...overrides,
  };
}

test("a runtime's 'Frame too large' is reported once per client", () => {
  const watch = new TooLargeWatch();
  const error = watch.check(tooLarge({ lastError: "Frame too large" }));
  assert.ok(error instanceof WebSocketConnectionError);
  assert.equal(
    error.message,
    `WebSocket: ${PATH} received a frame too large for this runtime's WebSocket (Frame too large); it reconnects, but a resent frame drops it again: shrink the event on the server or read the history over REST`,
  );
  assert.equal(watch.check(tooLarge({ code: 1009 })), undefined);
});

test("close 1009 and Bun's and ws's wording count as too large; a plain 1006 does not", () => {
  assert.ok(new TooLargeWatch().check(tooLarge({ code: 1009 }))?.message.includes("(close 1009)"));
  assert.ok(new TooLargeWatch().check(tooLarge({ lastError: "Message too big" })));
  assert.ok(new TooLargeWatch().check(tooLarge({ lastError: "Max payload size exceeded" })));
  assert.equal(new TooLargeWatch().check(tooLarge({ lastError: "connection error" })), undefined);
});

test("frame_too_large is reported at the second close at the same cursor, not after progress", () => {
  const watch = new TooLargeWatch();
  const close = { code: 1013, reason: "frame_too_large" };
  assert.equal(watch.check(tooLarge({ ...close, cursor: 4 })), undefined);
  assert.equal(watch.check(tooLarge({ ...close, cursor: 5 })), undefined, "progress in between");
  const error = watch.check(tooLarge({ ...close, cursor: 5 }));
  assert.ok(error instanceof WebSocketConnectionError);
  assert.ok(error.message.includes("was closed twice at the same point"));
  assert.equal(error.closeCode, 1013);
  assert.equal(error.closeReason, "frame_too_large");
});

test("frame_too_large that makes 'auto' fall back is not counted", () => {
  const watch = new TooLargeWatch();
  const close = { code: 1013, reason: "frame_too_large", cursor: null };
  assert.equal(watch.check(tooLarge({ ...close, fallsBack: true })), undefined);
  assert.equal(watch.check(tooLarge(close)), undefined, "the first counted one");
  assert.ok(watch.check(tooLarge(close)));
});
