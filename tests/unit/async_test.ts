import assert from "node:assert/strict";
import { delay, exponentialBackoffWithJitter } from "../../src/_async.ts";
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
