/**
 * Runs the hostile-server suite (`tests/hostile/`) under Deno and Bun for `deno task chaos` and
 * adds up what it measured: the cases run and failed (both runners), and the figures its tests
 * record through `tests/hostile/_metrics.ts` (`redirect_leaks`, `unbounded_requests`,
 * `uncaught`), plus every uncaught error either runner printed.
 *
 * @module
 */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

/** The hostile suite's figures, as they go into the chaos JSON line. */
export interface HostileFigures {
  /** Test cases run, under Deno and Bun together. */
  hostile_cases: number;
  /** Test cases that failed (and runner failures with no count). */
  hostile_failures: number;
  /** Requests that reached another origin with a key or a secret. */
  redirect_leaks: number;
  /** Requests made after a deadline, an abort or a loop bound. */
  unbounded_requests: number;
  /** Errors thrown out of listeners and unhandled rejections. */
  uncaught: number;
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

async function runSuite(
  command: string,
  args: string[],
  report: string,
): Promise<{ cases: number; failures: number; uncaught: number; output: string }> {
  const child = new Deno.Command(command, {
    args,
    env: { ...process.env, HOSTILE_REPORT: report },
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  const output = (decoder.decode(stdout) + decoder.decode(stderr)).replace(ANSI, "");
  let cases = 0;
  let failures = 0;
  // Deno: "ok | 12 passed | 0 failed"; Bun: " 12 pass" and " 0 fail".
  const deno = [...output.matchAll(/^(?:ok|FAILED) \| (\d+) passed.*?\| (\d+) failed/gm)];
  for (const m of deno) {
    cases += Number(m[1]) + Number(m[2]);
    failures += Number(m[2]);
  }
  if (deno.length === 0) {
    const pass = output.match(/^\s*(\d+) pass$/m);
    const fail = output.match(/^\s*(\d+) fail$/m);
    cases = Number(pass?.[1] ?? 0) + Number(fail?.[1] ?? 0);
    failures = Number(fail?.[1] ?? 0);
  }
  if (code !== 0 && failures === 0) failures = 1; // the runner failed without counting a case
  const uncaught = (output.match(/^(?:error: )?Uncaught|Unhandled error between tests/gm) ?? [])
    .length;
  return { cases, failures, uncaught, output };
}

/** Runs `tests/hostile/` under Deno and Bun (`bun` on the PATH) and returns the figures. */
export async function hostileFigures(log: (line: string) => void): Promise<HostileFigures> {
  const dir = mkdtempSync(join(tmpdir(), "hostile-"));
  const report = join(dir, "report.jsonl");
  try {
    const runs = [
      await runSuite("deno", ["test", "-A", "--trace-leaks", "tests/hostile/"], report),
      await runSuite("bun", ["test", "--timeout", "120000", "tests/hostile/"], report),
    ];
    const figures: HostileFigures = {
      hostile_cases: 0,
      hostile_failures: 0,
      redirect_leaks: 0,
      unbounded_requests: 0,
      uncaught: 0,
    };
    for (const [i, run] of runs.entries()) {
      figures.hostile_cases += run.cases;
      figures.hostile_failures += run.failures;
      figures.uncaught += run.uncaught;
      log(`hostile (${i === 0 ? "deno" : "bun"}): ${run.cases} cases, ${run.failures} failed`);
      if (run.failures > 0) log(run.output.slice(-4000));
    }
    let text = "";
    try {
      text = readFileSync(report, "utf8");
    } catch {
      // no test recorded a figure
    }
    for (const line of text.split("\n")) {
      if (!line) continue;
      const { metric, count } = JSON.parse(line) as { metric: keyof HostileFigures; count: number };
      figures[metric] += count;
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
