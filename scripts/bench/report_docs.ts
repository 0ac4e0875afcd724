/**
 * `--readme`: replaces the text of `docs/benchmarks.md` between `<!-- bench:start -->` and
 * `<!-- bench:end -->` with the run's headline table, targets and limits and the chart, copied to
 * `docs/bench/chart.png`.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AGENT_SERVER_VERSION } from "../_agent_server_install.ts";
import { log, type MachineInfo, REPO_ROOT } from "./_common.ts";
import type { BenchConfig } from "./_options.ts";
import { DENO } from "./_run.ts";

/** The page the figures go to, relative to the repository. */
export const DOCS_PAGE = "docs/benchmarks.md";
/** The chart's copy, relative to the repository. */
const CHART = "docs/bench/chart.png";
/** The chart as the page links it (relative to `docs/`). */
const CHART_LINK = "bench/chart.png";
const START = "<!-- bench:start -->";
const END = "<!-- bench:end -->";
const PAGE_PATH = join(REPO_ROOT, DOCS_PAGE);

/**
 * The page up to and including the start marker, and from the end marker on.
 *
 * @returns Both parts.
 * @throws {Error} When the page or its markers are missing.
 */
export function docsAround(): { before: string; after: string } {
  const text = readFileSync(PAGE_PATH, "utf8");
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${DOCS_PAGE} has no ${START} … ${END}`);
  return { before: text.slice(0, a + START.length), after: text.slice(b) };
}

/** What the block between the markers says about the run. */
export interface DocsContext {
  config: BenchConfig;
  wallSeconds: number;
  machineBefore: MachineInfo;
  machineAfter: MachineInfo;
  versions: Record<string, string>;
  headlineTable: string[];
  limitLines: string[];
}

/**
 * Writes the chart to `docs/bench/chart.png` and the run's figures between the markers.
 *
 * @param png The chart.
 * @param ctx The run and its figures.
 */
export function writeDocs(png: Uint8Array, ctx: DocsContext): void {
  const { machineBefore: before, machineAfter: after, versions } = ctx;
  mkdirSync(join(REPO_ROOT, "docs", "bench"), { recursive: true });
  writeFileSync(join(REPO_ROOT, CHART), png);
  const block = [
    `Last run: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ` +
    `\`deno task bench\` in ${Math.round(ctx.wallSeconds)} s, ` +
    (ctx.config.rounds === 1 ? "one round, on " : `medians of ${ctx.config.rounds} rounds, on `) +
    `${before.nproc} × ${before.cpuModel} (${before.memoryGiB} GiB; load ` +
    `average ${before.loadAvg[0]} before, ${after.loadAvg[0]} after); Deno ` +
    `${versions.deno}, Bun ${versions.bun}, Python ${versions.python}, openhands-sdk ` +
    `${versions["openhands-sdk"]}, @openhands/typescript-client ` +
    `${versions["@openhands/typescript-client"]}, server ${AGENT_SERVER_VERSION}.`,
    "",
    ...ctx.headlineTable,
    "",
    ...ctx.limitLines,
    "",
    `![benchmark chart](${CHART_LINK})`,
    "",
  ].join("\n");
  // deno fmt with the project's settings (line width 100), so the page reads like the others.
  const formatted = spawnSync(DENO, ["fmt", "--ext", "md", "-"], {
    cwd: REPO_ROOT,
    input: block,
    encoding: "utf8",
  });
  if (formatted.status !== 0) log(`--readme: deno fmt failed, block left as written`);
  const { before: head, after: tail } = docsAround(); // read again: it may have changed meanwhile
  writeFileSync(
    PAGE_PATH,
    `${head}\n\n${formatted.status === 0 ? formatted.stdout : block}\n${tail}`,
  );
  log(`--readme: ${DOCS_PAGE} updated between the bench markers; chart copied to ${CHART}`);
}
