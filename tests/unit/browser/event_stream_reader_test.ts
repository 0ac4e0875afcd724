/**
 * The page-side reader, with a stand-in EventSource and fetch: the list keeps each stored event
 * once across reconnects and reloads, the state follows snapshots and updates, reconnects and
 * reloads ask for what came after the cursor, and frames that are not events are reported, never
 * thrown.
 */

import assert from "node:assert/strict";
import {
  type EventSourceLike,
  EventStreamReader,
  type ReaderStorage,
  type StreamedEvent,
} from "../../../browser.ts";
import { test } from "../../support/test.ts";

const snapshot = (status: string): StreamedEvent => ({
  kind: "ConversationStateUpdateEvent",
  id: "state-c1",
  key: "full_state",
  value: { execution_status: status, title: "t" },
});
const message = (id: string): StreamedEvent => ({ kind: "MessageEvent", id, source: "user" });
const delta: StreamedEvent = { kind: "StreamingDeltaEvent", id: "d1", content: "to" };

class FakeSource implements EventSourceLike {
  static all: FakeSource[] = [];
  onmessage: ((message: MessageEvent) => void) | null = null;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSource.all.push(this);
  }
  send(data: unknown, lastEventId = ""): void {
    const text = typeof data === "string" ? data : JSON.stringify(data);
    this.onmessage?.(new MessageEvent("message", { data: text, lastEventId }));
  }
  close(): void {
    this.closed = true;
  }
}

function memoryStorage(): ReaderStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

test("SSE: the state from the snapshot and updates, stored events once, deltas passed on but not kept", () => {
  FakeSource.all = [];
  const seen: string[] = [];
  const errors: string[] = [];
  const reader = new EventStreamReader({
    url: "/events",
    EventSource: FakeSource,
    onEvent: (event) => void seen.push(event.id),
    onError: (error) => void errors.push(error.message),
  });
  reader.start();
  const source = FakeSource.all[0]!;
  assert.equal(source.url, "/events");
  source.onopen?.();
  assert.equal(reader.connected, true);
  source.send(snapshot("running"), "s:1");
  source.send(message("m1"), "s:2");
  source.send(delta, "s:2");
  source.send(message("m1"), "s:2"); // resent after a reconnect
  source.send({
    kind: "ConversationStateUpdateEvent",
    id: "u1",
    key: "execution_status",
    value: "finished",
  }, "s:3");
  source.send("not json");
  source.send({ kind: 3, id: "x" });
  assert.deepEqual(reader.events.map((event) => event.id), ["m1", "u1"]);
  assert.deepEqual(seen, ["state-c1", "m1", "d1", "u1"]);
  assert.equal(reader.state.execution_status, "finished");
  assert.equal(reader.state.title, "t");
  assert.equal(reader.cursor, "s:3");
  assert.deepEqual(errors, [
    "A frame of the event stream is not an event",
    "A frame of the event stream is not an event",
  ]);
  reader.close();
  assert.equal(source.closed, true);
  assert.equal(reader.connected, false);
});

test("SSE: a reloaded page shows what it saved and asks only for what came after its cursor", () => {
  FakeSource.all = [];
  const storage = memoryStorage();
  const first = new EventStreamReader({ url: "/events?c=1", EventSource: FakeSource, storage });
  first.start();
  FakeSource.all[0]!.send(snapshot("running"), "s:0");
  FakeSource.all[0]!.send(message("m1"), "s:1");
  first.close(); // as on pagehide
  const second = new EventStreamReader({ url: "/events?c=1", EventSource: FakeSource, storage });
  assert.deepEqual(second.events.map((event) => event.id), ["m1"]);
  assert.equal(second.state.execution_status, "running");
  second.start();
  assert.equal(FakeSource.all[1]!.url, "/events?c=1&after=s%3A1");
  FakeSource.all[1]!.send(message("m1"), "s:1");
  FakeSource.all[1]!.send(message("m2"), "s:2");
  assert.deepEqual(second.events.map((event) => event.id), ["m1", "m2"]);
  second.clearSaved();
  assert.equal(storage.items.size, 0);
  second.close();
});

test("NDJSON: reconnects after the stream ends, asking for what came after the last cursor", async () => {
  const urls: string[] = [];
  const bodies = [
    '{"cursor":"s:0","event":{"kind":"MessageEvent","id":"m1"}}\n{}\n{"cursor":"s:1","ev',
    'ent":{"kind":"MessageEvent","id":"m2"}}\n',
    '{"cursor":"s:1","event":{"kind":"MessageEvent","id":"m2"}}\n{"cursor":"s:2","event":{"kind":"MessageEvent","id":"m3"}}\n',
  ];
  let calls = 0;
  let reader!: EventStreamReader;
  const done = new Promise<void>((resolve) => {
    reader = new EventStreamReader({
      url: "https://edge.test/events",
      format: "ndjson",
      retryMs: 1,
      fetch: (input) => {
        urls.push(input);
        calls++;
        if (calls === 1) {
          const encoder = new TextEncoder();
          return Promise.resolve(
            new Response(
              new ReadableStream({
                start(controller) {
                  controller.enqueue(encoder.encode(bodies[0]));
                  controller.enqueue(encoder.encode(bodies[1]));
                  controller.close();
                },
              }),
            ),
          );
        }
        if (calls === 2) return Promise.resolve(new Response("busy", { status: 503 }));
        return Promise.resolve(new Response(bodies[2]));
      },
      onChange: () => {
        if (reader.events.length === 3) resolve();
      },
    });
  });
  reader.start();
  await done;
  reader.close();
  assert.deepEqual(reader.events.map((event) => event.id), ["m1", "m2", "m3"]);
  assert.deepEqual(urls, [
    "https://edge.test/events",
    "https://edge.test/events?after=s%3A1",
    "https://edge.test/events?after=s%3A1",
  ]);
  assert.equal(reader.cursor, "s:2");
});

test("bad options are TypeErrors", () => {
  assert.throws(() => new EventStreamReader({} as { url: string }), TypeError);
  assert.throws(
    () => new EventStreamReader({ url: "/e", format: "xml" as "sse" }),
    /'format' must be sse or ndjson/,
  );
});
