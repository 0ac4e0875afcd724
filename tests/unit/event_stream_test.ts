import assert from "node:assert/strict";
import { EventBufferOverflowError, EventHub } from "../../src/conversation/event_stream.ts";
import { RemoteHandsError } from "../../src/errors.ts";
import { test } from "../support/test.ts";

async function drain<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of it) out.push(value);
  return out;
}

test("EventHub: an iterator gets every value published after it, once, in order", async () => {
  const hub = new EventHub<number>();
  hub.publish(0); // before the iterator: not seen
  const it = hub.stream();
  for (let i = 1; i <= 5; i++) hub.publish(i);
  hub.close();
  hub.publish(6); // after close: not seen
  assert.deepEqual(await drain(it), [1, 2, 3, 4, 5]);
});

test("EventHub: a waiting next() gets the next value; close ends the loop without throwing", async () => {
  const hub = new EventHub<string>();
  const it = hub.stream();
  const first = it.next();
  const second = it.next(); // two reads in flight are served in order
  hub.publish("a");
  hub.publish("b");
  assert.deepEqual(await first, { done: false, value: "a" });
  assert.deepEqual(await second, { done: false, value: "b" });
  const third = it.next();
  hub.close();
  assert.deepEqual(await third, { done: true, value: undefined });
  assert.deepEqual(await it.next(), { done: true, value: undefined });
});

test("EventHub: close yields what was buffered before ending", async () => {
  const hub = new EventHub<number>();
  const it = hub.stream();
  hub.publish(1);
  hub.publish(2);
  hub.close();
  assert.equal(hub.subscriberCount, 0);
  assert.deepEqual(await drain(it), [1, 2]);
});

test("EventHub: initial values come first and are followed by live ones", async () => {
  const hub = new EventHub<number>();
  const it = hub.stream({ initial: [10, 11] });
  hub.publish(12);
  hub.close();
  assert.deepEqual(await drain(it), [10, 11, 12]);
});

test("EventHub: several iterators each see every value", async () => {
  const hub = new EventHub<number>();
  const a = hub.stream();
  const b = hub.stream();
  const loopA = drain(a);
  const loopB = drain(b);
  for (let i = 0; i < 3; i++) {
    hub.publish(i);
    await Promise.resolve();
  }
  hub.close();
  assert.deepEqual(await loopA, [0, 1, 2]);
  assert.deepEqual(await loopB, [0, 1, 2]);
});

test("EventHub: break unsubscribes and later values are not buffered", async () => {
  const hub = new EventHub<number>();
  const it = hub.stream();
  hub.publish(1);
  hub.publish(2);
  assert.equal(hub.subscriberCount, 1);
  const seen: number[] = [];
  for await (const value of it) {
    seen.push(value);
    break;
  }
  assert.deepEqual(seen, [1]);
  assert.equal(hub.subscriberCount, 0);
  hub.publish(3);
  assert.deepEqual(await it.next(), { done: true, value: undefined });
  hub.close();
});

test("EventHub: abort ends the iterator at once, dropping buffered values, without throwing", async () => {
  const hub = new EventHub<number>();
  const controller = new AbortController();
  const it = hub.stream({ signal: controller.signal });
  const waiting = it.next();
  hub.publish(1);
  assert.deepEqual(await waiting, { done: false, value: 1 });
  hub.publish(2);
  hub.publish(3);
  controller.abort(new Error("stop"));
  assert.equal(hub.subscriberCount, 0);
  assert.deepEqual(await it.next(), { done: true, value: undefined });
  hub.publish(4);
  assert.deepEqual(await it.next(), { done: true, value: undefined });
  hub.close();
});

test("EventHub: abort resolves a waiting next() as done and a for-await loop just ends", async () => {
  const hub = new EventHub<number>();
  const controller = new AbortController();
  const loop = drain(hub.stream({ signal: controller.signal }));
  hub.publish(1);
  await Promise.resolve();
  controller.abort();
  assert.deepEqual(await loop, [1]);
  hub.close();
});

test("EventHub: an already aborted signal gives an iterator that is done, even with initial values", async () => {
  const hub = new EventHub<number>();
  const it = hub.stream({ signal: AbortSignal.abort(), initial: [1, 2] });
  assert.equal(hub.subscriberCount, 0);
  hub.publish(3);
  assert.deepEqual(await drain(it), []);
  hub.close();
});

test("EventHub: a stream opened after close yields its initial values and ends", async () => {
  const hub = new EventHub<number>();
  hub.close();
  assert.deepEqual(await drain(hub.stream({ initial: [7, 8] })), [7, 8]);
  assert.deepEqual(await drain(hub.stream()), []);
  assert.equal(hub.closed, true);
});

test("EventHub: past maxBuffer the iterator yields what it buffered, then throws EventBufferOverflowError", async () => {
  const hub = new EventHub<number>();
  const it = hub.stream({ maxBuffer: 2, initial: [0] }); // initial values do not count
  hub.publish(1);
  hub.publish(2);
  hub.publish(3); // overflow: unsubscribed, 3 is not kept
  assert.equal(hub.subscriberCount, 0);
  hub.publish(4);
  assert.deepEqual(await it.next(), { done: false, value: 0 });
  assert.deepEqual(await it.next(), { done: false, value: 1 });
  assert.deepEqual(await it.next(), { done: false, value: 2 });
  await assert.rejects(it.next(), (err: unknown) => {
    assert.ok(err instanceof EventBufferOverflowError);
    assert.ok(err instanceof RemoteHandsError);
    assert.equal(err.maxBuffer, 2);
    assert.equal(
      err.message,
      "The event iterator fell more than 2 events behind and stopped receiving events " +
        "(consume events faster, raise maxBuffer, or leave it unset for an unbounded buffer)",
    );
    return true;
  });
  assert.deepEqual(await it.next(), { done: true, value: undefined });
  hub.close();
});

test("EventHub: maxBuffer counts unread values only; a consumer that keeps up never overflows", async () => {
  const hub = new EventHub<number>();
  const it = hub.stream({ maxBuffer: 1 });
  const seen: number[] = [];
  for (let i = 0; i < 100; i++) {
    hub.publish(i);
    const result = await it.next();
    if (!result.done) seen.push(result.value);
  }
  assert.equal(seen.length, 100);
  assert.equal(seen[99], 99);
  hub.close();
});

test("EventHub: a large backlog is yielded in order", async () => {
  const hub = new EventHub<number>();
  const it = hub.stream();
  for (let i = 0; i < 5000; i++) hub.publish(i);
  hub.close();
  const all = await drain(it);
  assert.equal(all.length, 5000);
  assert.ok(all.every((value, i) => value === i));
});

test("EventHub: listeners get values until removed; a throwing one is reported and the rest go on", async () => {
  const errors: unknown[] = [];
  const hub = new EventHub<number>({ onListenerError: (err) => errors.push(err) });
  const a: number[] = [];
  const b: number[] = [];
  const offA = hub.listen((v) => a.push(v));
  hub.listen(() => {
    throw new Error("boom");
  });
  const offB = hub.listen((v) => b.push(v));
  const it = hub.stream();
  hub.publish(1);
  offA();
  offA(); // idempotent
  hub.publish(2);
  offB();
  hub.close();
  assert.deepEqual(a, [1]);
  assert.deepEqual(b, [1, 2]);
  assert.deepEqual(errors.map((e) => (e as Error).message), ["boom", "boom"]);
  assert.deepEqual(await drain(it), [1, 2]);
});

test("EventHub: a listener removed by another during publish is not called for that value", () => {
  const hub = new EventHub<number>();
  const seen: string[] = [];
  let offB = (): void => {};
  hub.listen((v) => {
    seen.push(`a${v}`);
    offB();
  });
  offB = hub.listen((v) => seen.push(`b${v}`));
  hub.publish(1);
  hub.publish(2);
  assert.deepEqual(seen, ["a1", "a2"]);
  hub.close();
  assert.deepEqual(hub.listen(() => seen.push("late"))(), undefined);
  hub.publish(3);
  assert.deepEqual(seen, ["a1", "a2"]);
});
