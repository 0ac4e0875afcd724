/**
 * Fault injection against the real 1.58.2 server at small scale: cut sockets, a killed and
 * restarted server, a server that is gone, too many subscribers, a slow consumer, and resource
 * hygiene. Every scenario also scans all client output for the API key and its secret.
 *
 * Scale: `CHAOS_SCALE=small` (default: cuts 2 conversations x 3 cuts, hygiene 20 cycles) or
 * `CHAOS_SCALE=large` (cuts 6 x 6, hygiene 200 cycles, two restarts). `CHAOS_LOG=1` prints progress
 * and every scenario's metrics to stderr. `deno task chaos` runs the full scale on a stack of its own.
 */

import assert from "node:assert/strict";
import process from "node:process";
import {
  Capture,
  type ChaosEnv,
  cuts,
  frozenRest,
  frozenRestFailures,
  hygiene,
  invariantFailures,
  restart,
  type ScenarioMetrics,
  secretLeaks,
  serverGone,
  slowConsumer,
  tooManySubscribers,
} from "../chaos/scenarios.ts";
import { asUnknownEvent } from "../../src/events/schema.ts";
import { controlServer, stack } from "../support/stack.ts";
import { test } from "../support/test.ts";

const large = process.env.CHAOS_SCALE === "large";
const scale = {
  conversations: large ? 6 : 2,
  cutsPerConversation: large ? 6 : 3,
  restarts: large ? 2 : 1,
  hygieneCycles: large ? 200 : 20,
};

const verbose = process.env.CHAOS_LOG === "1";
const env: ChaosEnv = {
  serverUrl: stack.serverUrl,
  apiKey: stack.apiKey,
  llmUrl: stack.llmUrl,
  workspaceDir: stack.workspaceDir,
  control: controlServer,
  ...(verbose ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {}),
};

function noBrokenInvariants(metrics: ScenarioMetrics, limits = {}): void {
  if (verbose) process.stderr.write(`${JSON.stringify(metrics)}\n`);
  assert.deepEqual(invariantFailures(metrics, limits), [], JSON.stringify(metrics));
}

test("chaos: secretLeaks counts every occurrence and the capture scans errors and events", () => {
  assert.equal(secretLeaks(["a-KEY-b-KEY", "KEY"], ["KEY", ""]), 3);
  assert.equal(secretLeaks("nothing here", ["KEY"]), 0);
  const capture = new Capture(["s3cret"]);
  capture.error(new Error("outer", { cause: new Error("inner s3cret") }));
  capture.event(
    asUnknownEvent({ kind: "X", id: "1", timestamp: "t", source: "user", note: "s3cret" }),
  );
  capture.visualizer().onEvent({
    kind: "MessageEvent",
    id: "2",
    timestamp: "t",
    source: "user",
    llm_message: { role: "user", content: [{ type: "text", text: "s3cret" }] },
  });
  assert.ok(capture.leaks >= 4, `found ${capture.leaks}`);
  assert.ok(capture.chars > 0);
});

test("chaos: cut sockets and connections mid-run lose and duplicate nothing", async () => {
  const m = await cuts(env, {
    conversations: scale.conversations,
    cutsPerConversation: scale.cutsPerConversation,
  });
  assert.equal(m.lost, 0, JSON.stringify(m));
  assert.equal(m.duplicated, 0, JSON.stringify(m));
  assert.equal(m.extra, 0);
  assert.equal(m.misordered, 0);
  assert.equal(m.secret_leaks, 0);
  assert.deepEqual(m.outcomes, { finished: scale.conversations });
  assert.equal(m.cuts, scale.conversations * scale.cutsPerConversation, JSON.stringify(m));
  // Every cut but a conversation's last is followed by a reconnect before the next cut is made,
  // so at least those resumed the stream while the run was going (the last one usually too).
  assert.ok(
    m.cuts_resumed >= m.cuts - m.conversations && m.cuts_resumed <= m.cuts,
    JSON.stringify(m),
  );
  assert.ok(m.websocket_connections > m.conversations, "the sockets reconnected");
  assert.ok(m.events_checked > 0);
  assert.deepEqual(m.protocols, large ? { session: 3, events: 3 } : { session: 1, events: 1 });
  noBrokenInvariants(m, { cutsPerConversation: scale.cutsPerConversation });
}, { timeoutMs: 600_000 });

test(
  "chaos: a server killed mid-run and started again: run() settles typed, history matches",
  async () => {
    const m = await restart(env, { restarts: scale.restarts });
    assert.equal(m.restarts, scale.restarts);
    assert.equal(m.typed, true, m.outcome.join("; "));
    // The server marks a run a crash interrupted as `error`: run() rejects with it.
    for (const outcome of m.outcome) assert.equal(outcome, "ConversationRunError(status=error)");
    for (const s of m.settle_seconds) assert.ok(s < 90, `run() settled after ${s} s`);
    assert.equal(m.lost, 0, JSON.stringify(m));
    assert.equal(m.duplicated, 0, JSON.stringify(m));
    assert.equal(m.extra, 0);
    assert.equal(m.misordered, 0);
    assert.equal(m.secret_leaks, 0);
    assert.ok(m.reconnected.every((n) => n > 0), "the socket reconnected by itself");
    noBrokenInvariants(m);
  },
  { timeoutMs: 400_000 },
);

test(
  "chaos: a server that is gone: run() times out typed, reconnects back off, create fails fast",
  async () => {
    const m = await serverGone(env, { runTimeoutMs: 6000 });
    assert.equal(m.run_timed_out, true, m.run_outcome);
    assert.ok(
      m.run_seconds >= 5.9 && m.run_seconds <= 8,
      `run() rejected after ${m.run_seconds} s`,
    );
    assert.ok(
      m.attempts >= 1 && m.attempts <= 5,
      `${m.attempts} attempts: ${m.attempt_offsets_ms}`,
    );
    // Backoff: each gap at least the jittered floor of the schedule (750 ms, then doubling).
    const gaps = m.attempt_offsets_ms.map((t, i) => t - (m.attempt_offsets_ms[i - 1] ?? 0));
    gaps.forEach((gap, i) => assert.ok(gap >= 700 * 2 ** i, `gap ${i} was ${gap} ms`));
    assert.equal(m.update_during_outage, "ConnectionError");
    assert.equal(m.closed_port_error, "ConnectionError");
    assert.ok(m.closed_port_seconds < 5, `create() took ${m.closed_port_seconds} s`);
    assert.equal(m.secret_leaks, 0);
    noBrokenInvariants(m);
  },
  { timeoutMs: 120_000 },
);

test(
  "chaos: too many subscribers: the refused client gets 1013 and recovers after backoff",
  async () => {
    const m = await tooManySubscribers(env, { maxClients: 60 });
    assert.ok(m.subscribers_at_limit >= 40 && m.subscribers_at_limit <= 50, JSON.stringify(m));
    assert.match(m.limit_close, /^1013 /);
    assert.equal(m.recovered, true, JSON.stringify(m));
    assert.equal(m.secret_leaks, 0);
    noBrokenInvariants(m);
  },
  { timeoutMs: 180_000 },
);

test("chaos: a slow consumer on a fast run drops nothing", async () => {
  const m = await slowConsumer(env, { steps: 15, busyMs: 50 });
  assert.equal(m.outcome, "finished");
  assert.equal(m.lost, 0, JSON.stringify(m));
  assert.equal(m.duplicated, 0, JSON.stringify(m));
  assert.equal(m.extra, 0);
  assert.equal(m.misordered, 0);
  assert.ok(m.slow_events >= 15 * 2, `the slow callback saw ${m.slow_events} events`);
  assert.equal(m.secret_leaks, 0);
  noBrokenInvariants(m);
}, { timeoutMs: 180_000 });

test("chaos: create, attach and close cycles leave no file descriptors behind", async () => {
  const m = await hygiene(env, { cycles: scale.hygieneCycles });
  assert.ok(m.leaked_resources <= 2, `leaked ${m.leaked_resources} fds: ${JSON.stringify(m)}`);
  assert.equal(m.secret_leaks, 0);
  noBrokenInvariants(m);
}, { timeoutMs: 300_000 });

test("chaos: with REST frozen, run() and close() still end within their bounds", async () => {
  const m = await frozenRest(env);
  assert.deepEqual(frozenRestFailures(m), []);
  assert.equal(m.before_run_outcome, "ConversationRunError(status=-, cause TimeoutError)");
  assert.equal(m.mid_run_outcome, "finished");
  assert.equal(m.frozen_close_settled, true);
  assert.equal(m.secret_leaks, 0);
}, { timeoutMs: 180_000 });
