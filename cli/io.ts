/**
 * What the CLI needs from its runtime ({@linkcode CliIO}), and the real process's
 * ({@linkcode processIO}).
 *
 * @module
 */

import process from "node:process";

/**
 * What the CLI needs from its runtime. `main` uses the process's own by default; pass
 * another to capture the output or to run it in-process.
 *
 * @example Capture the output of `--help`
 * ```ts
 * import type { CliIO } from "./io.ts";
 * import { main } from "./main.ts";
 * let out = "";
 * const io: CliIO = {
 *   stdout: (text) => void (out += text),
 *   stderr: () => {},
 *   env: () => undefined,
 *   cwd: () => "/",
 *   isTTY: false,
 *   onInterrupt: () => () => {},
 *   exit: () => {},
 * };
 * const code = await main(["--help"], io);
 * if (code !== 0 || !out.includes("remote-hands run")) throw new Error("no usage");
 * ```
 */
export interface CliIO {
  /** Writes text to standard output, as is (no line break added). */
  stdout(text: string): void;
  /** Writes text to standard error, as is. */
  stderr(text: string): void;
  /** Reads an environment variable. */
  env(name: string): string | undefined;
  /** The current directory (the default working directory for a server on this machine). */
  cwd(): string;
  /** Whether standard output is a terminal (colours are on only then). */
  isTTY: boolean;
  /** Calls `handler` on Ctrl-C (SIGINT) instead of exiting; returns the function that stops it. */
  onInterrupt(handler: () => void): () => void;
  /** Ends the process at once (a second Ctrl-C). */
  exit(code: number): void;
}

/**
 * The real process: `node:process`, which Deno, Bun and Node all provide.
 *
 * @returns The process's standard streams, environment, directory and Ctrl-C.
 * @example
 * ```ts
 * import { processIO } from "./io.ts";
 * const io = processIO();
 * if (typeof io.cwd() !== "string") throw new Error("no current directory");
 * ```
 */
export function processIO(): CliIO {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: (name) => process.env[name],
    cwd: () => process.cwd(),
    isTTY: process.stdout.isTTY === true,
    onInterrupt: (handler) => {
      const listener = (): void => handler();
      process.on("SIGINT", listener);
      return () => void process.off("SIGINT", listener);
    },
    exit: (code) => process.exit(code),
  };
}
