/**
 * Measurement 1, event ingest: a replay server on loopback (`replay_server.ts`, Bun) speaks the
 * events socket and sends the recorded corpus cycled to N events as fast as the socket takes them;
 * each ingest contestant runs in its own process and reports events/s and CPU time per event. Our
 * clients' lists must hold exactly the corpus's stored events.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { log, median, REPO_ROOT } from "./_common.ts";
import { BUN, type Json, runContestant, script } from "./_run.ts";
import { type Contestant, INGEST } from "./contestants.ts";
import type { Corpus } from "./corpus.ts";

/** The medians of one ingest contestant. */
export interface IngestRow {
  c: Contestant;
  eventsPerS: number;
  cpuUsPerEvent: number;
  mbPerS: number;
  runs: Json[];
}

/** The ingest measurement: a row per contestant that completed, and the stream's size. */
export interface IngestResult {
  rows: IngestRow[];
  bytes: number;
  events: number;
}

function startReplay(events: number): Promise<{ child: ChildProcess; info: Json }> {
  return new Promise((resolve, reject) => {
    const child = spawn(BUN, [script("replay_server.ts"), "--events", String(events)], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout!.on("data", (chunk: Uint8Array) => {
      out += new TextDecoder().decode(chunk);
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) resolve({ child, info: JSON.parse(line) as Json });
    });
    child.once("exit", (code) => reject(new Error(`replay server exited ${code}`)));
    child.once("error", reject);
  });
}

/**
 * Runs every ingest contestant `rounds` times against one replay server.
 *
 * @param options The number of events and rounds, and the corpus.
 * @param problems Where failed or incomplete runs go.
 * @returns The medians per contestant.
 */
export async function measureIngest(
  options: { events: number; rounds: number; corpus: Corpus },
  problems: string[],
): Promise<IngestResult> {
  const { events, rounds, corpus } = options;
  log(`ingest: replay server, ${events} events`);
  const { child, info } = await startReplay(events);
  const bytes = Number(info.bytes);
  const extra = [
    "--host",
    `http://127.0.0.1:${info.port}`,
    "--key",
    "bench-key",
    "--id",
    String(info.conversationId),
    "--events",
    String(events),
    "--bytes",
    String(bytes),
  ];
  // Our list must equal the server's log: exactly the stored events among the frames sent.
  const stored = corpus.storedCount(events);
  const runs = new Map<string, Json[]>();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const c of INGEST) {
        const r = await runContestant(c, extra, "ingest", problems);
        if (!r) continue;
        if (r.json.complete !== true) {
          problems.push(`ingest ${c.key}: incomplete (${JSON.stringify(r.json)})`);
          continue;
        }
        if (c.ours && r.json.list_length !== stored) {
          problems.push(
            `ingest ${c.key}: list_length ${r.json.list_length}, but the ${events} frames hold ` +
              `${stored} stored events (${JSON.stringify(r.json)})`,
          );
          continue;
        }
        log(
          `ingest ${c.key} (${c.runtime}) round ${round + 1}: ${
            Math.round(Number(r.json.events_per_s))
          } events/s, ${Number(r.json.cpu_us_per_event).toFixed(1)} µs CPU/event`,
        );
        runs.set(c.key, [...(runs.get(c.key) ?? []), r.json]);
      }
    }
  } finally {
    child.kill("SIGTERM");
  }
  const rows: IngestRow[] = [];
  for (const c of INGEST) {
    const rs = runs.get(c.key);
    if (!rs?.length) continue;
    rows.push({
      c,
      eventsPerS: median(rs.map((r) => Number(r.events_per_s))),
      cpuUsPerEvent: median(rs.map((r) => Number(r.cpu_us_per_event))),
      mbPerS: median(rs.map((r) => Number(r.mb_per_s))),
      runs: rs,
    });
  }
  return { rows, bytes, events };
}
