/**
 * Shared helpers of the benchmarks (`scripts/bench.ts`): paths, child processes, statistics,
 * the real server stack, and the machine description. Runs under Deno and Bun (node: APIs only).
 *
 * @module
 */

import process from "node:process";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { cacheDir, REPO_ROOT, venvDir } from "../_agent_server_install.ts";

export { cacheDir, REPO_ROOT };

/** The folder of the benchmark scripts. */
export const BENCH_DIR: string = join(REPO_ROOT, "scripts", "bench");
/** The recorded events-socket corpus. */
export const CORPUS_DIR: string = join(REPO_ROOT, "tests", "bench_corpus");
/** Where results go. */
export const OUT_DIR: string = join(REPO_ROOT, "out", "bench");
/** The pinned Deno and Bun. */
export const TOOLS_BIN: string = join(REPO_ROOT, "tools", "node_modules", ".bin");

/** Environment for the Python SDK: no network fetch of litellm's price list, no banner. */
export const PYTHON_ENV: Record<string, string> = {
  LITELLM_LOCAL_MODEL_COST_MAP: "True",
  OPENHANDS_SUPPRESS_BANNER: "1",
  LOG_LEVEL: "WARNING",
  NO_PROXY: "127.0.0.1,localhost",
};

/** The Python of the cached server virtualenv (it also holds openhands-sdk). */
export function venvPython(): string {
  return join(venvDir(), "bin", "python");
}

/** The executable of a runtime: the pinned one from tools/, else whatever is on PATH. */
export function runtimeBin(name: "deno" | "bun"): string {
  return join(TOOLS_BIN, name);
}

/** What a child process produced. */
export interface ChildResult {
  /** Exit code (or -1 when killed by a signal). */
  code: number;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn to exit. */
  wallMs: number;
  /** Milliseconds from spawn to the first stdout line that starts with `READY`, if any. */
  readyMs: number | undefined;
}

/** Runs a command, collects its output and times it (spawn → exit, spawn → `READY` line). */
export function runChild(
  cmd: string,
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let readyMs: number | undefined;
    const child = spawn(cmd, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Uint8Array) => {
      const now = performance.now();
      const text = new TextDecoder().decode(chunk);
      if (readyMs === undefined && /(^|\n)READY/.test(stdout + text)) readyMs = now - t0;
      stdout += text;
    });
    child.stderr!.on("data", (chunk: Uint8Array) => {
      stderr = (stderr + new TextDecoder().decode(chunk)).slice(-20_000);
    });
    const timer = setTimeout(() => {
      stderr += `\n[bench] killed after ${options.timeoutMs} ms`;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 600_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, wallMs: performance.now() - t0, readyMs });
    });
  });
}

/** The last stdout line that is a JSON object, parsed; throws with the output when none is. */
export function lastJson<T = Record<string, unknown>>(result: ChildResult, what: string): T {
  const lines = result.stdout.trim().split("\n").reverse();
  for (const line of lines) {
    if (line.startsWith("{")) {
      try {
        return JSON.parse(line) as T;
      } catch { /* keep looking */ }
    }
  }
  throw new Error(
    `${what}: no JSON result (exit ${result.code})\nstdout:\n${result.stdout.slice(-3000)}\n` +
      `stderr:\n${result.stderr.slice(-3000)}`,
  );
}

/** Median of a non-empty list. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The machine the numbers were taken on. */
export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  loadAvg: number[];
  os: string;
}

/** Describes this machine (CPU model from /proc/cpuinfo when it is more precise). */
export function machineInfo(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? "unknown";
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m?.[1]) cpuModel = m[1].trim();
  } catch { /* not Linux */ }
  let os = `${process.platform} ${process.arch}`;
  try {
    const pretty = /PRETTY_NAME="([^"]+)"/.exec(readFileSync("/etc/os-release", "utf8"));
    if (pretty?.[1]) os = `${pretty[1]} (${process.arch})`;
  } catch { /* not Linux */ }
  return {
    nproc: cpus().length,
    cpuModel,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAvg: loadavg().map((n) => Math.round(n * 100) / 100),
    os,
  };
}

/** A progress line on stderr. */
export function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

/** Sleeps. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Minimal JSON REST call to the agent server with the session key header. */
export async function api(
  base: string,
  apiKey: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      "X-Session-API-Key": apiKey,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`${method} ${path} failed with ${res.status}: ${text.slice(0, 500)}`);
  }
  return text ? JSON.parse(text) : undefined;
}

/** Polls the conversation until `done(status)`; returns the status. */
export async function waitForStatus(
  base: string,
  apiKey: string,
  id: string,
  done: (status: string) => boolean,
  timeoutMs = 600_000,
): Promise<string> {
  const until = Date.now() + timeoutMs;
  while (true) {
    const info = await api(base, apiKey, "GET", `/api/conversations/${id}`) as {
      execution_status?: string;
    };
    const status = String(info.execution_status);
    if (done(status)) return status;
    if (Date.now() > until) {
      throw new Error(`conversation ${id} still ${status} after ${timeoutMs} ms`);
    }
    await sleep(200);
  }
}

/** Statuses after which a run is over. */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(["finished", "error", "stuck"]);
