/**
 * The fan-in scale measurement in the reports: its rows of the headline table, its bullets under
 * "Targets and limits", and its section of `results.md` (the table of issue #13: one column per
 * client, one row per figure, then ours ÷ each peer).
 *
 * @module
 */

import type { MachineInfo } from "./_common.ts";
import { fmt, int, met, x } from "./_format.ts";
import type { ScaleResult, ScaleRow } from "./measure_scale.ts";
import {
  costRatio,
  figureOf,
  officialBound,
  SCALE_TARGETS,
  type ScaleFigure,
  type ScaleHeadline,
  scaleMet,
  scaleRow,
} from "./scale_figures.ts";

const FIGURES: readonly { figure: ScaleFigure; name: string; digits: number }[] = [
  { figure: "attach", name: "attach all (s)", digits: 2 },
  { figure: "rss", name: "RSS per conversation (KiB)", digits: 0 },
  { figure: "cpu", name: "CPU per live event (µs)", digits: 0 },
  { figure: "p99", name: "p99 delivery latency (ms)", digits: 2 },
  { figure: "history", name: "attach the big history (s)", digits: 3 },
];

const COLUMNS: readonly { key: string; head: string }[] = [
  { key: "ours_deno", head: "ours Deno" },
  { key: "bare_deno", head: "bare Deno" },
  { key: "ours_bun", head: "ours Bun" },
  { key: "bare_bun", head: "bare Bun" },
  { key: "official_bun", head: "official Bun" },
  { key: "python", head: "Python SDK" },
];

/**
 * The scale rows of the headline table (same columns: figure, target, measured, met, limit).
 *
 * @param h The headline's scale figures.
 * @param scale The measurement, for the bounds against the official client.
 * @returns The table lines.
 */
export function scaleHeadlineRows(h: ScaleHeadline, scale: ScaleResult | undefined): string[] {
  const lines: string[] = [];
  const n = h.scale_n === null ? "N" : `N=${int(h.scale_n)}`;
  const row = (figure: string, goal: string, v: number | null, ok: boolean | null, limit = "–") =>
    lines.push(`| ${figure} | ${goal} | ${v === null ? "–" : v} | ${met(ok)} | ${limit} |`);
  for (const { figure } of FIGURES) {
    const t = SCALE_TARGETS[figure];
    for (const rt of ["deno", "bun"] as const) {
      const key = `scale_${figure}_vs_bare_${rt}` as keyof ScaleHeadline;
      row(
        `${key} (${n}, ours ÷ bare)`,
        `≤ ${t.bare}`,
        h[key],
        scaleMet(h[key], t.bare),
        "≥ 1",
      );
    }
    const key = `scale_${figure}_vs_official_bun` as keyof ScaleHeadline;
    const bound = officialBound(scale, figure);
    row(
      `${key} (ours ÷ official)`,
      `${t.officialStrict ? "<" : "≤"} ${t.official}`,
      h[key],
      scaleMet(h[key], t.official, t.officialStrict),
      bound === null ? "–" : `≥ ${bound.toFixed(2)}`,
    );
  }
  row("scale_attach_vs_python (ours Deno ÷ Python SDK)", "", h.scale_attach_vs_python, null);
  row("scale_idle_cpu_pct_deno (% of a core)", "", h.scale_idle_cpu_pct_deno, null);
  row("scale_idle_cpu_pct_bun (% of a core)", "", h.scale_idle_cpu_pct_bun, null);
  return lines;
}

const cell = (row: ScaleRow | undefined, figure: ScaleFigure, digits: number): string => {
  const v = figureOf(row, figure);
  return v === undefined ? (row?.note ? "did not finish" : "–") : fmt(v, digits);
};

/** `attach 1.83× (≤ 1.3: **no**)` */
function against(
  figure: ScaleFigure,
  ratio: number | null,
  goal: number,
  strict = false,
): string {
  return `${figure} ${x(ratio)} (${strict ? "<" : "≤"} ${goal}: ${
    met(scaleMet(ratio, goal, strict))
  })`;
}

/**
 * One bullet per goal of issue #13, for "Targets and limits".
 *
 * @param scale The measurement.
 * @param h The headline's scale figures.
 * @returns The bullet texts (without the leading `- `).
 */
export function scaleLimitTexts(scale: ScaleResult | undefined, h: ScaleHeadline): string[] {
  if (!scale) return ["**Fan-in scale:** not measured in this run."];
  const { config } = scale;
  const row = (key: string): ScaleRow | undefined => scaleRow(scale, key);
  const n = int(config.conversations);
  const out: string[] = [];
  for (const rt of ["deno", "bun"] as const) {
    const parts = FIGURES.map(({ figure }) =>
      against(
        figure,
        h[`scale_${figure}_vs_bare_${rt}` as keyof ScaleHeadline],
        SCALE_TARGETS[figure].bare,
      )
    );
    out.push(
      `**Fan-in scale, ours ÷ bare on ${rt === "deno" ? "Deno" : "Bun"} (N = ${n}):** ` +
        `${parts.join(", ")}. The bare client (fetch + WebSocket + JSON.parse, events kept in ` +
        "arrays) is the floor: no client that keeps the events can go below 1.",
    );
  }
  const official = FIGURES.map(({ figure }) => {
    const t = SCALE_TARGETS[figure];
    const bound = officialBound(scale, figure);
    return `${
      against(
        figure,
        h[`scale_${figure}_vs_official_bun` as keyof ScaleHeadline],
        t.official,
        t.officialStrict,
      )
    }, floor ${x(bound)}`;
  });
  out.push(
    `**Fan-in scale, ours ÷ the official client (both on Bun):** ${official.join("; ")}. ` +
      "Floor: the bare client ÷ the official client, the least any client can reach.",
  );
  const idle = (key: string): string => {
    const r = row(key);
    return r?.idleCpuPct === undefined
      ? "–"
      : `${fmt(r.idleCpuPct, 3)} % of a core, ${r.idleTraffic} requests, messages or pings sent`;
  };
  out.push(
    `**Idle:** ${n} idle conversations for ${config.idleSeconds} s: ours on Deno ${
      idle("ours_deno")
    }; on Bun ${idle("ours_bun")} (bare Deno ${idle("bare_deno")}). Any request, message or ` +
      "ping during the hold would be polling.",
  );
  const py = row("python");
  out.push(
    `**The Python SDK at N = ${n}:** ${
      !py
        ? "not measured."
        : py.attachSeconds === undefined
        ? `${py.note ?? "no result"}.`
        : `attach ${fmt(py.attachSeconds)} s (${py.run?.threads ?? "?"} threads), p99 ${
          fmt(py.p99Ms)
        } ms, ${fmt(py.cpuUsPerEvent, 0)} µs CPU/event; ` +
          `ours on Deno ÷ Python, attach: ${x(h.scale_attach_vs_python)}.`
    }`,
  );
  return out;
}

/**
 * The section of `results.md`.
 *
 * @param scale The measurement.
 * @param number The section's number.
 * @returns The Markdown lines.
 */
export function scaleSection(scale: ScaleResult, number: number): string[] {
  const { config } = scale;
  const row = (key: string): ScaleRow | undefined => scaleRow(scale, key);
  const n = int(config.conversations);
  const md: string[] = [
    `## ${number}. Fan-in scale: ${n} conversations in one process`,
    "",
    `A replay server on loopback (\`scale_server.ts\`, Bun) hosts ${n} conversations of ` +
    `${config.history} stored events each (the recorded corpus's first stored events) and one of ` +
    `${int(config.bigEvents)}, and speaks REST, the session socket and the events socket as ` +
    "1.58.2 does. Each client, in a process of its own against a fresh server, attaches to all " +
    `${n} at once (the Python SDK one after another: its constructor blocks), then the server ` +
    `sends ${int(config.events)} live events round-robin over them at ${int(config.rate)} ` +
    `events/s, each stamped with its send time, then nothing for ${config.idleSeconds} s. RSS per ` +
    "conversation is (RSS after attach − RSS before) ÷ N, each read after a forced collection " +
    "(V8 `gc()` with `--expose-gc` on Deno, `Bun.gc(true)`, Python `gc.collect()`); CPU per " +
    "live event is the process's CPU time from the trigger to the last delivery ÷ the events; " +
    "latency is receive time − send stamp; idle is CPU time over the hold. Every client must " +
    "deliver each conversation's live events exactly once and in order, and hold exactly the " +
    `stored log, or the run fails. The big history is attached alone, ` +
    `${config.historyRounds === 1 ? "once" : `median of ${config.historyRounds}`} per client.`,
    "",
    `| N = ${n} | ${COLUMNS.map((c) => c.head).join(" | ")} |`,
    `| --- | ${COLUMNS.map(() => "---:").join(" | ")} |`,
  ];
  for (const { figure, name, digits } of FIGURES) {
    md.push(
      `| ${figure === "history" ? `attach a ${int(config.bigEvents)}-event history (s)` : name} | ${
        COLUMNS.map((c) => cell(row(c.key), figure, digits)).join(" | ")
      } |`,
    );
  }
  const extra = (name: string, f: (r: ScaleRow) => string): void => {
    md.push(
      `| ${name} | ${
        COLUMNS.map((c) => {
          const r = row(c.key);
          return r?.run && r.attachSeconds !== undefined ? f(r) : "–";
        }).join(" | ")
      } |`,
    );
  };
  extra("p50 delivery latency (ms)", (r) => fmt(r.p50Ms));
  extra("idle (% of a core)", (r) => fmt(r.idleCpuPct, 3));
  extra("idle requests + messages + pings", (r) => String(r.idleTraffic ?? "–"));
  extra("requests during the live phase", (r) => String(r.run?.live_requests ?? "–"));
  md.push(
    "",
    "| ours ÷ peer (lower is better) | " + FIGURES.map((f) => f.figure).join(" | ") + " |",
  );
  md.push(`| --- | ${FIGURES.map(() => "---:").join(" | ")} |`);
  const pairs = [
    ["ours_deno", "bare_deno", "Deno ÷ bare Deno"],
    ["ours_bun", "bare_bun", "Bun ÷ bare Bun"],
    ["ours_bun", "official_bun", "Bun ÷ official Bun"],
    ["ours_deno", "python", "Deno ÷ Python SDK"],
  ] as const;
  for (const [mine, peer, name] of pairs) {
    md.push(
      `| ${name} | ${
        FIGURES.map(({ figure }) =>
          x(costRatio(figureOf(row(mine), figure), figureOf(row(peer), figure)))
        ).join(" | ")
      } |`,
    );
  }
  const notes = scale.rows.filter((r) => r.note);
  if (notes.length) {
    md.push("");
    for (const r of notes) md.push(`- ${r.c.label} (${r.c.runtime}): ${r.note}`);
  }
  const protocols = [...new Set(scale.rows.filter((r) => r.c.ours).map((r) => r.run?.pipeline))];
  md.push(
    "",
    `Clients: ${protocols.filter(Boolean).join("; ")}; bare: \`fetch\` of the info and the ` +
      "history page, then the session socket; official: its events socket (key in the query " +
      "string); Python SDK: its events socket, one thread per conversation.",
    "",
  );
  return md;
}

/** What the `--only scale` report says besides the measurement. */
export interface ScaleOnlyContext {
  smoke: boolean;
  wallSeconds: number;
  machineBefore: MachineInfo;
  machineAfter: MachineInfo;
  versions: Record<string, string>;
  problems: string[];
}

/**
 * `results.md` of a `--only scale` run: the scale rows of the headline, the bullets, the section
 * and the machine.
 *
 * @param scale The measurement.
 * @param h The headline's scale figures.
 * @param ctx The run.
 * @returns The Markdown.
 */
export function scaleOnlyMarkdown(
  scale: ScaleResult,
  h: ScaleHeadline,
  ctx: ScaleOnlyContext,
): string {
  const { machineBefore: before, machineAfter: after } = ctx;
  const md = [
    `# Fan-in scale benchmark${ctx.smoke ? " (smoke sizes: not representative)" : ""}`,
    "",
    `Generated by \`deno task bench --only scale\` on ${
      new Date().toISOString().slice(0, 16).replace("T", " ")
    } UTC in ${Math.round(ctx.wallSeconds)} s; ${before.nproc} × ${before.cpuModel}, load ` +
    `average ${before.loadAvg.join(", ")} before, ${after.loadAvg.join(", ")} after; ` +
    Object.entries(ctx.versions).map(([k, v]) => `${k} ${v}`).join(", ") + ".",
    "",
    "| figure | target | measured | met | limit (measured) |",
    "| --- | --- | ---: | --- | ---: |",
    ...scaleHeadlineRows(h, scale),
    "",
    ...scaleLimitTexts(scale, h).map((t) => `- ${t}`),
    "",
    ...scaleSection(scale, 1),
  ];
  if (ctx.problems.length) {
    md.push("## Problems", "");
    for (const p of ctx.problems) md.push(`- ${p.split("\n")[0]}`);
    md.push("");
  }
  return md.join("\n");
}
