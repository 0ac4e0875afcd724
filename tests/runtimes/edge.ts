/**
 * Edge: `workerd` (Cloudflare's Workers runtime, from npm) runs `edge/worker.js`, bundled with the
 * client by esbuild. The check POSTs a job to workerd; the Worker creates a conversation on the
 * real agent server, runs it, and streams its events back as NDJSON, which the check reads line by
 * line and asserts on.
 *
 * The generated capnp config lets the Worker reach loopback only (`globalOutbound` is a network
 * service with `allow = ["local"]`: the default one allows public addresses only).
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bundleEntry } from "../../scripts/bundle.ts";
import { freePort } from "../../scripts/agent_server.ts";
import {
  assertReport,
  type EventLine,
  makeJob,
  OUT_DIR,
  RUNTIMES_DIR,
  type ScenarioReport,
  type StackInfo,
} from "./_common.ts";

/** The `compatibilityDate` of the Worker (not after the workerd release's own date). */
export const COMPATIBILITY_DATE = "2026-11-01";

/**
 * workerd's own npm folder. Not a devDependency of the repo: the registry has workerd's Linux
 * binaries only, so the lock file would lack the other platforms' and `npm ci` would refuse it.
 * `scripts/runtimes.ts` installs it with `npm install --no-save --no-package-lock`.
 */
export const WORKERD_DIR: string = join(RUNTIMES_DIR, "edge", "workerd");

/** The workerd binary. */
export const WORKERD_BIN: string = join(WORKERD_DIR, "node_modules", ".bin", "workerd");

/** Which WebSocket the Worker uses: workerd's `new WebSocket()` or the fetch-upgrade adapter. */
export type EdgeSocket = "global" | "fetch";

/**
 * The workerd config of a Worker `worker.js` on `127.0.0.1:port` that may reach loopback only.
 *
 * @param port The port it listens on.
 * @param bindings Its bindings, each a capnp binding entry, e.g. `(name = "X", text = "v")`.
 * @returns The config's text.
 */
export function capnpConfig(port: number, bindings: readonly string[] = []): string {
  const bound = bindings.length === 0
    ? ""
    : `  bindings = [\n    ${bindings.join(",\n    ")},\n  ],\n`;
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "${COMPATIBILITY_DATE}",
  globalOutbound = "loopback",
${bound});
`;
}

/** A running workerd with the bundled Worker. */
export interface Workerd {
  url: string;
  version: string;
  bundleBytes: number;
  stop(): Promise<void>;
}

/** Bundles the Worker, writes the config into `out/edge/` and starts workerd on a free port. */
export async function startWorkerd(log: (line: string) => void = console.log): Promise<Workerd> {
  const dir = join(OUT_DIR, "edge");
  mkdirSync(dir, { recursive: true });
  const workerFile = join(dir, "worker.js");
  await bundleEntry("tests/runtimes/edge/worker.js", workerFile, {
    conditions: ["workerd", "worker", "browser"],
  });
  const port = await freePort();
  const configFile = join(dir, "config.capnp");
  writeFileSync(configFile, capnpConfig(port));
  const bin = WORKERD_BIN;
  if (!existsSync(bin)) throw new Error(`${bin} is missing: npm install --prefix ${WORKERD_DIR}`);
  const version = await new Promise<string>((resolve) => {
    const c = spawn(bin, ["--version"], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    c.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    c.once("close", () => resolve(out.trim()));
  });
  const logFile = join(dir, "workerd.log");
  const fd = openSync(logFile, "w");
  const child: ChildProcess = spawn(bin, ["serve", configFile, "--verbose"], {
    cwd: dir,
    stdio: ["ignore", fd, fd],
  });
  let exited = false;
  child.once("exit", () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`workerd exited:\n${readFileSync(logFile, "utf8").slice(-3000)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      log(`workerd ${version} on ${url}: ${(await res.text()).trim()}`);
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`workerd did not answer:\n${readFileSync(logFile, "utf8").slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    version,
    bundleBytes: readFileSync(workerFile).byteLength,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000);
      }),
  };
}

/** Reads an NDJSON response line by line. */
async function* ndjson(res: Response): AsyncGenerator<Record<string, unknown>> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let rest = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    rest += value;
    const lines = rest.split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) yield JSON.parse(line);
  }
  if (rest.trim()) yield JSON.parse(rest);
}

/** Runs one conversation through the Worker; returns its report. */
export async function runEdgeConversation(
  workerd: Workerd,
  stack: StackInfo,
  socket: EdgeSocket,
  log: (line: string) => void = console.log,
): Promise<ScenarioReport> {
  const job = { ...makeJob(stack, `edge-${socket}`), webSocket: socket };
  const res = await fetch(workerd.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(job),
    signal: AbortSignal.timeout(job.timeoutMs + 30_000),
  });
  if (!res.ok) throw new Error(`workerd answered ${res.status}: ${await res.text()}`);
  const streamed: EventLine[] = [];
  let report: ScenarioReport | undefined;
  for await (const line of ndjson(res)) {
    if (line.type === "event") {
      const e = line as unknown as EventLine;
      streamed.push(e);
      log(`event ${e.kind} [${e.source}] ${e.text.replaceAll("\n", " | ")}`);
    } else if (line.type === "result") {
      report = line as unknown as ScenarioReport;
    } else if (line.type === "error") {
      throw new Error(`the Worker failed: ${line.error}\n${line.stack}`);
    }
  }
  const checked = assertReport(report, `edge (${socket} WebSocket)`);
  if (!streamed.some((e) => e.kind === "ObservationEvent" && e.text.includes(job.expectOutput))) {
    throw new Error("the NDJSON stream has no terminal observation with the expected output");
  }
  if (streamed.length !== checked.live.length) {
    throw new Error(`streamed ${streamed.length} events, the Worker saw ${checked.live.length}`);
  }
  return checked;
}
