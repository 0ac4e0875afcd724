/**
 * One test API for both runners: `deno test` and `bun test` run the same files.
 *
 * Under Deno this is `Deno.test` with every sanitizer on; under Bun it is `bun:test`'s `test`.
 * Assertions come from `node:assert/strict`, which both runtimes ship.
 *
 * @module
 */

/** A test body. */
export type TestFn = () => void | Promise<void>;

/** Per-test options understood by both runners. */
export interface TestOptions {
  /** Bun's per-test timeout in milliseconds. Deno has none: tests bound their own waits. */
  timeoutMs?: number;
}

// deno-lint-ignore no-explicit-any
const bun = (globalThis as any).Bun;
const bunSpecifier = "bun:test";
// deno-lint-ignore no-explicit-any
const bunTest: any = bun ? (await import(bunSpecifier)).test : undefined;

/** The runtime running the tests. */
export const runtime: "bun" | "deno" = bun ? "bun" : "deno";

/** Registers a test with the current runner. */
export function test(name: string, fn: TestFn, options: TestOptions = {}): void {
  if (bunTest) {
    bunTest(name, fn, options.timeoutMs ?? 120_000);
    return;
  }
  Deno.test({ name, fn, sanitizeOps: true, sanitizeResources: true, sanitizeExit: true });
}
