/**
 * The measuring part shared by the TypeScript ingest clients: arguments, the clock (wall and
 * process CPU time from the first frame, or from an explicit {@linkcode IngestClock.start}, to
 * the last event) and the one JSON line of output. Runs under Deno and Bun.
 *
 * @module
 */

import process from "node:process";
import { requiredArg } from "./_args.ts";
/** What every ingest client is told on its command line. */
export interface IngestArgs {
  /** `http://127.0.0.1:PORT` of the replay server. */
  host: string;
  apiKey: string;
  conversationId: string;
  /** Events after the first state frame. */
  events: number;
  /** Bytes of those events' frames. */
  bytes: number;
}

/** `--host H --key K --id ID --events N --bytes B`. */
export function ingestArgs(): IngestArgs {
  const get = requiredArg;
  return {
    host: get("host"),
    apiKey: get("key"),
    conversationId: get("id"),
    events: Number(get("events")),
    bytes: Number(get("bytes")),
  };
}

/**
 * Counts deliveries; starts the clock at the first (or at `start()`, for a client whose work
 * begins before its first delivery), stops it at `expected`, then reports. A delivery after the
 * `expected`th still counts, so `complete` is false for a client that delivers too many.
 */
export class IngestClock {
  readonly expected: number;
  count = 0;
  errors = 0;
  #t0 = 0;
  #cpu0: { user: number; system: number } = { user: 0, system: 0 };
  #done: () => void = () => {};
  readonly done: Promise<void>;
  #args: IngestArgs;
  #extra: Record<string, unknown> = {};

  constructor(args: IngestArgs) {
    this.#args = args;
    this.expected = args.events + 1; // the first state frame, then the events
    this.done = new Promise((resolve) => (this.#done = resolve));
    // Still not done after ten minutes means something is broken: report what came.
    const watchdog = setTimeout(() => this.#done(), 600_000);
    this.done.then(() => clearTimeout(watchdog));
  }

  #started = false;

  /** Starts the clock now, before the first delivery (e.g. where a client's attach begins). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#t0 = performance.now();
    this.#cpu0 = process.cpuUsage();
  }

  /** One frame handled (an event delivered, or an error reported for it). */
  tick(error = false): void {
    this.start();
    if (error) this.errors++;
    else this.count++;
    if (this.count + this.errors === this.expected) this.#finish();
  }

  /** Extra fields for the report (e.g. the list length). */
  set(extra: Record<string, unknown>): void {
    Object.assign(this.#extra, extra);
  }

  #seconds = 0;
  #cpuSeconds = 0;

  #finish(): void {
    this.#seconds = (performance.now() - this.#t0) / 1000;
    const cpu = process.cpuUsage(this.#cpu0);
    this.#cpuSeconds = (cpu.user + cpu.system) / 1e6;
    this.#done();
  }

  /** Prints the JSON result line. The first frame only starts the clock: N events are timed. */
  report(runtime: string): void {
    const events = this.#args.events;
    console.log(JSON.stringify({
      runtime,
      events,
      delivered: this.count,
      errors: this.errors,
      complete: this.count + this.errors === this.expected,
      seconds: this.#seconds,
      cpu_seconds: this.#cpuSeconds,
      events_per_s: events / this.#seconds,
      cpu_us_per_event: (this.#cpuSeconds / events) * 1e6,
      mb_per_s: this.#args.bytes / this.#seconds / 1e6,
      ...this.#extra,
    }));
  }
}

/** `"deno 2.9.6"`, `"bun 1.4.5"` or `"node 20.x"`. */
export function runtimeName(): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  if (g.Bun) return `bun ${g.Bun.version}`;
  return `node ${process.versions.node}`;
}
