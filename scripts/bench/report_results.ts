/**
 * `out/bench/results.md`: every table of a run (headline, targets and limits, one section per
 * measurement, the machine), the chart and the problems.
 *
 * @module
 */

import { AGENT_SERVER_VERSION } from "../_agent_server_install.ts";
import type { MachineInfo } from "./_common.ts";
import { median } from "./_common.ts";
import { fmt, int, x } from "./_format.ts";
import type { BenchConfig } from "./_options.ts";
import type { Corpus } from "./corpus.ts";
import { type Measurements, ratio, rowsOf } from "./figures.ts";
import { scaleSection } from "./scale_report.ts";

/** What results.md says besides the measurements. */
export interface ResultsContext {
  smoke: boolean;
  config: BenchConfig;
  wallSeconds: number;
  corpus: Corpus;
  machineBefore: MachineInfo;
  machineAfter: MachineInfo;
  versions: Record<string, string>;
  /** The headline table's lines. */
  headlineTable: string[];
  /** The targets-and-limits bullets. */
  limitLines: string[];
  problems: string[];
}

/** Section 1: ingest. */
function ingestSection(m: Measurements, ctx: ResultsContext): string[] {
  const { ing } = rowsOf(m);
  const ours = ing("ours_deno");
  const oursBun = ing("ours_bun");
  const { ingest } = m;
  const md: string[] = [`## 1. Event ingest: ${int(ingest.events)} events`, ""];
  md.push(
    `The recorded corpus (${ctx.corpus.length} frames of the real ${AGENT_SERVER_VERSION} server's ` +
      `events socket, \`tests/bench_corpus/\`) cycled to ${int(ingest.events)} events, ` +
      `${(ingest.bytes / 1e6).toFixed(1)} MB (mean ${int(ingest.bytes / ingest.events)} bytes a ` +
      "frame), sent by a replay server on loopback as fast as each socket takes them. Timed from " +
      "the first frame to the last event (the whole `RemoteConversation`: from the `create()` " +
      "call, which includes its REST attach); CPU is the client process's user + system time. Our " +
      "clients' lists are checked to hold exactly the stored events of the frames sent " +
      `(${int(ctx.corpus.storedCount(ingest.events))}).`,
    "",
    "| client | runtime | events/s | MB/s | CPU µs/event | ours ÷ this, events/s | ours ÷ this, CPU |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const r of ingest.rows) {
    const mine = r.c.key === "ours_deno" || r.c.key === "ours_bun";
    const me = r.c.runtime === "Bun" ? oursBun : ours; // same runtime; Deno against Python
    md.push(
      `| ${mine ? "**" : ""}${r.c.label}${mine ? "**" : ""} | ${r.c.runtime} | ${
        int(r.eventsPerS)
      } | ${fmt(r.mbPerS, 1)} | ${fmt(r.cpuUsPerEvent, 1)} | ${
        mine ? "" : x(ratio(me?.eventsPerS, r.eventsPerS))
      } | ${mine ? "" : x(ratio(r.cpuUsPerEvent, me?.cpuUsPerEvent))} |`,
    );
  }
  md.push(
    "",
    "Ours is compared on the same runtime as each row (ours on Deno against the Python SDK). " +
      "The official client runs its socket only under Bun.",
  );
  const py = ing("python");
  if (py && Number(py.runs[0]?.errors) > 0) {
    md.push(
      "",
      `The Python SDK drops frames it cannot validate (${
        py.runs[0]!.errors
      } here: the \`ServerErrorEvent\` of the corpus, a kind it does not know); they count as handled.`,
    );
  }
  md.push("");
  return md;
}

/** Section 2: history sync. */
function historySection(m: Measurements, ctx: ResultsContext): string[] {
  const { hist } = rowsOf(m);
  const { server } = m;
  const md: string[] = [`## 2. History sync: ${int(server.stack.longEvents)} stored events`, ""];
  md.push(
    `Attach to a finished conversation of the real server (scripted \`long n=${ctx.config.historySteps}\` run, ` +
      `${int(server.stack.longEvents)} stored events) until the client holds the whole history: ` +
      "seconds from the call to its return, inside the process (imports excluded).",
    "",
    "| client | runtime | seconds | events held | ours (Deno) ÷ this |",
    "| --- | --- | ---: | ---: | ---: |",
  );
  for (const r of server.history) {
    const mine = r.c.key === "ours_deno";
    md.push(
      `| ${mine ? "**" : ""}${r.c.label}${mine ? "**" : ""} | ${r.c.runtime} | ${
        fmt(r.seconds, 3)
      } | ${int(r.events)} | ${mine ? "" : x(ratio(r.seconds, hist("ours_deno")?.seconds))} |`,
    );
  }
  md.push(
    "",
    "The two floor rows are bare clients (no validation, nothing kept): how fast the server itself " +
      "hands out the history by REST pages of 100 and by the session socket's replay. No client " +
      "can sync faster than the way it uses.",
    "",
    "Events held differ by design: Python's list also keeps the `full_state` snapshot the socket " +
      "sends on connect, the official client's `getEvents()` merges it in too; ours keeps only " +
      "what the server stores.",
    "",
  );
  return md;
}

/** Section 3: cold start. */
function coldStartSection(m: Measurements): string[] {
  const { hist, cold } = rowsOf(m);
  const { server } = m;
  const md: string[] = ["## 3. Cold start", ""];
  md.push(
    `Process start → attached and ready (\`READY\` printed) → exit, attaching to a short ` +
      `conversation (${server.stack.shortEvents} events) of the real server, timed from outside.`,
    "",
    "| client | runtime | to ready (s) | to exit (s) | ours (Deno) ÷ this, to exit |",
    "| --- | --- | ---: | ---: | ---: |",
  );
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
    md.push(
      "",
      `Python: importing the SDK took ${
        fmt(median(pyCold.runs.map((r) => Number(r.import_seconds))))
      } s; \`close()\` took ${
        fmt(median(pyCold.runs.map((r) => Number(r.close_seconds))))
      } s (it joins the socket thread, which only notices the stop at the next frame, with a 5 s timeout).`,
    );
  }
  md.push("");
  return md;
}

/** Section 4: bundle. */
function bundleSection(m: Measurements): string[] {
  const { bundles } = m;
  return [
    "## 4. Bundle",
    "",
    `esbuild ${bundles.esbuild}, browser, ESM, ES2022, minified; gzip level 9.`,
    "",
    "| bundle | minified bytes | gzipped bytes |",
    "| --- | ---: | ---: |",
    `| **ours: { RemoteConversation, RemoteWorkspace }** | ${int(bundles.oursNamed.minBytes)} | ${
      int(bundles.oursNamed.gzipBytes)
    } |`,
    `| ours: all of mod.ts | ${int(bundles.ours.minBytes)} | ${int(bundles.ours.gzipBytes)} |`,
    `| ours: { EventStreamReader } from browser.ts (target 8,192 gzipped) | ${
      int(bundles.browserReader.minBytes)
    } | ${int(bundles.browserReader.gzipBytes)} |`,
    `| official: { RemoteConversation, RemoteWorkspace } | ${
      int(bundles.officialNamed.minBytes)
    } | ${int(bundles.officialNamed.gzipBytes)} |`,
    `| official: default export | ${int(bundles.officialDefault.minBytes)} | ${
      int(bundles.officialDefault.gzipBytes)
    } |`,
    "",
  ];
}

/** Section 5: memory. */
function memorySection(m: Measurements): string[] {
  const { memory } = m;
  const md: string[] = ["## 5. Memory", ""];
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
  return md;
}

/** The machine and the versions. */
function machineSection(m: Measurements, ctx: ResultsContext): string[] {
  const { machineBefore: before, machineAfter: after } = ctx;
  const { stack } = m.server;
  const md: string[] = [
    "## Machine",
    "",
    "| | |",
    "| --- | --- |",
    `| CPUs (nproc) | ${before.nproc} |`,
    `| CPU model | ${before.cpuModel} |`,
    `| memory | ${before.memoryGiB} GiB |`,
    `| OS | ${before.os} |`,
    `| load average (1, 5, 15 min) | before ${before.loadAvg.join(", ")}; after ${
      after.loadAvg.join(", ")
    } |`,
  ];
  for (const [k, v] of Object.entries(ctx.versions)) md.push(`| ${k} | ${v} |`);
  md.push(
    `| esbuild | ${m.bundles.esbuild} |`,
    `| server | started in ${fmt(stack.startSeconds, 1)} s; history ${
      stack.builtSeconds === undefined
        ? "reused from the cache"
        : `built in ${fmt(stack.builtSeconds, 0)} s`
    } (\`${stack.root}\`) |`,
    "",
  );
  return md;
}

/**
 * The text of results.md.
 *
 * @param m The measurements.
 * @param ctx The run's context, headline table and limit bullets.
 * @returns The Markdown.
 */
export function resultsMarkdown(m: Measurements, ctx: ResultsContext): string {
  const { config, smoke } = ctx;
  const md: string[] = [
    `# Benchmarks side by side${smoke ? " (smoke run: small sizes, not representative)" : ""}`,
    "",
    `Generated by \`deno task bench${smoke ? ":smoke" : ""}\` on ${
      new Date().toISOString().slice(0, 16).replace("T", " ")
    } UTC in ${Math.round(ctx.wallSeconds)} s. Every ratio is ours relative to the peer, ` +
    "higher is better (events/s ÷ events/s, or seconds ÷ seconds the other way round), except " +
    "the fan-in scale figures (`scale_*`, section 6): ours ÷ the peer of a cost, lower is better. " +
    (config.rounds === 1
      ? "One round of each; "
      : `Medians of ${config.rounds} rounds (cold start: ${config.coldRounds}); `) +
    "each run is its own " +
    "process. Other processes share this machine, so wall-clock figures are noisy; CPU time per " +
    "event is the steadier ingest figure.",
    "",
    "## Headline",
    "",
    ...ctx.headlineTable,
    "",
    "## Targets and limits",
    "",
    ...ctx.limitLines,
    "",
    ...ingestSection(m, ctx),
    ...historySection(m, ctx),
    ...coldStartSection(m),
    ...bundleSection(m),
    ...memorySection(m),
    ...scaleSection(m.scale, 6),
    ...machineSection(m, ctx),
    "![chart](chart.png)",
    "",
  ];
  if (ctx.problems.length) {
    md.push("## Problems", "");
    for (const p of ctx.problems) md.push(`- ${p.split("\n")[0]}`);
    md.push("");
  }
  return md.join("\n");
}
