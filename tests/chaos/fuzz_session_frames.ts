/**
 * Frame fuzzer for the session socket (`/sockets/session/{id}`): a loopback fake server sends a
 * seeded mix of envelopes to a real {@linkcode WebSocketCallbackClient}, with every field of every
 * frame type (`sync`, `durable`, `transient`, `delta`, `error`, `item_started`, `item_aborted`,
 * unknown types) set to every JSON type: null, booleans, numbers (`-1`, `-0`, `1.5`, `1e308`,
 * 2^53), strings, arrays, objects, objects whose `toString`/`valueOf` are not functions, and
 * `__proto__` keys, plus frames that are not JSON objects at all.
 *
 * The rules it checks, from the 1.58.2 server's `session_protocol.py`:
 * - `sync`: `through_seq` absent, null or a whole number >= 0 (`from_seq` is not read). Mid-stream
 *   it delivers nothing.
 * - `durable`: `seq` a whole number >= 0 and `event` a valid event: delivered with its seq.
 * - `transient`: `event` a valid event: delivered with `transient === true`.
 * - `delta`: `item_id` a string, `attempt` absent or a whole number, `order` a whole number,
 *   `kind` absent, `"text"` or `"reasoning"`, `content` a string: delivered as a
 *   `StreamingDeltaEvent` with id `item_id:attempt:order`, unless its attempt is lower than one
 *   seen for its item (stale: nothing delivered).
 * - `item_started`: `item_id` a string, `attempt` absent or a whole number; `item_aborted`: the
 *   same and `reason` a string. They deliver nothing, or one discard (a `StreamingDeltaEvent`
 *   with `discard: true`, id `item_id:attempt:restart` or `:abort`, the abort's `reason`) when
 *   they void text delivered for the item; a delta of a higher attempt may bring a discard
 *   before it too. Which: the reference model {@linkcode StreamModel}, written from
 *   `session_protocol.py`'s rules apart from the client's code (same cap of remembered items).
 *   Item ids come from a small pool (streams meet), a pool larger than that cap, or are new.
 * - `error`: `code` a string and `detail` present (any JSON): delivered as a `ServerErrorEvent`.
 * - unknown type strings: nothing delivered, nothing reported.
 * - anything else (a field of the wrong type, a `type` that is not a string, not a JSON object,
 *   binary): exactly one `EventValidationError` to `onError`, and the stream goes on.
 * Fields of a frame the client does not read (and fields hidden under `__proto__`) change nothing.
 *
 * Runs under Deno and Bun. As a script it prints the figures as JSON:
 *
 * ```sh
 * deno run -A tests/chaos/fuzz_session_frames.ts 100000 [seed]
 * bun tests/chaos/fuzz_session_frames.ts 100000 [seed]
 * ```
 *
 * @module
 */

import process from "node:process";
import { EventValidationError, type RemoteHandsError } from "../../src/errors.ts";
import type { Event } from "../../src/events/kinds.ts";
import { MAX_STREAM_ITEMS } from "../../src/socket/_stream_items.ts";
import { WebSocketCallbackClient } from "../../src/socket/websocket_client.ts";
import {
  authenticate,
  type FakeWsConnection,
  type FakeWsServer,
  startFakeWsServer,
} from "../support/fake_ws_server.ts";
import {
  prng,
  prototypeSnapshot,
  type Rand,
  samePrototypes,
  watchUnhandled,
} from "./fuzz_frames.ts";

/** Options of {@linkcode fuzzSessionFrames}. */
export interface FuzzSessionFramesOptions {
  /** How many frames to send after the connection is ready. At least 1. */
  frames: number;
  /** Seed of the frame mix; the same seed sends the same frames. @default {0x5e55} */
  seed?: number;
}

/** What {@linkcode fuzzSessionFrames} saw. The invariants: `reported === bad`,
 * `delivered === good`, `good + bad + silent === session_frames`, `crashes === 0`,
 * `uncaught === 0`, `polluted === false`. A good frame may deliver two events (a discard, then a
 * delta): it counts once. */
export interface FuzzSessionFramesResult {
  /** Frames sent after the connection became ready. */
  session_frames: number;
  /** Frames that must reach `callback` (valid durable, transient and error frames, deltas that
   * are not stale, stream frames that void delivered text). */
  good: number;
  /** Frames that must be reported once to `onError` as an `EventValidationError`. */
  bad: number;
  /** Frames that must do neither (a valid mid-stream `sync`, a stale delta, an `item_started` or
   * `item_aborted` that voids nothing, unknown types). */
  silent: number;
  /** `EventValidationError`s reported. */
  reported: number;
  /** Good frames whose callback calls got exactly what was expected at that point of the
   * stream: the event id, the seq of a durable frame, `transient === true` for a transient one,
   * and `discard`/`reason` for a discard. */
  delivered: number;
  /** Errors thrown out of a listener or unhandled rejections while the run was on. */
  uncaught: number;
  /** `uncaught`, plus a run that failed (a socket closed early, a batch not handled in time),
   * errors of the fake server's handler and `onError` reports that are not
   * `EventValidationError`s. */
  crashes: number;
  /** Whether a built-in prototype changed, `({}).polluted` is set, or a delivered event does
   * not have `Object.prototype` as its prototype. */
  polluted: boolean;
}

const DEFAULT_SEED = 0x5e55;
const KEY = "sk-fuzz-session-0123456789abcdef";
const CONVERSATION_ID = "f0220000-0000-4000-8000-000000000001";
const TS = "2026-01-01T00:00:00.000000";
const BATCH_FRAMES = 200;
const BATCH_TIMEOUT_MS = 60_000;

/** JSON values of every type, as JSON text (so that `__proto__` keys survive). */
const VALUES: readonly string[] = [
  "null",
  "true",
  "false",
  "0",
  "-0",
  "-1",
  "1",
  "7",
  "1.5",
  "1e308",
  "-1e308",
  "9007199254740991",
  "9007199254740992",
  '""',
  '"abc"',
  '"5"',
  '"text"',
  '"reasoning"',
  '"\\u0000\\ud800"',
  "[]",
  "[1]",
  '["a"]',
  "{}",
  '{"toString":1}',
  '{"valueOf":{}}',
  '{"toString":null,"valueOf":null}',
  '{"toString":"x","valueOf":"y","toJSON":1}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
];

/** One event the callback must get. */
interface Want {
  readonly id: string;
  readonly seq?: number;
  readonly transient?: true;
  /** A discard (`discard: true`), with this `reason` when it is a string. */
  readonly discard?: { readonly reason: string | undefined };
}

/** What the client must do with a frame. */
type Expect =
  | { readonly outcome: "good"; readonly wants: readonly Want[] }
  | { readonly outcome: "bad" }
  | { readonly outcome: "silent" };

/** Deliveries of `wants`, or none (silent). */
function deliveries(wants: readonly Want[]): Expect {
  return wants.length === 0 ? { outcome: "silent" } : { outcome: "good", wants };
}

/**
 * The reference model of the client's stream bookkeeping, from `session_protocol.py`: a higher
 * attempt supersedes a lower one; text delivered for an item is voided (one discard) by a
 * higher attempt or an abort; an item first seen at attempt > 1, or after an abort, may have
 * delivered text on this client before (the discard is sent). At most `MAX_STREAM_ITEMS` items
 * are remembered, the least recently touched forgotten first.
 */
class StreamModel {
  readonly #items = new Map<string, { attempt: number; delivered: boolean }>();

  #set(item: string, attempt: number, delivered: boolean): void {
    this.#items.delete(item);
    if (this.#items.size === MAX_STREAM_ITEMS) this.#items.delete(this.#items.keys().next().value!);
    this.#items.set(item, { attempt, delivered });
  }

  started(item: string, attempt: number): Want[] {
    const known = this.#items.get(item);
    if (known && known.attempt >= attempt) {
      this.#set(item, known.attempt, known.delivered);
      return [];
    }
    this.#set(item, attempt, false);
    const voids = known === undefined ? attempt > 1 : known.delivered;
    return voids ? [{ id: `${item}:${attempt}:restart`, discard: { reason: undefined } }] : [];
  }

  delta(item: string, attempt: number, order: number): Want[] {
    const known = this.#items.get(item);
    if (known && known.attempt > attempt) return [];
    this.#set(item, attempt, true);
    const voids = known === undefined ? attempt > 1 : known.delivered && attempt > known.attempt;
    const own: Want = { id: `${item}:${attempt}:${order}` };
    return voids
      ? [{ id: `${item}:${attempt}:restart`, discard: { reason: undefined } }, own]
      : [own];
  }

  aborted(item: string, attempt: number, reason: string): Want[] {
    const known = this.#items.get(item);
    if (known && known.attempt > attempt) return [];
    this.#items.delete(item);
    return known && !known.delivered
      ? []
      : [{ id: `${item}:${attempt}:abort`, discard: { reason } }];
  }
}

interface Frame {
  data: string | Uint8Array;
  expect: Expect;
}

interface Ctx {
  n: number;
  rand: Rand;
  int(max: number): number;
  pick<T>(items: readonly T[]): T;
  /** Valid error frames so far (the client numbers its ServerErrorEvents). */
  errors: number;
  /** What the client knows of the streams so far. */
  streams: StreamModel;
}

const isSeq = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const isInt = (v: unknown): boolean => Number.isSafeInteger(v);
const isString = (v: unknown): boolean => typeof v === "string";
const any = (): boolean => true;

/** A valid event with id `id`, as JSON text; sometimes with prototype keys inside. */
function goodEvent(ctx: Ctx, id: string): string {
  const base = `"id":${JSON.stringify(id)},"timestamp":"${TS}"`;
  return ctx.pick([
    `{"kind":"MessageEvent",${base},"source":"agent","llm_message":{"role":"assistant","content":[{"type":"text","text":"hi"}]}}`,
    `{"kind":"ConversationStateUpdateEvent",${base},"source":"environment","key":"execution_status","value":"running"}`,
    `{"kind":"FutureEvent",${base},"source":"agent","extra":{"toString":1,"valueOf":{}}}`,
    `{"kind":"PauseEvent",${base},"source":"user","__proto__":{"polluted":true}}`,
    `{"kind":"__proto__",${base},"source":"agent","constructor":{"prototype":{"polluted":true}}}`,
  ]);
}

/** An event that is not valid, as JSON text. */
function badEvent(ctx: Ctx): string {
  return ctx.pick([
    `{"kind":"MessageEvent","id":"x-${ctx.n}","timestamp":"${TS}","source":"agent"}`,
    `{"kind":"FutureEvent","timestamp":"${TS}","source":"agent","__proto__":{"id":"x-${ctx.n}"}}`,
    `{"kind":"FutureEvent","id":{"toString":1},"timestamp":"${TS}","source":"agent"}`,
    `{"kind":{"toString":1},"id":"x-${ctx.n}","timestamp":"${TS}","source":"agent"}`,
    ...VALUES,
  ]);
}

/** One field of a frame type: how to make a valid value, and which values are valid. */
interface FieldSpec {
  readonly name: string;
  /** Whether leaving it out is valid. */
  readonly optional: boolean;
  /** Whether a (parsed) value is valid; `any` for fields the client does not read. */
  readonly valid: (value: unknown) => boolean;
  /** A valid value as JSON text. */
  readonly make: (ctx: Ctx) => string;
}

const field = (
  name: string,
  optional: boolean,
  valid: (value: unknown) => boolean,
  make: (ctx: Ctx) => string,
): FieldSpec => ({ name, optional, valid, make });

const TYPES: Readonly<Record<string, readonly FieldSpec[]>> = {
  sync: [
    field("from_seq", true, any, (ctx) => String(ctx.int(100) - 1)),
    field("through_seq", true, (v) => v === null || isSeq(v), (ctx) => String(ctx.int(1000))),
  ],
  durable: [
    field("seq", false, isSeq, (ctx) => String(ctx.n)),
    // The event's validity is decided when it is made (see `eventValid`).
    field("event", false, any, (ctx) => goodEvent(ctx, `d-${ctx.n}`)),
  ],
  transient: [
    field("event", false, any, (ctx) => goodEvent(ctx, `t-${ctx.n}`)),
    field("seq", true, any, (ctx) => String(ctx.n)),
  ],
  delta: [
    field("item_id", false, isString, itemId),
    field("attempt", true, isInt, (ctx) => String(1 + ctx.int(3))),
    field("order", false, isInt, (ctx) => String(ctx.int(50))),
    field(
      "kind",
      true,
      (v) => v === "text" || v === "reasoning",
      (ctx) => ctx.pick(['"text"', '"reasoning"']),
    ),
    field("content", false, isString, (ctx) => ctx.pick(['"tok"', '""', '"\\u2028"'])),
    field("chunk_id", true, any, () => '"chatcmpl-1"'),
    field("choice_index", true, any, () => "0"),
  ],
  error: [
    field("code", false, isString, (ctx) => ctx.pick(['"ValueError"', '"JSONDecodeError"'])),
    // `detail` is carried as sent (the event's `detail` is `unknown`); it must be present.
    field("detail", false, any, () => '"bad inbound frame"'),
  ],
  item_started: [
    field("item_id", false, isString, itemId),
    field("attempt", true, isInt, (ctx) => String(1 + ctx.int(3))),
    field("anchor_seq", true, any, () => "3"),
  ],
  item_aborted: [
    field("item_id", false, isString, itemId),
    field("attempt", true, isInt, (ctx) => String(1 + ctx.int(3))),
    field("reason", false, isString, (ctx) => ctx.pick(['"cancelled"', '"APIConnectionError"'])),
  ],
};

/** Type names the client does not know: nothing is delivered for them. */
const UNKNOWN_TYPES: readonly string[] = [
  "future_frame",
  "DURABLE",
  " durable",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "",
  "auth",
];

function envelope(type: string, members: readonly [string, string][]): string {
  const parts = [`"type":${JSON.stringify(type)}`, ...members.map(([k, v]) => `"${k}":${v}`)];
  return `{${parts.join(",")}}`;
}

/** A frame of a known type with some fields missing or of another JSON type. */
function typedFrame(ctx: Ctx, type: string): Frame {
  const specs = TYPES[type]!;
  const members: [string, string][] = [];
  let eventValid = true;
  let eventId: string | undefined;
  const mutate = new Set<string>();
  const mutations = ctx.rand() < 0.35 ? 0 : 1 + ctx.int(2);
  for (let i = 0; i < mutations; i++) mutate.add(ctx.pick(specs).name);
  let valid = true;
  for (const spec of specs) {
    let text: string | undefined;
    if (mutate.has(spec.name)) {
      const r = ctx.rand();
      if (r < 0.15) text = undefined;
      else if (spec.name === "event" && r < 0.35) text = badEvent(ctx);
      else text = ctx.pick(VALUES);
    } else if (!spec.optional || ctx.rand() < 0.7) {
      text = spec.make(ctx);
    }
    if (text === undefined) {
      if (!spec.optional) valid = false;
      continue;
    }
    members.push([spec.name, text]);
    if (spec.name === "event") {
      // A made event is valid; a mutated one never is (no pool value is a valid event).
      eventValid = !mutate.has("event");
      if (eventValid) eventId = (JSON.parse(text) as { id: string }).id;
      if (!eventValid) valid = false;
    } else if (!spec.valid(JSON.parse(text))) {
      valid = false;
    }
  }
  // Members the client does not read, and fields hidden under `__proto__`: no effect.
  if (ctx.rand() < 0.2) members.push(["extra", ctx.pick(VALUES)]);
  if (ctx.rand() < 0.1) {
    const hidden = specs.map((s) => `"${s.name}":${s.make(ctx)}`).join(",");
    members.push(["__proto__", `{${hidden}}`]);
  }
  // Shuffle a little: field order must not matter.
  if (members.length > 1 && ctx.rand() < 0.3) members.push(members.shift()!);
  const data = envelope(type, members);
  if (!valid) return { data, expect: { outcome: "bad" } };
  const parsed = JSON.parse(data) as Record<string, unknown>;
  const own = (k: string): unknown => (Object.hasOwn(parsed, k) ? parsed[k] : undefined);
  const good = (want: Want): Frame => ({ data, expect: { outcome: "good", wants: [want] } });
  const item = own("item_id") as string;
  const attempt = (own("attempt") ?? 1) as number;
  switch (type) {
    case "sync":
      return { data, expect: { outcome: "silent" } };
    case "durable":
      return good({ id: eventId!, seq: own("seq") as number });
    case "transient":
      return good({ id: eventId!, transient: true });
    case "delta":
      return { data, expect: deliveries(ctx.streams.delta(item, attempt, own("order") as number)) };
    case "item_started":
      return { data, expect: deliveries(ctx.streams.started(item, attempt)) };
    case "item_aborted": {
      const wants = ctx.streams.aborted(item, attempt, own("reason") as string);
      return { data, expect: deliveries(wants) };
    }
    default:
      return good({ id: `server-error-${++ctx.errors}` });
  }
}

/** A stream's item id: from a small pool (streams meet), a pool larger than the client keeps
 * (items are forgotten and come back), or a new one. */
function itemId(ctx: Ctx): string {
  const r = ctx.rand();
  const pool = r < 0.4 ? 8 : r < 0.7 ? MAX_STREAM_ITEMS + 32 : 0;
  return JSON.stringify(pool > 0 ? `item-p${ctx.int(pool)}` : `item-${ctx.n}`);
}

/** Frames that are not envelopes at all, or whose `type` is not a string. */
function junkFrame(ctx: Ctx): Frame {
  const bad = (data: string | Uint8Array): Frame => ({ data, expect: { outcome: "bad" } });
  const r = ctx.int(5);
  if (r === 0) {
    return bad(ctx.pick(["", "{", "undefined", "NaN", "{'type':'sync'}", '{"type":"sync"}x']));
  }
  if (r === 1) return bad(ctx.pick(["[]", "null", "42", '"durable"', "true", '[{"type":"sync"}]']));
  if (r === 2) {
    return bad(new TextEncoder().encode(envelope("transient", [["event", goodEvent(ctx, "b")]])));
  }
  if (r === 3) {
    // `type` missing, or of another JSON type.
    const type = ctx.pick([...VALUES.filter((v) => !v.startsWith('"')), undefined]);
    const rest = `"seq":1,"event":${goodEvent(ctx, `j-${ctx.n}`)}`;
    return bad(type === undefined ? `{${rest}}` : `{"type":${type},${rest}}`);
  }
  // The type only under `__proto__`: not the frame's own.
  return bad(`{"__proto__":{"type":"transient"},"event":${goodEvent(ctx, `p-${ctx.n}`)}}`);
}

function frameAt(ctx: Ctx): Frame {
  const r = ctx.rand();
  if (r < 0.1) return junkFrame(ctx);
  if (r < 0.16) {
    const fields: [string, string][] = [["item_id", ctx.pick(VALUES)], ["x", ctx.pick(VALUES)]];
    return { data: envelope(ctx.pick(UNKNOWN_TYPES), fields), expect: { outcome: "silent" } };
  }
  return typedFrame(ctx, ctx.pick(Object.keys(TYPES)));
}

/**
 * Sends `frames` fuzzed session frames to a real client over a loopback socket and returns what
 * it saw. Deterministic for a given `seed`: frames go in batches, and each batch waits until the
 * client has delivered or reported every frame sent so far.
 *
 * @example
 * ```ts ignore
 * const r = await fuzzSessionFrames({ frames: 3000 });
 * assert.equal(r.delivered, r.good);
 * ```
 */
export async function fuzzSessionFrames(
  options: FuzzSessionFramesOptions,
): Promise<FuzzSessionFramesResult> {
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
    errors: 0,
    streams: new StreamModel(),
  };

  const before = prototypeSnapshot();
  const unhandled = watchUnhandled();
  let failures = 0;
  let pollutedEvent = false;

  /** Per good frame: whether every event so far was as wanted, and how many are still due. */
  interface Tally {
    ok: boolean;
    due: number;
  }
  /** What each callback call or report must be, in order: an event of a good frame, or a report. */
  const expected: ({ want: Want; tally: Tally } | "report")[] = [];
  let cursor = 0;
  let good = 0;
  let bad = 0;
  let silent = 0;
  let delivered = 0;
  let reported = 0;
  let handled = 0;
  /** The id of the closing marker frame, which is not one of the fuzzed frames. */
  let marker: string | undefined;
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

  const callback = (event: Event, seq?: number, transient?: boolean): void => {
    const next = expected[cursor++];
    if (Object.getPrototypeOf(event) !== Object.prototype) pollutedEvent = true;
    if ((event as { polluted?: unknown }).polluted !== undefined) pollutedEvent = true;
    if (next !== undefined && next !== "report") {
      const { want, tally } = next;
      const discard = event.kind === "StreamingDeltaEvent" && event.discard === true
        ? { reason: event.reason }
        : undefined;
      const as = event.id === want.id && seq === want.seq && transient === want.transient &&
        event.id !== marker && discard?.reason === want.discard?.reason &&
        (discard === undefined) === (want.discard === undefined);
      if (!as) tally.ok = false;
      if (--tally.due === 0 && tally.ok) delivered++;
    }
    progress();
  };
  const onError = (error: RemoteHandsError): void => {
    if (!(error instanceof EventValidationError)) {
      failures++;
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
      protocol: "session",
      sessionReplay: "live",
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
    conn.sendJson({ type: "sync" });
    await client.waitUntilReady({ timeoutMs: 10_000 });

    let sent = 0;
    const send = (frame: Frame): void => {
      const expect = frame.expect;
      if (expect.outcome === "silent") silent++;
      else if (expect.outcome === "bad") {
        expected.push("report");
        bad++;
        sent++;
      } else {
        const tally: Tally = { ok: true, due: expect.wants.length };
        for (const want of expect.wants) expected.push({ want, tally });
        good++;
        sent += expect.wants.length;
      }
      if (typeof frame.data === "string") conn.send(frame.data);
      else conn.sendBinary(frame.data);
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

    for (let n = 1; n <= total; n++) {
      ctx.n = n;
      send(frameAt(ctx));
      if (n % BATCH_FRAMES === 0) await catchUp();
    }
    // A last good frame, so that trailing silent frames are known to be handled.
    ctx.n = total + 1;
    const last = `end-${total}`;
    marker = last;
    expected.push({ want: { id: last, transient: true }, tally: { ok: true, due: 1 } });
    sent++;
    conn.send(envelope("transient", [["event", goodEvent(ctx, last)]]));
    await catchUp();
    if (closedEarly) throw closedEarly;
  } catch (err) {
    failures++;
    if (!(err instanceof Error && err.message.startsWith("fuzz:"))) unhandled.seen.add(err);
  } finally {
    try {
      await client?.stop();
      await server?.shutdown();
    } catch (err) {
      failures++;
      unhandled.seen.add(err);
    }
    // Let late rejections surface before the listeners go.
    await new Promise((resolve) => setTimeout(resolve, 10));
    unhandled.dispose();
  }
  const uncaught = unhandled.seen.size;
  const polluted = pollutedEvent ||
    (({}) as { polluted?: unknown }).polluted !== undefined ||
    !samePrototypes(before);
  return {
    session_frames: good + bad + silent,
    good,
    bad,
    silent,
    reported,
    delivered,
    uncaught,
    crashes: uncaught + failures + (server?.errors.length ?? 0),
    polluted,
  };
}

if (import.meta.main) {
  const frames = Number(process.argv[2] ?? 100_000);
  const seed = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
  const start = performance.now();
  const result = await fuzzSessionFrames(seed === undefined ? { frames } : { frames, seed });
  const ms = Math.round(performance.now() - start);
  process.stdout.write(`${JSON.stringify({ ...result, seed: seed ?? DEFAULT_SEED, ms })}\n`);
}
