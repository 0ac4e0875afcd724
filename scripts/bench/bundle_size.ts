/**
 * Bundle size: esbuild browser bundles (ESM, ES2022, minified), gzipped at level 9, of
 *
 * - ours: the same two named imports as the official client's,
 *   `{ RemoteConversation, RemoteWorkspace }` (the headline figure, target 20,480 bytes gzipped),
 *   and everything `mod.ts` exports (with openapi-fetch and valibot);
 * - the official client: `import { RemoteConversation, RemoteWorkspace }` (what its README
 *   shows), and for scale its whole default export.
 *
 * Nothing is written to disk. `deno run -A scripts/bench/bundle_size.ts` prints one JSON line.
 *
 * @module
 */

import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { REPO_ROOT } from "./_common.ts";

/** Sizes of one bundle. */
export interface BundleSize {
  minBytes: number;
  gzipBytes: number;
}

async function size(contents: string): Promise<BundleSize> {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: REPO_ROOT, loader: "ts", sourcefile: "bench-entry.ts" },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    // The official client imports node:http(s) dynamically on its Node path; a browser bundle
    // leaves Node built-ins out (ours has none).
    external: ["node:*"],
    legalComments: "none",
    logLevel: "error",
    write: false,
    absWorkingDir: REPO_ROOT,
  });
  const code = result.outputFiles[0]!.contents;
  return { minBytes: code.byteLength, gzipBytes: gzipSync(code, { level: 9 }).byteLength };
}

/** The bundles measured, and the esbuild that built them. */
export interface BundleSizes {
  /** Everything `mod.ts` exports. */
  ours: BundleSize;
  /** `{ RemoteConversation, RemoteWorkspace }` from `mod.ts`: the headline figure. */
  oursNamed: BundleSize;
  /** `{ EventStreamReader }` from `browser.ts`: what a page that watches a stream pays. */
  browserReader: BundleSize;
  /** `{ RemoteConversation, RemoteWorkspace }` from the official client. */
  officialNamed: BundleSize;
  /** The official client's whole default export. */
  officialDefault: BundleSize;
  esbuild: string;
}

/** Measures the five bundles. */
export async function bundleSizes(): Promise<BundleSizes> {
  try {
    const ours = await size(`export * from "./mod.ts";`);
    const oursNamed = await size(
      `export { RemoteConversation, RemoteWorkspace } from "./mod.ts";`,
    );
    const browserReader = await size(`export { EventStreamReader } from "./browser.ts";`);
    const officialNamed = await size(
      `export { RemoteConversation, RemoteWorkspace } from "@openhands/typescript-client";`,
    );
    const officialDefault = await size(
      `import client from "@openhands/typescript-client";\nexport default client;`,
    );
    return {
      ours,
      oursNamed,
      browserReader,
      officialNamed,
      officialDefault,
      esbuild: esbuild.version,
    };
  } finally {
    await esbuild.stop();
  }
}

if (import.meta.main) {
  console.log(JSON.stringify(await bundleSizes()));
}
