/**
 * Memory: the heap retained by 10,000 cached events in a `RemoteEventsList` (frames of the cycled
 * corpus, parsed and validated by `parseEventFrame` as the socket client does, frames the server
 * never stores skipped), divided by the UTF-8 bytes of their JSON. For scale, the same for the
 * plain `JSON.parse` objects of the same frames held in an array.
 *
 * `deno run -A --v8-flags=--expose-gc scripts/bench/memory.ts [--events 10000]`. Prints one JSON
 * line.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import process from "node:process";
import { RemoteEventsList } from "../../mod.ts";
import { isPersistedEvent } from "../../src/events/helpers.ts";
import { parseEventFrame } from "../../src/events/parse.ts";
import { Corpus } from "./corpus.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --v8-flags=--expose-gc");
const i = process.argv.indexOf("--events");
const target = i >= 0 ? Number(process.argv[i + 1]) : 10_000;
const corpus = Corpus.load();

function heapUsed(): number {
  for (let k = 0; k < 4; k++) gc!();
  const g = globalThis as { Deno?: { memoryUsage(): { heapUsed: number } } };
  return g.Deno ? g.Deno.memoryUsage().heapUsed : process.memoryUsage().heapUsed;
}

/** Frames (fresh strings) whose events are stored, and their total bytes. */
function storedFrames(): { frames: string[]; bytes: number } {
  const frames: string[] = [];
  let bytes = 0;
  for (let k = 0; frames.length < target; k++) {
    const frame = corpus.at(k);
    const parsed = parseEventFrame(frame);
    if (parsed.success && isPersistedEvent(parsed.event)) {
      frames.push(frame);
      bytes += Buffer.byteLength(frame);
    }
  }
  return { frames, bytes };
}

// Keep the retained structures reachable from here, so gc() cannot take them.
const keep: unknown[] = [];

function measure(fill: (frames: string[]) => unknown): { retained: number; bytes: number } {
  const before = heapUsed();
  let bytes = 0;
  (() => {
    const made = storedFrames();
    bytes = made.bytes;
    keep.push(fill(made.frames));
  })();
  const after = heapUsed();
  return { retained: after - before, bytes };
}

const list = measure((frames) => {
  const events = new RemoteEventsList();
  for (const frame of frames) {
    const parsed = parseEventFrame(frame);
    if (parsed.success) events.addEvent(parsed.event);
  }
  if (events.length !== target) throw new Error(`list holds ${events.length}, not ${target}`);
  return events;
});
keep.length = 0;
const plain = measure((frames) => frames.map((frame) => JSON.parse(frame)));

console.log(JSON.stringify({
  events: target,
  json_bytes: list.bytes,
  retained_bytes: list.retained,
  heap_per_json_byte: list.retained / list.bytes,
  plain_parse_retained_bytes: plain.retained,
  plain_parse_per_json_byte: plain.retained / plain.bytes,
}));
