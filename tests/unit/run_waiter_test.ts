import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RunWaiter } from "../../src/conversation/_run_waiter.ts";
import type { Event } from "../../src/events/kinds.ts";
import { test } from "../support/test.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/events/", import.meta.url));

function fixture(file: string): Event {
  return JSON.parse(readFileSync(join(FIXTURES, file), "utf8")) as Event;
}

let n = 0;
/** A per-field `execution_status` update. */
function status(value: string): Event {
  return {
    kind: "ConversationStateUpdateEvent",
    id: `s${n++}`,
    timestamp: "2026-01-01T00:00:01",
    source: "environment",
    key: "execution_status",
    value,
  };
}
/** A `full_state` snapshot with this status. */
function full(executionStatus: unknown): Event {
  return {
    kind: "ConversationStateUpdateEvent",
    id: `f${n++}`,
    timestamp: "2026-01-01T00:00:01",
    source: "environment",
    key: "full_state",
    value: { execution_status: executionStatus, persistence_dir: "/p" },
  };
}

const NON_RUNNING = ["finished", "idle", "paused", "waiting_for_confirmation"] as const;

// --- socket events --------------------------------------------------------------------------------

test("`onEvent()` ends the run at once when a per-field status is error or stuck, before postReturned", () => {
  for (const value of ["error", "stuck"] as const) {
    const waiter = new RunWaiter();
    assert.equal(waiter.ended, undefined);
    assert.equal(waiter.onEvent(status(value)), value);
    assert.equal(waiter.ended, value);
  }
});

test("`onEvent()` ends the run when a per-field error comes after postReturned and running", () => {
  const waiter = new RunWaiter();
  waiter.postReturned();
  assert.equal(waiter.onEvent(status("running")), undefined);
  assert.equal(waiter.onEvent(status("error")), "error");
  assert.equal(waiter.ended, "error");
});

test("`onEvent()` does not end the run when a per-field status is finished or another non-running one", () => {
  const waiter = new RunWaiter();
  waiter.postReturned(true); // armed
  assert.equal(waiter.onEvent(status("running")), undefined);
  for (const value of NON_RUNNING) {
    assert.equal(waiter.onEvent(status(value)), undefined, value);
  }
  assert.equal(waiter.ended, undefined);
  // The recorded per-field event (running) does not end it either.
  assert.equal(
    waiter.onEvent(fixture("ConversationStateUpdateEvent.execution_status.json")),
    undefined,
  );
  assert.equal(waiter.ended, undefined);
});

test("`onEvent()` ends the run when a full_state is not running after running was seen per-field", () => {
  for (const value of NON_RUNNING) {
    const waiter = new RunWaiter();
    waiter.postReturned(false);
    assert.equal(waiter.onEvent(status("running")), undefined);
    assert.equal(waiter.onEvent(full(value)), value);
    assert.equal(waiter.ended, value);
  }
});

test("`onEvent()` ends the run when a full_state is not running after a running full_state", () => {
  const waiter = new RunWaiter();
  waiter.postReturned();
  assert.equal(waiter.onEvent(full("running")), undefined);
  assert.equal(waiter.ended, undefined);
  assert.equal(waiter.onEvent(full("finished")), "finished");
});

test("`onEvent()` ends the run when running and then a non-running full_state come before postReturned", () => {
  const waiter = new RunWaiter();
  assert.equal(waiter.onEvent(status("running")), undefined);
  assert.equal(waiter.onEvent(full("finished")), "finished");
  assert.equal(waiter.ended, "finished");
});

test("`onEvent()` ends the run when a non-running full_state comes after postReturned(true) (409)", () => {
  const waiter = new RunWaiter();
  waiter.postReturned(true);
  assert.equal(waiter.onEvent(full("waiting_for_confirmation")), "waiting_for_confirmation");
  assert.equal(waiter.ended, "waiting_for_confirmation");
});

test("`onEvent()` ends the run when the recorded full_state (finished) comes after postReturned(true)", () => {
  const waiter = new RunWaiter();
  waiter.postReturned(true);
  assert.equal(waiter.onEvent(fixture("ConversationStateUpdateEvent.full_state.json")), "finished");
});

test("`onEvent()` does not end the run when a stale full_state (paused) comes after postReturned(false) without running", () => {
  const waiter = new RunWaiter();
  waiter.postReturned(false);
  assert.equal(waiter.onEvent(full("paused")), undefined);
  assert.equal(waiter.onEvent(fixture("ConversationStateUpdateEvent.full_state.json")), undefined);
  assert.equal(waiter.ended, undefined);
  // Once running is seen, the next snapshot does end it.
  assert.equal(waiter.onEvent(status("running")), undefined);
  assert.equal(waiter.onEvent(full("paused")), "paused");
});

test("`onEvent()` does not end the run when a non-running full_state comes before postReturned and running", () => {
  const waiter = new RunWaiter();
  for (const value of [...NON_RUNNING, "error", "stuck"]) {
    assert.equal(waiter.onEvent(full(value)), undefined, value);
  }
  assert.equal(waiter.ended, undefined);
});

test("`onEvent()` ignores a full_state when its status is missing or not a string", () => {
  const waiter = new RunWaiter();
  waiter.postReturned(true);
  assert.equal(waiter.onEvent(full(undefined)), undefined);
  assert.equal(waiter.onEvent(full(3)), undefined);
  assert.equal(waiter.onEvent(full(null)), undefined);
  const bad: Event = {
    kind: "ConversationStateUpdateEvent",
    id: "x",
    timestamp: "t",
    source: "environment",
    key: "full_state",
    value: null,
  };
  assert.equal(waiter.onEvent(bad), undefined);
  assert.equal(waiter.ended, undefined);
});

test("`onEvent()` ignores an event when it is not a state update or updates another key", () => {
  const waiter = new RunWaiter();
  waiter.postReturned(true);
  for (
    const file of [
      "ConversationErrorEvent.json",
      "MessageEvent.agent.json",
      "ActionEvent.FinishAction.json",
      "ConversationStateUpdateEvent.stats.json",
      "ConversationStateUpdateEvent.last_user_message_id.json",
    ]
  ) {
    assert.equal(waiter.onEvent(fixture(file)), undefined, file);
  }
  // key/value on another kind do not count
  assert.equal(
    waiter.onEvent({
      kind: "PauseEvent",
      id: "p",
      timestamp: "t",
      source: "user",
      key: "execution_status",
      value: "error",
    }),
    undefined,
  );
  // another key with an error-looking value does not count
  const other = status("error");
  other.key = "agent_status";
  assert.equal(waiter.onEvent(other), undefined);
  assert.equal(waiter.ended, undefined);
});

test("`onEvent()` returns undefined and keeps the first status when the run already ended", () => {
  const waiter = new RunWaiter();
  waiter.postReturned(true);
  assert.equal(waiter.onEvent(full("finished")), "finished");
  assert.equal(waiter.onEvent(status("error")), undefined);
  assert.equal(waiter.onEvent(full("paused")), undefined);
  assert.equal(waiter.ended, "finished");
  assert.equal(waiter.onPoll("stuck", 0), "finished");
  assert.equal(waiter.ended, "finished");
});

// --- REST polls -----------------------------------------------------------------------------------

test("`onPoll()` ends the run at once when the status is error or stuck, before postReturned", () => {
  for (const value of ["error", "stuck"] as const) {
    const waiter = new RunWaiter();
    assert.equal(waiter.onPoll(value, 0), value);
    assert.equal(waiter.ended, value);
  }
});

test("`onPoll()` does not end the run when a non-running status comes before postReturned", () => {
  const waiter = new RunWaiter(1000);
  assert.equal(waiter.onPoll("idle", 0), undefined);
  assert.equal(waiter.onPoll("idle", 5000), undefined);
  assert.equal(waiter.ended, undefined);
  // The fallback timer did not start before the POST was answered: it starts now.
  waiter.postReturned(false);
  assert.equal(waiter.onPoll("idle", 6000), undefined);
  assert.equal(waiter.onPoll("idle", 6999), undefined);
  assert.equal(waiter.onPoll("idle", 7000), "idle");
});

test("`onPoll()` ends the run when a non-running status comes after a running poll (armed)", () => {
  for (const value of NON_RUNNING) {
    const waiter = new RunWaiter();
    waiter.postReturned(false);
    assert.equal(waiter.onPoll("running", 0), undefined);
    assert.equal(waiter.onPoll(value, 1), value);
    assert.equal(waiter.ended, value);
  }
});

test("`onPoll()` ends the run when a non-running status comes after postReturned(true) (409)", () => {
  const waiter = new RunWaiter();
  waiter.postReturned(true);
  assert.equal(waiter.onPoll("paused", 0), "paused");
});

test("`onPoll()` ends the run when a non-running status comes after running was seen on the socket", () => {
  const waiter = new RunWaiter();
  waiter.onEvent(status("running"));
  waiter.postReturned(false);
  assert.equal(waiter.onPoll("finished", 0), "finished");
});

test("`onPoll()` ends the run when a non-running status comes after a running poll before postReturned", () => {
  const waiter = new RunWaiter();
  assert.equal(waiter.onPoll("running", 0), undefined);
  // Armed, but polls still wait for the POST's answer.
  assert.equal(waiter.onPoll("finished", 1), undefined);
  waiter.postReturned(false);
  assert.equal(waiter.onPoll("finished", 2), "finished");
});

test("`onPoll()` ends the run after hardFallbackMs when non-running holds and running was never seen", () => {
  const waiter = new RunWaiter(1000);
  waiter.postReturned(false);
  assert.equal(waiter.onPoll("idle", 10_000), undefined);
  assert.equal(waiter.onPoll("idle", 10_500), undefined);
  assert.equal(waiter.onPoll("paused", 10_999), undefined);
  assert.equal(waiter.ended, undefined);
  assert.equal(waiter.onPoll("finished", 11_000), "finished");
  assert.equal(waiter.ended, "finished");
});

test("`onPoll()` waits 30 s by default when falling back without running", () => {
  const waiter = new RunWaiter();
  waiter.postReturned();
  assert.equal(waiter.onPoll("idle", 0), undefined);
  assert.equal(waiter.onPoll("idle", 29_999), undefined);
  assert.equal(waiter.onPoll("idle", 30_000), "idle");
});

test("`onPoll()` ends the run at once when a running poll came during the fallback wait", () => {
  // A running poll resets the fallback timer and arms the waiter: the next non-running poll
  // ends the run without waiting for hardFallbackMs from either start.
  const waiter = new RunWaiter(1000);
  waiter.postReturned(false);
  assert.equal(waiter.onPoll("idle", 0), undefined);
  assert.equal(waiter.onPoll("running", 900), undefined);
  assert.equal(waiter.ended, undefined);
  assert.equal(waiter.onPoll("finished", 950), "finished");
});

test("`onPoll()` returns the first end status when the run already ended", () => {
  const waiter = new RunWaiter();
  assert.equal(waiter.onPoll("stuck", 0), "stuck");
  assert.equal(waiter.onPoll("running", 1), "stuck");
  assert.equal(waiter.onPoll("error", 2), "stuck");
  assert.equal(waiter.onEvent(status("error")), undefined);
  waiter.postReturned(true);
  assert.equal(waiter.onEvent(full("finished")), undefined);
  assert.equal(waiter.ended, "stuck");
});

test("`ended` stays set when postReturned is called after the run ended", () => {
  const waiter = new RunWaiter();
  assert.equal(waiter.onEvent(status("error")), "error");
  waiter.postReturned(false);
  assert.equal(waiter.ended, "error");
  assert.equal(waiter.onPoll("running", 0), "error");
  assert.equal(waiter.ended, "error");
});
