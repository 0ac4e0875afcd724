/**
 * Browser: headless Chromium (Debian's, driven by playwright-core) opens a page served on
 * `http://localhost:<port>` by a tiny static server here. The page imports the bundle, creates a
 * conversation on the real agent server (another origin: CORS preflights and a cross-origin
 * WebSocket), runs it and renders each event into the DOM. The check reads the page's text (the
 * terminal output, `finished`) and saves a screenshot to `out/browser.png`.
 *
 * Before that, the server's CORS answer is checked directly: a preflight from localhost and
 * 127.0.0.1 origins is allowed (the origin echoed), one from another origin is not; and a page on
 * such an origin (`http://127.0.0.2:<port>`) that tries to create a conversation gets a
 * `ConnectionError` that names `OH_ALLOW_CORS_ORIGINS` with its origin.
 *
 * @module
 */

import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import {
  assertReport,
  type Job,
  makeJob,
  OUT_DIR,
  RUNTIMES_DIR,
  type ScenarioReport,
  type StackInfo,
} from "./_common.ts";

/** Debian's Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** The flags this machine needs (no sandbox as root, no background traffic to a closed network). */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
};

/** Serves the page, the shared scenario, the bundle and the job on 127.0.0.1. */
function serveStatic(job: Job, host = "127.0.0.1"): Promise<{ server: Server; port: number }> {
  const files: Record<string, string> = {
    "/": join(RUNTIMES_DIR, "browser", "index.html"),
    "/index.html": join(RUNTIMES_DIR, "browser", "index.html"),
    "/page.js": join(RUNTIMES_DIR, "browser", "page.js"),
    "/scenario.js": join(RUNTIMES_DIR, "scenario.js"),
    "/remote-hands.js": join(OUT_DIR, "remote-hands.js"),
    "/remote-hands.js.map": join(OUT_DIR, "remote-hands.js.map"),
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/job.json") {
      res.writeHead(200, { "content-type": TYPES[".json"]!, "cache-control": "no-store" });
      res.end(JSON.stringify(job));
      return;
    }
    const file = files[path];
    if (!file || !existsSync(file)) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
      return;
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "cache-control": "no-store",
    });
    res.end(readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => {
      const addr = server.address();
      resolve({ server, port: typeof addr === "object" && addr ? addr.port : 0 });
    });
  });
}

/** The server's answer to a CORS preflight from `origin`. */
async function preflight(serverUrl: string, origin: string): Promise<string | null> {
  const res = await fetch(`${serverUrl}/api/conversations`, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type,x-session-api-key",
    },
  });
  await res.body?.cancel();
  return res.headers.get("access-control-allow-origin");
}

/** Checks the server's CORS policy for the origins a local page has. */
export async function checkCors(serverUrl: string, port: number): Promise<string> {
  const allowed = [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
  for (const origin of allowed) {
    const got = await preflight(serverUrl, origin);
    if (got !== origin) {
      throw new Error(`CORS: a preflight from ${origin} got allow-origin ${got}`);
    }
  }
  const foreign = "http://example.invalid";
  const got = await preflight(serverUrl, foreign);
  if (got === foreign || got === "*") {
    throw new Error(`CORS: a preflight from ${foreign} was allowed (${got})`);
  }
  return `CORS preflight: localhost and 127.0.0.1 origins echoed, ${foreign} refused`;
}

/**
 * A page on an origin the server does not allow (`http://127.0.0.2:<port>`: loopback, but not a
 * host the server always allows) tries to create a conversation: the browser refuses the
 * preflight, and the client's error must say that this may be CORS and name the server setting
 * with this very origin.
 */
async function checkCorsRefusal(browser: Browser, job: Job): Promise<string> {
  const { server, port } = await serveStatic(job, "127.0.0.2");
  try {
    const origin = `http://127.0.0.2:${port}`;
    const page = await browser.newPage();
    await page.goto(`${origin}/`, { waitUntil: "domcontentloaded" });
    const got = await page.evaluate(async (job) => {
      const client = await import(new URL("./remote-hands.js", location.href).href);
      try {
        await client.RemoteConversation.create({
          agent: job.agent,
          workspace: new client.RemoteWorkspace({
            host: job.serverUrl,
            apiKey: job.apiKey,
            workingDir: job.workspaceDir,
          }),
        });
        return "created";
      } catch (err) {
        return `${(err as Error).name}: ${(err as Error).message}`;
      }
    }, job);
    await page.close();
    const setting = `OH_ALLOW_CORS_ORIGINS='${JSON.stringify([origin])}'`;
    if (!got.startsWith("ConnectionError: ") || !got.includes("CORS") || !got.includes(setting)) {
      throw new Error(`a page on ${origin} got ${JSON.stringify(got)}, not a CORS hint`);
    }
    if (got.includes(job.apiKey)) throw new Error("the CORS error shows the API key");
    return `CORS refusal in the page (${origin}): ConnectionError naming ${setting}`;
  } finally {
    await new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  }
}

/** Runs the browser check; returns the page's report. */
export async function testBrowser(
  stack: StackInfo,
  log: (line: string) => void = console.log,
): Promise<ScenarioReport> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
  const job = makeJob(stack, "browser");
  const { server, port } = await serveStatic(job);
  try {
    log(await checkCors(stack.serverUrl, port));
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // playwright gives every launch a fresh, temporary --user-data-dir of its own.
      args: CHROMIUM_ARGS,
    });
    try {
      log(`chromium ${browser.version()}`);
      log(await checkCorsRefusal(browser, job));
      const page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
      page.on("console", (m) => log(`page console.${m.type()}: ${m.text()}`));
      page.on("pageerror", (e) => log(`page error: ${e.message}`));
      page.on("response", (r) => {
        if (r.status() >= 400) log(`page got ${r.status()} for ${r.request().method()} ${r.url()}`);
      });
      const url = `http://localhost:${port}/`;
      log(`page ${url} (origin differs from the server ${stack.serverUrl})`);
      await page.goto(url);
      await page.waitForSelector("body[data-done]", { timeout: job.timeoutMs });
      const report = await page.evaluate(() =>
        (globalThis as unknown as { __result: unknown }).__result
      ) as ScenarioReport & { error?: string; stack?: string };
      await page.screenshot({ path: join(OUT_DIR, "browser.png"), fullPage: true });
      log(`screenshot out/browser.png`);
      if (report.error) throw new Error(`the page failed: ${report.error}\n${report.stack ?? ""}`);
      const text = await page.innerText("body");
      for (const line of text.split("\n").filter((l) => l.trim())) log(`page | ${line}`);
      const status = (await page.innerText("#status")).trim();
      if (status !== "finished") throw new Error(`the page shows status ${JSON.stringify(status)}`);
      if (!text.includes(job.expectOutput)) {
        throw new Error(`the page does not show the terminal output ${job.expectOutput}`);
      }
      if (!text.includes(`finish: ${job.expectFinish}`)) {
        throw new Error(`the page does not show the finish action`);
      }
      return assertReport(report, "browser");
    } finally {
      await browser.close();
    }
  } finally {
    await new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  }
}
