/**
 * The app's configuration under Deno and Bun: the agent server and the LLM from the variables of
 * `../_env.ts`, and the page's script, `@remote-hands/client/browser` bundled for browsers with
 * esbuild (any bundler does; this is what `deno.ts` and `bun.ts` serve as `/reader.js`).
 *
 * @module
 */

import { dirname } from "node:path";
import * as esbuild from "esbuild";
import { apiKey, host, llm, workingDir } from "../_env.ts";
import type { WebAppConfig } from "./app.ts";

const HERE = dirname(new URL(import.meta.url).pathname);

/** Bundles the browser reader; resolves `@remote-hands/client/browser` as the examples do. */
export async function readerScript(): Promise<string> {
  const result = await esbuild.build({
    stdin: {
      contents: `export * from "@remote-hands/client/browser";`,
      resolveDir: HERE,
      loader: "ts",
    },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    write: false,
    logLevel: "error",
    tsconfig: `${HERE}/../tsconfig.json`,
  });
  await esbuild.stop();
  return result.outputFiles![0]!.text;
}

/** The app's configuration from the environment (see `../_env.ts`). */
export async function configFromEnv(): Promise<WebAppConfig> {
  return {
    host,
    apiKey,
    workingDir,
    agent: { kind: "Agent", llm, tools: [{ name: "terminal" }] },
    readerScript: await readerScript(),
  };
}
