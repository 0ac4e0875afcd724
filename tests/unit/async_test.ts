import assert from "node:assert/strict";
import {
  deadline,
  delay,
  exponentialBackoffWithJitter,
  retry,
  RetryError,
  type RetryOptions,
} from "../../src/_async.ts";
import { FakeTime, FakeTimer } from "../support/fake_time.ts";
import { test } from "../support/test.ts";
import { track } from "../support/track.ts";

const START = 1_700_000_000_000;

/** Records `addEventListener`/`removeEventListener` calls on a signal. */
function spyListeners(signal: AbortSignal): { added: unknown[]; removed: unknown[] } {
  const log = { added: [] as unknown[], removed: [] as unknown[] };
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = (
    type: string,
    fn: EventListenerOrEventListenerObject,
    opts?: never,
  ) => {
    log.added.push(fn);
    add(type, fn, opts);
  };
  signal.removeEventListener = (type: string, fn: EventListenerOrEventListenerObject) => {
    log.removed.push(fn);
    remove(type, fn);
  };
  return log;
}

// --- FakeTime itself -----------------------------------------------------------------------------

test("FakeTime: fires timers in due order, runs intervals, restores globals", async () => {
  const realSetTimeout = globalThis.setTimeout;
  const realNow = Date.now;
  {
    using time = new FakeTime(START);
    assert.equal(Date.now(), START);
    const log: string[] = [];
    setTimeout(() => log.push(`b@${Date.now() - START}`), 20);
    setTimeout(() => log.push(`a@${Date.now() - START}`), 10);
    setTimeout(() => log.push(`c@${Date.now() - START}`), 20);
    const iv = setInterval(() => log.push(`i@${Date.now() - START}`), 15);
    const gone = setTimeout(() => log.push("never"), 5);
    clearTimeout(gone);
    time.tick(30);
    assert.deepEqual(log, ["a@10", "i@15", "b@20", "c@20", "i@30"]);
    assert.equal(time.now, START + 30);
    clearInterval(iv);
    assert.equal(time.pendingTimers, 0);
    assert.equal(time.next(), false);
    setTimeout(() => log.push("x"), 1_000);
    assert.equal(await time.nextAsync(), true);
    assert.equal(time.now, START + 1_030);
    assert.throws(() => new FakeTime(), {
      message: "Cannot construct FakeTime: time is already faked",
    });
  }
  assert.equal(globalThis.setTimeout, realSetTimeout);
  assert.equal(Date.now, realNow);
});

test("FakeTime: tickAsync fires timers scheduled by promise continuations within the window", async () => {
  using time = new FakeTime(START);
  const at: number[] = [];
  const chain = (async () => {
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      at.push(Date.now() - START);
    }
  })();
  await time.tickAsync(300);
  await chain;
  assert.deepEqual(at, [100, 200, 300]);
  assert.equal(time.now, START + 300);
});

// --- delay ---------------------------------------------------------------------------------------

test("delay: resolves only once the time has passed", async () => {
  using time = new FakeTime(START);
  const p = track(delay(100));
  await time.tickAsync(99);
  assert.equal(p.state, "pending");
  await time.tickAsync(1);
  assert.equal(p.state, "fulfilled");
  assert.equal(time.pendingTimers, 0);
});

test("delay: negative and NaN durations resolve on the next timer turn", async () => {
  using time = new FakeTime(START);
  const a = track(delay(-5));
  const b = track(delay(NaN));
  assert.equal(time.pendingTimers, 2);
  await time.tickAsync(0);
  assert.deepEqual([a.state, b.state], ["fulfilled", "fulfilled"]);
});

test("delay: durations beyond 2^31-1 ms are chained, not truncated", async () => {
  using time = new FakeTime(START);
  const p = track(delay(2 ** 31 + 10));
  await time.tickAsync(2 ** 31 - 1);
  assert.equal(p.state, "pending");
  assert.equal(time.pendingTimers, 1);
  await time.tickAsync(10);
  assert.equal(p.state, "pending");
  await time.tickAsync(1);
  assert.equal(p.state, "fulfilled");
  assert.equal(time.pendingTimers, 0);
});

test("delay: an already aborted signal rejects with its reason and starts no timer", async () => {
  using time = new FakeTime(START);
  const controller = new AbortController();
  const reason = new Error("stop");
  controller.abort(reason);
  await assert.rejects(delay(100, { signal: controller.signal }), (e) => e === reason);
  assert.equal(time.pendingTimers, 0);
});

test("delay: aborting mid-way rejects with the reason and clears the timer", async () => {
  using time = new FakeTime(START);
  const controller = new AbortController();
  const p = track(delay(100, { signal: controller.signal }));
  await time.tickAsync(50);
  assert.equal(time.pendingTimers, 1);
  const reason = { custom: "reason" };
  controller.abort(reason);
  await time.tickAsync(0);
  assert.equal(p.state, "rejected");
  assert.equal(p.error, reason);
  assert.equal(time.pendingTimers, 0);
});

test("delay: abort without a reason rejects with an AbortError DOMException", async () => {
  using _time = new FakeTime(START);
  const controller = new AbortController();
  const p = delay(100, { signal: controller.signal });
  controller.abort();
  await assert.rejects(p, (e) => e instanceof DOMException && e.name === "AbortError");
});

test("delay: resolving removes the abort listener it added", async () => {
  using time = new FakeTime(START);
  const controller = new AbortController();
  const log = spyListeners(controller.signal);
  const p = delay(10, { signal: controller.signal });
  await time.tickAsync(10);
  await p;
  assert.equal(log.added.length, 1);
  assert.deepEqual(log.removed, log.added);
});

test("delay: persistent false unrefs the timer, the default keeps it referenced", async () => {
  using time = new FakeTime(START);
  const handles: FakeTimer[] = [];
  const fakeSetTimeout = globalThis.setTimeout;
  globalThis.setTimeout = ((cb: () => void, ms?: number) => {
    const handle = fakeSetTimeout(cb, ms) as unknown as FakeTimer;
    handles.push(handle);
    return handle;
  }) as unknown as typeof setTimeout;
  const a = delay(10, { persistent: false });
  const b = delay(10);
  globalThis.setTimeout = fakeSetTimeout;
  assert.ok(handles.every((h) => h instanceof FakeTimer));
  assert.deepEqual(handles.map((h) => h.hasRef()), [false, true]);
  await time.tickAsync(10);
  await Promise.all([a, b]);
});

// --- deadline ------------------------------------------------------------------------------------

test("deadline: resolves with the value and clears its timer", async () => {
  using time = new FakeTime(START);
  const inner = Promise.withResolvers<string>();
  const p = track(deadline(inner.promise, 100));
  assert.equal(time.pendingTimers, 1);
  await time.tickAsync(99);
  inner.resolve("ok");
  await time.tickAsync(0);
  assert.equal(p.state, "fulfilled");
  assert.equal(p.value, "ok");
  assert.equal(time.pendingTimers, 0);
});

test("deadline: rejects with a TimeoutError exactly at the deadline", async () => {
  using time = new FakeTime(START);
  const inner = Promise.withResolvers<string>();
  const p = track(deadline(inner.promise, 100));
  await time.tickAsync(99);
  assert.equal(p.state, "pending");
  await time.tickAsync(1);
  assert.equal(p.state, "rejected");
  assert.ok(p.error instanceof DOMException);
  assert.equal(p.error.name, "TimeoutError");
  assert.equal(p.error.message, "Signal timed out.");
  assert.equal(time.now, START + 100);
  assert.equal(time.pendingTimers, 0);
  inner.resolve("late"); // ignored
});

test("deadline: passes the inner rejection through and clears its timer", async () => {
  using time = new FakeTime(START);
  const boom = new Error("boom");
  await assert.rejects(deadline(Promise.reject(boom), 100), (e) => e === boom);
  assert.equal(time.pendingTimers, 0);
});

test("deadline: the caller's signal rejects with its reason (before and during)", async () => {
  using time = new FakeTime(START);
  const before = new AbortController();
  before.abort("early");
  await assert.rejects(deadline(Promise.resolve(1), 100, { signal: before.signal }), (e) => {
    return e === "early";
  });
  assert.equal(time.pendingTimers, 0);

  const during = new AbortController();
  const log = spyListeners(during.signal);
  const p = track(deadline(new Promise<number>(() => {}), 100, { signal: during.signal }));
  await time.tickAsync(40);
  during.abort("late");
  await time.tickAsync(0);
  assert.equal(p.state, "rejected");
  assert.equal(p.error, "late");
  assert.equal(time.pendingTimers, 0);
  assert.deepEqual(log.removed, log.added);
});

test("deadline: durations >= Number.MAX_SAFE_INTEGER never expire and start no timer", async () => {
  using time = new FakeTime(START);
  const inner = Promise.withResolvers<number>();
  const p = track(deadline(inner.promise, Number.MAX_SAFE_INTEGER));
  assert.equal(time.pendingTimers, 0);
  inner.resolve(7);
  await time.tickAsync(0);
  assert.equal(p.value, 7);
});

// --- exponentialBackoffWithJitter ----------------------------------------------------------------

test("exponentialBackoffWithJitter: exact values with an injected random", () => {
  const half = (): number => 0.5;
  assert.equal(exponentialBackoffWithJitter(60_000, 1_000, 0, 2, 0, half), 1_000);
  assert.equal(exponentialBackoffWithJitter(60_000, 1_000, 3, 2, 0, half), 8_000);
  assert.equal(exponentialBackoffWithJitter(60_000, 1_000, 3, 2, 1, half), 4_000);
  assert.equal(exponentialBackoffWithJitter(60_000, 1_000, 3, 2, 0.5, half), 6_000);
  assert.equal(exponentialBackoffWithJitter(60_000, 1_000, 10, 2, 0, half), 60_000);
  assert.equal(exponentialBackoffWithJitter(60_000, 100, 2, 3, 1, () => 0.25), 675);
  assert.equal(exponentialBackoffWithJitter(5_000, 1_000, 4, 2, 1, () => 0), 5_000);
});

test("exponentialBackoffWithJitter: defaults to Math.random", () => {
  const random = Math.random;
  Math.random = () => 0.75;
  try {
    assert.equal(exponentialBackoffWithJitter(60_000, 1_000, 2, 2, 1), 1_000);
  } finally {
    Math.random = random;
  }
});

// --- retry ---------------------------------------------------------------------------------------

/** Runs `retry` on an always-failing function under fake time; returns attempt times and error. */
async function failingRun(
  time: FakeTime,
  options: RetryOptions,
): Promise<{ at: number[]; errors: Error[]; thrown: unknown }> {
  const at: number[] = [];
  const errors: Error[] = [];
  const p = track(retry(() => {
    at.push(Date.now() - START);
    const error = new Error(`failure ${at.length}`);
    errors.push(error);
    throw error;
  }, options));
  await time.tickAsync(0);
  while (p.state === "pending") assert.ok(await time.nextAsync(), "retry stalled");
  return { at, errors, thrown: p.error };
}

test("retry: returns the first success without any timer (sync and async functions)", async () => {
  using time = new FakeTime(START);
  assert.equal(await retry(() => 42), 42);
  assert.equal(await retry(() => Promise.resolve("async")), "async");
  assert.equal(time.pendingTimers, 0);
});

test("retry: default options wait 1000, 2000, 4000, 8000 ms with jitter 0, then RetryError", async () => {
  using time = new FakeTime(START);
  const { at, errors, thrown } = await failingRun(time, { jitter: 0 });
  assert.deepEqual(at, [0, 1_000, 3_000, 7_000, 15_000]);
  assert.ok(thrown instanceof RetryError);
  assert.ok(thrown instanceof Error);
  assert.equal(thrown.name, "RetryError");
  assert.equal(thrown.message, "Retrying exceeded the maxAttempts (5).");
  assert.equal(thrown.cause, errors[4]);
  assert.equal(time.now, START + 15_000);
  assert.equal(time.pendingTimers, 0);
});

test("retry: backoff is capped at maxTimeout and follows multiplier", async () => {
  using time = new FakeTime(START);
  const capped = await failingRun(time, { jitter: 0, maxTimeout: 3_000, maxAttempts: 6 });
  // Waits: 1000, 2000, 3000, 3000, 3000.
  assert.deepEqual(capped.at, [0, 1_000, 3_000, 6_000, 9_000, 12_000]);
  assert.equal((capped.thrown as Error).message, "Retrying exceeded the maxAttempts (6).");

  const base = time.now - START;
  const tripled = await failingRun(time, {
    jitter: 0,
    minTimeout: 100,
    multiplier: 3,
    maxAttempts: 4,
  });
  // Waits: 100, 300, 900.
  assert.deepEqual(tripled.at.map((t) => t - base), [0, 100, 400, 1_300]);
});

test("retry: default jitter 1 scales the wait by (1 - Math.random())", async () => {
  using time = new FakeTime(START);
  const random = Math.random;
  Math.random = () => 0.25;
  try {
    const { at } = await failingRun(time, { maxAttempts: 3 });
    // Waits: 0.75 * 1000, 0.75 * 2000.
    assert.deepEqual(at, [0, 750, 2_250]);
  } finally {
    Math.random = random;
  }
});

test("retry: maxAttempts 1 throws RetryError after one call and no timer", async () => {
  using time = new FakeTime(START);
  const { at, errors, thrown } = await failingRun(time, { maxAttempts: 1 });
  assert.deepEqual(at, [0]);
  assert.ok(thrown instanceof RetryError);
  assert.equal(thrown.message, "Retrying exceeded the maxAttempts (1).");
  assert.equal(thrown.cause, errors[0]);
  assert.equal(time.pendingTimers, 0);
});

test("retry: resolves with the value of the first successful attempt", async () => {
  using time = new FakeTime(START);
  let calls = 0;
  const p = track(retry(() => {
    calls++;
    if (calls < 3) throw new Error("not yet");
    return Promise.resolve(`done after ${calls}`);
  }, { jitter: 0, minTimeout: 10 }));
  await time.tickAsync(30);
  assert.equal(p.value, "done after 3");
  assert.equal(time.now, START + 30);
  assert.equal(time.pendingTimers, 0);
});

test("retry: a non-retriable error stops early and is rethrown as is", async () => {
  using time = new FakeTime(START);
  const seen: unknown[] = [];
  const fatal = new TypeError("fatal");
  let calls = 0;
  const p = track(retry(() => {
    calls++;
    throw calls < 3 ? new Error("transient") : fatal;
  }, {
    jitter: 0,
    isRetriable: (err) => {
      seen.push(err);
      return err !== fatal;
    },
  }));
  await time.tickAsync(3_000);
  assert.equal(p.state, "rejected");
  assert.equal(p.error, fatal);
  assert.equal(calls, 3);
  assert.equal(seen.length, 3);
  assert.equal(seen[2], fatal);
  assert.equal(time.pendingTimers, 0);
});

test("retry: aborting during the backoff rejects with the reason and clears the timer", async () => {
  using time = new FakeTime(START);
  const controller = new AbortController();
  let calls = 0;
  const p = track(retry(() => {
    calls++;
    throw new Error("fail");
  }, { jitter: 0, signal: controller.signal }));
  await time.tickAsync(500);
  assert.equal(calls, 1);
  assert.equal(time.pendingTimers, 1);
  const reason = new Error("cancelled");
  controller.abort(reason);
  await time.tickAsync(0);
  assert.equal(p.state, "rejected");
  assert.equal(p.error, reason);
  assert.equal(time.pendingTimers, 0);
  await time.tickAsync(10_000);
  assert.equal(calls, 1);
});

test("retry: an already aborted signal rejects before the first attempt", async () => {
  using _time = new FakeTime(START);
  const controller = new AbortController();
  controller.abort("nope");
  let calls = 0;
  await assert.rejects(
    retry(() => calls++, { signal: controller.signal }),
    (e) => e === "nope",
  );
  assert.equal(calls, 0);
});

test("retry: invalid options reject with std's RangeError messages before calling fn", async () => {
  const cases: [RetryOptions, string][] = [
    [{ maxAttempts: 0 }, "'maxAttempts' must be a positive integer: current value is 0"],
    [{ maxAttempts: 1.5 }, "'maxAttempts' must be a positive integer: current value is 1.5"],
    [{ multiplier: 0.5 }, "'multiplier' must be a finite number >= 1: current value is 0.5"],
    [
      { multiplier: Infinity },
      "'multiplier' must be a finite number >= 1: current value is Infinity",
    ],
    [{ maxTimeout: 0 }, "'maxTimeout' must be a positive number: current value is 0"],
    [{ maxTimeout: NaN }, "'maxTimeout' must be a positive number: current value is NaN"],
    [{ minTimeout: -1 }, "'minTimeout' must be >= 0: current value is -1"],
    [
      { minTimeout: 2_000, maxTimeout: 1_000 },
      "'minTimeout' must be <= 'maxTimeout': current values 'minTimeout=2000', 'maxTimeout=1000'",
    ],
    [{ jitter: 2 }, "'jitter' must be between 0 and 1: current value is 2"],
    [{ jitter: -0.1 }, "'jitter' must be between 0 and 1: current value is -0.1"],
  ];
  let calls = 0;
  for (const [options, message] of cases) {
    await assert.rejects(retry(() => calls++, options), (e) => {
      assert.ok(e instanceof RangeError);
      assert.equal(e.message, `Cannot retry as ${message}`);
      return true;
    });
  }
  assert.equal(calls, 0);
});
