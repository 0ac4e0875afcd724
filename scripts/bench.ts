/**
 * Benchmarks side by side: this client against the bare runtime, the Python SDK
 * (openhands-sdk, same version as the pinned server) and the official TypeScript client
 * (`@openhands/typescript-client` 1.39.0), on this machine. `deno task bench`;
 * `deno task bench:smoke` runs one small iteration of everything (a few thousand events, a small
 * history) to check that the bench still works.
 *
 * 1. Event ingest: a replay server on loopback (`scripts/bench/replay_server.ts`, Bun) speaks the
 *    events socket and sends the recorded corpus (`tests/bench_corpus/`) cycled to N events as
 *    fast as the socket takes them. Each client runs in its own process and reports events/s and
 *    CPU time per event, from the first frame to the last event.
 * 2. History sync: attach to a conversation of the real server with about 2,100 stored events
 *    (built once by the scripted LLM and cached, see `scripts/bench/history.ts`) until the
 *    client holds the whole history.
 * 3. Cold start: process start → attached and ready → exit, against the real server.
 * 4. Bundle: esbuild browser bundles, minified and gzipped.
 * 5. Memory: heap retained per byte of JSON for 10,000 cached events.
 *
 * Writes `out/bench/results.md`, `results.json`, `chart.svg` and `chart.png`, and prints one JSON
 * line with the headline ratios last on stdout. Benchmarks never assert speed: the exit code is 0
 * unless a measurement could not be taken (a client crashed or lost events).
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import {
  BENCH_DIR,
  type ChildResult,
  lastJson,
  log,
  machineInfo,
  median,
  OUT_DIR,
  PYTHON_ENV,
  REPO_ROOT,
  runChild,
  TOOLS_BIN,
  venvPython,
} from "./bench/_common.ts";
import { Corpus } from "./bench/corpus.ts";
import { bundleSizes } from "./bench/bundle_size.ts";
import { type Bar, chartSvg, type Panel, svgToPng } from "./bench/chart.ts";
import { ensureHistory, type HistoryStack } from "./bench/history.ts";
import { AGENT_SERVER_VERSION, ensureAgentServerInstalled } from "./_agent_server_install.ts";

const SMOKE = process.argv.includes("--smoke");
const CONFIG = SMOKE
  ? { ingestEvents: 3_000, rounds: 1, historySteps: 20, coldRounds: 1, memoryEvents: 2_000 }
  : { ingestEvents: 100_000, rounds: 3, historySteps: 700, coldRounds: 3, memoryEvents: 10_000 };

const t0 = performance.now();
const problems: string[] = [];

function bin(name: "deno" | "bun"): string {
  const local = join(TOOLS_BIN, name);
  return existsSync(local) ? local : name;
}
const DENO = bin("deno");
const BUN = bin("bun");
const script = (name: string): string => join(BENCH_DIR, name);

// --- the contestants -------------------------------------------------------------------------

type Json = Record<string, unknown>;

interface Contestant {
  key: string;
  label: string;
  runtime: string;
  ours?: boolean;
  cmd: string;
  args: (extra: string[]) => string[];
  env?: Record<string, string>;
}

const python = (): string => venvPython();

const INGEST: Contestant[] = [
  {
    key: "bare_deno",
    label: "bare WebSocket + JSON.parse",
    runtime: "Deno",
    cmd: DENO,
    args: (a) => ["run", "-A", script("ingest_bare.ts"), ...a],
  },
  {
    key: "bare_keep_deno",
    label: "bare WebSocket + JSON.parse, objects kept in an array",
    runtime: "Deno",
    cmd: DENO,
    args: (a) => ["run", "-A", script("ingest_bare.ts"), ...a, "--keep"],
  },
  {
    key: "ours_deno",
    label: "ours: WebSocketCallbackClient → RemoteEventsList + RemoteState",
    runtime: "Deno",
    ours: true,
    cmd: DENO,
    args: (a) => ["run", "-A", script("ingest_ours.ts"), ...a],
  },
  {
    key: "ours_conversation_deno",
    label: "ours: whole RemoteConversation",
    runtime: "Deno",
    ours: true,
    cmd: DENO,
    args: (a) => ["run", "-A", script("ingest_ours.ts"), ...a, "--conversation"],
  },
  {
    key: "python",
    label: "Python SDK: WebSocketCallbackClient → RemoteEventsList + RemoteState",
    runtime: "Python",
    cmd: "",
    args: (a) => [script("sdk_bench.py"), "ingest", ...a],
    env: PYTHON_ENV,
  },
  {
    key: "official_bun",
    label: "official client: startWebSocketClient()",
    runtime: "Bun",
    cmd: BUN,
    args: (a) => [script("ingest_official.ts"), ...a],
  },
  {
    key: "bare_bun",
    label: "bare WebSocket + JSON.parse",
    runtime: "Bun",
    cmd: BUN,
    args: (a) => [script("ingest_bare.ts"), ...a],
  },
  {
    key: "ours_bun",
    label: "ours: WebSocketCallbackClient → RemoteEventsList + RemoteState",
    runtime: "Bun",
    ours: true,
    cmd: BUN,
    args: (a) => [script("ingest_ours.ts"), ...a],
  },
];

const ATTACH: Contestant[] = [
  {
    key: "ours_deno",
    label: "ours: RemoteConversation.create (session socket replay)",
    runtime: "Deno",
    ours: true,
    cmd: DENO,
    args: (a) => ["run", "-A", script("attach_ours.ts"), ...a],
  },
  {
    key: "ours_bun",
    label: "ours: RemoteConversation.create (session socket replay)",
    runtime: "Bun",
    ours: true,
    cmd: BUN,
    args: (a) => [script("attach_ours.ts"), ...a],
  },
  {
    key: "python",
    label: "Python SDK: RemoteConversation(conversation_id=...)",
    runtime: "Python",
    cmd: "",
    args: (a) => [script("sdk_bench.py"), "attach", ...a],
    env: PYTHON_ENV,
  },
  {
    key: "official_bun",
    label: "official client: start() + socket + getEvents()",
    runtime: "Bun",
    cmd: BUN,
    args: (a) => [script("attach_official.ts"), ...a],
  },
];

/** Reference rows for history sync: the server's own floor, per transport, for a bare client. */
const FLOORS: Contestant[] = [
  {
    key: "floor_rest",
    label: "floor: bare REST paging (fetch + JSON.parse)",
    runtime: "Deno",
    cmd: DENO,
    args: (a) => ["run", "-A", script("sync_floor.ts"), ...a, "--via", "rest"],
  },
  {
    key: "floor_session",
    label: "floor: bare session-socket replay (JSON.parse)",
    runtime: "Deno",
    cmd: DENO,
    args: (a) => ["run", "-A", script("sync_floor.ts"), ...a, "--via", "session"],
  },
];

async function runContestant(c: Contestant, extra: string[], what: string): Promise<
  { json: Json; child: ChildResult } | undefined
> {
  const cmd = c.cmd || python();
  const child = await runChild(cmd, c.args(extra), {
    ...(c.env ? { env: c.env } : {}),
    timeoutMs: 15 * 60_000,
  });
  try {
    const json = lastJson<Json>(child, `${what} ${c.key}`);
    if (child.code !== 0) throw new Error(`${what} ${c.key} exited ${child.code}`);
    return { json, child };
  } catch (err) {
    problems.push(String(err instanceof Error ? err.message : err).slice(0, 2000));
    log(`FAILED ${what} ${c.key}: ${String(err).slice(0, 400)}`);
    return undefined;
  }
}

// --- 1. ingest -------------------------------------------------------------------------------

interface IngestRow {
  c: Contestant;
  eventsPerS: number;
  cpuUsPerEvent: number;
  mbPerS: number;
  runs: Json[];
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

async function benchIngest(): Promise<{ rows: IngestRow[]; bytes: number; events: number }> {
  const events = CONFIG.ingestEvents;
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
  const runs = new Map<string, Json[]>();
  try {
    for (let round = 0; round < CONFIG.rounds; round++) {
      for (const c of INGEST) {
        const r = await runContestant(c, extra, "ingest");
        if (!r) continue;
        if (r.json.complete !== true) {
          problems.push(`ingest ${c.key}: incomplete (${JSON.stringify(r.json)})`);
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

// --- 2 and 3. history sync and cold start ------------------------------------------------------

interface AttachRow {
  c: Contestant;
  seconds: number;
  events: number;
  runs: Json[];
}

interface ColdRow {
  c: Contestant;
  readySeconds: number;
  exitSeconds: number;
  runs: { readyMs: number | undefined; wallMs: number }[];
}

async function benchServer(): Promise<
  { history: AttachRow[]; cold: ColdRow[]; stack: Omit<HistoryStack, "server">; url: string }
> {
  log(`history: the real server ${AGENT_SERVER_VERSION}, ${CONFIG.historySteps}-step history`);
  const stack = await ensureHistory(CONFIG.historySteps);
  const { server } = stack;
  const args = (id: string): string[] => [
    "--host",
    server.url,
    "--key",
    server.apiKey,
    "--id",
    id,
    "--workdir",
    server.workspaceDir,
  ];
  try {
    // Warm the server: the first request loads the conversation from disk; no client pays that.
    // (The Python SDK is already warm from the ingest run: its imports are in the page cache.)
    for (const id of [stack.longId, stack.shortId]) {
      for (const c of ATTACH) {
        if (c.key !== "python") await runContestant(c, args(id), "warm-up");
      }
    }
    const history = new Map<string, Json[]>();
    for (let round = 0; round < CONFIG.rounds; round++) {
      for (const c of [...ATTACH, ...FLOORS]) {
        const r = await runContestant(c, args(stack.longId), "history");
        if (!r) continue;
        log(
          `history ${c.key} (${c.runtime}) round ${round + 1}: ${
            Number(r.json.seconds).toFixed(3)
          } s, ${r.json.events} events`,
        );
        history.set(c.key, [...(history.get(c.key) ?? []), r.json]);
      }
    }
    const cold = new Map<string, { readyMs: number | undefined; wallMs: number }[]>();
    for (let round = 0; round < CONFIG.coldRounds; round++) {
      for (const c of ATTACH) {
        const r = await runContestant(c, args(stack.shortId), "cold start");
        if (!r) continue;
        log(
          `cold start ${c.key} (${c.runtime}) round ${round + 1}: ready ${
            ((r.child.readyMs ?? NaN) / 1000).toFixed(2)
          } s, exit ${(r.child.wallMs / 1000).toFixed(2)} s`,
        );
        cold.set(c.key, [...(cold.get(c.key) ?? []), {
          readyMs: r.child.readyMs,
          wallMs: r.child.wallMs,
        }]);
      }
    }
    const historyRows: AttachRow[] = [];
    const coldRows: ColdRow[] = [];
    for (const c of [...ATTACH, ...FLOORS]) {
      const h = history.get(c.key);
      if (h?.length) {
        historyRows.push({
          c,
          seconds: median(h.map((r) => Number(r.seconds))),
          events: Number(h[0]!.events),
          runs: h,
        });
      }
      const k = cold.get(c.key);
      if (k?.length) {
        coldRows.push({
          c,
          readySeconds: median(k.map((r) => (r.readyMs ?? NaN) / 1000)),
          exitSeconds: median(k.map((r) => r.wallMs / 1000)),
          runs: k,
        });
      }
    }
    const { server: _server, ...rest } = stack;
    return { history: historyRows, cold: coldRows, stack: rest, url: server.url };
  } finally {
    await server.stop(); // keeps the cached root
  }
}

// --- 5. memory -------------------------------------------------------------------------------

async function benchMemory(): Promise<Json | undefined> {
  log(`memory: ${CONFIG.memoryEvents} events in a RemoteEventsList`);
  const r = await runChild(DENO, [
    "run",
    "-A",
    "--v8-flags=--expose-gc",
    script("memory.ts"),
    "--events",
    String(CONFIG.memoryEvents),
  ]);
  try {
    return lastJson(r, "memory");
  } catch (err) {
    problems.push(String(err));
    return undefined;
  }
}

// --- versions ----------------------------------------------------------------------------------

async function versions(): Promise<Record<string, string>> {
  const first = async (cmd: string, args: string[]): Promise<string> => {
    try {
      const r = await runChild(cmd, args, { timeoutMs: 60_000 });
      return r.stdout.trim().split("\n")[0] ?? "?";
    } catch {
      return "?";
    }
  };
  const official = JSON.parse(
    readFileSync(
      join(REPO_ROOT, "node_modules", "@openhands", "typescript-client", "package.json"),
      "utf8",
    ),
  ) as { version: string };
  const py = await first(python(), [
    "-c",
    "import sys, importlib.metadata as m; print(sys.version.split()[0], m.version('openhands-sdk'), m.version('websockets'), m.version('pydantic'))",
  ]);
  const [pyVersion, sdk, websockets, pydantic] = py.split(" ");
  return {
    deno: (await first(DENO, ["--version"])).replace(/^deno /, "").split(" ")[0] ?? "?",
    bun: await first(BUN, ["--version"]),
    python: pyVersion ?? "?",
    "openhands-sdk": sdk ?? "?",
    "python websockets": websockets ?? "?",
    pydantic: pydantic ?? "?",
    "openhands-agent-server": AGENT_SERVER_VERSION,
    "@openhands/typescript-client": official.version,
  };
}

// --- run ---------------------------------------------------------------------------------------

mkdirSync(OUT_DIR, { recursive: true });
// The Python SDK lives in the server's virtualenv: install it first (once per machine).
await ensureAgentServerInstalled((l) => log(l));
const machineBefore = machineInfo();
const versionInfo = await versions();
log(`mode ${SMOKE ? "smoke" : "full"}; ${machineBefore.nproc} CPUs, load ${machineBefore.loadAvg}`);

const corpus = Corpus.load();
const ingest = await benchIngest();
const memory = await benchMemory();
log("bundle sizes");
const bundles = await bundleSizes();
const server = await benchServer();
const machineAfter = machineInfo();
const wallSeconds = (performance.now() - t0) / 1000;

// --- figures -----------------------------------------------------------------------------------

const ing = (key: string): IngestRow | undefined => ingest.rows.find((r) => r.c.key === key);
const hist = (key: string): AttachRow | undefined => server.history.find((r) => r.c.key === key);
const cold = (key: string): ColdRow | undefined => server.cold.find((r) => r.c.key === key);
const ratio = (a: number | undefined, b: number | undefined): number | null =>
  a === undefined || b === undefined || !Number.isFinite(a / b) ? null : a / b;
const round = (n: number | null, digits = 2): number | null =>
  n === null ? null : Number(n.toFixed(digits));

const ours = ing("ours_deno");
const headline = {
  ingest_vs_bare: round(ratio(ours?.eventsPerS, ing("bare_deno")?.eventsPerS)),
  ingest_vs_python: round(ratio(ours?.eventsPerS, ing("python")?.eventsPerS)),
  ingest_vs_official: round(ratio(ours?.eventsPerS, ing("official_bun")?.eventsPerS)),
  sync_vs_python: round(ratio(hist("python")?.seconds, hist("ours_deno")?.seconds)),
  sync_vs_official: round(ratio(hist("official_bun")?.seconds, hist("ours_deno")?.seconds)),
  coldstart_vs_python: round(ratio(cold("python")?.exitSeconds, cold("ours_deno")?.exitSeconds)),
  bundle_gz_bytes: bundles.ours.gzipBytes,
  heap_per_json_byte: memory ? round(Number(memory.heap_per_json_byte), 3) : null,
  // Same figures by another measure, for context.
  ingest_cpu_vs_bare: round(ratio(ing("bare_deno")?.cpuUsPerEvent, ours?.cpuUsPerEvent)),
  ingest_cpu_vs_python: round(ratio(ing("python")?.cpuUsPerEvent, ours?.cpuUsPerEvent)),
  ingest_cpu_vs_official: round(ratio(ing("official_bun")?.cpuUsPerEvent, ours?.cpuUsPerEvent)),
  ingest_bun_vs_official_bun: round(
    ratio(ing("ours_bun")?.eventsPerS, ing("official_bun")?.eventsPerS),
  ),
  coldstart_ready_vs_python: round(
    ratio(cold("python")?.readySeconds, cold("ours_deno")?.readySeconds),
  ),
  coldstart_bun_vs_python: round(ratio(cold("python")?.exitSeconds, cold("ours_bun")?.exitSeconds)),
  mode: SMOKE ? "smoke" : "full",
  wall_seconds: Math.round(wallSeconds),
};

// --- results.md --------------------------------------------------------------------------------

const fmt = (n: number | null | undefined, digits = 2): string =>
  n === null || n === undefined || !Number.isFinite(n) ? "–" : n.toFixed(digits);
const int = (n: number): string => Math.round(n).toLocaleString("en-US");
const x = (n: number | null): string => (n === null ? "–" : `${n.toFixed(2)}×`);
const met = (ok: boolean | null): string => (ok === null ? "–" : ok ? "yes" : "**no**");

const md: string[] = [];
md.push(`# Benchmarks side by side${SMOKE ? " (smoke run: small sizes, not representative)" : ""}`);
md.push("");
md.push(
  `Generated by \`deno task bench${SMOKE ? ":smoke" : ""}\` on ${
    new Date().toISOString().slice(0, 16).replace("T", " ")
  } UTC in ${Math.round(wallSeconds)} s. Every ratio is ours relative to the peer, ` +
    "higher is better (events/s ÷ events/s, or seconds ÷ seconds the other way round). " +
    (CONFIG.rounds === 1
      ? "One round of each; "
      : `Medians of ${CONFIG.rounds} rounds (cold start: ${CONFIG.coldRounds}); `) +
    "each run is its own " +
    "process. Other processes share this machine, so wall-clock figures are noisy; CPU time per " +
    "event is the steadier ingest figure.",
);
md.push("");
md.push("## Headline");
md.push("");
md.push("| figure | target | measured | met |");
md.push("| --- | --- | ---: | --- |");
const target = (name: string, goal: string, value: number | null, ok: boolean | null): void => {
  md.push(`| ${name} | ${goal} | ${value === null ? "–" : value} | ${met(ok)} |`);
};
const h = headline;
target(
  "ingest_vs_bare (events/s)",
  "≥ 0.7",
  h.ingest_vs_bare,
  h.ingest_vs_bare === null ? null : h.ingest_vs_bare >= 0.7,
);
target(
  "ingest_vs_python (events/s)",
  "≥ 10",
  h.ingest_vs_python,
  h.ingest_vs_python === null ? null : h.ingest_vs_python >= 10,
);
target(
  "ingest_vs_official (events/s)",
  "≥ 2",
  h.ingest_vs_official,
  h.ingest_vs_official === null ? null : h.ingest_vs_official >= 2,
);
target(
  "sync_vs_python",
  "≥ 3",
  h.sync_vs_python,
  h.sync_vs_python === null ? null : h.sync_vs_python >= 3,
);
target(
  "sync_vs_official",
  "≥ 3",
  h.sync_vs_official,
  h.sync_vs_official === null ? null : h.sync_vs_official >= 3,
);
target(
  "coldstart_vs_python (to exit)",
  "≥ 10",
  h.coldstart_vs_python,
  h.coldstart_vs_python === null ? null : h.coldstart_vs_python >= 10,
);
target("bundle_gz_bytes (mod.ts)", "≤ 20,480", h.bundle_gz_bytes, h.bundle_gz_bytes <= 20_480);
target(
  "heap_per_json_byte",
  "≤ 2",
  h.heap_per_json_byte,
  h.heap_per_json_byte === null ? null : h.heap_per_json_byte <= 2,
);
md.push("");

md.push(`## 1. Event ingest: ${int(ingest.events)} events`);
md.push("");
md.push(
  `The recorded corpus (${corpus.length} frames of the real ${AGENT_SERVER_VERSION} server's ` +
    `events socket, \`tests/bench_corpus/\`) cycled to ${int(ingest.events)} events, ` +
    `${(ingest.bytes / 1e6).toFixed(1)} MB (mean ${int(ingest.bytes / ingest.events)} bytes a ` +
    "frame), sent by a replay server on loopback as fast as each socket takes them. Timed from " +
    "the first frame to the last event; CPU is the client process's user + system time.",
);
md.push("");
md.push(
  "| client | runtime | events/s | MB/s | CPU µs/event | ours (Deno) ÷ this, events/s | ours (Deno) ÷ this, CPU |",
);
md.push("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
for (const r of ingest.rows) {
  const mine = r.c.key === "ours_deno";
  md.push(
    `| ${mine ? "**" : ""}${r.c.label}${mine ? "**" : ""} | ${r.c.runtime} | ${
      int(r.eventsPerS)
    } | ${fmt(r.mbPerS, 1)} | ${fmt(r.cpuUsPerEvent, 1)} | ${
      mine ? "" : x(ratio(ours?.eventsPerS, r.eventsPerS))
    } | ${mine ? "" : x(ratio(r.cpuUsPerEvent, ours?.cpuUsPerEvent))} |`,
  );
}
const py = ing("python");
if (py && Number(py.runs[0]?.errors) > 0) {
  md.push("");
  md.push(
    `The Python SDK drops frames it cannot validate (${
      py.runs[0]!.errors
    } here: the \`ServerErrorEvent\` of the corpus, a kind it does not know); they count as handled.`,
  );
}
md.push("");

md.push(`## 2. History sync: ${int(server.stack.longEvents)} stored events`);
md.push("");
md.push(
  `Attach to a finished conversation of the real server (scripted \`long n=${CONFIG.historySteps}\` run, ` +
    `${int(server.stack.longEvents)} stored events) until the client holds the whole history: ` +
    "seconds from the call to its return, inside the process (imports excluded).",
);
md.push("");
md.push("| client | runtime | seconds | events held | ours (Deno) ÷ this |");
md.push("| --- | --- | ---: | ---: | ---: |");
for (const r of server.history) {
  const mine = r.c.key === "ours_deno";
  md.push(
    `| ${mine ? "**" : ""}${r.c.label}${mine ? "**" : ""} | ${r.c.runtime} | ${
      fmt(r.seconds, 3)
    } | ${int(r.events)} | ${mine ? "" : x(ratio(r.seconds, hist("ours_deno")?.seconds))} |`,
  );
}
md.push("");
md.push(
  "The two floor rows are bare clients (no validation, nothing kept): how fast the server itself " +
    "hands out the history by REST pages of 100 and by the session socket's replay. No client " +
    "can sync faster than the way it uses.",
);
md.push("");
md.push(
  "Events held differ by design: Python's list also keeps the `full_state` snapshot the socket " +
    "sends on connect, the official client's `getEvents()` merges it in too; ours keeps only " +
    "what the server stores.",
);
md.push("");

md.push("## 3. Cold start");
md.push("");
md.push(
  `Process start → attached and ready (\`READY\` printed) → exit, attaching to a short ` +
    `conversation (${server.stack.shortEvents} events) of the real server, timed from outside.`,
);
md.push("");
md.push("| client | runtime | to ready (s) | to exit (s) | ours (Deno) ÷ this, to exit |");
md.push("| --- | --- | ---: | ---: | ---: |");
for (const r of server.cold) {
  const mine = r.c.key === "ours_deno";
  md.push(
    `| ${mine ? "**" : ""}${r.c.label}${mine ? "**" : ""} | ${r.c.runtime} | ${
      fmt(r.readySeconds)
    } | ${fmt(r.exitSeconds)} | ${
      mine ? "" : x(ratio(r.exitSeconds, cold("ours_deno")?.exitSeconds))
    } |`,
  );
}
const pyCold = hist("python");
if (pyCold) {
  md.push("");
  md.push(
    `Python: importing the SDK took ${
      fmt(median(pyCold.runs.map((r) => Number(r.import_seconds))))
    } s; \`close()\` took ${
      fmt(median(pyCold.runs.map((r) => Number(r.close_seconds))))
    } s (it joins the socket thread, which only notices the stop at the next frame, with a 5 s timeout).`,
  );
}
md.push("");

md.push("## 4. Bundle");
md.push("");
md.push(`esbuild ${bundles.esbuild}, browser, ESM, ES2022, minified; gzip level 9.`);
md.push("");
md.push("| bundle | minified bytes | gzipped bytes |");
md.push("| --- | ---: | ---: |");
md.push(
  `| **ours: all of mod.ts** | ${int(bundles.ours.minBytes)} | ${int(bundles.ours.gzipBytes)} |`,
);
md.push(
  `| ours: { RemoteConversation, RemoteWorkspace } | ${int(bundles.oursNamed.minBytes)} | ${
    int(bundles.oursNamed.gzipBytes)
  } |`,
);
md.push(
  `| official: { RemoteConversation, RemoteWorkspace } | ${int(bundles.officialNamed.minBytes)} | ${
    int(bundles.officialNamed.gzipBytes)
  } |`,
);
md.push(
  `| official: default export | ${int(bundles.officialDefault.minBytes)} | ${
    int(bundles.officialDefault.gzipBytes)
  } |`,
);
md.push("");

md.push("## 5. Memory");
md.push("");
if (memory) {
  md.push(
    `${int(Number(memory.events))} events (${
      (Number(memory.json_bytes) / 1e6).toFixed(1)
    } MB of JSON) cached in a \`RemoteEventsList\` after validation retain ${
      (Number(memory.retained_bytes) / 1e6).toFixed(1)
    } MB of V8 heap (Deno, after forced GC): **${
      fmt(Number(memory.heap_per_json_byte), 3)
    } bytes of heap per byte of JSON**. The plain \`JSON.parse\` objects of the same frames in an ` +
      `array: ${fmt(Number(memory.plain_parse_per_json_byte), 3)}.`,
  );
} else md.push("Not measured (see problems).");
md.push("");

md.push("## Machine");
md.push("");
md.push("| | |");
md.push("| --- | --- |");
md.push(`| CPUs (nproc) | ${machineBefore.nproc} |`);
md.push(`| CPU model | ${machineBefore.cpuModel} |`);
md.push(`| memory | ${machineBefore.memoryGiB} GiB |`);
md.push(`| OS | ${machineBefore.os} |`);
md.push(
  `| load average (1, 5, 15 min) | before ${machineBefore.loadAvg.join(", ")}; after ${
    machineAfter.loadAvg.join(", ")
  } |`,
);
for (const [k, v] of Object.entries(versionInfo)) md.push(`| ${k} | ${v} |`);
md.push(`| esbuild | ${bundles.esbuild} |`);
md.push(
  `| server | started in ${fmt(server.stack.startSeconds, 1)} s; history ${
    server.stack.builtSeconds === undefined
      ? "reused from the cache"
      : `built in ${fmt(server.stack.builtSeconds, 0)} s`
  } (\`${server.stack.root}\`) |`,
);
md.push("");

// --- chart -------------------------------------------------------------------------------------

const bars = (
  rows: { label: string; value: number; ours?: boolean | undefined; text: string }[],
): Bar[] =>
  rows.map((r) => ({ label: r.label, value: r.value, text: r.text, highlight: r.ours ?? false }));
const short = (c: Contestant): string => {
  if (c.key === "floor_rest") return "server floor, REST";
  if (c.key === "floor_session") return "server floor, session";
  const who = c.key.startsWith("ours_conversation")
    ? "ours (conversation)"
    : c.key.startsWith("ours")
    ? "ours"
    : c.key.startsWith("bare_keep")
    ? "bare + keep"
    : c.key.startsWith("bare")
    ? "bare"
    : c.key.startsWith("official")
    ? "official"
    : "Python SDK";
  return c.runtime === "Python" ? who : `${who}, ${c.runtime}`;
};
const panels: Panel[] = [
  {
    title: `Event ingest, events/s (higher is better)`,
    bars: bars(ingest.rows.map((r) => ({
      label: short(r.c),
      value: r.eventsPerS,
      ours: r.c.ours,
      text: int(r.eventsPerS),
    }))),
  },
  {
    title: `History sync, ${int(server.stack.longEvents)} events, s (lower is better)`,
    bars: bars(server.history.map((r) => ({
      label: short(r.c),
      value: r.seconds,
      ours: r.c.ours,
      text: `${fmt(r.seconds, 3)} s`,
    }))),
  },
  {
    title: "Cold start to exit, s (lower is better)",
    bars: bars(server.cold.map((r) => ({
      label: short(r.c),
      value: r.exitSeconds,
      ours: r.c.ours,
      text: `${fmt(r.exitSeconds)} s`,
    }))),
  },
  {
    title: "Browser bundle, KB min+gzip (lower is better)",
    bars: bars([
      {
        label: "ours, all of mod.ts",
        value: bundles.ours.gzipBytes / 1000,
        ours: true,
        text: `${fmt(bundles.ours.gzipBytes / 1000, 1)} KB`,
      },
      {
        label: "ours, 2 named",
        value: bundles.oursNamed.gzipBytes / 1000,
        ours: true,
        text: `${fmt(bundles.oursNamed.gzipBytes / 1000, 1)} KB`,
      },
      {
        label: "official, 2 named",
        value: bundles.officialNamed.gzipBytes / 1000,
        text: `${fmt(bundles.officialNamed.gzipBytes / 1000, 1)} KB`,
      },
      {
        label: "official, default",
        value: bundles.officialDefault.gzipBytes / 1000,
        text: `${fmt(bundles.officialDefault.gzipBytes / 1000, 1)} KB`,
      },
    ]),
  },
];
const svg = chartSvg(
  `remote-hands benchmarks${SMOKE ? " (smoke run)" : ""}`,
  panels,
  [
    `Memory: ${fmt(Number(memory?.heap_per_json_byte), 2)} bytes of heap per byte of JSON for ${
      int(CONFIG.memoryEvents)
    } cached events (plain JSON.parse: ${fmt(Number(memory?.plain_parse_per_json_byte), 2)}).`,
    `${machineBefore.nproc} × ${machineBefore.cpuModel}, ${machineBefore.memoryGiB} GiB; Deno ${versionInfo.deno}, Bun ${versionInfo.bun}, Python ${versionInfo.python}; openhands-sdk ${
      versionInfo["openhands-sdk"]
    }, @openhands/typescript-client ${
      versionInfo["@openhands/typescript-client"]
    }, server ${AGENT_SERVER_VERSION}.`,
  ],
);
writeFileSync(join(OUT_DIR, "chart.svg"), svg);
const png = await svgToPng(svg);
if (png) writeFileSync(join(OUT_DIR, "chart.png"), png.png);
else problems.push("chart.png: no SVG rasterizer");

md.push("![chart](chart.png)");
md.push("");
if (problems.length) {
  md.push("## Problems");
  md.push("");
  for (const p of problems) md.push(`- ${p.split("\n")[0]}`);
  md.push("");
}
writeFileSync(join(OUT_DIR, "results.md"), md.join("\n"));
writeFileSync(
  join(OUT_DIR, "results.json"),
  JSON.stringify(
    {
      headline,
      config: CONFIG,
      machine: { before: machineBefore, after: machineAfter },
      versions: versionInfo,
      ingest,
      memory,
      bundles,
      history: server.history,
      cold: server.cold,
      stack: server.stack,
      problems,
    },
    null,
    2,
  ),
);
log(`wrote ${join(OUT_DIR, "results.md")}, chart.svg, chart.png${png ? ` (${png.via})` : ""}`);
for (const p of problems) log(`problem: ${p.split("\n")[0]}`);
console.log(JSON.stringify(headline));
process.exit(problems.length ? 1 : 0);
