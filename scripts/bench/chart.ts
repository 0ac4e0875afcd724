/**
 * The benchmark chart: panels of horizontal bars as an SVG written by hand, rasterized to PNG
 * with resvg (`@resvg/resvg-wasm`, no native dependency) using a system TrueType font when one
 * is found (DejaVu Sans, Liberation Sans); `rsvg-convert` is the fallback. Runs under Deno and
 * Bun.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import process from "node:process";
import { join } from "node:path";
import { REPO_ROOT } from "./_common.ts";

/** One bar. `highlight` draws it in the accent colour (ours). */
export interface Bar {
  label: string;
  value: number;
  /** Text after the bar (default: the value). */
  text?: string;
  highlight?: boolean;
}

/** One panel: a title and its bars, all on one linear scale from 0. */
export interface Panel {
  title: string;
  bars: Bar[];
}

const W = 1100;
const PANEL_W = 530;
const BAR_H = 22;
const GAP = 8;
const LABEL_W = 190;

function esc(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function panelHeight(p: Panel): number {
  return 40 + p.bars.length * (BAR_H + GAP) + 10;
}

function drawPanel(p: Panel, x: number, y: number): string {
  const max = Math.max(...p.bars.map((b) => b.value), 1e-9);
  const barMax = PANEL_W - LABEL_W - 110;
  const parts = [
    `<rect x="${x}" y="${y}" width="${PANEL_W}" height="${
      panelHeight(p)
    }" rx="6" fill="#f7f7f9" stroke="#dddde3"/>`,
    `<text x="${x + 12}" y="${y + 24}" font-size="15" font-weight="bold" fill="#222">${
      esc(p.title)
    }</text>`,
  ];
  p.bars.forEach((b, i) => {
    const by = y + 40 + i * (BAR_H + GAP);
    const w = Math.max(1, (b.value / max) * barMax);
    parts.push(
      `<text x="${x + LABEL_W - 8}" y="${by + 16}" font-size="13" text-anchor="end" fill="#333">${
        esc(b.label)
      }</text>`,
      `<rect x="${x + LABEL_W}" y="${by}" width="${w.toFixed(1)}" height="${BAR_H}" rx="3" fill="${
        b.highlight ? "#2f6fdf" : "#9aa3b5"
      }"/>`,
      `<text x="${x + LABEL_W + w + 6}" y="${by + 16}" font-size="13" fill="#222">${
        esc(b.text ?? String(b.value))
      }</text>`,
    );
  });
  return parts.join("\n");
}

/** The SVG of `panels` (two columns) under a title, with `footer` lines at the bottom. */
export function chartSvg(title: string, panels: Panel[], footer: string[]): string {
  const parts: string[] = [];
  let y = 56;
  for (let i = 0; i < panels.length; i += 2) {
    const row = panels.slice(i, i + 2);
    row.forEach((p, j) => parts.push(drawPanel(p, 15 + j * (PANEL_W + 10), y)));
    y += Math.max(...row.map(panelHeight)) + 12;
  }
  footer.forEach((line, i) => {
    parts.push(
      `<text x="15" y="${y + 18 + i * 18}" font-size="12" fill="#555">${esc(line)}</text>`,
    );
  });
  const h = y + 18 * footer.length + 18;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="15" y="34" font-size="20" font-weight="bold" fill="#111">${esc(title)}</text>
${parts.join("\n")}
</svg>
`;
}

const FONTS = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
  "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
  "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
  "/usr/share/fonts/TTF/DejaVuSans.ttf",
  "/Library/Fonts/Arial.ttf",
];

/** Rasterizes an SVG to PNG: resvg-wasm, else `rsvg-convert`. Returns undefined if neither works. */
export async function svgToPng(
  svg: string,
): Promise<{ png: Uint8Array; via: string } | undefined> {
  try {
    const resvg = await import("@resvg/resvg-wasm");
    const require = createRequire(join(REPO_ROOT, "package.json"));
    const wasmPath = require.resolve("@resvg/resvg-wasm/index_bg.wasm");
    try {
      await resvg.initWasm(readFileSync(wasmPath));
    } catch (err) {
      if (!String(err).includes("Already initialized")) throw err;
    }
    const fontBuffers = FONTS.filter((f) => existsSync(f)).map((f) => readFileSync(f));
    const r = new resvg.Resvg(svg, {
      font: {
        fontBuffers,
        loadSystemFonts: false,
        defaultFontFamily: "DejaVu Sans",
        sansSerifFamily: "DejaVu Sans",
      },
      background: "#ffffff",
    });
    const png = r.render().asPng();
    return {
      png,
      via: `resvg-wasm${fontBuffers.length ? "" : " (no TrueType font found: no text)"}`,
    };
  } catch (err) {
    const out = spawnSync("rsvg-convert", ["-f", "png"], { input: svg, maxBuffer: 64 << 20 });
    if (out.status === 0 && out.stdout.byteLength > 0) {
      return { png: new Uint8Array(out.stdout), via: "rsvg-convert" };
    }
    process.stderr.write(`[bench] no PNG: resvg failed (${String(err)}), no rsvg-convert\n`);
    return undefined;
  }
}
