/**
 * The benchmark's command line: `--smoke` (one small iteration of everything), `--readme` (also
 * rewrite `docs/benchmarks.md` between its bench markers), `--only scale` (the fan-in scale
 * measurement alone, to iterate on it) and `--scale-n N` (its number of conversations), and the
 * sizes each mode uses.
 *
 * @module
 */

import type { ScaleConfig } from "./measure_scale.ts";

/** The measurements `--only` can pick. */
export const ONLY_NAMES: readonly string[] = ["scale"];

/** What the command line asked for. */
export interface BenchOptions {
  /** One small iteration of everything, to check that the bench still works. */
  smoke: boolean;
  /** Also rewrite `docs/benchmarks.md` between the bench markers and copy the chart. */
  docs: boolean;
  /** Run only this measurement (one of {@linkcode ONLY_NAMES}); undefined: all of them. */
  only: string | undefined;
  /** The scale measurement's number of conversations, instead of the mode's. */
  scaleN: number | undefined;
}

/** The sizes of one run. */
export interface BenchConfig {
  ingestEvents: number;
  rounds: number;
  historySteps: number;
  coldRounds: number;
  memoryEvents: number;
  scale: ScaleConfig;
}

/** A command line the bench refuses; `exitCode` is 2. */
export class BenchUsageError extends Error {
  /** The exit code to leave with. */
  readonly exitCode = 2;
}

const KNOWN = "known: --smoke, --readme, --only <name>, --scale-n <N>";

/**
 * Parses the flags (`deno task bench -- --x` keeps the `--`, which is skipped).
 *
 * @param argv The arguments after the script name.
 * @returns The options.
 * @throws {BenchUsageError} For an unknown flag, a flag without its value, `--readme` with
 * `--smoke` or `--only`, an unknown `--only` name, or a `--scale-n` that is not 1 to 65,535.
 */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const flags = argv.filter((a) => a !== "--");
  let smoke = false;
  let docs = false;
  let only: string | undefined;
  let scaleN: number | undefined;
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i]!;
    if (flag === "--smoke") smoke = true;
    else if (flag === "--readme") docs = true;
    else if (flag === "--only" || flag === "--scale-n") {
      const value = flags[++i];
      if (value === undefined || value.startsWith("--")) {
        throw new BenchUsageError(`${flag} needs a value; ${KNOWN}`);
      }
      if (flag === "--only") {
        if (!ONLY_NAMES.includes(value)) {
          throw new BenchUsageError(`--only ${value}: known names are ${ONLY_NAMES.join(", ")}`);
        }
        only = value;
      } else {
        scaleN = Number(value);
        if (!Number.isInteger(scaleN) || scaleN < 1 || scaleN > 0xffff) {
          throw new BenchUsageError(`--scale-n ${value}: a whole number from 1 to 65535`);
        }
      }
    } else throw new BenchUsageError(`unknown argument ${flag}; ${KNOWN}`);
  }
  if (smoke && docs) {
    throw new BenchUsageError(
      "--readme with --smoke: refusing to write docs/benchmarks.md, smoke figures (small sizes, " +
        "one round) are not representative. Run `deno task bench -- --readme` for the docs.",
    );
  }
  if (only !== undefined && docs) {
    throw new BenchUsageError(
      `--readme with --only ${only}: the docs show every measurement; run them all for the docs.`,
    );
  }
  return { smoke, docs, only, scaleN };
}

/**
 * The sizes of a full or a smoke run.
 *
 * @param smoke Whether this is a smoke run.
 * @param scaleN The scale measurement's number of conversations, when the command line set it.
 * @returns The sizes.
 */
export function benchConfig(smoke: boolean, scaleN?: number): BenchConfig {
  const scale: ScaleConfig = smoke
    ? {
      conversations: 20,
      history: 10,
      events: 200,
      rate: 1_000,
      bigEvents: 500,
      idleSeconds: 0.5,
      historyRounds: 1,
      pythonCapSeconds: 120,
    }
    : {
      conversations: 1_000,
      history: 10,
      events: 4_000,
      rate: 1_000,
      bigEvents: 20_000,
      idleSeconds: 5,
      historyRounds: 3,
      pythonCapSeconds: 240,
    };
  if (scaleN !== undefined) scale.conversations = scaleN;
  return smoke
    ? {
      ingestEvents: 3_000,
      rounds: 1,
      historySteps: 20,
      coldRounds: 1,
      memoryEvents: 2_000,
      scale,
    }
    : {
      ingestEvents: 100_000,
      rounds: 3,
      historySteps: 700,
      coldRounds: 3,
      memoryEvents: 10_000,
      scale,
    };
}
