/**
 * Runs every example in `examples/` against the real agent server and the scripted LLM, and
 * prints a table.
 *
 *   deno task examples                  every example (each under Deno; hello.ts, quick_start.ts
 *                                       and cli.sh also under Bun)
 *   deno task examples hello cli        only those (file names without the extension)
 *   deno task examples --verbose        also print each example's output as it runs
 *
 * Steps: start the stack (`scripts/agent_server.ts --info-file`, a child process), run each example
 * with `REMOTE_HANDS_HOST`, `REMOTE_HANDS_API_KEY`, `REMOTE_HANDS_LLM_URL`,
 * `REMOTE_HANDS_LLM_MODEL`, `REMOTE_HANDS_LLM_API_KEY` and `REMOTE_HANDS_WORKING_DIR` pointing at
 * it, stop the stack. An example passes when it exits 0 within its time limit and its output does
 * not contain the server's API key. Exits 1 when one fails; the last line is
 * `examples: N passed, M failed`.
 *
 * `quick_start.ts` is the README's quick start, which has its settings in its text rather than in
 * the environment (it also runs in a browser): it runs as a copy with them replaced, and passes
 * when it prints `finished N events` (`tests/runtimes/quick_start.ts`, which also checks that the
 * README's block equals the file).
 *
 * The examples import `@remote-hands/client` as a user would: Deno resolves it with the `imports`
 * of `deno.json`, Bun with the `paths` of `examples/tsconfig.json`.
 *
 * @module
 */

import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { REPO_ROOT } from "./_agent_server_install.ts";
import { startStackProcess } from "./_stack_process.ts";
import { runProcess } from "../tests/runtimes/_common.ts";
import { checkQuickStartOutput, writeQuickStartTs } from "../tests/runtimes/quick_start.ts";

const EXAMPLES_DIR = join(REPO_ROOT, "examples");
const BUN_LOCAL = join(REPO_ROOT, "tools", "node_modules", ".bin", "bun");
/** The CLI's entry point, relative to the repository (`cli/main.ts`; `cli.ts` before it moved). */
const CLI_ENTRY = existsSync(join(REPO_ROOT, "cli", "main.ts")) ? "cli/main.ts" : "cli.ts";
/** Time limit of one example. */
const EXAMPLE_TIMEOUT_MS = 60_000;

interface StackInfo {
  serverUrl: string;
  apiKey: string;
  llmUrl: string;
  workspaceDir: string;
  startSeconds: number;
  serverVersion: string;
}

interface Job {
  /** Row name, e.g. `hello.ts (bun)`. */
  name: string;
  /** File name without extension, for filtering. */
  key: string;
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  /** The quick start: its settings are written into a copy (README.md's block, checked equal). */
  quickStart?: boolean;
}

interface Row {
  name: string;
  pass: boolean;
  seconds: number;
  detail: string;
}

function elapsed(t0: number): number {
  return (performance.now() - t0) / 1000;
}

/** Starts the stack (scripted LLM + real server) as a child process. */
async function startStack(): Promise<{ info: StackInfo; stop: () => Promise<void> }> {
  const stack = await startStackProcess("examples");
  return { info: stack.info as unknown as StackInfo, stop: stack.stop };
}

/** Every example: `*.ts` (not `_*.ts`) under Deno, `*.sh` with bash; some also under Bun. */
function jobs(bun: string): Job[] {
  const files = readdirSync(EXAMPLES_DIR)
    .filter((f) => (f.endsWith(".ts") || f.endsWith(".sh")) && !f.startsWith("_"))
    .sort();
  const out: Job[] = [];
  for (const file of files) {
    const key = file.replace(/\.(ts|sh)$/, "");
    const path = join(EXAMPLES_DIR, file);
    if (file.endsWith(".sh")) {
      out.push({
        name: `${file} (deno)`,
        key,
        cmd: "bash",
        args: [path],
        env: { REMOTE_HANDS_CLI: `${process.execPath} run -A ${CLI_ENTRY}` },
      });
      out.push({
        name: `${file} (bun)`,
        key,
        cmd: "bash",
        args: [path],
        env: { REMOTE_HANDS_CLI: `${bun} run ${CLI_ENTRY}` },
      });
      continue;
    }
    if (key === "quick_start") {
      out.push({
        name: `${file} (deno)`,
        key,
        cmd: process.execPath,
        args: ["run", "-A"],
        quickStart: true,
      });
      out.push({ name: `${file} (bun)`, key, cmd: bun, args: ["run"], quickStart: true });
      continue;
    }
    out.push({ name: `${file} (deno)`, key, cmd: process.execPath, args: ["run", "-A", path] });
    if (key === "hello") {
      out.push({ name: `${file} (bun)`, key, cmd: bun, args: ["run", path] });
    }
  }
  return out;
}

/** Why the quick start's output is not a passing run's, or `undefined`. */
function quickStartProblem(output: string, apiKey: string): string | undefined {
  try {
    checkQuickStartOutput(output, apiKey);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message.split("\n")[0] : String(err);
  }
}

async function main(args: string[]): Promise<number> {
  const t0 = performance.now();
  const verbose = args.includes("--verbose");
  const only = args.filter((a) => !a.startsWith("--"));
  const bun = existsSync(BUN_LOCAL) ? BUN_LOCAL : "bun";
  const selected = jobs(bun).filter((j) => only.length === 0 || only.includes(j.key));
  if (selected.length === 0) {
    console.log(`no example matches ${only.join(", ")}`);
    return 1;
  }

  console.log("[setup] starting the agent server and the scripted LLM ...");
  const stack = await startStack();
  const { info } = stack;
  console.log(
    `[setup] agent server ${info.serverVersion} on ${info.serverUrl}, scripted LLM on ` +
      `${info.llmUrl} (started in ${info.startSeconds} s)`,
  );
  const env: Record<string, string> = {
    REMOTE_HANDS_HOST: info.serverUrl,
    REMOTE_HANDS_API_KEY: info.apiKey,
    REMOTE_HANDS_LLM_URL: `${info.llmUrl}/v1`,
    REMOTE_HANDS_LLM_MODEL: "openai/scripted",
    REMOTE_HANDS_LLM_API_KEY: "scripted",
    REMOTE_HANDS_WORKING_DIR: info.workspaceDir,
    OH_SESSION_API_KEY: "",
    NO_COLOR: "1",
  };

  const rows: Row[] = [];
  try {
    for (const job of selected) {
      console.log(`[${job.name}] running`);
      const started = performance.now();
      let row: Row;
      try {
        const args = job.quickStart ? [...job.args, writeQuickStartTs(info)] : job.args;
        const r = await runProcess(job.cmd, args, {
          env: { ...env, ...job.env },
          timeoutMs: EXAMPLE_TIMEOUT_MS,
          ...(verbose ? { onLine: (line: string) => console.log(`[${job.name}] ${line}`) } : {}),
        });
        const output = `${r.stdout}\n${r.stderr}`;
        const checks = output.split("\n").filter((l) => /^\s*ok: /.test(l)).length;
        const problem = r.timedOut
          ? `timed out after ${EXAMPLE_TIMEOUT_MS / 1000} s`
          : r.code !== 0
          ? `exit ${r.code ?? r.signal}`
          : output.includes(info.apiKey)
          ? "the API key appears in the output"
          : job.quickStart
          ? quickStartProblem(output, info.apiKey)
          : undefined;
        row = {
          name: job.name,
          pass: problem === undefined,
          seconds: elapsed(started),
          detail: problem ?? `exit 0, ${checks} checks ok`,
        };
        if (problem !== undefined) {
          const tail = output.trim().split("\n").slice(-40);
          for (const line of tail) console.log(`[${job.name}] ${line}`);
          const reason = tail.findLast((l) => /FAILED|check failed|error/i.test(l));
          if (reason) row.detail = `${problem}: ${reason.trim().slice(0, 80)}`;
        }
      } catch (err) {
        row = {
          name: job.name,
          pass: false,
          seconds: elapsed(started),
          detail: err instanceof Error ? err.message : String(err),
        };
      }
      console.log(`[${job.name}] ${row.pass ? "pass" : "FAIL"} (${row.seconds.toFixed(2)} s)`);
      rows.push(row);
    }
  } finally {
    await stack.stop();
  }

  const w = Math.max(...rows.map((r) => r.name.length), 7);
  console.log("");
  console.log(`${"example".padEnd(w)}  result  seconds  detail`);
  console.log(`${"-".repeat(w)}  ------  -------  ------`);
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(w)}  ${(r.pass ? "pass" : "FAIL").padEnd(6)}  ${
        r.seconds.toFixed(2).padStart(7)
      }  ${r.detail}`,
    );
  }
  const passed = rows.filter((r) => r.pass).length;
  const failed = rows.length - passed;
  console.log(`\ntook ${elapsed(t0).toFixed(1)} s in all`);
  console.log(`examples: ${passed} passed, ${failed} failed`);
  return failed > 0 || passed === 0 ? 1 : 0;
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
