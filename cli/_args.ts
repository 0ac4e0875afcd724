/**
 * The command line of the CLI: its options, which command owns each, and their parsing.
 *
 * @module
 */

import { oneLine } from "./_output.ts";

/**
 * The CLI's commands.
 *
 * @example
 * ```ts
 * import type { Command } from "./_args.ts";
 * const command: Command = "tail";
 * ```
 */
export type Command = "list" | "run" | "tail" | "approve" | "reject" | "resume";

/** Every command, in the order the usage text lists them. */
export const COMMANDS: readonly Command[] = ["list", "run", "tail", "approve", "reject", "resume"];

/** The commands that run the agent and wait for the run (they share `--timeout`). */
const RUNNING = ["run", "approve", "resume"] as const;

/** Options that take a value, and the commands each belongs to (`all`: every command). */
const STRING_OPTIONS = {
  host: "all",
  "api-key": "all",
  status: "list",
  limit: "list",
  agent: "run",
  model: "run",
  "base-url": "run",
  "llm-api-key": "run",
  tools: "run",
  "working-dir": "run",
  "max-iterations": "run",
  timeout: RUNNING,
  reason: "reject",
} satisfies Record<string, "all" | Command | readonly Command[]>;

/** Options that take no value, and the commands each belongs to (`all`: every command). */
const BOOLEAN_OPTIONS = {
  help: "all",
  "no-color": "all",
  json: "list",
  confirm: "run",
  history: "tail",
  "until-idle": "tail",
} satisfies Record<string, "all" | Command | readonly Command[]>;

type StringOption = keyof typeof STRING_OPTIONS;
type BooleanOption = keyof typeof BOOLEAN_OPTIONS;

/**
 * A parsed command line.
 *
 * @example
 * ```ts
 * import { parse, type Parsed } from "./_args.ts";
 * const parsed: Parsed = parse(["tail", "id", "--history"]);
 * if (parsed.command !== "tail" || parsed.flags.history !== true) throw new Error();
 * ```
 */
export interface Parsed {
  /** The first argument that is not an option. */
  command: string | undefined;
  /** The other arguments that are not options, in order. */
  positionals: string[];
  /** The options that take a value. */
  strings: Partial<Record<StringOption, string>>;
  /** The options that take no value and were given. */
  flags: Partial<Record<BooleanOption, true>>;
}

/**
 * A mistake in the command line: one line, then a pointer to `--help`.
 *
 * @example
 * ```ts
 * import { UsageError } from "./_args.ts";
 * const err = new UsageError("tail needs a conversation id");
 * if (!(err instanceof Error)) throw new Error();
 * ```
 */
export class UsageError extends Error {}

/**
 * Parses the arguments (without the program name). `--name=value` and `--name value` both work;
 * `--` ends the options; `-h` is `--help`.
 *
 * @param args The arguments.
 * @returns The command, its arguments and its options.
 * @throws {UsageError} For an unknown option (only its name is quoted, never a value), an option
 * without its value, or a value given to a flag.
 * @example
 * ```ts
 * import { parse } from "./_args.ts";
 * const parsed = parse(["list", "--limit=5", "--json"]);
 * if (parsed.strings.limit !== "5" || !parsed.flags.json) throw new Error();
 * ```
 */
export function parse(args: readonly string[]): Parsed {
  const parsed: Parsed = { command: undefined, positionals: [], strings: {}, flags: {} };
  let i = 0;
  let rest = false;
  while (i < args.length) {
    const arg = args[i++]!;
    if (rest || !arg.startsWith("-") || arg === "-") {
      if (parsed.command === undefined) parsed.command = arg;
      else parsed.positionals.push(arg);
      continue;
    }
    if (arg === "--") {
      rest = true;
      continue;
    }
    if (arg === "-h") {
      parsed.flags.help = true;
      continue;
    }
    if (!arg.startsWith("--")) throw new UsageError(`unknown option ${arg}`);
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    // Own names only: `--toString` or `--__proto__` are not options.
    if (Object.hasOwn(STRING_OPTIONS, name)) {
      let value: string | undefined;
      if (eq >= 0) value = arg.slice(eq + 1);
      else if (i < args.length) value = args[i++];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      parsed.strings[name as StringOption] = value;
    } else if (Object.hasOwn(BOOLEAN_OPTIONS, name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      parsed.flags[name as BooleanOption] = true;
    } else {
      // Only the name: the value of a mistyped --api-key must not be echoed.
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return parsed;
}

/**
 * Rejects options that belong to another command.
 *
 * @param parsed The parsed command line.
 * @param command The command that runs.
 * @throws {UsageError} Naming the first option of another command.
 * @example
 * ```ts
 * import { checkOptions, parse } from "./_args.ts";
 * checkOptions(parse(["list", "--json"]), "list");
 * try {
 *   checkOptions(parse(["list", "--history"]), "list");
 *   throw new Error("expected a UsageError");
 * } catch (err) {
 *   if (!(err as Error).message.includes("option of 'tail'")) throw err;
 * }
 * ```
 */
export function checkOptions(parsed: Parsed, command: Command): void {
  const names = [
    ...Object.keys(parsed.strings).map((n) => [n, STRING_OPTIONS[n as StringOption]] as const),
    ...Object.keys(parsed.flags).map((n) => [n, BOOLEAN_OPTIONS[n as BooleanOption]] as const),
  ];
  for (const [name, owner] of names) {
    const owners: readonly string[] = typeof owner === "string" ? [owner] : owner;
    if (!owners.includes("all") && !owners.includes(command)) {
      throw new UsageError(
        `--${name} is an option of '${owners.join("', '")}', not of '${command}'`,
      );
    }
  }
}

/**
 * The value of option `--name` as a whole number from 1 (to `max`, when given).
 *
 * @param name The option's name, for the message.
 * @param value The option's value, if it was given.
 * @param max The largest value allowed, if any.
 * @returns The number, or `undefined` when the option was not given.
 * @throws {UsageError} When the value is not such a number.
 * @example
 * ```ts
 * import { positiveInt } from "./_args.ts";
 * if (positiveInt("limit", "20") !== 20 || positiveInt("limit", undefined) !== undefined) {
 *   throw new Error();
 * }
 * ```
 */
export function positiveInt(
  name: string,
  value: string | undefined,
  max?: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || (max && n > max)) {
    throw new UsageError(
      `--${name} must be a whole number from 1${max ? ` to ${max}` : ""}: got '${value}'`,
    );
  }
  return n;
}

/** A conversation id: a UUID, with or without its dashes. */
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * The one conversation id a command takes.
 *
 * @param parsed The parsed command line.
 * @param command The command, for the messages.
 * @returns The id.
 * @throws {UsageError} When there is none, more than one, or it is not a UUID.
 * @example
 * ```ts
 * import { conversationIdArg, parse } from "./_args.ts";
 * const id = "6c1b5b1e-0000-4000-8000-000000000000";
 * if (conversationIdArg(parse(["approve", id]), "approve") !== id) throw new Error();
 * ```
 */
export function conversationIdArg(parsed: Parsed, command: Command): string {
  const [id, extra] = parsed.positionals;
  if (id === undefined) throw new UsageError(`${command} needs a conversation id`);
  if (extra !== undefined) {
    throw new UsageError(`${command} takes one conversation id: got '${oneLine(extra)}'`);
  }
  if (!UUID.test(id)) throw new UsageError(`not a conversation id (a UUID): '${oneLine(id)}'`);
  return id;
}
