/**
 * Hostile state and event lists: a server that sends `__proto__` as a state key or inside a
 * `full_state` snapshot (finding 9), and events whose timestamps fall (finding 14). Runs under
 * `deno test` and `bun test`.
 */

import assert from "node:assert/strict";
import { createAgentServerClient } from "../../src/rest/client.ts";
import type { Event } from "../../src/events/kinds.ts";
import { parseEvent } from "../../src/events/parse.ts";
import { listWriterOf, RemoteEventsList } from "../../src/conversation/events_list.ts";
import { RemoteState } from "../../src/conversation/remote_state.ts";
import { test } from "../support/test.ts";

const ID = "6c1b5b1e-0000-4000-8000-0000000000bb";

/** A state-update event decoded from the JSON text a server would send. */
function frame(json: string): Event {
  const result = parseEvent(JSON.parse(json));
  if (!result.success) throw result.error;
  return result.event;
}

function update(key: string, valueJson: string, id = `u-${key}`): Event {
  return frame(
    `{"kind":"ConversationStateUpdateEvent","id":"${id}","timestamp":"2026-01-01T00:00:01",` +
      `"source":"environment","key":${JSON.stringify(key)},"value":${valueJson}}`,
  );
}

/** Each getter against the field it reads: the getter must show exactly what modelDump() has. */
function assertGettersMatchDump(state: RemoteState): void {
  const dump = state.modelDump();
  const own = (field: string): unknown => Object.hasOwn(dump, field) ? dump[field] : undefined;
  assert.deepEqual(state.agentStatus, own("execution_status"));
  assert.deepEqual(state.executionStatus, own("execution_status"));
  assert.deepEqual(state.confirmationPolicy, own("confirmation_policy"));
  assert.deepEqual(state.activatedKnowledgeSkills, own("activated_knowledge_skills") ?? []);
  assert.deepEqual(state.agent, own("agent"));
  assert.deepEqual(state.workspace, own("workspace"));
  assert.deepEqual(state.persistenceDir, own("persistence_dir"));
  assert.deepEqual(state.stats, own("stats"));
  assert.deepEqual(state.securityAnalyzer, own("security_analyzer"));
  assert.equal(Object.getPrototypeOf(dump), Object.prototype);
}

const EVIL = '{"execution_status":"evil","agent_status":"evil","agent":{"kind":"Evil"},' +
  '"workspace":{"kind":"Evil"},"stats":{"evil":1},"persistence_dir":"/evil",' +
  '"security_analyzer":{"kind":"Evil"},"activated_knowledge_skills":["evil"],' +
  '"confirmation_policy":{"kind":"Evil"}}';

test("a `__proto__` state update is a plain key: the getters show only what modelDump() shows", () => {
  const state = new RemoteState({ id: ID, events: new RemoteEventsList() });
  state.updateStateFromEvent(update("__proto__", EVIL));
  assert.equal(state.agentStatus, undefined);
  assert.equal(state.agent, undefined);
  assert.equal(state.stats, undefined);
  assert.deepEqual(state.activatedKnowledgeSkills, []);
  assert.deepEqual(state.modelDump(), JSON.parse(`{"__proto__":${EVIL}}`));
  assert.equal(state.modelDumpJson(), `{"__proto__":${EVIL}}`);
  assertGettersMatchDump(state);

  state.updateStateFromEvent(update("execution_status", '"running"'));
  state.updateStateFromEvent(update("constructor", '{"name":"evil"}'));
  assert.equal(state.agentStatus, "running");
  assert.deepEqual(
    state.modelDump(),
    JSON.parse(`{"__proto__":${EVIL},"execution_status":"running","constructor":{"name":"evil"}}`),
  );
  assertGettersMatchDump(state);
});

test("a `full_state` snapshot with `__proto__` inside changes nothing the getters show", () => {
  const state = new RemoteState({
    id: ID,
    events: new RemoteEventsList(),
    initial: { execution_status: "idle" },
  });
  state.updateStateFromEvent(
    update("full_state", `{"__proto__":${EVIL},"persistence_dir":"/p","hasOwnProperty":1}`),
  );
  assert.equal(state.agentStatus, "idle");
  assert.equal(state.agent, undefined);
  assert.equal(state.workspace, undefined);
  assert.equal(state.persistenceDir, "/p");
  assert.deepEqual(
    state.modelDump(),
    JSON.parse(
      `{"execution_status":"idle","__proto__":${EVIL},"persistence_dir":"/p","hasOwnProperty":1}`,
    ),
  );
  assertGettersMatchDump(state);
});

test("a first state with `__proto__` inside, then a snapshot with it again, stay plain keys", () => {
  const state = new RemoteState({
    id: ID,
    events: new RemoteEventsList(),
    initial: JSON.parse(`{"execution_status":"idle","__proto__":${EVIL}}`),
  });
  assert.equal(state.agentStatus, "idle");
  assert.equal(state.agent, undefined);
  assertGettersMatchDump(state);

  state.updateStateFromEvent(
    update("full_state", `{"__proto__":${EVIL},"persistence_dir":"/p","hasOwnProperty":1}`),
  );
  assert.equal(state.agentStatus, "idle");
  assert.equal(state.workspace, undefined);
  assert.equal(state.persistenceDir, "/p");
  assert.deepEqual(
    state.modelDump(),
    JSON.parse(
      `{"execution_status":"idle","__proto__":${EVIL},"persistence_dir":"/p","hasOwnProperty":1}`,
    ),
  );
  assertGettersMatchDump(state);
});

test("a `refresh()` answer with `__proto__` inside changes nothing the getters show", async () => {
  const body = `{"id":"${ID}","__proto__":${EVIL}}`;
  const state = new RemoteState({
    id: ID,
    events: new RemoteEventsList(),
    initial: { execution_status: "idle" },
    client: createAgentServerClient({
      host: "http://agent.test",
      fetch: () =>
        Promise.resolve(
          new Response(body, { headers: { "content-type": "application/json" } }),
        ),
    }),
  });
  await state.refresh();
  assert.equal(state.agentStatus, undefined);
  assert.deepEqual(state.modelDump(), JSON.parse(body));
  assertGettersMatchDump(state);
});

// --- finding 14: events whose timestamps fall -------------------------------------------------

/** A stored event with the given id and timestamp. */
function ev(id: string, timestamp: string): Event {
  return { kind: "PauseEvent", id, timestamp, source: "user" };
}

function stamp(n: number): string {
  return `2026-01-01T00:00:00.${String(n).padStart(6, "0")}`;
}

/** The order adding each event after every event with a timestamp <= its own gives. */
function reference(events: readonly Event[]): string[] {
  const out: Event[] = [];
  for (const e of events) {
    let i = out.length;
    while (i > 0 && out[i - 1]!.timestamp > e.timestamp) i--;
    out.splice(i, 0, e);
  }
  return out.map((e) => e.id);
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("100,000 events with falling timestamps take O(n log n) work, not O(n²)", () => {
  const n = 100_000;
  const list = new RemoteEventsList();
  for (let i = 0; i < n; i++) assert.equal(list.addEvent(ev(`e${i}`, stamp(n - i))), true);
  assert.equal(list.length, n);
  assert.equal(list.at(0)?.id, `e${n - 1}`);
  assert.equal(list.at(-1)?.id, "e0");
  assert.equal(list.lastTimestamp, stamp(n));
  const order = list.slice();
  for (let i = 0; i < n; i++) assert.equal(order[i]!.id, `e${n - 1 - i}`);
  // Element writes, moves and comparisons, counted by the list itself. Inserting each at the
  // front would move n²/2 = 5e9 elements; a sort and a merge is about n log2 n = 1.7e6.
  const work = listWriterOf(list).work();
  const bound = 4 * n * Math.ceil(Math.log2(n));
  assert.ok(work <= bound, `work ${work} > ${bound}`);
});

test("events in random order, with ties and reads in between, keep the exact bisect-right order", () => {
  const next = random(10);
  for (let round = 0; round < 20; round++) {
    const list = new RemoteEventsList();
    const added: Event[] = [];
    for (let i = 0; i < 300; i++) {
      // Few distinct timestamps: many ties, which keep their arrival order.
      const e = ev(`r${round}-${i}`, stamp(Math.floor(next() * 40)));
      assert.equal(list.addEvent(e), true);
      added.push(e);
      assert.equal(list.addEvent(e), false, "a known id is not added twice");
      if (next() < 0.05) assert.deepEqual(list.slice().map((x) => x.id), reference(added));
      if (next() < 0.02) {
        assert.equal(
          list.lastTimestamp,
          added.map((x) => x.timestamp).sort().at(-1),
        );
      }
    }
    assert.equal(list.length, added.length);
    assert.deepEqual([...list].map((x) => x.id), reference(added));
    assert.deepEqual(list.toJSON().map((x) => x.id), reference(added));
  }
});

test("events added by timestamp, then one placed in server order, keep the exact order", () => {
  const list = new RemoteEventsList();
  list.addEvent(ev("c", stamp(3)));
  list.addEvent(ev("a", stamp(1)));
  list.addEvent(ev("b", stamp(2)));
  // Placed after "a": the pending events are in place before it goes in.
  assert.equal(listWriterOf(list).place(ev("x", stamp(9)), -1, "a"), true);
  assert.deepEqual(list.slice().map((e) => e.id), ["a", "x", "b", "c"]);
  // The list is no longer in timestamp order: later additions bisect it as before.
  list.addEvent(ev("y", stamp(0)));
  list.addEvent(ev("z", stamp(4)));
  assert.equal(list.length, 6);
  assert.deepEqual(list.slice().map((e) => e.id), ["y", "a", "x", "b", "c", "z"]);
});
