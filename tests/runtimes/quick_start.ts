/**
 * The README's quick start, run as written in the four places the README says it runs: Deno, Bun
 * (`scripts/examples.ts`), Node and a browser page (`scripts/runtimes.ts`).
 *
 * "As written": the code block under `## Quick start` in README.md must equal
 * `examples/quick_start.ts` after its doc comment ({@linkcode quickStartSource} throws if not), and
 * the only change made to it is the six quoted settings (server, key, directory, model, LLM key,
 * LLM URL) replaced by the stack's, each found exactly once ({@linkcode configureQuickStart}).
 * The same text is then written to `out/quick-start/` as `quick_start.ts` (Deno and Bun resolve
 * `@remote-hands/client` to the sources, as for the other examples) and as `quick_start.mjs`
 * beside a `node_modules/@remote-hands/client` holding the bundles (what `npx jsr add` gives a
 * Node project), and loaded by a page whose import map points at the same bundles.
 *
 * A run passes when it ends without error and prints `finished N events`.
 *
 * @module
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { OUT_DIR, REPO_ROOT, runProcess, type StackInfo } from "./_common.ts";

/** Where the configured copies go. */
export const QUICK_START_DIR: string = join(OUT_DIR, "quick-start");

/** What a passing run prints last: the status and the number of events. */
const DONE_LINE = /^finished \d+ events$/m;

/** The README's quick start code, checked equal to `examples/quick_start.ts`'s code. */
export function quickStartSource(): string {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Quick start\n"));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error("README.md: no ```ts block under ## Quick start");
  const file = readFileSync(join(REPO_ROOT, "examples", "quick_start.ts"), "utf8");
  const code = file.replace(/^\/\*\*[\s\S]*?\*\/\n\n/, "");
  if (code !== block) {
    throw new Error(
      "README.md's quick start differs from examples/quick_start.ts (after its doc comment): " +
        "make them equal",
    );
  }
  return block;
}

/** The quick start with its quoted settings replaced by the stack's. */
export function configureQuickStart(source: string, stack: StackInfo): string {
  const settings: [string, string][] = [
    ['"http://127.0.0.1:8000"', JSON.stringify(stack.serverUrl)],
    ['"my-key"', JSON.stringify(stack.apiKey)],
    ['"/tmp/quick-start"', JSON.stringify(stack.workspaceDir)],
    ['"openai/gpt-4o-mini"', '"openai/scripted"'],
    ['"sk-your-llm-key"', '"scripted"'],
    ['"https://api.openai.com/v1"', JSON.stringify(`${stack.llmUrl}/v1`)],
  ];
  let out = source;
  for (const [from, to] of settings) {
    const count = out.split(from).length - 1;
    if (count !== 1) throw new Error(`the quick start has ${from} ${count} times, not once`);
    out = out.replace(from, to);
  }
  return out;
}

/** Writes the configured quick start for Deno and Bun; returns the file. */
export function writeQuickStartTs(stack: StackInfo): string {
  mkdirSync(QUICK_START_DIR, { recursive: true });
  const file = join(QUICK_START_DIR, "quick_start.ts");
  writeFileSync(file, configureQuickStart(quickStartSource(), stack));
  // Bun resolves the package name through these paths; Deno through the repo's deno.json.
  writeFileSync(
    join(QUICK_START_DIR, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        paths: {
          "@remote-hands/client": ["../../mod.ts"],
          "@remote-hands/client/visualizer": ["../../visualizer.ts"],
        },
      },
    }),
  );
  return file;
}

/** Throws unless a run's output ends the way a passing run's does. */
export function checkQuickStartOutput(output: string, apiKey: string): string {
  if (output.includes(apiKey)) throw new Error("the API key appears in the output");
  const done = DONE_LINE.exec(output)?.[0];
  if (!done) throw new Error(`no "finished N events" line:\n${output.slice(-2000)}`);
  return done;
}

/** Bundles `mod.ts` and `visualizer.ts` into `out/quick-start/pkg/` (imports esbuild lazily). */
async function bundlePackage(): Promise<string> {
  const { bundleEntry } = await import("../../scripts/bundle.ts");
  const pkg = join(QUICK_START_DIR, "node_modules", "@remote-hands", "client");
  mkdirSync(pkg, { recursive: true });
  await bundleEntry("mod.ts", join(pkg, "mod.js"));
  await bundleEntry("visualizer.ts", join(pkg, "visualizer.js"));
  writeFileSync(
    join(pkg, "package.json"),
    JSON.stringify({
      name: "@remote-hands/client",
      type: "module",
      exports: { ".": "./mod.js", "./visualizer": "./visualizer.js" },
    }),
  );
  return pkg;
}

/**
 * Runs the quick start as `quick_start.mjs` under Node (with `--experimental-websocket` before
 * Node 22, as the README says); returns the closing line.
 */
export async function runQuickStartNode(
  stack: StackInfo,
  node: string,
  log: (line: string) => void,
): Promise<string> {
  await bundlePackage();
  const file = join(QUICK_START_DIR, "quick_start.mjs");
  writeFileSync(file, configureQuickStart(quickStartSource(), stack));
  const major = Number(/^v(\d+)/.exec((await runProcess(node, ["--version"])).stdout)?.[1]);
  const args = major < 22 ? ["--experimental-websocket", file] : [file];
  log(`$ node ${args.join(" ").replaceAll(`${REPO_ROOT}/`, "")}`);
  const r = await runProcess(node, args, { cwd: QUICK_START_DIR, timeoutMs: 120_000 });
  const output = `${r.stdout}\n${r.stderr}`;
  if (r.code !== 0) throw new Error(`node exited ${r.code ?? r.signal}:\n${output.slice(-2000)}`);
  return checkQuickStartOutput(output, stack.apiKey);
}

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>remote-hands quick start</title>
    <link rel="icon" href="data:,">
    <script type="importmap">
      { "imports": {
        "@remote-hands/client": "./node_modules/@remote-hands/client/mod.js",
        "@remote-hands/client/visualizer": "./node_modules/@remote-hands/client/visualizer.js"
      } }
    </script>
  </head>
  <body>
    <p>The README's quick start runs in this page; its output is in the console.</p>
    <script type="module" src="./quick_start.mjs"></script>
  </body>
</html>
`;

/**
 * Runs the quick start in a page of headless Chromium (another origin than the server: CORS and a
 * cross-origin WebSocket), reading its console; returns the closing line.
 */
export async function runQuickStartBrowser(
  stack: StackInfo,
  log: (line: string) => void,
): Promise<string> {
  const { chromium } = await import("playwright-core");
  const { CHROMIUM, CHROMIUM_ARGS } = await import("./browser.ts");
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
  await bundlePackage();
  writeFileSync(
    join(QUICK_START_DIR, "quick_start.mjs"),
    configureQuickStart(quickStartSource(), stack),
  );
  writeFileSync(join(QUICK_START_DIR, "index.html"), PAGE);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const file = join(QUICK_START_DIR, path === "/" ? "index.html" : path);
    if (!file.startsWith(QUICK_START_DIR) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const type = file.endsWith(".html") ? "text/html" : "text/javascript";
    res.writeHead(200, { "content-type": `${type}; charset=utf-8`, "cache-control": "no-store" });
    res.end(readFileSync(file));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const addr = server.address();
      resolve(typeof addr === "object" && addr ? addr.port : 0);
    });
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage();
    const lines: string[] = [];
    const { promise: ended, resolve: end } = Promise.withResolvers<string>();
    page.on("console", (m) => {
      const text = m.text();
      lines.push(text);
      if (DONE_LINE.test(text)) end(text);
    });
    const errors: string[] = [];
    page.on("pageerror", (e) => {
      errors.push(`page error: ${e.message}`);
      end(errors[0]!);
    });
    const url = `http://localhost:${port}/`;
    log(`page ${url} (the server is ${stack.serverUrl})`);
    await page.goto(url);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const last = await Promise.race([
      ended,
      new Promise<string>((r) => timer = setTimeout(() => r("timed out after 120 s"), 120_000)),
    ]);
    clearTimeout(timer);
    // close() runs after the last line: an error from it would come within moments.
    await new Promise((r) => setTimeout(r, 1000));
    if (errors.length > 0) throw new Error(`${errors.join("\n")}\n${lines.join("\n")}`);
    return checkQuickStartOutput(`${lines.join("\n")}\n${last}`, stack.apiKey);
  } finally {
    await browser.close();
    await new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  }
}
