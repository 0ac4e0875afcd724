/**
 * The web view example (`examples/web/`) in front of the real agent server, run three ways: under
 * `Deno.serve`, under `Bun.serve` and as a workerd Worker. Each runs a conversation through the
 * app's own routes (create, message + non-blocking run, the SSE stream) and checks that the stream
 * holds the server's log exactly, with no session key in it.
 *
 * Then headless Chromium opens the page (on the Deno app) and sends a message from its form; in
 * the middle of the run the page is reloaded, and later the app is killed and started again (the
 * page's stream is cut; `EventSource` reconnects with `Last-Event-ID`). The page's final list must
 * equal the server's log, with no duplicate; everything the page received (its document, its
 * session storage, every answer it read) is scanned for the key; a screenshot goes to
 * `out/web.png`.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { freePort } from "../../scripts/agent_server.ts";
import { bundleEntry } from "../../scripts/bundle.ts";
import { CHROMIUM, CHROMIUM_ARGS } from "./browser.ts";
import { capnpConfig, WORKERD_BIN } from "./edge.ts";
import { OUT_DIR, REPO_ROOT, type StackInfo } from "./_common.ts";

/** How the app runs. */
export type WebVariant = "deno" | "bun" | "workerd";

/** A running app. */
export interface WebApp {
  url: string;
  /** Kills it and starts it again on the same port (a cut for every open stream). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const DIR = join(OUT_DIR, "web");
const MARKER = (n: number, delay: number) => `[script:long n=${n} delay=${delay}]`;

function env(stack: StackInfo, port: number): Record<string, string> {
  return {
    ...process.env as Record<string, string>,
    REMOTE_HANDS_HOST: stack.serverUrl,
    REMOTE_HANDS_API_KEY: stack.apiKey,
    REMOTE_HANDS_LLM_URL: stack.llmUrl,
    REMOTE_HANDS_WORKING_DIR: stack.workspaceDir,
    PORT: String(port),
  };
}

function workerdConfig(stack: StackInfo, port: number): string {
  const text = (name: string, value: string) =>
    `(name = "${name}", text = ${JSON.stringify(value)})`;
  return capnpConfig(port, [
    text("REMOTE_HANDS_HOST", stack.serverUrl),
    text("REMOTE_HANDS_API_KEY", stack.apiKey),
    text("REMOTE_HANDS_LLM_URL", stack.llmUrl),
    text("REMOTE_HANDS_WORKING_DIR", stack.workspaceDir),
    `(name = "READER_JS", text = embed "reader.js")`,
  ]);
}

/** The command of a variant. */
async function command(variant: WebVariant, stack: StackInfo, port: number): Promise<string[]> {
  if (variant === "deno") return [process.execPath, "run", "-A", "examples/web/deno.ts"];
  if (variant === "bun") return ["bun", "run", "examples/web/bun.ts"];
  mkdirSync(DIR, { recursive: true });
  await bundleEntry("browser.ts", join(DIR, "reader.js"), { minify: true });
  await bundleEntry("examples/web/worker.ts", join(DIR, "worker.js"), {
    conditions: ["workerd", "worker", "browser"],
  });
  writeFileSync(join(DIR, "config.capnp"), workerdConfig(stack, port));
  return [WORKERD_BIN, "serve", join(DIR, "config.capnp")];
}

/** Starts the app of `variant` on a free port and waits until it answers. */
export async function startWebApp(
  variant: WebVariant,
  stack: StackInfo,
  log: (line: string) => void,
): Promise<WebApp> {
  mkdirSync(DIR, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const [bin, ...args] = await command(variant, stack, port);
  let child: ChildProcess | undefined;
  const logFile = join(DIR, `${variant}.log`);
  const start = async (): Promise<void> => {
    const fd = openSync(logFile, "a");
    const c = spawn(bin!, args, {
      cwd: variant === "workerd" ? DIR : REPO_ROOT,
      env: env(stack, port),
      stdio: ["ignore", fd, fd],
    });
    child = c;
    let exited = false;
    c.once("exit", () => (exited = true));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exited) {
        throw new Error(
          `the ${variant} app exited:\n${readFileSync(logFile, "utf8").slice(-2000)}`,
        );
      }
      try {
        const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(2000) });
        await res.body?.cancel();
        if (res.ok) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) {
        c.kill("SIGKILL");
        throw new Error(
          `the ${variant} app did not answer:\n${readFileSync(logFile, "utf8").slice(-2000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stop = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once("exit", () => resolve());
      c.kill("SIGKILL");
    });
  await start();
  log(`${variant} app on ${url}`);
  return {
    url,
    restart: async () => {
      await stop();
      await start();
    },
    stop,
  };
}

/** The ids the server stores for a conversation, in log order. */
async function serverIds(stack: StackInfo, id: string): Promise<string[]> {
  const ids: string[] = [];
  let page = "";
  for (let n = 0; n < 20; n++) {
    const res = await fetch(
      `${stack.serverUrl}/api/conversations/${id}/events/search?limit=100${page}`,
      { headers: { "x-session-api-key": stack.apiKey } },
    );
    const body = await res.json() as { items: { id: string }[]; next_page_id?: string | null };
    ids.push(...body.items.map((e) => e.id));
    if (!body.next_page_id) return ids;
    page = `&page_id=${body.next_page_id}`;
  }
  throw new Error("too many pages");
}

async function status(stack: StackInfo, id: string): Promise<string> {
  const res = await fetch(`${stack.serverUrl}/api/conversations/${id}`, {
    headers: { "x-session-api-key": stack.apiKey },
  });
  return ((await res.json()) as { execution_status: string }).execution_status;
}

async function createConversation(app: WebApp): Promise<string> {
  const res = await fetch(`${app.url}/api/conversations`, { method: "POST" });
  if (res.status !== 201) {
    throw new Error(`POST /api/conversations: ${res.status} ${await res.text()}`);
  }
  return ((await res.json()) as { id: string }).id;
}

/** Reads on until `enough(text)` holds or the stream ends; throws past `deadline`. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  text: string,
  enough: (text: string) => boolean,
  deadline: number,
  what: string,
): Promise<string> {
  const decoder = new TextDecoder();
  while (!enough(text)) {
    if (Date.now() > deadline) throw new Error(`${what}:\n${text.slice(-1500)}`);
    const { done, value } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

/** The ids of the stored events of an SSE text, in order (the state snapshot left out). */
function storedIds(text: string): string[] {
  return text.split("\n\n").filter((f) => /^id: s:\d+\n/.test(f))
    .map((f) => JSON.parse(f.slice(f.indexOf("data: ") + 6)) as { id: string; key?: string })
    .filter((e) => e.key !== "full_state").map((e) => e.id);
}

/** A conversation through the app's routes; checks the stream against the server's log. */
export async function checkWebApp(
  app: WebApp,
  stack: StackInfo,
  log: (line: string) => void,
): Promise<string> {
  const id = await createConversation(app);
  const sent = await fetch(`${app.url}/api/conversations/${id}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text: `${MARKER(3, 0)} count to three` }),
  });
  if (sent.status !== 202) throw new Error(`POST messages: ${sent.status} ${await sent.text()}`);
  const t0 = performance.now();
  const res = await fetch(`${app.url}/api/conversations/${id}/events`);
  if (res.headers.get("content-type") !== "text/event-stream; charset=utf-8") {
    throw new Error(`the stream's type is ${res.headers.get("content-type")}`);
  }
  const reader = res.body!.getReader();
  const deadline = Date.now() + 60_000;
  const finished = /"key":"execution_status","value":"finished"|"execution_status":"finished"/;
  let text = await readUntil(
    reader,
    "",
    (t) => finished.test(t),
    deadline,
    "no finish in the stream",
  );
  if (!finished.test(text)) throw new Error("the stream ended before the run finished");
  // Let the events stored around the finish arrive, then compare with the log.
  const want = await serverIds(stack, id);
  const hasAll = (t: string) => want.every((eventId) => t.includes(`"id":"${eventId}"`));
  text = await readUntil(reader, text, hasAll, deadline, "the stream lacks events of the log");
  await reader.cancel();
  const streamed = storedIds(text);
  if (JSON.stringify(streamed) !== JSON.stringify(want)) {
    throw new Error(`the stream's ids differ from the log:\n${streamed.join()}\n${want.join()}`);
  }
  if (text.includes(stack.apiKey)) throw new Error("the stream holds the session key");
  const ms = performance.now() - t0;
  log(
    `conversation ${id}: ${want.length} events streamed as SSE, equal to the log, in ${
      ms.toFixed(0)
    } ms`,
  );
  // A reader that comes back with Last-Event-ID gets exactly what follows it.
  const cut = 5;
  const again = await fetch(`${app.url}/api/conversations/${id}/events`, {
    headers: { "last-event-id": `s:${cut - 1}` },
  });
  const resumedReader = again.body!.getReader();
  const resumed = await readUntil(
    resumedReader,
    "",
    (t) => t.includes(`"id":"${want.at(-1)}"`),
    deadline,
    "the resumed stream lacks events of the log",
  );
  await resumedReader.cancel();
  const after = storedIds(resumed);
  if (JSON.stringify(after) !== JSON.stringify(want.slice(cut))) {
    throw new Error(
      `after Last-Event-ID s:${cut - 1}: ${after.join()}, not ${want.slice(cut).join()}`,
    );
  }
  return `${want.length} events over SSE equal to the server's log, no key; ` +
    `Last-Event-ID resume: the ${after.length} after it, once`;
}

/** The page in Chromium: a run, a reload and a cut in the middle, the list equal to the log. */
export async function testWebView(
  app: WebApp,
  stack: StackInfo,
  log: (line: string) => void,
): Promise<string> {
  const id = await createConversation(app);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const received: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    page.on("pageerror", (e) => log(`page error: ${e.message}`));
    page.on("response", (r) => {
      // Streams are scanned through the page's own copy (its list and storage) below.
      if (!r.url().includes("/events")) void r.text().then((t) => received.push(t), () => {});
    });
    const count = () =>
      page.evaluate(() =>
        (globalThis as unknown as { reader: { events: unknown[] } }).reader.events.length
      );
    const connected = () =>
      page.waitForFunction(() =>
        (globalThis as unknown as { reader?: { connected: boolean } }).reader?.connected === true
      );
    const holding = (n: number, timeout: number) =>
      page.waitForFunction(
        (n) =>
          (globalThis as unknown as { reader: { events: unknown[] } }).reader.events.length >= n,
        n,
        { timeout },
      );
    await page.goto(`${app.url}/?c=${id}`);
    await connected();
    const before = await count();
    await page.fill("input[name=text]", `${MARKER(16, 250)} count slowly`);
    await page.click("button");
    await holding(before + 6, 60_000);
    log(`reload at ${await count()} events`);
    await page.reload();
    await connected();
    await holding((await count()) + 6, 60_000);
    log(`cut (the app restarts) at ${await count()} events`);
    if ((await status(stack, id)) === "finished") {
      throw new Error("the run was over before the cut: the check must cut it mid-run");
    }
    await app.restart();
    const deadline = Date.now() + 90_000;
    while ((await status(stack, id)) !== "finished") {
      if (Date.now() > deadline) throw new Error("the run did not finish");
      await new Promise((r) => setTimeout(r, 200));
    }
    const want = await serverIds(stack, id);
    await holding(want.length, 30_000);
    await page.locator("#status", { hasText: /^finished$/ }).waitFor({ timeout: 30_000 });
    const got = await page.evaluate(() =>
      (globalThis as unknown as { reader: { events: { id: string }[] } }).reader.events.map((e) =>
        e.id
      )
    );
    if (new Set(got).size !== got.length) throw new Error("the page holds an event twice");
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      throw new Error(`the page's list differs from the log:\n${got.join()}\n${want.join()}`);
    }
    const shown = await page.locator("#events li").count();
    if (shown !== want.length) {
      throw new Error(`the page shows ${shown} events, the log has ${want.length}`);
    }
    await page.screenshot({ path: join(OUT_DIR, "web.png"), fullPage: true });
    const held = (await page.content()) +
      await page.evaluate(() =>
        JSON.stringify({ ...(globalThis as unknown as { sessionStorage: object }).sessionStorage })
      );
    const hits = [held, ...received].filter((t) => t.includes(stack.apiKey)).length;
    if (hits > 0) throw new Error(`the key is in ${hits} thing(s) the page received`);
    log(
      `page: ${got.length} events, equal to the log, no duplicate; key found 0 times in ${
        received.length + 1
      } texts`,
    );
    return `reload + cut mid-run: ${got.length} events equal to the log, 0 key hits; out/web.png`;
  } finally {
    await browser.close();
  }
}
