/**
 * The recorded events-socket corpus (`tests/bench_corpus/frames.jsonl`), cycled to any number of
 * events. Copy `k` of a frame gets a fresh id (the recorded UUID with its last 12 hex digits
 * replaced by `k`) and a timestamp `k` milliseconds after a fixed start, in the server's naive ISO
 * format with microseconds, so ids never repeat and timestamps only grow, as in a live stream.
 * Everything else is the recorded text, byte for byte. Runs under Deno and Bun.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CORPUS_DIR } from "./_common.ts";

const HEAD = /^\{"id":"([0-9a-f-]{36})","timestamp":"([0-9T:.-]{26})"/;
const START_MS = Date.UTC(2026, 0, 1, 0, 0, 0);

/** One recorded frame, split around its id and timestamp. */
interface Template {
  /** The first 24 characters of the recorded id (`xxxxxxxx-xxxx-xxxx-xxxx-`). */
  idPrefix: string;
  /** Everything after the timestamp's closing quote. */
  rest: string;
  /** Whether the server stores the event (see {@linkcode isStored}). */
  stored: boolean;
}

/** The corpus, ready to be cycled. */
export class Corpus {
  /** The recorded frames, as recorded. */
  readonly frames: readonly string[];
  readonly #templates: Template[];

  constructor(frames: string[]) {
    if (frames.length === 0) throw new Error("The bench corpus is empty");
    this.frames = frames;
    this.#templates = frames.map((frame, i) => {
      const m = HEAD.exec(frame);
      if (!m) throw new Error(`Corpus frame ${i} does not start with id and timestamp`);
      return {
        idPrefix: m[1]!.slice(0, 24),
        rest: frame.slice(m[0].length),
        stored: isStored(JSON.parse(frame)),
      };
    });
  }

  /** Reads `tests/bench_corpus/frames.jsonl`. */
  static load(dir: string = CORPUS_DIR): Corpus {
    const text = readFileSync(join(dir, "frames.jsonl"), "utf8");
    return new Corpus(text.split("\n").filter((line) => line.length > 0));
  }

  /** Number of recorded frames. */
  get length(): number {
    return this.frames.length;
  }

  /** The first recorded frame that is a `full_state` snapshot (what a server sends first). */
  firstState(): string {
    const frame = this.frames.find((f) => f.includes('"key":"full_state"')) ?? this.frames[0]!;
    return this.frame(0, frame);
  }

  /** Frame number `k` of the endless cycle (`k >= 0`). */
  at(k: number): string {
    const t = this.#templates[k % this.#templates.length]!;
    return `{"id":"${t.idPrefix}${k.toString(16).padStart(12, "0")}","timestamp":"${
      timestamp(k)
    }"${t.rest}`;
  }

  /** `frame` with the id and timestamp of copy `k` (for frames outside the cycle). */
  frame(k: number, frame: string): string {
    const m = HEAD.exec(frame);
    if (!m) return frame;
    return `{"id":"${m[1]!.slice(0, 24)}${(0xffffffffffff - k).toString(16)}","timestamp":"${
      timestamp(k)
    }"${frame.slice(m[0].length)}`;
  }

  /** How many of the first `n` frames of the cycle are events the server stores: what a
   * client's list of the conversation's events must hold after them (ids never repeat). */
  storedCount(n: number): number {
    const len = this.#templates.length;
    const perCycle = this.#templates.filter((t) => t.stored).length;
    let count = Math.floor(n / len) * perCycle;
    for (let i = 0; i < n % len; i++) if (this.#templates[i]!.stored) count++;
    return count;
  }

  /** The first `n` frames of the cycle. */
  take(n: number): string[] {
    const out = new Array<string>(n);
    for (let k = 0; k < n; k++) out[k] = this.at(k);
    return out;
  }
}

/**
 * Whether the agent server (1.58.2) stores a frame's event in the conversation's log (what
 * `GET .../events/search` returns): everything but the `full_state` snapshots it sends each new
 * subscriber, streaming deltas and `ServerErrorEvent`s (its own socket errors), which it only
 * publishes.
 */
function isStored(event: { kind?: unknown; key?: unknown }): boolean {
  if (event.kind === "StreamingDeltaEvent" || event.kind === "ServerErrorEvent") return false;
  return !(event.kind === "ConversationStateUpdateEvent" && event.key === "full_state");
}

/** `2026-01-01T00:00:00.123000`-style naive timestamp, `k` ms after the start. */
function timestamp(k: number): string {
  return `${new Date(START_MS + k).toISOString().slice(0, 23)}000`;
}
