/**
 * Bundle size: esbuild browser bundles (ESM, ES2022, minified), gzipped at level 9, of
 *
 * - ours: everything `mod.ts` exports (with openapi-fetch and valibot), and the same two named
 *   imports as the official client's;
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

/** Measures the three bundles. */
export async function bundleSizes(): Promise<{
  ours: BundleSize;
  oursNamed: BundleSize;
  officialNamed: BundleSize;
  officialDefault: BundleSize;
  esbuild: string;
}> {
  try {
    const ours = await size(`export * from "./mod.ts";`);
    const oursNamed = await size(
      `export { RemoteConversation, RemoteWorkspace } from "./mod.ts";`,
    );
    const officialNamed = await size(
      `export { RemoteConversation, RemoteWorkspace } from "@openhands/typescript-client";`,
    );
    const officialDefault = await size(
      `import client from "@openhands/typescript-client";\nexport default client;`,
    );
    return { ours, oursNamed, officialNamed, officialDefault, esbuild: esbuild.version };
  } finally {
    await esbuild.stop();
  }
}

if (import.meta.main) {
  console.log(JSON.stringify(await bundleSizes()));
}
