/**
 * "Everywhere TypeScript runs": drives a real conversation (the pinned agent server, the scripted
 * LLM) from the bundled client in Node, in headless Chromium and in workerd, and prints a table.
 *
 *   deno task test:runtimes                 every check
 *   deno task test:runtimes browser edge    only those: keys bundle, node-global, node-ws,
 *                                           quick-start-node, node-types, browser,
 *                                           quick-start-browser, edge-global, edge-fetch,
 *                                           web-deno, web-bun, web-workerd, web-chromium (or the
 *                                           part before a dash); the bundle is always built
 *
 * The quick-start checks run the README's quick start as written (its settings replaced by the
 * stack's) as a `.mjs` file under Node and as a module of a page in Chromium.
 *
 * Steps: install what is missing (npm dependencies with `npm ci`; Debian's `chromium` with
 * apt-get, timed), bundle (`scripts/bundle.ts`), start the stack (`scripts/agent_server.ts
 * --info-file`, a child process), run each check, stop the stack. Exits 1 when a check fails; the
 * last line is `runtimes: N passed, M failed`.
 *
 * The checks live in `tests/runtimes/` (see `scenario.js` for the conversation every runtime runs).
 *
 * @module
 */

import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./_agent_server_install.ts";
import { startStackProcess } from "./_stack_process.ts";

/** npm packages the checks load (devDependencies of package.json). */
const NPM_PACKAGES = ["esbuild", "playwright-core", "ws", "typescript"];
/** workerd has a folder of its own (see `WORKERD_DIR` in tests/runtimes/edge.ts). */
const WORKERD_DIR = join(REPO_ROOT, "tests", "runtimes", "edge", "workerd");
const CHROMIUM = "/usr/bin/chromium";

type Log = (line: string) => void;

interface Row {
  key: string;
  name: string;
  result: "pass" | "FAIL" | "skip";
  seconds: number;
  detail: string;
}

interface StackInfo {
  serverUrl: string;
  apiKey: string;
  llmUrl: string;
  workspaceDir: string;
  startSeconds: number;
  serverVersion: string;
}

function elapsed(t0: number): number {
  return (performance.now() - t0) / 1000;
}

function prefixed(tag: string): Log {
  return (line) => console.log(`[${tag}] ${line}`);
}

/** Runs a command with inherited output; resolves with its exit code. */
function sh(cmd: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: REPO_ROOT,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, ...env },
    });
    child.once("error", () => resolve(127));
    child.once("close", (code) => resolve(code ?? 1));
  });
}

/** `npm ci` when a package the checks need is missing. */
async function ensureNpmPackages(log: Log): Promise<void> {
  const missing = NPM_PACKAGES.filter((p) => !existsSync(join(REPO_ROOT, "node_modules", p)));
  if (missing.length === 0) return void log(`npm packages present (${NPM_PACKAGES.join(", ")})`);
  log(`npm packages missing: ${missing.join(", ")}; npm ci ...`);
  const t0 = performance.now();
  const code = await sh("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
  if (code !== 0) throw new Error(`npm ci failed (exit ${code})`);
  log(`npm ci took ${elapsed(t0).toFixed(1)} s`);
}

/** workerd into its own folder, when missing or when its package.json changed. */
async function ensureWorkerd(log: Log): Promise<void> {
  const bin = join(WORKERD_DIR, "node_modules", ".bin", "workerd");
  const stamp = join(WORKERD_DIR, "node_modules", ".package-lock.json");
  const pin = join(WORKERD_DIR, "package.json");
  if (existsSync(bin) && existsSync(stamp) && statSync(stamp).mtimeMs >= statSync(pin).mtimeMs) {
    return void log("workerd present");
  }
  log("workerd missing: npm install --prefix tests/runtimes/edge/workerd ...");
  const t0 = performance.now();
  const code = await sh("npm", [
    "install",
    "--prefix",
    WORKERD_DIR,
    "--no-save",
    "--no-package-lock",
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
  ]);
  if (code !== 0 || !existsSync(bin)) throw new Error(`npm install workerd failed (exit ${code})`);
  log(`installed workerd in ${elapsed(t0).toFixed(1)} s`);
}

/** Debian's chromium via apt-get when `/usr/bin/chromium` is missing; prints the time it took. */
async function ensureChromium(log: Log): Promise<void> {
  if (existsSync(CHROMIUM)) return void log(`${CHROMIUM} present`);
  if (process.getuid?.() !== 0) {
    throw new Error(`${CHROMIUM} is missing and this is not root: apt-get install chromium`);
  }
  log(`${CHROMIUM} missing: apt-get update && apt-get install chromium ...`);
  const t0 = performance.now();
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  if (await sh("apt-get", ["update", "-qq"], env) !== 0) throw new Error("apt-get update failed");
  const code = await sh(
    "apt-get",
    ["install", "-y", "-qq", "chromium"],
    env,
  );
  if (code !== 0 || !existsSync(CHROMIUM)) {
    throw new Error(`apt-get install chromium failed (${code})`);
  }
  log(`installed chromium with apt-get in ${elapsed(t0).toFixed(1)} s`);
}

/** Starts the stack (scripted LLM + real server) as a child process and logs where it is. */
async function startStack(log: Log): Promise<{ info: StackInfo; stop: () => Promise<void> }> {
  const stack = await startStackProcess("runtimes");
  const info = stack.info as unknown as StackInfo;
  log(
    `agent server ${info.serverVersion} on ${info.serverUrl}, scripted LLM on ${info.llmUrl} ` +
      `(started in ${info.startSeconds} s)`,
  );
  return { info, stop: stack.stop };
}

async function main(args: string[]): Promise<number> {
  const t0 = performance.now();
  const setup = prefixed("setup");
  // Every check needs the bundle, so it is always built (and always a row).
  const selected = (key: string) =>
    key === "bundle" || args.length === 0 ||
    args.some((a) => key === a || key.startsWith(`${a}-`));
  const rows: Row[] = [];
  const check = async (
    key: string,
    name: string,
    fn: (log: Log) => Promise<string>,
  ): Promise<void> => {
    if (!selected(key)) return;
    const log = prefixed(key);
    const started = performance.now();
    try {
      const detail = await fn(log);
      rows.push({ key, name, result: "pass", seconds: elapsed(started), detail });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      for (const line of message.split("\n")) log(`FAILED: ${line}`);
      rows.push({
        key,
        name,
        result: "FAIL",
        seconds: elapsed(started),
        detail: message.split("\n")[0]!.slice(0, 100),
      });
    }
  };

  await ensureNpmPackages(setup);
  let chromiumProblem: string | undefined;
  if (selected("browser") || selected("quick-start-browser") || selected("web-chromium")) {
    try {
      await ensureChromium(setup);
    } catch (err) {
      chromiumProblem = err instanceof Error ? err.message : String(err);
      setup(chromiumProblem);
    }
  }
  let workerdProblem: string | undefined;
  if (selected("edge-global") || selected("edge-fetch") || selected("web-workerd")) {
    try {
      await ensureWorkerd(setup);
    } catch (err) {
      workerdProblem = err instanceof Error ? err.message : String(err);
      setup(workerdProblem);
    }
  }
  // Loaded after the install: they import esbuild, playwright-core and friends.
  const { bundle, formatBytes } = await import("./bundle.ts");
  const { checkTypes, NODE, nodeVersion, testNode } = await import("../tests/runtimes/node.ts");
  const { testBrowser } = await import("../tests/runtimes/browser.ts");
  const { runQuickStartBrowser, runQuickStartNode } = await import(
    "../tests/runtimes/quick_start.ts"
  );
  const { runEdgeConversation, startWorkerd } = await import("../tests/runtimes/edge.ts");

  let bundled = false;
  await check("bundle", "bundle (esbuild)", async (log) => {
    const r = await bundle();
    log(
      `out/remote-hands.js: ${formatBytes(r.minBytes)} minified, ${
        formatBytes(r.gzipBytes)
      } gzipped`,
    );
    log(`out/remote-hands.unminified.js: ${formatBytes(r.devBytes)}`);
    log(`by package: ${Object.entries(r.byPackage).map(([p, n]) => `${p} ${n} B`).join(", ")}`);
    bundled = true;
    return `${(r.minBytes / 1024).toFixed(1)} KiB min, ${(r.gzipBytes / 1024).toFixed(1)} KiB gz`;
  });
  if (!bundled && !existsSync(join(REPO_ROOT, "out", "remote-hands.js"))) {
    setup("no bundle: the runtime checks cannot run");
  }

  const stack = await startStack(setup);
  try {
    const node = await nodeVersion();
    const conversation = (r: { ms: { total: number }; history: unknown[] }) =>
      `finished, ${r.history.length} events, conversation ${(r.ms.total / 1000).toFixed(2)} s`;
    await check("node-global", `node ${node} (--experimental-websocket)`, async (log) => {
      return conversation(await testNode(stack.info, "global", log));
    });
    await check("node-ws", `node ${node} (ws package via option)`, async (log) => {
      return conversation(await testNode(stack.info, "ws", log));
    });
    await check("quick-start-node", `node ${node}: the README's quick start`, async (log) => {
      return await runQuickStartNode(stack.info, NODE, log);
    });
    await check("node-types", "node consumer types (tsc .d.ts)", async (log) => {
      const t = await checkTypes(log);
      const notes = t.sourceDiagnostics.length
        ? `; ${t.sourceDiagnostics.length} tsc ${
          t.tsVersion.replace("Version ", "")
        } error(s) in src`
        : "";
      const wsNote = t.wsDiagnostics.length ? "; ws WebSocket needs a cast" : "";
      return `${t.files} .d.ts, consumer ok, JSR dry run ok${notes}${wsNote}`;
    });
    await check("browser", "browser (headless Chromium)", async (log) => {
      if (chromiumProblem) throw new Error(chromiumProblem);
      return `${conversation(await testBrowser(stack.info, log))}; out/browser.png`;
    });
    await check("quick-start-browser", "browser: the README's quick start", async (log) => {
      if (chromiumProblem) throw new Error(chromiumProblem);
      return await runQuickStartBrowser(stack.info, log);
    });
    if (selected("edge-global") || selected("edge-fetch")) {
      let workerd: Awaited<ReturnType<typeof startWorkerd>> | undefined;
      if (!workerdProblem) {
        try {
          workerd = await startWorkerd(prefixed("edge"));
        } catch (err) {
          workerdProblem = `workerd did not start: ${
            err instanceof Error ? err.message : String(err)
          }`;
          setup(workerdProblem);
        }
      }
      const edge = (socket: "global" | "fetch") => async (log: Log) => {
        if (!workerd) throw new Error(workerdProblem ?? "workerd did not start");
        return `${conversation(await runEdgeConversation(workerd, stack.info, socket, log))}` +
          `, streamed as NDJSON`;
      };
      try {
        await check("edge-global", "workerd (new WebSocket)", edge("global"));
        await check("edge-fetch", "workerd (fetch Upgrade adapter)", edge("fetch"));
      } finally {
        await workerd?.stop();
      }
    }
    // The web view example (examples/web): the app three ways, then the page in Chromium.
    const web = await import("../tests/runtimes/web.ts");
    for (const variant of ["deno", "bun", "workerd"] as const) {
      await check(`web-${variant}`, `web view app (${variant})`, async (log) => {
        if (variant === "workerd" && workerdProblem) throw new Error(workerdProblem);
        const app = await web.startWebApp(variant, stack.info, log);
        try {
          return await web.checkWebApp(app, stack.info, log);
        } finally {
          await app.stop();
        }
      });
    }
    await check("web-chromium", "web view page (Chromium: reload and cut mid-run)", async (log) => {
      if (chromiumProblem) throw new Error(chromiumProblem);
      const app = await web.startWebApp("deno", stack.info, log);
      try {
        return await web.testWebView(app, stack.info, log);
      } finally {
        await app.stop();
      }
    });
  } finally {
    await stack.stop();
  }

  const w = Math.max(...rows.map((r) => r.name.length), 7);
  console.log("");
  console.log(`${"runtime".padEnd(w)}  result  seconds  detail`);
  console.log(`${"-".repeat(w)}  ------  -------  ------`);
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(w)}  ${r.result.padEnd(6)}  ${
        r.seconds.toFixed(2).padStart(7)
      }  ${r.detail}`,
    );
  }
  const passed = rows.filter((r) => r.result === "pass").length;
  const failed = rows.filter((r) => r.result === "FAIL").length;
  console.log(`\ntook ${elapsed(t0).toFixed(1)} s in all`);
  console.log(`runtimes: ${passed} passed, ${failed} failed`);
  return failed > 0 || passed === 0 ? 1 : 0;
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
