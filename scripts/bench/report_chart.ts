/**
 * The chart of a run: one panel per measurement (ingest, history sync, cold start, bundle) and a
 * footer with the memory figure and the machine, as SVG and PNG.
 *
 * @module
 */

import { AGENT_SERVER_VERSION } from "../_agent_server_install.ts";
import type { MachineInfo } from "./_common.ts";
import { fmt, int } from "./_format.ts";
import { type Bar, chartSvg, type Panel, svgToPng } from "./chart.ts";
import type { Contestant } from "./contestants.ts";
import type { Measurements } from "./figures.ts";

const bars = (
  rows: { label: string; value: number; ours?: boolean | undefined; text: string }[],
): Bar[] =>
  rows.map((r) => ({ label: r.label, value: r.value, text: r.text, highlight: r.ours ?? false }));

/** A contestant's short name for a bar. */
function short(c: Contestant): string {
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
}

function panels(m: Measurements): Panel[] {
  const { ingest, server, bundles } = m;
  const kb = (bytes: number): string => `${fmt(bytes / 1000, 1)} KB`;
  return [
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
          label: "ours, 2 named",
          value: bundles.oursNamed.gzipBytes / 1000,
          ours: true,
          text: kb(bundles.oursNamed.gzipBytes),
        },
        {
          label: "ours, all of mod.ts",
          value: bundles.ours.gzipBytes / 1000,
          ours: true,
          text: kb(bundles.ours.gzipBytes),
        },
        {
          label: "official, 2 named",
          value: bundles.officialNamed.gzipBytes / 1000,
          text: kb(bundles.officialNamed.gzipBytes),
        },
        {
          label: "official, default",
          value: bundles.officialDefault.gzipBytes / 1000,
          text: kb(bundles.officialDefault.gzipBytes),
        },
      ]),
    },
  ];
}

/**
 * Draws the chart.
 *
 * @param m The measurements.
 * @param ctx Whether it is a smoke run, the memory run's size, the machine and the versions.
 * @returns The SVG, and the PNG with how it was rasterized (undefined when nothing could).
 */
export async function drawChart(
  m: Measurements,
  ctx: {
    smoke: boolean;
    memoryEvents: number;
    machine: MachineInfo;
    versions: Record<string, string>;
  },
): Promise<{ svg: string; png: { png: Uint8Array; via: string } | undefined }> {
  const { machine, versions } = ctx;
  const svg = chartSvg(
    `remote-hands benchmarks${ctx.smoke ? " (smoke run)" : ""}`,
    panels(m),
    [
      `Memory: ${fmt(Number(m.memory?.heap_per_json_byte), 2)} bytes of heap per byte of JSON for ${
        int(ctx.memoryEvents)
      } cached events (plain JSON.parse: ${fmt(Number(m.memory?.plain_parse_per_json_byte), 2)}).`,
      `${machine.nproc} × ${machine.cpuModel}, ${machine.memoryGiB} GiB; Deno ${versions.deno}, Bun ${versions.bun}, Python ${versions.python}; openhands-sdk ${
        versions["openhands-sdk"]
      }, @openhands/typescript-client ${
        versions["@openhands/typescript-client"]
      }, server ${AGENT_SERVER_VERSION}.`,
    ],
  );
  return { svg, png: await svgToPng(svg) };
}
