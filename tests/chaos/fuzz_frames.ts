/**
 * Frame fuzzer for the events socket: a loopback fake server sends a seeded mix of valid events,
 * malformed frames and hostile payloads to a real {@linkcode WebSocketCallbackClient}, and checks
 * that the client keeps its promises: every valid event (unknown kinds included) reaches
 * `callback` once and in order, every bad frame reaches `onError` once, nothing throws, nothing
 * pollutes a prototype.
 *
 * Runs under Deno and Bun. As a script it prints the figures as JSON:
 *
 * ```sh
 * deno run -A tests/chaos/fuzz_frames.ts 100000 [seed]
 * bun tests/chaos/fuzz_frames.ts 100000 [seed]
 * ```
 *
 * @module
 */

import process from "node:process";
import { EventValidationError, type RemoteHandsError } from "../../src/errors.ts";
import type { Event } from "../../src/events/kinds.ts";
import { WebSocketCallbackClient } from "../../src/socket/websocket_client.ts";
import {
  authenticate,
  type FakeWsConnection,
  type FakeWsServer,
  startFakeWsServer,
} from "../support/fake_ws_server.ts";

/** Options of {@linkcode fuzzFrames}. */
export interface FuzzFramesOptions {
  /** How many frames to send, the first (a state event) included. At least 1. */
  frames: number;
  /** Seed of the frame mix; the same seed sends the same frames. @default {0x5eed} */
  seed?: number;
}

/** What {@linkcode fuzzFrames} saw. The invariants: `reported === bad`,
 * `delivered === good`, `good + bad === fuzz_frames`, `crashes === 0`, `polluted === false`. */
export interface FuzzFramesResult {
  /** Frames sent. */
  fuzz_frames: number;
  /** Frames that are valid events (must be delivered). */
  good: number;
  /** Frames that are not valid events (must be reported). */
  bad: number;
  /** `EventValidationError`s the client reported to `onError`. */
  reported: number;
  /** Callback calls that got exactly the event expected at that point of the stream: the next
   * good frame's id, with no bad frame between it and the previous delivery left unreported. */
  delivered: number;
  /** Thrown or unhandled errors: a throw out of the run, `error` / `unhandledrejection` (or
   * `uncaughtException` / `unhandledRejection`) while it ran, errors of the fake server's handler,
   * `onError` reports that are not `EventValidationError`s, and a socket that closed early. */
  crashes: number;
  /** Whether `Object.prototype` (or `Array`/`Function`/`String.prototype`) changed, `({}).polluted`
   * is set, or a delivered event does not have `Object.prototype` as its prototype. */
  polluted: boolean;
}

const DEFAULT_SEED = 0x5eed;
const KEY = "sk-fuzz-0123456789abcdef";
const CONVERSATION_ID = "f0220000-0000-4000-8000-000000000000";
const TS = "2026-01-01T00:00:00.000000";
/** Nesting depth of the deep frames. */
const DEPTH = 5_000;
/** Size of each big frame, in bytes (all ASCII, so characters too). */
const BIG = 8 * 1024 * 1024;
/** At most this many big frames per run. */
const MAX_BIG = 4;
/** A batch ends after this many frames or bytes; the client catches up before the next. */
const BATCH_FRAMES = 200;
const BATCH_BYTES = 2 * 1024 * 1024;
/** How long one batch may take to be handled by the client. */
const BATCH_TIMEOUT_MS = 60_000;

/** One frame to send and what the client must do with it. */
interface Frame {
  data: string | Uint8Array;
  /** A good frame carries `id` and must be delivered; a bad one must be reported. */
  id: string | undefined;
}

/** A seeded source of numbers in [0, 1). */
export type Rand = () => number;

/** mulberry32: small, fast, good enough to pick frames. Same seed, same sequence. */
export function prng(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Ctx {
  /** The frame's position (0-based); ids derive from it, so they are unique. */
  n: number;
  rand: Rand;
  int(max: number): number;
  pick<T>(items: readonly T[]): T;
}

const good = (id: string, data: string): Frame => ({ id, data });
const bad = (data: string | Uint8Array): Frame => ({ id: undefined, data });
const json = (value: unknown): string => JSON.stringify(value);

function base(
  kind: string,
  id: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { kind, id, timestamp: TS, source: "agent", ...extra };
}

/** `JSON.stringify(value)` with raw JSON members appended (for keys such as `__proto__` that an
 * object literal cannot hold as own data, and for hand-built deep values). */
function withRaw(value: Record<string, unknown>, raw: string): string {
  const text = JSON.stringify(value);
  return text === "{}" ? `{${raw}}` : `${text.slice(0, -1)},${raw}}`;
}

function deepObject(depth: number, leaf = "1"): string {
  return '{"a":'.repeat(depth) + leaf + "}".repeat(depth);
}

function deepArray(depth: number, leaf = ""): string {
  return "[".repeat(depth) + leaf + "]".repeat(depth);
}

function randomText(ctx: Ctx, length: number): string {
  const alphabet = 'abcXYZ019 _-:/{}[]",\\\n\t\u00e9\u4e2d\u{1f600}';
  const chars = [...alphabet];
  let out = "";
  for (let i = 0; i < length; i++) out += ctx.pick(chars);
  return out;
}

function randomBytes(ctx: Ctx, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = ctx.int(256);
  return bytes;
}

const KNOWN_PLAIN = [
  "SystemPromptEvent",
  "PauseEvent",
  "InterruptEvent",
  "Condensation",
  "CondensationRequest",
  "CondensationSummaryEvent",
  "HookExecutionEvent",
  "LLMCompletionLogEvent",
  "TokenEvent",
  "SecurityAnalysisEvent",
] as const;

/** Kinds this client does not know: they are good and must be delivered as sent. */
const UNKNOWN_KINDS = [
  "FutureEvent",
  "messageevent",
  " MessageEvent",
  "MessageEvent2",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "",
  "\u0000",
  "\u{1f600}Event",
] as const;

const POLLUTERS = [
  '"__proto__":{"polluted":true}',
  '"constructor":{"prototype":{"polluted":true}}',
  '"prototype":{"polluted":true}',
  '"data":{"__proto__":{"polluted":true},"list":[{"__proto__":{"polluted":true}}]}',
  '"x":{"constructor":{"prototype":{"polluted":true}},"__proto__":{"__proto__":{"polluted":true}}}',
] as const;

/** Generators of good frames (valid events). */
const GOOD: readonly ((ctx: Ctx, id: string) => Frame)[] = [
  (ctx, id) =>
    good(
      id,
      json(base("MessageEvent", id, {
        source: ctx.pick(["user", "agent"]),
        llm_message: {
          role: ctx.pick(["user", "assistant", "system", "tool"]),
          content: [{ type: "text", text: randomText(ctx, ctx.int(64)) }],
        },
        activated_skills: [],
      })),
    ),
  (ctx, id) =>
    good(
      id,
      json(base("ActionEvent", id, {
        tool_name: "terminal",
        tool_call_id: `call-${ctx.n}`,
        ...(ctx.rand() < 0.8 ? { action: { kind: "TerminalAction", command: "ls -la" } } : {}),
        thought: [{ type: "text", text: "thinking" }],
      })),
    ),
  (ctx, id) =>
    good(
      id,
      json(base("ObservationEvent", id, {
        source: "environment",
        tool_name: "terminal",
        tool_call_id: `call-${ctx.n}`,
        action_id: `action-${ctx.n}`,
        observation: { kind: "TerminalObservation", content: [], exit_code: 0 },
      })),
    ),
  (ctx, id) =>
    good(
      id,
      json(base("UserRejectObservation", id, {
        source: "user",
        tool_name: "terminal",
        tool_call_id: `call-${ctx.n}`,
        action_id: `action-${ctx.n}`,
        rejection_reason: "too risky",
      })),
    ),
  (ctx, id) =>
    good(
      id,
      json(base("AgentErrorEvent", id, {
        tool_name: "file_editor",
        tool_call_id: `call-${ctx.n}`,
        error: "no such file",
      })),
    ),
  (ctx, id) =>
    good(
      id,
      json(base("ConversationStateUpdateEvent", id, {
        source: "environment",
        ...ctx.pick([
          { key: "execution_status", value: ctx.pick(["running", "idle", "finished", "paused"]) },
          { key: "full_state", value: { execution_status: "running", stats: {} } },
          { key: "confirmation_policy", value: null },
        ]),
      })),
    ),
  (_ctx, id) =>
    good(
      id,
      json(base("ConversationErrorEvent", id, {
        source: "environment",
        code: "APIError",
        detail: "boom",
      })),
    ),
  (ctx, id) =>
    good(
      id,
      json(base("StreamingDeltaEvent", id, {
        content: ctx.pick([null, "tok", ""]),
        reasoning_content: ctx.pick([null, "why"]),
      })),
    ),
  (ctx, id) =>
    good(
      id,
      json(base("ServerErrorEvent", id, {
        source: "environment",
        code: "ValueError",
        detail: ctx.pick([null, "bad", { nested: [1, 2] }]),
      })),
    ),
  (_ctx, id) => good(id, json(base("ACPToolCallEvent", id, { tool_call_id: "acp-1" }))),
  (ctx, id) => good(id, json(base(ctx.pick(KNOWN_PLAIN), id, { extra: ctx.int(1000) }))),
  // Unknown kinds with extra fields of every JSON type: kept, delivered.
  (ctx, id) =>
    good(
      id,
      json(base(ctx.pick(UNKNOWN_KINDS), id, {
        source: ctx.pick(["agent", "hook", "", "\u{1f916}"]),
        extra: {
          n: ctx.pick([0, -0, 1e308, -1.5, Number.MAX_SAFE_INTEGER]),
          s: randomText(ctx, ctx.int(32)),
          b: ctx.rand() < 0.5,
          z: null,
          list: [1, "two", { three: [3] }],
        },
        "": "empty key",
        "0": "numeric key",
        toString: "not a function",
        hasOwnProperty: 1,
        valueOf: { x: 1 },
      })),
    ),
  // Escapes and surrounding whitespace JSON allows.
  (_ctx, id) =>
    good(
      id,
      ` \n\t${
        withRaw(base("FutureEvent", id), '"text":"\\ud800 \\u0000 \\u2028 \\"quoted\\" \\/"')
      }\r\n `,
    ),
  // A duplicate key: the last one wins, and here it is a valid id.
  (_ctx, id) => good(id, withRaw(base("FutureEvent", 42 as unknown as string), `"id":"${id}"`)),
  // Prototype keys at the top and nested: kept as data, never on a prototype.
  (ctx, id) =>
    good(
      id,
      withRaw(
        base(ctx.pick(["FutureEvent", "PauseEvent", "__proto__"]), id),
        ctx.pick(POLLUTERS),
      ),
    ),
  (ctx, id) =>
    good(
      id,
      withRaw(
        base("ActionEvent", id, { tool_name: "t", tool_call_id: "c" }),
        `"action":{"kind":"TerminalAction",${ctx.pick(POLLUTERS)}}`,
      ),
    ),
  (ctx, id) =>
    good(
      id,
      withRaw(
        base("MessageEvent", id),
        `"llm_message":{"role":"user","content":[{"type":"text","text":"hi"}],${
          ctx.pick(POLLUTERS)
        }}`,
      ),
    ),
];

/** Good frames nested `DEPTH` levels deep in a field. */
const GOOD_DEEP: readonly ((ctx: Ctx, id: string) => Frame)[] = [
  (_ctx, id) => good(id, withRaw(base("FutureEvent", id), `"deep":${deepObject(DEPTH)}`)),
  (_ctx, id) =>
    good(
      id,
      withRaw(
        base("MessageEvent", id),
        `"llm_message":{"role":"user","content":[${deepArray(DEPTH, '"x"')}]}`,
      ),
    ),
  (_ctx, id) =>
    good(
      id,
      withRaw(
        base("ObservationEvent", id, { tool_name: "t", tool_call_id: "c", action_id: "a" }),
        `"observation":{"kind":"X","deep":${deepObject(DEPTH, '{"__proto__":{"polluted":true}}')}}`,
      ),
    ),
];

/** Generators of bad frames (not valid events). */
const BAD: readonly ((ctx: Ctx) => Frame)[] = [
  // Not JSON.
  (ctx) =>
    bad(
      ctx.pick([
        "",
        " ",
        "{",
        "}{",
        '{"kind":',
        "undefined",
        "NaN",
        "{'kind':'MessageEvent'}",
        '{"kind":"FutureEvent","id":"x",}',
        "\uFEFF{}",
        "\u2028{}",
        '{"a":1}x',
        `${json(base("FutureEvent", "b"))}${json(base("FutureEvent", "c"))}`,
        "<html>502 Bad Gateway</html>",
      ]),
    ),
  (ctx) => bad(randomText(ctx, 1 + ctx.int(200))),
  // Binary frames, even when they hold a valid event.
  (ctx) => bad(randomBytes(ctx, ctx.int(256))),
  (ctx) => bad(new TextEncoder().encode(json(base("FutureEvent", `bin-${ctx.n}`)))),
  // JSON, but not an object.
  (ctx) =>
    bad(
      ctx.pick([
        "[]",
        "[{}]",
        `[${json(base("FutureEvent", "arr"))}]`,
        '"MessageEvent"',
        "42",
        "-0",
        "1e999",
        "null",
        "true",
        "false",
      ]),
    ),
  // Base fields missing or of the wrong type.
  (ctx) => {
    const event = base(ctx.pick(["FutureEvent", "PauseEvent", "MessageEvent"]), `b-${ctx.n}`, {
      llm_message: { role: "user" },
    });
    const field = ctx.pick(["id", "timestamp", "source", "kind"]);
    if (ctx.rand() < 0.5) delete event[field];
    else {
      event[field] = ctx.pick<unknown>(
        field === "id" || field === "timestamp"
          ? ["", 1_700_000_000, null, ["x"], { $date: TS }, true]
          : [1, null, ["x"], { a: 1 }, false],
      );
    }
    return bad(json(event));
  },
  // Known kinds without their key fields.
  (ctx) => {
    const id = `b-${ctx.n}`;
    return bad(json(ctx.pick([
      base("MessageEvent", id),
      base("MessageEvent", id, { llm_message: { content: [] } }),
      base("MessageEvent", id, { llm_message: { role: "user", content: "not an array" } }),
      base("ActionEvent", id, { tool_name: 1, tool_call_id: "c" }),
      base("ActionEvent", id, { tool_name: "t", tool_call_id: "c", action: { command: "ls" } }),
      base("ObservationEvent", id, { tool_name: "t", tool_call_id: "c", action_id: "a" }),
      base("UserRejectObservation", id, { tool_name: "t", tool_call_id: "c", action_id: "a" }),
      base("AgentErrorEvent", id, { tool_name: "t", tool_call_id: "c", error: { msg: "x" } }),
      base("ConversationStateUpdateEvent", id, { value: 1 }),
      base("ConversationStateUpdateEvent", id, { key: "k" }),
      base("ConversationErrorEvent", id, { code: "E" }),
      base("StreamingDeltaEvent", id, { content: 5 }),
      base("ServerErrorEvent", id, { detail: "x" }),
      base("ACPToolCallEvent", id),
    ])));
  },
  // The base fields only under a prototype key: not the event's own fields.
  (ctx) =>
    bad(
      withRaw(
        { kind: "FutureEvent", source: "agent" },
        ctx.pick([
          `"__proto__":{"id":"b-${ctx.n}","timestamp":"${TS}"}`,
          `"constructor":{"prototype":{"id":"b-${ctx.n}","timestamp":"${TS}"}},"timestamp":"${TS}"`,
          `"timestamp":"${TS}","__proto__":{"id":"b-${ctx.n}"},"prototype":{"id":"b-${ctx.n}"}`,
        ]),
      ),
    ),
  // A duplicate key whose last value is invalid.
  (ctx) => bad(withRaw(base("FutureEvent", `b-${ctx.n}`), '"id":7')),
];

/** Bad frames nested `DEPTH` levels deep. */
const BAD_DEEP: readonly ((ctx: Ctx) => Frame)[] = [
  () => bad(deepArray(DEPTH)),
  () => bad(deepObject(DEPTH)),
  (ctx) =>
    bad(
      withRaw({ kind: "FutureEvent", timestamp: TS, source: "a" }, `"deep":${deepObject(DEPTH)}`)
        .replace('"kind"', ctx.rand() < 0.5 ? '"kind"' : '"kinds"'),
    ),
  () => bad(deepObject(DEPTH, "").slice(0, -1)),
];

/** `JSON.stringify(value)` left open for more members: `{"a":1,`. */
function open(value: Record<string, unknown>): string {
  return `${JSON.stringify(value).slice(0, -1)},`;
}

/** The big frames, in turn: good, bad, good, bad; each exactly `BIG` bytes. */
function bigFrame(k: number, id: string): Frame {
  const pad = (head: string, tail: string): string =>
    head + "x".repeat(BIG - head.length - tail.length) + tail;
  switch (k % 4) {
    case 0: // a message with an 8 MB text
      return good(
        id,
        pad(
          `${
            open(base("MessageEvent", id))
          }"llm_message":{"role":"user","content":[{"type":"text","text":"`,
          '"}]}}',
        ),
      );
    case 1: // valid JSON with an 8 MB field, but no id
      return bad(pad(`${open({ kind: "FutureEvent", timestamp: TS, source: "a" })}"blob":"`, '"}'));
    case 2: // an unknown kind with an 8 MB field
      return good(id, pad(`${open(base("FutureEvent", id))}"blob":"`, '"}'));
    default: // not JSON: the string never ends
      return bad(pad(`${open(base("FutureEvent", id))}"blob":"`, ""));
  }
}

/** The first frame: a state event, so the client becomes ready. */
function firstFrame(): Frame {
  const id = "g-0";
  return good(
    id,
    json(base("ConversationStateUpdateEvent", id, {
      source: "environment",
      key: "full_state",
      value: { execution_status: "idle" },
    })),
  );
}

/** Positions of the big frames: up to `MAX_BIG`, spread evenly, never the first frame. */
function bigPositions(frames: number): Set<number> {
  const count = Math.min(MAX_BIG, Math.floor(frames / 50));
  const out = new Set<number>();
  for (let k = 1; k <= count; k++) out.add(Math.floor((frames * k) / (count + 1)));
  return out;
}

/** The frame at position `n` (after the first). */
function frameAt(ctx: Ctx, big: number | undefined): Frame {
  const id = `g-${ctx.n}`;
  if (big !== undefined) return bigFrame(big, id);
  const r = ctx.rand();
  if (r < 0.01) return ctx.pick(GOOD_DEEP)(ctx, id);
  if (r < 0.02) return ctx.pick(BAD_DEEP)(ctx);
  if (r < 0.58) return ctx.pick(GOOD)(ctx, id);
  return ctx.pick(BAD)(ctx);
}

/** The own properties of the built-in prototypes, to tell whether a run changed one. */
export type Snapshot = [object, string | symbol, unknown][];

const PROTOTYPES: readonly object[] = [
  Object.prototype,
  Array.prototype,
  Function.prototype,
  String.prototype,
];

/** Takes a {@linkcode Snapshot} of the built-in prototypes. */
export function prototypeSnapshot(): Snapshot {
  const out: Snapshot = [];
  for (const proto of PROTOTYPES) {
    for (const key of Reflect.ownKeys(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, key);
      out.push([proto, key, d && ("value" in d ? d.value : [d.get, d.set])]);
    }
  }
  return out;
}

/** Whether the built-in prototypes are as in `before`. */
export function samePrototypes(before: Snapshot): boolean {
  const after = prototypeSnapshot();
  if (after.length !== before.length) return false;
  for (let i = 0; i < after.length; i++) {
    const [p1, k1, v1] = before[i]!;
    const [p2, k2, v2] = after[i]!;
    if (p1 !== p2 || k1 !== k2) return false;
    if (Array.isArray(v1) && Array.isArray(v2)) {
      if (v1[0] !== v2[0] || v1[1] !== v2[1]) return false;
    } else if (!Object.is(v1, v2)) return false;
  }
  return Object.getPrototypeOf(Object.prototype) === null;
}

/** Collects unhandled errors while the run is on; each distinct error counts once. */
export function watchUnhandled(): { seen: Set<unknown>; dispose: () => void } {
  const seen = new Set<unknown>();
  const onError = (ev: ErrorEvent): void => {
    ev.preventDefault();
    seen.add(ev.error ?? ev);
  };
  const onRejection = (ev: PromiseRejectionEvent): void => {
    ev.preventDefault();
    seen.add(ev.reason ?? ev);
  };
  const onProcessError = (err: unknown): void => void seen.add(err);
  const canListen = typeof globalThis.addEventListener === "function";
  if (canListen) {
    globalThis.addEventListener("error", onError);
    globalThis.addEventListener("unhandledrejection", onRejection);
  }
  // Bun reports uncaught errors through `process` (Deno through the global events above).
  const viaProcess = "Bun" in globalThis;
  if (viaProcess) {
    process.on("uncaughtException", onProcessError);
    process.on("unhandledRejection", onProcessError);
  }
  return {
    seen,
    dispose: () => {
      if (canListen) {
        globalThis.removeEventListener("error", onError);
        globalThis.removeEventListener("unhandledrejection", onRejection);
      }
      if (viaProcess) {
        process.off("uncaughtException", onProcessError);
        process.off("unhandledRejection", onProcessError);
      }
    },
  };
}

/**
 * Sends `frames` fuzzed frames to a real client over a loopback socket and returns what it saw.
 * Deterministic for a given `seed`: frames go in batches, and each batch waits until the client
 * has delivered or reported every frame sent so far.
 *
 * @example
 * ```ts ignore
 * const r = await fuzzFrames({ frames: 5000 });
 * assert.equal(r.delivered, r.good);
 * ```
 */
export async function fuzzFrames(options: FuzzFramesOptions): Promise<FuzzFramesResult> {
  const total = options.frames;
  if (!Number.isInteger(total) || total < 1) {
    throw new RangeError(
      `Cannot fuzz as 'frames' must be a whole number >= 1: current value is ${total}`,
    );
  }
  const rand = prng(options.seed ?? DEFAULT_SEED);
  const ctx: Ctx = {
    n: 0,
    rand,
    int: (max) => Math.floor(rand() * max),
    pick: <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!,
  };
  const bigAt = bigPositions(total);

  const before = prototypeSnapshot();
  const unhandled = watchUnhandled();
  let crashes = 0;
  let pollutedEvent = false;

  // What the client must do, frame by frame: the good frame's id, or null for a bad frame.
  const expected: (string | null)[] = [];
  let cursor = 0;
  let good = 0;
  let bad = 0;
  let delivered = 0;
  let reported = 0;
  let handled = 0;
  let target = Infinity;
  let wake: (() => void) | undefined;
  const progress = (): void => {
    handled++;
    if (wake && handled >= target) {
      const w = wake;
      wake = undefined;
      w();
    }
  };

  const callback = (event: Event): void => {
    const want = expected[cursor++];
    if (Object.getPrototypeOf(event) !== Object.prototype) pollutedEvent = true;
    if ((event as { polluted?: unknown }).polluted !== undefined) pollutedEvent = true;
    if (typeof want === "string" && event.id === want) delivered++;
    progress();
  };
  const onError = (error: RemoteHandsError): void => {
    if (!(error instanceof EventValidationError)) {
      crashes++;
      return;
    }
    cursor++;
    reported++;
    progress();
  };

  let server: FakeWsServer | undefined;
  let client: WebSocketCallbackClient | undefined;
  try {
    server = await startFakeWsServer();
    client = new WebSocketCallbackClient({
      host: server.url,
      conversationId: CONVERSATION_ID,
      apiKey: KEY,
      protocol: "events",
      callback,
      onError,
      // A reconnect would be a failure here: make it slow enough to be seen as one.
      reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000, jitter: 0 },
    });
    client.start();
    const conn: FakeWsConnection = await server.nextConnection(10_000);
    if (!(await authenticate(conn, KEY))) throw new Error("fuzz: the client did not authenticate");
    let closedEarly: unknown;
    void conn.closed.then((close) => {
      closedEarly = new Error(`fuzz: the socket closed early (${close.code} ${close.reason})`);
      wake?.();
    });

    let sent = 0;
    const send = (frame: Frame): void => {
      expected.push(frame.id ?? null);
      if (frame.id === undefined) bad++;
      else good++;
      if (typeof frame.data === "string") conn.send(frame.data);
      else conn.sendBinary(frame.data);
      sent++;
    };
    const catchUp = async (): Promise<void> => {
      if (handled >= sent) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await new Promise<void>((resolve) => {
          target = sent;
          wake = resolve;
          timer = setTimeout(resolve, BATCH_TIMEOUT_MS);
        });
      } finally {
        clearTimeout(timer);
        wake = undefined;
        target = Infinity;
      }
      if (closedEarly) throw closedEarly;
      if (handled < sent) {
        throw new Error(
          `fuzz: the client handled ${handled} of ${sent} frames within ${BATCH_TIMEOUT_MS} ms`,
        );
      }
    };

    send(firstFrame());
    await catchUp();
    await client.waitUntilReady({ timeoutMs: 10_000 });

    let batchFrames = 0;
    let batchBytes = 0;
    let bigCount = 0;
    for (let n = 1; n < total; n++) {
      ctx.n = n;
      const isBig = bigAt.has(n);
      if (isBig && batchFrames > 0) {
        await catchUp();
        batchFrames = batchBytes = 0;
      }
      const frame = frameAt(ctx, isBig ? bigCount++ : undefined);
      send(frame);
      batchFrames++;
      batchBytes += typeof frame.data === "string" ? frame.data.length : frame.data.byteLength;
      if (isBig || batchFrames >= BATCH_FRAMES || batchBytes >= BATCH_BYTES) {
        await catchUp();
        batchFrames = batchBytes = 0;
      }
    }
    await catchUp();
    if (closedEarly) throw closedEarly;
  } catch (err) {
    unhandled.seen.add(err);
  } finally {
    try {
      await client?.stop();
      await server?.shutdown();
    } catch (err) {
      unhandled.seen.add(err);
    }
    // Let late rejections surface before the listeners go.
    await new Promise((resolve) => setTimeout(resolve, 10));
    unhandled.dispose();
  }
  crashes += unhandled.seen.size + (server?.errors.length ?? 0);
  const polluted = pollutedEvent ||
    (({}) as { polluted?: unknown }).polluted !== undefined ||
    !samePrototypes(before);
  return { fuzz_frames: good + bad, good, bad, reported, delivered, crashes, polluted };
}

if (import.meta.main) {
  const frames = Number(process.argv[2] ?? 100_000);
  const seed = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  const start = performance.now();
  const result = await fuzzFrames(seed === undefined ? { frames } : { frames, seed });
  const ms = Math.round(performance.now() - start);
  process.stdout.write(`${JSON.stringify({ ...result, seed: seed ?? DEFAULT_SEED, ms })}\n`);
}
