/**
 * The command-line arguments of the bench's client processes.
 *
 * @module
 */

import process from "node:process";

/**
 * The value after `--name` on the command line.
 *
 * @param name The option, without the dashes.
 * @returns Its value.
 * @throws {Error} When it is missing.
 */
export function requiredArg(name: string): string {
  const argv = process.argv;
  const i = argv.indexOf(`--${name}`);
  const value = i >= 0 ? argv[i + 1] : undefined;
  if (value === undefined) throw new Error(`missing --${name}`);
  return value;
}
