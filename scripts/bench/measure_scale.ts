/**
 * Measurement 6, fan-in scale: N conversations followed from one process. For each client a
 * fresh scale replay server (`scale_server.ts`, Bun) hosts N conversations with a short history
 * each and one with a big history; the client (its own process, `_scale_client.ts`) attaches to
 * all N at once, then the server streams live events round-robin over them at a fixed total
 * rate, then nothing for an idle hold. Then, in fresh processes against the same server, the
 * client attaches to the big history alone, `historyRounds` times (median).
 *
 * A client whose conversations did not each get every live event exactly once, in order, or do
 * not hold exactly their stored log, fails the measurement (a problem: the bench exits 1). The
 * Python SDK runs under a time cap; past it, its row says how far it got ("did not finish"),
 * which is not a problem.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { lastJson, log, median, PYTHON_ENV, REPO_ROOT, runChild, venvPython } from "./_common.ts";
import { fmt } from "./_format.ts";
import { BUN, type Contestant, DENO, type Json, script } from "./_run.ts";
import { BIG_ID } from "./_scale_live.ts";

/** The sizes of the scale measurement. */
export interface ScaleConfig {
  /** Conversations followed from one process. */
  conversations: number;
  /** Stored events of each before the live phase. */
  history: number;
  /** Live events in all, spread round-robin. */
  events: number;
  /** Live events per second, in all. */
  rate: number;
  /** Stored events of the big history. */
  bigEvents: number;
  /** Seconds of the idle hold. */
  idleSeconds: number;
  /** Attaches to the big history per client (the median counts). */
  historyRounds: number;
  /** The Python SDK's time cap per process, seconds. */
  pythonCapSeconds: number;
}

/** One client's figures; undefined where it did not get that far. */
export interface ScaleRow {
  c: Contestant;
  /** The scale run's last JSON line. */
  run: Json | undefined;
  attachSeconds: number | undefined;
  rssPerConvKiB: number | undefined;
  cpuUsPerEvent: number | undefined;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
  idleCpuPct: number | undefined;
  /** Requests, socket messages and pings the client sent during the idle hold. */
  idleTraffic: number | undefined;
  /** Median seconds to attach to the big history, and each round's. */
  historySeconds: number | undefined;
  historyRuns: number[];
  /** Why the row is short: the time cap, or the failure (also in the problems). */
  note: string | undefined;
}

/** The scale measurement: its sizes and a row per client. */
export interface ScaleResult {
  config: ScaleConfig;
  rows: ScaleRow[];
}

const deno = (file: string) => (a: string[]): string[] => [
  "run",
  "-A",
  "--v8-flags=--expose-gc",
  script(file),
  ...a,
];
const bun = (file: string) => (a: string[]): string[] => [script(file), ...a];

/** The clients, in the order they run. */
export const SCALE: readonly Contestant[] = [
  {
    key: "bare_deno",
    label: "bare fetch + WebSocket + JSON.parse",
    runtime: "Deno",
    cmd: DENO,
    args: deno("scale_bare.ts"),
  },
  {
    key: "ours_deno",
    label: "ours: RemoteConversation.attach",
    runtime: "Deno",
    ours: true,
    cmd: DENO,
    args: deno("scale_ours.ts"),
  },
  {
    key: "bare_bun",
    label: "bare fetch + WebSocket + JSON.parse",
    runtime: "Bun",
    cmd: BUN,
    args: bun("scale_bare.ts"),
  },
  {
    key: "ours_bun",
    label: "ours: RemoteConversation.attach",
    runtime: "Bun",
    ours: true,
    cmd: BUN,
    args: bun("scale_ours.ts"),
  },
  {
    key: "official_bun",
    label: "official client: start() + socket + getEvents()",
    runtime: "Bun",
    cmd: BUN,
    args: bun("scale_official.ts"),
  },
  {
    key: "python",
    label: "Python SDK: RemoteConversation.attach",
    runtime: "Python",
    cmd: "",
    args: (a) => [script("scale_python.py"), ...a],
    env: PYTHON_ENV,
  },
];

function startServer(config: ScaleConfig): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(BUN, [
      script("scale_server.ts"),
      ...["--conversations", String(config.conversations), "--history", String(config.history)],
      ...["--events", String(config.events), "--rate", String(config.rate)],
      ...["--big", String(config.bigEvents), "--key", "bench-key"],
    ], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout!.on("data", (chunk: Uint8Array) => {
      out += new TextDecoder().decode(chunk);
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) resolve({ child, port: Number(JSON.parse(line).port) });
    });
    child.once("exit", (code) => reject(new Error(`scale server exited ${code}`)));
    child.once("error", reject);
  });
}

const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;

/** Runs one process of a client; its last JSON line, or why there is none. */
async function run(
  c: Contestant,
  args: string[],
  capSeconds: number,
): Promise<{ json: Json | undefined; why: string | undefined; timedOut: boolean }> {
  const child = await runChild(c.cmd || venvPython(), c.args(args), {
    ...(c.env ? { env: c.env } : {}),
    timeoutMs: capSeconds * 1000,
  });
  const timedOut = child.stderr.includes("[bench] killed after");
  let json: Json | undefined;
  try {
    json = lastJson<Json>(child, `scale ${c.key}`);
  } catch (err) {
    return { json: undefined, why: String(err instanceof Error ? err.message : err), timedOut };
  }
  if (child.code !== 0) {
    return {
      json,
      why: `exited ${child.code}${timedOut ? ` (killed at the ${capSeconds} s cap)` : ""}\n${
        child.stderr.slice(-2000)
      }`,
      timedOut,
    };
  }
  return { json, why: undefined, timedOut };
}

/** What went wrong with a finished run's exactly-once checks, if anything. */
function exactlyOnceFailure(json: Json): string | undefined {
  if (json.complete === true) return undefined;
  return `not exactly once: ${json.delivered} of ${json.events} live events delivered, ` +
    `${json.duplicates} duplicates, ${json.out_of_order} out of order, ${json.foreign} foreign, ` +
    `${json.conversations_complete} of ${json.n} conversations complete, ${json.list_mismatches} ` +
    `lists not equal to the log${json.first_mismatch ? ` (${json.first_mismatch})` : ""}`;
}

/** One client: the scale run, then the big-history rounds, against one fresh server. */
async function measureClient(
  c: Contestant,
  config: ScaleConfig,
  problems: string[],
): Promise<ScaleRow> {
  const python = c.runtime === "Python";
  const cap = python ? config.pythonCapSeconds : 600;
  const row: ScaleRow = {
    c,
    run: undefined,
    attachSeconds: undefined,
    rssPerConvKiB: undefined,
    cpuUsPerEvent: undefined,
    p50Ms: undefined,
    p99Ms: undefined,
    idleCpuPct: undefined,
    idleTraffic: undefined,
    historySeconds: undefined,
    historyRuns: [],
    note: undefined,
  };
  const { child, port } = await startServer(config);
  const args = [
    ...["--host", `http://127.0.0.1:${port}`, "--key", "bench-key"],
    ...["--conversations", String(config.conversations), "--history", String(config.history)],
    ...["--events", String(config.events), "--rate", String(config.rate)],
    ...["--idle", String(config.idleSeconds), "--big-id", BIG_ID],
    ...["--big", String(config.bigEvents)],
  ];
  const fail = (what: string, why: string): void => {
    row.note ??= why.split("\n")[0];
    problems.push(`scale ${c.key} ${what}: ${why}`.slice(0, 2000));
    log(`FAILED scale ${c.key} ${what}: ${why.slice(0, 400)}`);
  };
  try {
    const r = await run(c, args, cap);
    const json = r.json;
    if (python && r.timedOut) {
      row.note = `did not finish in ${cap} s (${describePartial(json)})`;
      log(`scale ${c.key}: ${row.note}`);
    } else if (r.why || !json) fail("run", r.why ?? "no result");
    else {
      const wrong = exactlyOnceFailure(json);
      if (wrong) fail("run", wrong);
    }
    if (json && !row.note) {
      row.run = json;
      row.attachSeconds = num(json.attach_s);
      row.rssPerConvKiB = num(json.rss_per_conv_kib);
      row.cpuUsPerEvent = num(json.cpu_us_per_event);
      row.p50Ms = num(json.p50_ms);
      row.p99Ms = num(json.p99_ms);
      row.idleCpuPct = num(json.idle_cpu_pct);
      row.idleTraffic = (num(json.idle_requests) ?? 0) + (num(json.idle_messages) ?? 0) +
        (num(json.idle_pings) ?? 0);
      log(
        `scale ${c.key} (${c.runtime}), N=${config.conversations}: attach ${
          fmt(row.attachSeconds)
        } s, ${fmt(row.rssPerConvKiB, 0)} KiB/conversation, ${
          fmt(row.cpuUsPerEvent, 0)
        } µs CPU/event, p50 ${fmt(row.p50Ms)} ms, p99 ${fmt(row.p99Ms)} ms, idle ${
          fmt(row.idleCpuPct, 3)
        } % of a core`,
      );
    } else if (json && python) row.run = json;
    const rounds = python ? 1 : config.historyRounds;
    for (let round = 0; round < rounds; round++) {
      const h = await run(c, [...args, "--history-only"], cap);
      if (python && h.timedOut) {
        row.note ??= `big history: did not finish in ${cap} s`;
        break;
      }
      if (h.why || !h.json) {
        fail("big history", h.why ?? "no result");
        break;
      }
      if (h.json.complete !== true) {
        fail("big history", `holds ${h.json.held} of ${h.json.expected} stored events`);
        break;
      }
      row.historyRuns.push(Number(h.json.history_s));
    }
    if (row.historyRuns.length) {
      row.historySeconds = median(row.historyRuns);
      log(`scale ${c.key}: big history (${config.bigEvents}) ${fmt(row.historySeconds, 3)} s`);
    }
  } finally {
    child.kill("SIGTERM");
  }
  return row;
}

/** How far a killed run got, from its last progress line. */
function describePartial(json: Json | undefined): string {
  if (!json) return "no conversation attached";
  if (json.phase === "attaching") return `${json.attached} attached after ${fmt(Number(json.s))} s`;
  if (json.phase === "attached") return `all attached in ${fmt(Number(json.attach_s))} s`;
  if (json.phase === "live") {
    return `attached in ${fmt(Number(json.attach_s))} s; ${json.delivered} of ${json.events} ` +
      "live events delivered";
  }
  return "no result";
}

/**
 * Runs every scale client, each against a fresh scale server.
 *
 * @param config The sizes.
 * @param problems Where failed measurements go.
 * @returns A row per client (also those that did not finish).
 */
export async function measureScale(
  config: ScaleConfig,
  problems: string[],
): Promise<ScaleResult> {
  log(
    `scale: ${config.conversations} conversations of ${config.history} events, ${config.events} ` +
      `live events at ${config.rate}/s, ${config.idleSeconds} s idle, a ${config.bigEvents}-event ` +
      "history",
  );
  const rows: ScaleRow[] = [];
  for (const c of SCALE) rows.push(await measureClient(c, config, problems));
  return { config, rows };
}
