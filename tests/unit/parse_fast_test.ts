/**
 * `parseOwnedEvent` (validation in place) against `parseEvent` (valibot, which copies): for every
 * recorded fixture, a corpus of good and bad events built from every known kind by removing and
 * retyping each field the schemas check, prototype keys at every level, and every frame the fuzz
 * generator sends, both give the same success or failure, the same error (message and excerpt)
 * and deep-equal events; the in-place one returns the very object it was given when it succeeds,
 * and leaves it untouched when it fails. `parseEventFrame` (which now validates in place) gives
 * what `JSON.parse` + `parseEvent` gave.
 */

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EventValidationError } from "../../src/errors.ts";
import type { KnownEventKind } from "../../src/events/kinds.ts";
import {
  parseEvent,
  parseEventFrame,
  type ParseEventResult,
  parseOwnedEvent,
} from "../../src/events/parse.ts";
import { knownEventSchema, unknownEventSchema } from "../../src/events/schema.ts";
import { fuzzFrames } from "../chaos/fuzz_frames.ts";
import { test } from "../support/test.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/events/", import.meta.url));
const TS = "2026-01-01T00:00:00.000000";

/** What `parseEventFrame` did before it validated in place: `JSON.parse`, then `parseEvent`. */
function valibotFrame(text: string): ParseEventResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return {
      success: false,
      error: new EventValidationError("not JSON", text, { cause: err }),
    };
  }
  return parseEvent(raw);
}

/**
 * Where two values first differ (`undefined`: nowhere), compared as `assert.deepStrictEqual`
 * does for JSON-made values (same prototypes, same own keys in any order, `Object.is` leaves),
 * but with a stack of its own: the fuzz frames nest 5,000 levels, deeper than the call stack of
 * `node:assert` goes.
 */
function firstDifference(a: unknown, b: unknown): string | undefined {
  const stack: [unknown, unknown, string][] = [[a, b, "$"]];
  const seen = new Set<unknown>();
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [x, y, path] = item;
    if (Object.is(x, y)) continue;
    if (x === null || y === null || typeof x !== "object" || typeof y !== "object") return path;
    if (Object.getPrototypeOf(x) !== Object.getPrototypeOf(y)) return `${path} (prototype)`;
    if (Array.isArray(x) !== Array.isArray(y)) return `${path} (array)`;
    if (seen.has(x)) continue;
    seen.add(x);
    const xKeys = Reflect.ownKeys(x);
    const yKeys = new Set(Reflect.ownKeys(y));
    if (xKeys.length !== yKeys.size) return `${path} (keys)`;
    for (const key of xKeys) {
      if (!yKeys.has(key)) return `${path} (key ${String(key)})`;
      const dx = Object.getOwnPropertyDescriptor(x, key)!;
      const dy = Object.getOwnPropertyDescriptor(y, key)!;
      if (dx.enumerable !== dy.enumerable) return `${path}.${String(key)} (enumerable)`;
      stack.push([dx.value, dy.value, `${path}.${String(key)}`]);
    }
  }
  return undefined;
}

function sameResult(fast: ParseEventResult, slow: ParseEventResult, what: string): void {
  assert.equal(fast.success, slow.success, `${what}: success`);
  if (fast.success && slow.success) {
    assert.equal(firstDifference(fast.event, slow.event), undefined, `${what}: event`);
  } else if (!fast.success && !slow.success) {
    assert.ok(fast.error instanceof EventValidationError, what);
    assert.equal(fast.error.message, slow.error.message, `${what}: message`);
    assert.equal(fast.error.excerpt, slow.error.excerpt, `${what}: excerpt`);
  }
}

/** Tallies of a corpus run. */
interface Tally {
  good: number;
  bad: number;
  notJson: number;
}

/** Checks one JSON text (or not-JSON text) both ways; counts it in `tally`. */
function check(text: string, what: string, tally: Tally): void {
  const slowFrame = valibotFrame(text);
  sameResult(parseEventFrame(text), slowFrame, `${what} (parseEventFrame)`);
  let parsedOnce: unknown;
  try {
    parsedOnce = JSON.parse(text);
  } catch {
    tally.notJson++;
    return;
  }
  const slow = parseEvent(parsedOnce);
  const owned = JSON.parse(text) as unknown;
  const fast = parseOwnedEvent(owned);
  sameResult(fast, slow, what);
  if (fast.success) {
    tally.good++;
    // Only the fast path returns its argument: valibot's copy here would mean a needless fallback.
    assert.equal(fast.event, owned, `${what}: validated in place`);
  } else {
    tally.bad++;
    assert.equal(JSON.stringify(owned), JSON.stringify(JSON.parse(text)), `${what}: untouched`);
  }
}

function newTally(): Tally {
  return { good: 0, bad: 0, notJson: 0 };
}

/** `JSON.stringify(value)` with raw members appended (own `__proto__` keys need raw JSON). */
function withRaw(value: Record<string, unknown>, raw: string): string {
  const text = JSON.stringify(value);
  return text === "{}" ? `{${raw}}` : `${text.slice(0, -1)},${raw}}`;
}

// --- fixtures ------------------------------------------------------------------------------------

test("parseOwnedEvent: every recorded fixture gives what parseEvent gives, in place", () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith(".json")).sort();
  assert.ok(files.length >= 20, `${files.length} fixtures`);
  const tally = newTally();
  for (const file of files) {
    const text = readFileSync(join(FIXTURES, file), "utf8");
    check(text, file, tally);
    // Each fixture once more with every prototype key at the top.
    check(
      withRaw(JSON.parse(text), '"__proto__":{"polluted":1},"constructor":1,"prototype":null'),
      `${file} + prototype keys`,
      tally,
    );
  }
  assert.deepEqual(tally, { good: files.length * 2, bad: 0, notJson: 0 });
});

// --- every field of every kind, removed and retyped ----------------------------------------------

/** A valid example of every known kind, with the fields its schema checks. */
const EXAMPLES: { [K in KnownEventKind]: Record<string, unknown> } = {
  MessageEvent: { llm_message: { role: "user", content: [{ type: "text", text: "hi" }] } },
  ActionEvent: {
    tool_name: "terminal",
    tool_call_id: "c1",
    action: { kind: "TerminalAction", command: "ls" },
  },
  ObservationEvent: {
    tool_name: "terminal",
    tool_call_id: "c1",
    action_id: "a1",
    observation: { kind: "TerminalObservation", exit_code: 0 },
  },
  UserRejectObservation: {
    tool_name: "terminal",
    tool_call_id: "c1",
    action_id: "a1",
    rejection_reason: "no",
  },
  AgentErrorEvent: { tool_name: "terminal", tool_call_id: "c1", error: "boom" },
  SystemPromptEvent: { system_prompt: { type: "text", text: "be nice" } },
  ConversationStateUpdateEvent: { key: "execution_status", value: "running" },
  ConversationErrorEvent: { code: "APIError", detail: "rate limited" },
  PauseEvent: {},
  InterruptEvent: {},
  Condensation: { forgotten_event_ids: ["a"] },
  CondensationRequest: {},
  CondensationSummaryEvent: { summary: "s" },
  HookExecutionEvent: { hook_event_type: "PreToolUse" },
  LLMCompletionLogEvent: { filename: "f" },
  TokenEvent: { prompt_token_ids: [1] },
  ACPToolCallEvent: { tool_call_id: "acp1", status: "completed" },
  SecurityAnalysisEvent: {},
  StreamingDeltaEvent: { content: "Hel", reasoning_content: null, item_id: "i", attempt: 1 },
  ServerErrorEvent: { code: "ValidationError", detail: { errors: [1] } },
};

const UNKNOWN_KINDS = [
  "FutureEvent",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "",
  "messageevent",
];

/** Every field any schema checks, at the top level. */
const TOP_FIELDS = [
  "kind",
  "id",
  "timestamp",
  "source",
  "llm_message",
  "tool_name",
  "tool_call_id",
  "action",
  "action_id",
  "observation",
  "rejection_reason",
  "error",
  "key",
  "value",
  "code",
  "detail",
  "content",
  "reasoning_content",
  "item_id",
  "attempt",
  "discard",
  "reason",
];

/** Fields the nested schemas check (`llm_message`: role, content; action/observation: kind). */
const NESTED_FIELDS: Record<string, string[]> = {
  llm_message: ["role", "content", "kind"],
  action: ["kind", "role"],
  observation: ["kind", "content"],
};

test("the corpus removes and retypes every field the schemas check, at both levels", () => {
  const top = new Set(Object.keys(unknownEventSchema.entries));
  const nested = new Map<string, Set<string>>();
  for (const schema of knownEventSchema.options) {
    for (const [key, entry] of Object.entries(schema.entries)) {
      top.add(key);
      const inner = entry.type === "optional" ? entry.wrapped : entry;
      if (inner.type !== "loose_object") continue;
      const fields = nested.get(key) ?? new Set<string>();
      for (const field of Object.keys(inner.entries)) fields.add(field);
      nested.set(key, fields);
    }
  }
  assert.deepEqual([...top].filter((field) => !TOP_FIELDS.includes(field)), []);
  for (const [outer, fields] of nested) {
    assert.deepEqual([...fields].filter((f) => !NESTED_FIELDS[outer]?.includes(f)), [], outer);
  }
  assert.deepEqual([...nested.keys()].sort(), Object.keys(NESTED_FIELDS).sort());
});

const VALUES: unknown[] = [
  null,
  "",
  "x",
  0,
  -1.5,
  true,
  false,
  [],
  ["x"],
  {},
  { kind: "K" },
  { kind: 1 },
  { role: "user" },
  { role: "user", content: "text" },
  { role: "user", content: [] },
  { role: 1, content: [] },
  [{ kind: "K" }],
];

function event(kind: string, extra: Record<string, unknown>): Record<string, unknown> {
  return structuredClone({ kind, id: "e1", timestamp: TS, source: "agent", ...extra });
}

test("parseOwnedEvent: each field of each kind removed or retyped: same results as parseEvent", () => {
  const tally = newTally();
  const bases: [string, Record<string, unknown>][] = [
    ...Object.entries(EXAMPLES).map(([kind, extra]): [string, Record<string, unknown>] => [
      kind,
      event(kind, extra),
    ]),
    ...UNKNOWN_KINDS.map((kind): [string, Record<string, unknown>] => [
      JSON.stringify(kind),
      event(kind, { extra: 1 }),
    ]),
  ];
  for (const [name, base] of bases) {
    check(JSON.stringify(base), name, tally);
    for (const field of TOP_FIELDS) {
      const removed = structuredClone(base);
      delete removed[field];
      check(JSON.stringify(removed), `${name} without ${field}`, tally);
      for (const value of VALUES) {
        const changed = structuredClone(base);
        changed[field] = value;
        check(JSON.stringify(changed), `${name} ${field}=${JSON.stringify(value)}`, tally);
      }
    }
    for (const [outer, fields] of Object.entries(NESTED_FIELDS)) {
      const inner = base[outer];
      if (inner === null || typeof inner !== "object") continue;
      for (const field of fields) {
        const removed = structuredClone(base);
        delete (removed[outer] as Record<string, unknown>)[field];
        check(JSON.stringify(removed), `${name} without ${outer}.${field}`, tally);
        for (const value of VALUES) {
          const changed = structuredClone(base);
          (changed[outer] as Record<string, unknown>)[field] = value;
          check(
            JSON.stringify(changed),
            `${name} ${outer}.${field}=${JSON.stringify(value)}`,
            tally,
          );
        }
      }
    }
    // The body of this kind under every other kind's name.
    for (const kind of [...Object.keys(EXAMPLES), "FutureEvent"]) {
      check(JSON.stringify({ ...base, kind }), `${name} as ${kind}`, tally);
    }
  }
  assert.ok(tally.good > 1_000 && tally.bad > 1_000, JSON.stringify(tally));
});

test("parseOwnedEvent: JSON values that are not objects fail as parseEvent fails", () => {
  const tally = newTally();
  for (const text of ["null", "[]", `[${JSON.stringify(event("PauseEvent", {}))}]`, '"x"', "0"]) {
    check(text, text, tally);
  }
  for (const text of ["", "{", "undefined", "{'kind':1}", '{"a":1}x']) check(text, text, tally);
  assert.deepEqual(tally, { good: 0, bad: 5, notJson: 5 });
  for (const value of [undefined, null, 1, "s", true, [], [event("PauseEvent", {})]]) {
    sameResult(parseOwnedEvent(value), parseEvent(value), String(value));
  }
});

// --- prototype keys ------------------------------------------------------------------------------

const POLLUTERS = [
  '"__proto__":{"polluted":true}',
  '"constructor":{"prototype":{"polluted":true}}',
  '"prototype":{"polluted":true}',
  '"__proto__":null,"constructor":"c","prototype":[1]',
  '"data":{"__proto__":{"polluted":true},"list":[{"__proto__":{"polluted":true}}]}',
];

test("parseOwnedEvent: prototype keys dropped where parseEvent drops them (top, llm_message, action, observation), kept deeper", () => {
  const tally = newTally();
  const nestedOf: [KnownEventKind | "FutureEvent", string | undefined][] = [
    ["MessageEvent", "llm_message"],
    ["ActionEvent", "action"],
    ["ObservationEvent", "observation"],
    ["ConversationStateUpdateEvent", "value"], // v.unknown(): not rebuilt, so kept
    ["ServerErrorEvent", "detail"], // likewise
    ["PauseEvent", undefined],
    ["FutureEvent", undefined],
  ];
  for (const [kind, field] of nestedOf) {
    const base = event(kind, kind === "FutureEvent" ? {} : EXAMPLES[kind]);
    for (const polluter of POLLUTERS) {
      check(withRaw(base, polluter), `${kind} + ${polluter}`, tally);
      if (field === undefined) continue;
      const inner = base[field] as Record<string, unknown>;
      const { [field]: _, ...rest } = base;
      check(
        withRaw(rest, `${JSON.stringify(field)}:${withRaw(inner, polluter)}`),
        `${kind}.${field} + ${polluter}`,
        tally,
      );
      // Both levels at once, and a deeper level (content parts, observation fields).
      check(
        withRaw(rest, `${polluter},${JSON.stringify(field)}:${withRaw(inner, polluter)}`),
        `${kind} and ${kind}.${field} + ${polluter}`,
        tally,
      );
    }
  }
  // The required fields only under a prototype key are not the event's own fields.
  for (
    const raw of [
      `"__proto__":{"id":"x","timestamp":"${TS}"}`,
      `"constructor":{"prototype":{"id":"x"}},"timestamp":"${TS}"`,
    ]
  ) {
    check(withRaw({ kind: "FutureEvent", source: "agent" }, raw), raw, tally);
  }
  check(
    withRaw(event("ConversationStateUpdateEvent", { key: "k" }), '"__proto__":{"value":1}'),
    "value only under __proto__",
    tally,
  );
  assert.equal(tally.bad, 3);
  assert.ok(tally.good >= 50, JSON.stringify(tally));

  // What is left after the fast path: no own prototype keys where valibot drops them.
  const owned = JSON.parse(
    withRaw(
      { kind: "MessageEvent", id: "m", timestamp: TS, source: "user" },
      `"__proto__":1,"constructor":2,"prototype":3,"llm_message":{"role":"user","__proto__":{"a":1},"content":[{"__proto__":{"b":2}}]}`,
    ),
  ) as Record<string, unknown>;
  const result = parseOwnedEvent(owned);
  assert.ok(result.success);
  assert.equal(result.event, owned);
  assert.deepEqual(Object.keys(owned), ["kind", "id", "timestamp", "source", "llm_message"]);
  const message = owned.llm_message as { content: Record<string, unknown>[] };
  assert.deepEqual(Object.keys(message), ["role", "content"]);
  assert.ok(Object.hasOwn(message.content[0]!, "__proto__"), "deeper ones are kept as data");
  assert.equal(Object.getPrototypeOf(owned), Object.prototype);
  assert.equal(({} as { a?: unknown }).a, undefined);
});

// --- the fuzz generator's frames -----------------------------------------------------------------

test(
  "parseOwnedEvent and parseEventFrame: every frame of the fuzz generator gives what parseEvent gives",
  async () => {
    // Record the text frames the fuzz client receives by wrapping the global WebSocket it uses.
    const frames: string[] = [];
    const Original = globalThis.WebSocket;
    class RecordingWebSocket extends Original {
      constructor(...args: ConstructorParameters<typeof Original>) {
        super(...args);
        this.addEventListener("message", (ev: MessageEvent) => {
          if (typeof ev.data === "string") frames.push(ev.data);
        });
      }
    }
    globalThis.WebSocket = RecordingWebSocket;
    let result;
    try {
      result = await fuzzFrames({ frames: 1_500, seed: 0x0ded });
    } finally {
      globalThis.WebSocket = Original;
    }
    assert.equal(result.crashes, 0);
    assert.equal(result.delivered, result.good);
    assert.equal(result.reported, result.bad);
    assert.equal(result.polluted, false);
    assert.ok(frames.length > 1_000, `${frames.length} text frames`);
    const tally = newTally();
    frames.forEach((text, i) => check(text, `fuzz frame ${i}: ${text.slice(0, 80)}`, tally));
    assert.ok(tally.good > 500 && tally.bad > 100 && tally.notJson > 50, JSON.stringify(tally));
    // Binary frames are the only ones not recorded: the text frames are every good one.
    assert.equal(tally.good, result.good);
  },
  { timeoutMs: 300_000 },
);
