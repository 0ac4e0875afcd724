/**
 * "Targets and limits": one bullet per target saying whether it is met and, for a missed one,
 * the limit measured in the same run that bounds it (bare + keep for ingest, the server's REST and
 * session-socket floors for history sync, plain `JSON.parse` for memory).
 *
 * @module
 */

import { median } from "./_common.ts";
import { fmt, int, x } from "./_format.ts";
import {
  type Bounds,
  fastestFloor,
  type Headline,
  type Measurements,
  type Rows,
  rowsOf,
} from "./figures.ts";
import type { IngestRow } from "./measure_ingest.ts";
import { BUNDLE_TARGET_BYTES } from "./report_headline.ts";
import { scaleLimitTexts } from "./scale_report.ts";

/** `12,345 events/s, 6.7 µs CPU/event` */
const eps = (r: IngestRow): string =>
  `${int(r.eventsPerS)} events/s, ${fmt(r.cpuUsPerEvent, 1)} µs CPU/event`;
const verdict = (ok: boolean, reachable: boolean | undefined): string =>
  ok ? "met" : reachable === false ? "not met, out of reach" : "not met";
const missing = (what: string): string => `**${what}:** not measured in this run (see problems).`;
/** Said when a figure beats the limit measured in the same run: only noise can do that. */
const NOISE =
  " That is past the limit, which only run-to-run noise can do: these figures are not steady.";

/** Ingest against the bare limit: the ceiling of a client that keeps its events. */
function ingestVsBare({ ing }: Rows, h: Headline): string {
  const ours = ing("ours_deno");
  const oursBun = ing("ours_bun");
  const bareDeno = ing("bare_deno");
  const keepDeno = ing("bare_keep_deno");
  const bareBun = ing("bare_bun");
  const keepBun = ing("bare_keep_bun");
  if (!ours || !bareDeno || !keepDeno || h.ingest_vs_bare === null) {
    return missing("Ingest ≥ 0.7× the bare limit");
  }
  const v = h.ingest_vs_bare;
  const ceil = keepDeno.eventsPerS / bareDeno.eventsPerS;
  const ceilCpu = bareDeno.cpuUsPerEvent / keepDeno.cpuUsPerEvent;
  let text = `**Ingest ≥ 0.7× the bare limit (Deno): ${verdict(v >= 0.7, ceil >= 0.7)} ` +
    `(${x(v)}).** Ours takes ${eps(ours)}; the bare WebSocket + JSON.parse that keeps nothing ` +
    `${eps(bareDeno)}. A client that keeps a list must at least keep the parsed objects: the ` +
    `bare client that keeps them in an array and does nothing else takes ${eps(keepDeno)}, so ` +
    `\`bare_keep ÷ bare\` = ${x(ceil)} (by CPU time ${x(ceilCpu)}) is the best any keeping ` +
    "client can reach here" +
    (v >= 0.7
      ? "."
      : ceil < 0.7
      ? "; 0.7× is above it."
      : "; 0.7× is below it, so the gap is ours.") +
    ` Ours runs at ${x(ours.eventsPerS / keepDeno.eventsPerS)} of that ceiling.` +
    (ours.eventsPerS > keepDeno.eventsPerS ? NOISE : "");
  if (oursBun && bareBun && keepBun) {
    text += ` On Bun: ours ${x(oursBun.eventsPerS / bareBun.eventsPerS)} the bare limit, ` +
      `\`bare_keep ÷ bare\` = ${x(keepBun.eventsPerS / bareBun.eventsPerS)}, ours ` +
      `${x(oursBun.eventsPerS / keepBun.eventsPerS)} of bare_keep.`;
  }
  return text;
}

/** Ingest against the Python SDK. */
function ingestVsPython({ ing }: Rows, h: Headline): string {
  const ours = ing("ours_deno");
  const pyIngest = ing("python");
  const keepDeno = ing("bare_keep_deno");
  if (!ours || !pyIngest || !keepDeno || h.ingest_vs_python === null) {
    return missing("Ingest ≥ 10× the Python SDK");
  }
  const v = h.ingest_vs_python;
  const ceil = keepDeno.eventsPerS / pyIngest.eventsPerS;
  return `**Ingest ≥ 10× the Python SDK: ${verdict(v >= 10, ceil >= 10)} (${x(v)}; by CPU time ` +
    `${x(h.ingest_cpu_vs_python)}).** The Python SDK takes ${eps(pyIngest)}, ours on Deno ` +
    `${eps(ours)}.` +
    (v >= 10 ? "" : ` The keeping ceiling (bare_keep on Deno) is ${x(ceil)} the Python SDK` +
      (ceil < 10 ? ": 10× is above it." : ": 10× is below it, so the gap is ours."));
}

/** Ingest against the official client, on the runtime it runs its socket on. */
function ingestVsOfficial({ ing }: Rows, h: Headline): string {
  const oursBun = ing("ours_bun");
  const official = ing("official_bun");
  const bareBun = ing("bare_bun");
  const keepBun = ing("bare_keep_bun");
  if (!oursBun || !official || !bareBun || !keepBun || h.ingest_vs_official === null) {
    return missing("Ingest ≥ 2× the official client");
  }
  const v = h.ingest_vs_official;
  const offBare = official.eventsPerS / bareBun.eventsPerS;
  const offKeep = official.eventsPerS / keepBun.eventsPerS;
  const offBareCpu = bareBun.cpuUsPerEvent / official.cpuUsPerEvent;
  const offKeepCpu = keepBun.cpuUsPerEvent / official.cpuUsPerEvent;
  return `**Ingest ≥ 2× the official client (both on Bun): ${verdict(v >= 2, 2 * offKeep <= 1)} (${
    x(v)
  }; by CPU time ${x(h.ingest_cpu_vs_official)}).** The official client takes ` +
    `${eps(official)}, ours ${eps(oursBun)}. On Bun the bare limit is ${eps(bareBun)} and ` +
    `bare_keep ${eps(keepBun)}: the official client already runs at \`official ÷ bare\` = ` +
    `${x(offBare)} and \`official ÷ bare_keep\` = ${x(offKeep)}. Twice its rate, ` +
    `${int(2 * official.eventsPerS)} events/s, is \`2 × official ÷ bare\` = ${x(2 * offBare)} ` +
    `and \`2 × official ÷ bare_keep\` = ${x(2 * offKeep)}` +
    (2 * offBare > 1
      ? ": faster than a client that parses every frame and keeps nothing, which no client can be."
      : 2 * offKeep > 1
      ? ": faster than any client that keeps the events can be (the official client and ours both " +
        "keep them in a list)."
      : ": within reach.") +
    ` By CPU time per event: \`2 × official ÷ bare\` = ${x(2 * offBareCpu)}, ` +
    `\`2 × official ÷ bare_keep\` = ${x(2 * offKeepCpu)}. Across runtimes, ours on Deno is ` +
    `${x(h.ingest_deno_vs_official_bun)} the official client on Bun.` +
    (oursBun.eventsPerS > keepBun.eventsPerS ? NOISE : "");
}

/** History sync against a peer, bounded by the server's own floor. */
function syncLine(
  m: Measurements,
  name: string,
  key: string,
  v: number | null,
): string {
  const { hist } = rowsOf(m);
  const floorRest = hist("floor_rest");
  const floorSession = hist("floor_session");
  const fastest = fastestFloor(m);
  const peer = hist(key);
  const mine = hist(key === "official_bun" ? "ours_bun" : "ours_deno");
  const deno = hist("ours_deno");
  const title = `History sync ≥ 3× faster than ${name}`;
  if (!peer || !mine || v === null || fastest === undefined) return missing(title);
  const need = peer.seconds / 3;
  const floors = [
    floorRest ? `${fmt(floorRest.seconds, 3)} s by REST pages (floor_rest)` : undefined,
    floorSession
      ? `${fmt(floorSession.seconds, 3)} s by the session socket's replay (floor_session)`
      : undefined,
  ].filter((f) => f !== undefined).join(" and ");
  return `**${title}: ${verdict(v >= 3, need >= fastest)} (${x(v)}).** ` +
    `${name[0]!.toUpperCase()}${name.slice(1)} takes ` +
    `${fmt(peer.seconds, 3)} s, ours ${fmt(mine.seconds, 3)} s (${mine.c.runtime}); 3× faster ` +
    `means ${fmt(need, 3)} s. The server hands the same history to a bare Deno client that only ` +
    `parses it in ${floors}` +
    (need < fastest
      ? `: ${fmt(need, 3)} s is below that, so no client can reach it; the best possible is ` +
        `\`${key} ÷ fastest floor\` = ${x(peer.seconds / fastest)}.`
      : `: ${fmt(need, 3)} s is above the fastest floor, so it is within reach.`) +
    (floorRest && deno
      ? ` Ours on Deno (REST pages while the session socket connects) takes ` +
        `${x(deno.seconds / floorRest.seconds)} the REST floor.` +
        (deno.seconds < floorRest.seconds ? NOISE : "")
      : "");
}

/** Cold start against the Python SDK. */
function coldStart({ cold, hist }: Rows, h: Headline): string {
  const py = cold("python");
  const mine = cold("ours_deno");
  const bun = cold("ours_bun");
  const pyImport = hist("python")?.runs.map((r) => Number(r.import_seconds));
  const v = h.coldstart_vs_python;
  if (!py || !mine || v === null) return missing("Cold start ≤ 1/10 of the Python SDK");
  return `**Cold start ≤ 1/10 of the Python SDK: ${verdict(v >= 10, undefined)} (${x(v)}).** ` +
    `The Python SDK exits after ${fmt(py.exitSeconds)} s` +
    (pyImport?.length ? ` (importing the SDK alone: ${fmt(median(pyImport))} s)` : "") +
    `; a tenth is ${fmt(py.exitSeconds / 10)} s. Ours exits after ${
      fmt(mine.exitSeconds)
    } s on Deno (ready after ${fmt(mine.readySeconds)} s)` +
    (bun ? `, ${fmt(bun.exitSeconds)} s on Bun.` : ".") +
    (v >= 10 ? "" : " No limit of this run bounds it (a bare runtime start is not measured).");
}

/** The browser bundle: the two classes a conversation needs, and all of `mod.ts`. */
function bundle(m: Measurements, h: Headline): string {
  const { bundles } = m;
  return `**Bundle ≤ 20 KB gzipped: ${
    verdict(h.bundle_named_gz_bytes <= BUNDLE_TARGET_BYTES, undefined)
  }.** \`{ RemoteConversation, RemoteWorkspace }\` minified and gzipped is ` +
    `${int(bundles.oursNamed.gzipBytes)} bytes (target 20,480), the official client's same two ` +
    `${int(bundles.officialNamed.gzipBytes)}; all of \`mod.ts\` ${int(bundles.ours.gzipBytes)}.`;
}

/** Memory against plain `JSON.parse`. */
function memory(m: Measurements, h: Headline, bound: Bounds): string {
  if (!m.memory || h.heap_per_json_byte === null || bound.heap_per_json_byte === null) {
    return missing("Memory ≤ 2× the raw JSON");
  }
  const v = h.heap_per_json_byte;
  const plain = bound.heap_per_json_byte;
  return `**Memory ≤ 2× the raw JSON: ${verdict(v <= 2, plain <= 2)} (${
    fmt(v, 2)
  } bytes of heap per byte of JSON).** ${
    int(Number(m.memory.events))
  } validated events in a \`RemoteEventsList\`; the plain \`JSON.parse\` objects of the same ` +
    `frames in an array take ${fmt(plain, 2)}, the least any client that keeps parsed events ` +
    (plain > 2 ? "can take: 2 is below it." : "can take.") +
    (v < plain ? NOISE : "");
}

/**
 * One Markdown bullet per target.
 *
 * @param m The measurements.
 * @param h The headline figures.
 * @param bound The bounds of the same run.
 * @returns The lines.
 */
export function limitLines(m: Measurements, h: Headline, bound: Bounds): string[] {
  const rows = rowsOf(m);
  return [
    ingestVsBare(rows, h),
    ingestVsPython(rows, h),
    ingestVsOfficial(rows, h),
    syncLine(m, "the Python SDK", "python", h.sync_vs_python),
    syncLine(m, "the official client", "official_bun", h.sync_vs_official),
    coldStart(rows, h),
    bundle(m, h),
    memory(m, h, bound),
    ...scaleLimitTexts(m.scale, h),
  ].map((text) => `- ${text}`);
}
