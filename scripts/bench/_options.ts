/**
 * The benchmark's command line: `--smoke` (one small iteration of everything) and `--readme`
 * (also rewrite `docs/benchmarks.md` between its bench markers), and the sizes each mode uses.
 *
 * @module
 */

/** What the command line asked for. */
export interface BenchOptions {
  /** One small iteration of everything, to check that the bench still works. */
  smoke: boolean;
  /** Also rewrite `docs/benchmarks.md` between the bench markers and copy the chart. */
  docs: boolean;
}

/** The sizes of one run. */
export interface BenchConfig {
  ingestEvents: number;
  rounds: number;
  historySteps: number;
  coldRounds: number;
  memoryEvents: number;
}

/** A command line the bench refuses; `exitCode` is 2. */
export class BenchUsageError extends Error {
  /** The exit code to leave with. */
  readonly exitCode = 2;
}

/**
 * Parses the flags (`deno task bench -- --x` keeps the `--`, which is skipped).
 *
 * @param argv The arguments after the script name.
 * @returns The options.
 * @throws {BenchUsageError} For an unknown flag, or `--readme` with `--smoke`.
 */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const flags = argv.filter((a) => a !== "--");
  const unknown = flags.filter((a) => a !== "--smoke" && a !== "--readme");
  if (unknown.length) {
    throw new BenchUsageError(`unknown argument ${unknown.join(" ")}; known: --smoke, --readme`);
  }
  const smoke = flags.includes("--smoke");
  const docs = flags.includes("--readme");
  if (smoke && docs) {
    throw new BenchUsageError(
      "--readme with --smoke: refusing to write docs/benchmarks.md, smoke figures (small sizes, " +
        "one round) are not representative. Run `deno task bench -- --readme` for the docs.",
    );
  }
  return { smoke, docs };
}

/**
 * The sizes of a full or a smoke run.
 *
 * @param smoke Whether this is a smoke run.
 * @returns The sizes.
 */
export function benchConfig(smoke: boolean): BenchConfig {
  return smoke
    ? { ingestEvents: 3_000, rounds: 1, historySteps: 20, coldRounds: 1, memoryEvents: 2_000 }
    : { ingestEvents: 100_000, rounds: 3, historySteps: 700, coldRounds: 3, memoryEvents: 10_000 };
}
