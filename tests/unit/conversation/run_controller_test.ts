/**
 * The run lifecycle against a loopback fake agent server: `run({ blocking: false })` and its
 * handle, `waitUntilIdle()`, runs nobody awaits (no unhandled rejection, also across
 * `close()`), and the unreachable-server window under fake time (socket down and REST failing:
 * `ConnectionError`; either one alive: the wait goes on). Runs under `deno test` and `bun test`.
 */

import assert from "node:assert/strict";
import process from "node:process";
import { RemoteConversation } from "../../../src/conversation/remote_conversation.ts";
import type { RemoteConversationOptions } from "../../../src/conversation/types.ts";
import {
  ConnectionError,
  ConversationRunError,
  RemoteHandsError,
  ServerError,
  TimeoutError,
} from "../../../src/errors.ts";
import { Reachability } from "../../../src/conversation/_run_waiter.ts";
import { RemoteWorkspace } from "../../../src/workspace/remote_workspace.ts";
import { type FakeAgentServer, startFakeAgentServer } from "../../support/fake_agent_server.ts";
import { FakeTime } from "../../support/fake_time.ts";
import { test } from "../../support/test.ts";
import { waitFor } from "../../support/wait.ts";

const KEY = "sk-fake-agent-0123456789abcdef";
const AGENT = { llm: { model: "openai/gpt-4o-mini" }, tools: [] };

/** Faults the tests switch on: REST calls that cannot connect, socket connects that fail. */
type Faults = { rest: boolean; socket: boolean };

/** A conversation on `server` whose REST and socket fail while `faults` say so. */
async function open(
  server: FakeAgentServer,
  options: Partial<RemoteConversationOptions> = {},
): Promise<{ conversation: RemoteConversation; faults: Faults }> {
  const faults: Faults = { rest: false, socket: false };
  class FlakySocket extends WebSocket {
    constructor(url: string | URL) {
      if (faults.socket) throw new TypeError("connection refused (test)");
      super(url);
    }
  }
  const conversation = await RemoteConversation.create({
    agent: AGENT,
    conversationId: server.id,
    workspace: new RemoteWorkspace({
      host: server.url,
      apiKey: KEY,
      workingDir: "/w",
      maxRetries: 0,
      fetch: (request) => {
        if (faults.rest) return Promise.reject(new TypeError("connection refused (test)"));
        return server.fetch(request);
      },
      WebSocket: FlakySocket,
    }),
    ...options,
  });
  return { conversation, faults };
}

function runPosts(server: FakeAgentServer): number {
  return server.requests.filter((r) => r.method === "POST" && r.path.endsWith("/run")).length;
}

/** Collects unhandled rejections while `body` runs (and a few turns after it). */
async function unhandledDuring(body: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => void seen.push(reason);
  process.on("unhandledRejection", listener);
  try {
    await body();
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    process.off("unhandledRejection", listener);
  }
  return seen;
}

/** What a promise settled with: `{ value }` or `{ error }`, or undefined while pending. */
type Settled<T> = { value?: T; error?: unknown } | undefined;

/** Observes `promise` at once; the returned function tells how it settled so far. */
function outcome<T>(promise: Promise<T>): () => Settled<T> {
  let settled: Settled<T>;
  promise.then((value) => (settled = { value }), (error) => (settled = { error }));
  return () => settled;
}

test("run({ blocking: false }): resolves once the POST is answered; done resolves when the run ends", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  const { conversation } = await open(server);
  try {
    const handle = await conversation.run({ blocking: false, pollIntervalMs: 60_000 });
    assert.equal(handle.alreadyRunning, false);
    assert.equal(runPosts(server), 1);
    assert.equal(server.status, "running", "the run is going when the handle arrives");
    const done = outcome(handle.done);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(done() === undefined, "done waits for the run");
    server.setStatus("finished");
    assert.equal(await handle.done, "finished");
  } finally {
    await conversation.close();
  }
});

test("run({ blocking: false }): a run already going (409) gives alreadyRunning and waits for it", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY, status: "running" });
  const { conversation } = await open(server);
  try {
    const handle = await conversation.run({ blocking: false, pollIntervalMs: 60_000 });
    assert.equal(handle.alreadyRunning, true);
    server.setStatus("paused");
    assert.equal(await handle.done, "paused");
    assert.equal(runPosts(server), 1);
  } finally {
    await conversation.close();
  }
});

test("run({ blocking: false }): a POST that fails rejects the call itself, with no handle", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  server.route = (r) =>
    r.path.endsWith("/run") ? Response.json({ detail: "boom" }, { status: 500 }) : undefined;
  const { conversation } = await open(server);
  try {
    const error = await conversation.run({ blocking: false }).then(
      () => assert.fail("expected a rejection"),
      (err: unknown) => err,
    );
    assert.ok(error instanceof ConversationRunError, String(error));
    assert.equal(error.status, undefined);
  } finally {
    await conversation.close();
  }
});

test("run({ blocking: false }): done rejects as run() does (error code and detail), and unawaited it is no unhandled rejection", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  const { conversation } = await open(server);
  try {
    const fail = (): void => {
      server.append({
        kind: "ConversationErrorEvent",
        id: `boom-${server.log.length}`,
        timestamp: String(server.message("clock").timestamp),
        source: "environment",
        code: "LLMError",
        detail: "the model is down",
      });
      server.setStatus("error", "field");
    };
    const unhandled = await unhandledDuring(async () => {
      server.onRun = fail;
      await conversation.run({ blocking: false, pollIntervalMs: 60_000 }); // done never awaited
      await waitFor(() => conversation.state.agentStatus === "error", "the error status");
    });
    assert.deepEqual(unhandled, []);

    const handle = await conversation.run({ blocking: false, pollIntervalMs: 60_000 });
    const error = await handle.done.then(() => assert.fail("expected a rejection"), (e) => e);
    assert.ok(error instanceof ConversationRunError, String(error));
    assert.equal(error.status, "error");
    assert.equal(error.code, "LLMError");
    assert.equal(error.detail, "the model is down");
  } finally {
    await conversation.close();
  }
});

test("close(): a run() nobody awaits, with events() watched, rejects without an unhandled rejection", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  const { conversation } = await open(server);
  const kinds: string[] = [];
  let blocking: Promise<unknown> | undefined;
  let done: Promise<unknown> | undefined;
  const unhandled = await unhandledDuring(async () => {
    const watching = (async () => {
      for await (const event of conversation.events()) kinds.push(event.kind);
    })();
    blocking = conversation.run({ pollIntervalMs: 60_000 }); // not awaited
    await waitFor(() => conversation.state.agentStatus === "running", "the run to start");
    done = (await conversation.run({ blocking: false })).done; // a 409: the same run
    await conversation.close();
    await watching;
  });
  assert.deepEqual(unhandled, []);
  assert.ok(kinds.includes("ConversationStateUpdateEvent"), kinds.join());
  for (const promise of [blocking!, done!]) {
    const error = await promise.then(() => assert.fail("expected a rejection"), (e) => e);
    assert.ok(error instanceof RemoteHandsError, String(error));
    assert.equal(error.message, "Cannot wait for the run as the conversation was closed");
  }
  await assert.rejects(conversation.run(), /Cannot run as the conversation is closed/);
  await assert.rejects(conversation.waitUntilIdle(), /conversation is closed/);
});

test("waitUntilIdle(): resolves at once from the cached status, without a request", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY, status: "paused" });
  const { conversation } = await open(server);
  try {
    const before = server.requests.length;
    assert.equal(await conversation.waitUntilIdle(), "paused");
    assert.equal(server.requests.length, before);
  } finally {
    await conversation.close();
  }
});

test("waitUntilIdle(): waits for a run someone else started, then resolves with its end", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY, status: "running" });
  const { conversation } = await open(server);
  try {
    const idle = outcome(conversation.waitUntilIdle({ pollIntervalMs: 60_000 }));
    server.setStatus("finished", "field"); // a per-field finished alone is not the end
    server.append(server.message("last"));
    await waitFor(() => conversation.state.events.has("last"), "the last event");
    assert.ok(idle() === undefined);
    server.setStatus("finished"); // the post-run snapshot
    await waitFor(() => idle() !== undefined, "the wait to end");
    assert.deepEqual(idle(), { value: "finished" });
    assert.equal(runPosts(server), 0, "it never starts a run");
  } finally {
    await conversation.close();
  }
});

test("waitUntilIdle(): error and stuck reject with ConversationRunError; a timeout's cause is a TimeoutError", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY, status: "running" });
  server.store({
    kind: "ConversationErrorEvent",
    id: "boom",
    timestamp: String(server.message("clock").timestamp),
    source: "environment",
    code: "MaxIterationsReached",
    detail: "500 steps",
  });
  const { conversation } = await open(server);
  try {
    const timedOut = await conversation.waitUntilIdle({ timeoutMs: 50 }).catch((e) => e);
    assert.ok(timedOut instanceof ConversationRunError, String(timedOut));
    assert.ok(timedOut.cause instanceof TimeoutError, String(timedOut.cause));

    const stuck = conversation.waitUntilIdle({ pollIntervalMs: 60_000 }).catch((e) => e);
    server.setStatus("stuck", "field");
    const error = await stuck;
    assert.ok(error instanceof ConversationRunError, String(error));
    assert.equal(error.status, "stuck");

    server.setStatus("error");
    await waitFor(() => conversation.state.agentStatus === "error", "the error status");
    const resting = await conversation.waitUntilIdle().catch((e) => e);
    assert.ok(resting instanceof ConversationRunError, String(resting));
    assert.equal(resting.status, "error");
    assert.equal(resting.code, "MaxIterationsReached");
    assert.equal(resting.detail, "500 steps");
  } finally {
    await conversation.close();
  }
});

test("waitUntilIdle(): aborting the signal rejects with its reason; bad options throw RangeError", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY, status: "running" });
  const { conversation } = await open(server);
  try {
    const controller = new AbortController();
    const waiting = conversation.waitUntilIdle({ signal: controller.signal }).catch((e) => e);
    controller.abort(new Error("enough"));
    assert.equal((await waiting as Error).message, "enough");
    await assert.rejects(conversation.waitUntilIdle({ unreachableTimeoutMs: 0 }), RangeError);
    await assert.rejects(conversation.run({ unreachableTimeoutMs: -1 }), RangeError);
  } finally {
    await conversation.close();
  }
});

/** Lets real I/O and promise turns run while fake time stands still. */
async function settle(time: FakeTime, until: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !until(); i++) await time.tickAsync(0);
  assert.ok(until(), `timed out waiting for ${what}`);
}

/** Closes while time is fake, so that the fake timers the socket holds are cleared as such. */
async function closeUnderFakeTime(time: FakeTime, conversation: RemoteConversation): Promise<void> {
  const closing = outcome(conversation.close());
  await settle(time, () => closing() !== undefined, "close()");
  assert.deepEqual(closing(), { value: undefined });
}

test("unreachable server (fake time): socket down and REST failing for unreachableTimeoutMs rejects run() with ConnectionError", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  const { conversation, faults } = await open(server);
  try {
    const time = new FakeTime();
    try {
      const run = outcome(conversation.run({ pollIntervalMs: 1000, unreachableTimeoutMs: 30_000 }));
      await settle(time, () => conversation.state.agentStatus === "running", "the run to start");
      faults.rest = true;
      faults.socket = true;
      server.dropSockets();
      await settle(
        time,
        () => conversation.socketProtocol !== undefined && server.liveSockets === 0,
        "the drop",
      );
      await time.tickAsync(28_000);
      assert.ok(run() === undefined, "still inside the window");
      await time.tickAsync(3_000);
      await settle(time, () => run() !== undefined, "run() to reject");
      const error = run()?.error;
      assert.ok(error instanceof ConnectionError, String(error));
      assert.ok(error.cause instanceof ConnectionError, String(error.cause));
      assert.match(error.message, /no open socket and no REST answer for 30000 ms/);
      await closeUnderFakeTime(time, conversation);
    } finally {
      time.restore();
    }
  } finally {
    await conversation.close();
  }
});

test("unreachable server (fake time): REST answering with the socket down, or the socket up with REST failing, keeps waiting", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  const { conversation, faults } = await open(server);
  try {
    const time = new FakeTime();
    try {
      const run = outcome(conversation.run({ pollIntervalMs: 1000, unreachableTimeoutMs: 5_000 }));
      await settle(time, () => conversation.state.agentStatus === "running", "the run to start");
      faults.rest = true; // the socket stays up
      await time.tickAsync(20_000);
      assert.ok(run() === undefined, "the open socket is a sign of the server");
      faults.rest = false;
      faults.socket = true;
      server.dropSockets();
      await settle(time, () => server.liveSockets === 0, "the drop");
      await time.tickAsync(20_000);
      assert.ok(run() === undefined, "REST answers are a sign of the server");
      server.status = "finished"; // seen by the next poll only: the socket is down
      await time.tickAsync(1_000);
      await settle(time, () => run() !== undefined, "run() to resolve");
      assert.deepEqual(run(), { value: "finished" });
      await closeUnderFakeTime(time, conversation);
    } finally {
      time.restore();
    }
  } finally {
    await conversation.close();
  }
});

test("unreachable server (fake time): with a poll interval longer than the window, a poll is made at its end and decides", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  const { conversation, faults } = await open(server);
  try {
    const time = new FakeTime();
    try {
      const run = outcome(
        conversation.run({ pollIntervalMs: 600_000, unreachableTimeoutMs: 5_000 }),
      );
      await settle(time, () => conversation.state.agentStatus === "running", "the run to start");
      faults.rest = true;
      faults.socket = true;
      server.dropSockets();
      await settle(time, () => server.liveSockets === 0, "the drop");
      await time.tickAsync(6_000);
      await settle(
        time,
        () => run() !== undefined,
        "run() to reject (not after the poll interval)",
      );
      assert.ok(run()?.error instanceof ConnectionError, String(run()?.error));
      await closeUnderFakeTime(time, conversation);
    } finally {
      time.restore();
    }
  } finally {
    await conversation.close();
  }
});

test("Reachability: only refused, timed-out or proxy (502-504) calls count as no sign of the server", () => {
  const reach = new Reachability(1_000, 0);
  const gone = new ConnectionError("http://h");
  reach.failed(new ServerError(500, "boom", { method: "GET", path: "/x" }), 900);
  assert.equal(reach.check(1_500, false), "wait", "a 500 is an answer");
  reach.failed(new ServerError(503, "proxy", { method: "GET", path: "/x" }), 1_000);
  reach.failed(gone, 1_100);
  assert.equal(reach.check(1_899, false), "wait");
  assert.equal(reach.check(1_900, false), "unreachable");
  assert.equal(reach.failure, gone);
  reach.contact(2_000);
  assert.equal(reach.check(3_000, false), "poll", "no REST call since the last sign");
  reach.tried();
  assert.equal(reach.check(3_000, false), "unreachable", "a call still unanswered counts");
});
