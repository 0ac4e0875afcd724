/**
 * Benchmarks side by side: this client against the bare runtime, the Python SDK
 * (openhands-sdk, same version as the pinned server) and the official TypeScript client
 * (`@openhands/typescript-client` 1.39.0), on this machine. `deno task bench`;
 * `deno task bench:smoke` runs one small iteration of everything (a few thousand events, a small
 * history) to check that the bench still works.
 *
 * One module per measurement under `scripts/bench/`:
 *
 * 1. Event ingest (`measure_ingest.ts`): a replay server on loopback speaks the events socket and
 *    sends the recorded corpus (`tests/bench_corpus/`) cycled to N events as fast as the socket
 *    takes them; each client runs in its own process and reports events/s and CPU time per event.
 * 2. History sync (`measure_history.ts`): attach to a conversation of the real server with about
 *    2,100 stored events (built once by the scripted LLM and cached, see `history.ts`) until the
 *    client holds the whole history.
 * 3. Cold start (`measure_cold_start.ts`): process start → attached and ready → exit, against the
 *    real server.
 * 4. Bundle (`bundle_size.ts`): esbuild browser bundles, minified and gzipped; the headline figure
 *    is `{ RemoteConversation, RemoteWorkspace }`, all of `mod.ts` is measured too.
 * 5. Memory (`measure_memory.ts`): heap retained per byte of JSON for 10,000 cached events.
 * 6. Fan-in scale (`measure_scale.ts`): N = 1,000 conversations followed from one process (a
 *    loopback replay server hosting them, `scale_server.ts`): attach all, RSS per conversation,
 *    CPU per live event and delivery latency under a live stream, idle CPU, and the attach of a
 *    20,000-event history; ours on Deno and Bun, the bare client on both, the official client on
 *    Bun, the Python SDK under a time cap. Every conversation must get each live event once, in
 *    order. Its headline keys are `scale_*` (ours ÷ the peer of a cost: lower is better).
 *
 * `deno task bench -- --only scale` runs the fan-in scale measurement alone (results.md and
 * results.json hold only it, the JSON line only its `scale_*` keys; no chart, no `--readme`);
 * `--scale-n N` sets its number of conversations (with `--smoke` too, for small iterations).
 *
 * Writes `out/bench/results.md` (`report_results.ts`), `results.json`, `chart.svg` and `chart.png`
 * (`report_chart.ts`), and prints one JSON line with the headline ratios (`figures.ts`) last on
 * stdout. results.md also says, for each target, whether it is met and, for a missed one, the
 * measured limit that bounds it (`report_headline.ts`, `report_limits.ts`). Benchmarks never
 * assert speed: the exit code is 0 unless a measurement could not be taken (a client crashed or
 * lost events).
 *
 * `deno task bench -- --readme` also replaces the text of `docs/benchmarks.md` between
 * `<!-- bench:start -->` and `<!-- bench:end -->` with the headline table, the targets and limits,
 * and the chart, copied to `docs/bench/chart.png` (`report_docs.ts`). Refused with `--smoke` (its
 * figures are not representative) and after a run with problems.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { ensureAgentServerInstalled } from "./_agent_server_install.ts";
import { log, machineInfo, OUT_DIR, REPO_ROOT } from "./bench/_common.ts";
import { benchConfig, type BenchOptions, BenchUsageError, parseOptions } from "./bench/_options.ts";
import { bundleSizes } from "./bench/bundle_size.ts";
import { Corpus } from "./bench/corpus.ts";
import { boundsOf, headlineOf, type Measurements } from "./bench/figures.ts";
import { measureIngest } from "./bench/measure_ingest.ts";
import { measureMemory } from "./bench/measure_memory.ts";
import { measureScale } from "./bench/measure_scale.ts";
import { measureServer } from "./bench/measure_server.ts";
import { drawChart } from "./bench/report_chart.ts";
import { docsAround, writeDocs } from "./bench/report_docs.ts";
import { headlineTable } from "./bench/report_headline.ts";
import { limitLines } from "./bench/report_limits.ts";
import { resultsMarkdown } from "./bench/report_results.ts";
import { scaleHeadlineOf } from "./bench/scale_figures.ts";
import { scaleOnlyMarkdown } from "./bench/scale_report.ts";
import { versions } from "./bench/versions.ts";

function usage(message: string): never {
  process.stderr.write(`[bench] ${message}\n`);
  process.exit(2);
}

function readOptions(): BenchOptions {
  try {
    return parseOptions(process.argv.slice(2));
  } catch (err) {
    if (err instanceof BenchUsageError) usage(err.message);
    throw err;
  }
}

const { smoke, docs, only, scaleN } = readOptions();
if (docs) {
  try {
    docsAround();
  } catch (err) {
    usage(`--readme: ${err instanceof Error ? err.message : err}`);
  }
}
const config = benchConfig(smoke, scaleN);
const t0 = performance.now();
const problems: string[] = [];

// --- setup -------------------------------------------------------------------------------------

mkdirSync(OUT_DIR, { recursive: true });
// The Python SDK lives in the server's virtualenv: install it first (once per machine).
await ensureAgentServerInstalled((l) => log(l));
// The npm peers (the official client, esbuild, resvg) are pinned dev dependencies.
if (!existsSync(join(REPO_ROOT, "node_modules", "@openhands", "typescript-client"))) {
  log("installing the npm peers (npm ci)");
  const npm = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: REPO_ROOT,
    stdio: "inherit",
  });
  if (npm.status !== 0) throw new Error("npm ci failed: the official client cannot be benchmarked");
}
const machineBefore = machineInfo();
const versionInfo = await versions();
log(`mode ${smoke ? "smoke" : "full"}; ${machineBefore.nproc} CPUs, load ${machineBefore.loadAvg}`);

// --- only the fan-in scale measurement -----------------------------------------------------------

if (only === "scale") {
  const scale = await measureScale(config.scale, problems);
  const machineAfter = machineInfo();
  const wallSeconds = (performance.now() - t0) / 1000;
  const headline = {
    ...scaleHeadlineOf(scale),
    mode: smoke ? "smoke" : "full",
    only,
    wall_seconds: Math.round(wallSeconds),
  };
  writeFileSync(
    join(OUT_DIR, "results.md"),
    scaleOnlyMarkdown(scale, headline, {
      smoke,
      wallSeconds,
      machineBefore,
      machineAfter,
      versions: versionInfo,
      problems,
    }),
  );
  writeFileSync(
    join(OUT_DIR, "results.json"),
    JSON.stringify(
      {
        headline,
        config: config.scale,
        machine: { before: machineBefore, after: machineAfter },
        versions: versionInfo,
        scale,
        problems,
      },
      null,
      2,
    ),
  );
  log(`wrote ${join(OUT_DIR, "results.md")} (scale only)`);
  for (const p of problems) log(`problem: ${p.split("\n")[0]}`);
  console.log(JSON.stringify(headline));
  process.exit(problems.length ? 1 : 0);
}

// --- measurements ------------------------------------------------------------------------------

const corpus = Corpus.load();
const ingest = await measureIngest(
  { events: config.ingestEvents, rounds: config.rounds, corpus },
  problems,
);
const memory = await measureMemory(config.memoryEvents, problems);
log("bundle sizes");
const bundles = await bundleSizes();
const server = await measureServer(config, problems);
const scale = await measureScale(config.scale, problems);
const machineAfter = machineInfo();
const wallSeconds = (performance.now() - t0) / 1000;
const m: Measurements = { ingest, memory, bundles, server, scale };

// --- reports -----------------------------------------------------------------------------------

const headline = headlineOf(m, { smoke, wallSeconds });
const bound = boundsOf(m);
const table = headlineTable(headline, bound, scale);
const limits = limitLines(m, headline, bound);

const { svg, png } = await drawChart(m, {
  smoke,
  memoryEvents: config.memoryEvents,
  machine: machineBefore,
  versions: versionInfo,
});
writeFileSync(join(OUT_DIR, "chart.svg"), svg);
if (png) writeFileSync(join(OUT_DIR, "chart.png"), png.png);
else problems.push("chart.png: no SVG rasterizer");

writeFileSync(
  join(OUT_DIR, "results.md"),
  resultsMarkdown(m, {
    smoke,
    config,
    wallSeconds,
    corpus,
    machineBefore,
    machineAfter,
    versions: versionInfo,
    headlineTable: table,
    limitLines: limits,
    problems,
  }),
);
writeFileSync(
  join(OUT_DIR, "results.json"),
  JSON.stringify(
    {
      headline,
      config,
      machine: { before: machineBefore, after: machineAfter },
      versions: versionInfo,
      ingest,
      memory,
      bundles,
      history: server.history,
      cold: server.cold,
      stack: server.stack,
      scale,
      problems,
    },
    null,
    2,
  ),
);
log(`wrote ${join(OUT_DIR, "results.md")}, chart.svg, chart.png${png ? ` (${png.via})` : ""}`);

if (docs && problems.length) {
  log("--readme: docs/benchmarks.md not updated, this run had problems (figures are missing)");
} else if (docs && png) {
  writeDocs(png.png, {
    config,
    wallSeconds,
    machineBefore,
    machineAfter,
    versions: versionInfo,
    headlineTable: table,
    limitLines: limits,
  });
}
for (const p of problems) log(`problem: ${p.split("\n")[0]}`);
console.log(JSON.stringify(headline));
process.exit(problems.length ? 1 : 0);
