/**
 * Bundles the client for runtimes that take plain JavaScript: `mod.ts` and its npm dependencies
 * (openapi-fetch, valibot) into one ES module for the browser platform, with esbuild.
 *
 * Writes `out/remote-hands.js` (minified, with a source map) and `out/remote-hands.unminified.js`,
 * and reports their sizes: raw, and gzipped for the minified one. `deno task bundle`.
 *
 * As a library: {@linkcode bundle} (used by `scripts/runtimes.ts`) and {@linkcode bundleEntry}
 * (bundles another entry, e.g. a Worker that imports the client).
 *
 * @module
 */

import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { REPO_ROOT } from "./_agent_server_install.ts";

/** Where the bundles go. */
export const OUT_DIR: string = join(REPO_ROOT, "out");

/**
 * The language level of the bundles. ES2022 runs on Node 18+, current browsers and workerd;
 * esbuild lowers newer syntax (none in `src/` today) to it.
 */
export const TARGET = "es2022";

/** What {@linkcode bundle} wrote. */
export interface BundleResult {
  /** `out/remote-hands.js` (minified). */
  minFile: string;
  /** `out/remote-hands.unminified.js`. */
  devFile: string;
  /** Bytes of the minified bundle. */
  minBytes: number;
  /** Bytes of the minified bundle, gzipped (level 9). */
  gzipBytes: number;
  /** Bytes of the unminified bundle. */
  devBytes: number;
  /** Input bytes per npm package (or `remote-hands` for this repo's files), in the minified bundle. */
  byPackage: Record<string, number>;
  /** Seconds the two builds took. */
  seconds: number;
}

const COMMON: esbuild.BuildOptions = {
  bundle: true,
  format: "esm",
  platform: "browser",
  target: TARGET,
  legalComments: "none",
  logLevel: "warning",
  absWorkingDir: REPO_ROOT,
};

/** Bundles `entry` (relative to the repo root) into `outfile` with the bundle's settings. */
export async function bundleEntry(
  entry: string,
  outfile: string,
  options: { minify?: boolean; conditions?: string[] } = {},
): Promise<esbuild.Metafile> {
  const result = await esbuild.build({
    ...COMMON,
    entryPoints: [entry],
    outfile,
    minify: options.minify ?? false,
    sourcemap: options.minify ? "linked" : false,
    metafile: true,
    ...(options.conditions ? { conditions: options.conditions } : {}),
  });
  return result.metafile;
}

function packageOf(path: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  return m ? m[1]! : "remote-hands";
}

/** Builds both bundles of `mod.ts` into `out/` and measures them. */
export async function bundle(): Promise<BundleResult> {
  const t0 = performance.now();
  mkdirSync(OUT_DIR, { recursive: true });
  const minFile = join(OUT_DIR, "remote-hands.js");
  const devFile = join(OUT_DIR, "remote-hands.unminified.js");
  const meta = await bundleEntry("mod.ts", minFile, { minify: true });
  await bundleEntry("mod.ts", devFile, { minify: false });
  await esbuild.stop();
  const min = readFileSync(minFile);
  const byPackage: Record<string, number> = {};
  for (const output of Object.values(meta.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const pkg = packageOf(path);
      byPackage[pkg] = (byPackage[pkg] ?? 0) + input.bytesInOutput;
    }
  }
  return {
    minFile,
    devFile,
    minBytes: min.byteLength,
    gzipBytes: gzipSync(min, { level: 9 }).byteLength,
    devBytes: readFileSync(devFile).byteLength,
    byPackage,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** `12345` → `12.1 KiB (12345 B)`. */
export function formatBytes(n: number): string {
  return `${(n / 1024).toFixed(1)} KiB (${n} B)`;
}

if (import.meta.main) {
  const r = await bundle();
  const rel = (p: string) => p.slice(REPO_ROOT.length + 1);
  console.log(`bundled mod.ts (esm, browser, ${TARGET}) in ${r.seconds.toFixed(2)} s`);
  console.log(
    `${rel(r.minFile)}: ${formatBytes(r.minBytes)} minified, ${formatBytes(r.gzipBytes)} gzipped`,
  );
  console.log(`${rel(r.devFile)}: ${formatBytes(r.devBytes)} unminified`);
  const parts = Object.entries(r.byPackage).sort((a, b) => b[1] - a[1]);
  console.log(
    `minified bytes by package: ${parts.map(([p, n]) => `${p} ${n}`).join(", ")}`,
  );
}
