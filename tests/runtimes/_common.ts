/**
 * Shared pieces of the runtime checks (`scripts/runtimes.ts`): the job each runtime gets, running
 * a child process with a time bound, and reading the `RESULT {json}` line a runtime prints.
 *
 * Runs under Deno (node: APIs only).
 *
 * @module
 */

import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../../scripts/_agent_server_install.ts";
import { marker, scriptedLlmConfig } from "../support/scripted_llm.ts";

export { REPO_ROOT };

/** The repo's `node_modules/.bin`. */
export const NODE_BIN: string = join(REPO_ROOT, "node_modules", ".bin");

/** Where the runtime checks write (bundles, screenshots, generated configs). */
export const OUT_DIR: string = join(REPO_ROOT, "out");

/** This folder. */
export const RUNTIMES_DIR: string = join(REPO_ROOT, "tests", "runtimes");

/** What the stack process reports (the subset the runtime checks use). */
export interface StackInfo {
  serverUrl: string;
  apiKey: string;
  llmUrl: string;
  workspaceDir: string;
}

/** The job of `scenario.js`: see its `Job` typedef. */
export interface Job {
  runtime: string;
  serverUrl: string;
  apiKey: string;
  workspaceDir: string;
  agent: Record<string, unknown>;
  message: string;
  expectOutput: string;
  expectFinish: string;
  timeoutMs: number;
}

/** One event line of `scenario.js`. */
export interface EventLine {
  kind: string;
  source: string;
  text: string;
}

/** What a runtime reports: `scenario.js`'s result plus its problems. */
export interface ScenarioReport {
  conversationId: string;
  status: string;
  agentStatus?: string;
  live: EventLine[];
  history: EventLine[];
  errors: string[];
  ms: { create: number; run: number; total: number };
  problems: string[];
}

let counter = 0;

/**
 * A job for one runtime: a `terminal` script whose command computes its output
 * (`echo rh-$((6*7))-...` prints `rh-42-...`), so the text can only come from a real terminal.
 */
export function makeJob(stack: StackInfo, runtime: string): Job {
  const id = `rt${Date.now().toString(36)}${(counter++).toString(36)}`;
  const tag = `${runtime}-${id}`;
  const done = `done in ${runtime}`;
  return {
    runtime,
    serverUrl: stack.serverUrl,
    apiKey: stack.apiKey,
    workspaceDir: stack.workspaceDir,
    agent: {
      kind: "Agent",
      llm: scriptedLlmConfig(stack.llmUrl),
      tools: [{ name: "terminal", params: { terminal_type: "subprocess" } }],
    },
    message: `${marker("terminal", { id, cmd: `echo rh-$((6*7))-${tag}`, done })} Run the command.`,
    expectOutput: `rh-42-${tag}`,
    expectFinish: done,
    timeoutMs: 120_000,
  };
}

/** A finished child process. */
export interface ProcessResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Options of {@linkcode runProcess}. */
export interface RunProcessOptions {
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
  /** Called with each line of stdout and stderr as it arrives. */
  onLine?: (line: string) => void;
}

/** Runs a command to its end (SIGKILL after `timeoutMs`, default 3 min), collecting its output. */
export function runProcess(
  cmd: string,
  args: string[],
  options: RunProcessOptions = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const lineSplitter = () => {
      let rest = "";
      return (chunk: string) => {
        if (!options.onLine) return;
        rest += chunk;
        const lines = rest.split("\n");
        rest = lines.pop() ?? "";
        for (const line of lines) options.onLine(line);
      };
    };
    const outLines = lineSplitter();
    const errLines = lineSplitter();
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
      outLines(c);
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
      errLines(c);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs ?? 180_000);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** The `RESULT {json}` line of a runtime's output. */
export function parseResultLine(output: string): ScenarioReport | undefined {
  const line = output.split("\n").reverse().find((l) => l.startsWith("RESULT "));
  return line ? JSON.parse(line.slice("RESULT ".length)) as ScenarioReport : undefined;
}

/** Throws unless the report is there and has no problems. */
export function assertReport(
  report: ScenarioReport | undefined,
  what: string,
  tail = "",
): ScenarioReport {
  if (!report) throw new Error(`${what}: no result${tail ? `\n${tail.slice(-3000)}` : ""}`);
  if (report.problems.length > 0) {
    throw new Error(`${what}: ${report.problems.join("; ")}`);
  }
  return report;
}

/** `1234` ms → `1.23 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
