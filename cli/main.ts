/**
 * `remote-hands`, the command line of the client: list the conversations of an agent server, run a
 * task and watch it, or attach to a conversation and show its events as they happen.
 *
 * ```sh
 * deno run -A jsr:@remote-hands/client/cli list --status finished
 * deno run -A jsr:@remote-hands/client/cli run "Add a README" --model openai/gpt-4o-mini
 * deno run -A jsr:@remote-hands/client/cli tail 6c1b5b1e-0000-4000-8000-000000000000 --history
 * deno run -A jsr:@remote-hands/client/cli approve 6c1b5b1e-0000-4000-8000-000000000000
 * bun run cli/main.ts --help
 * ```
 *
 * The server and its key come from `--host` / `--api-key` or the environment
 * (`REMOTE_HANDS_HOST`, `REMOTE_HANDS_API_KEY`, then `OH_SESSION_API_KEY`). Errors are one line on
 * stderr with exit code 1; no key is ever printed, and every string the server chose (ids, statuses,
 * titles, events, error texts) is printed terminal-safe (control characters, escapes and bidi
 * overrides shown as visible `\x1b` / `\u202e` escapes). Everything the client does goes through the
 * library (`mod.ts`, `manager.ts`, `visualizer.ts`); this module only adds the runtime glue
 * (arguments, environment, stdout, Ctrl-C), through `node:process`, which Deno, Bun and Node all
 * provide. Each command has its own module (`list.ts`, `run.ts`, `tail.ts`, `approve.ts`, `reject.ts`,
 * `resume.ts`).
 *
 * @module
 */

import process from "node:process";
import { terminalText } from "../src/_terminal_safe.ts";
import { checkOptions, type Command, COMMANDS, parse, type Parsed } from "./_args.ts";
import { context } from "./_context.ts";
import { describe } from "./_describe.ts";
import { oneLine } from "./_output.ts";
import { type CliIO, processIO } from "./io.ts";
import { approveCommand } from "./approve.ts";
import type { Context } from "./_context.ts";
import { listCommand } from "./list.ts";
import { rejectCommand } from "./reject.ts";
import { resumeCommand } from "./resume.ts";
import { runCommand } from "./run.ts";
import { tailCommand } from "./tail.ts";
import { USAGE } from "./usage.ts";

export type { CliIO } from "./io.ts";
export { USAGE } from "./usage.ts";

/**
 * Runs the CLI with `args` (without the program name) and resolves with the exit code. Nothing
 * throws: problems are one line on stderr and exit code 1.
 *
 * @example List the finished conversations of a local server
 * ```ts ignore
 * import { main } from "@remote-hands/client/cli";
 * const code = await main(["list", "--status", "finished", "--host", "http://127.0.0.1:8000"]);
 * ```
 */
export async function main(args: readonly string[], io: CliIO = processIO()): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parse(args);
  } catch (err) {
    io.stderr(terminalText(`remote-hands: ${(err as Error).message} (see --help)\n`));
    return 1;
  }
  if (parsed.flags.help) {
    io.stdout(USAGE);
    return 0;
  }
  const ctx = context(io, parsed);
  const command = parsed.command;
  if (command === undefined) {
    ctx.err(USAGE);
    return 1;
  }
  if (!isCommand(command)) {
    ctx.err(`remote-hands: unknown command '${oneLine(command)}' (see --help)\n`);
    return 1;
  }
  const conversationId = command === "list" || command === "run"
    ? undefined
    : parsed.positionals[0];
  try {
    checkOptions(parsed, command);
    return await RUN[command](ctx, parsed);
  } catch (err) {
    ctx.err(`remote-hands: ${describe(err, ctx, conversationId)}\n`);
    return 1;
  }
}

/** Each command's implementation. */
const RUN: Record<Command, (ctx: Context, parsed: Parsed) => Promise<number>> = {
  list: listCommand,
  run: runCommand,
  tail: tailCommand,
  approve: approveCommand,
  reject: rejectCommand,
  resume: resumeCommand,
};

function isCommand(name: string): name is Command {
  return (COMMANDS as readonly string[]).includes(name);
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  // Let piped output drain before exiting.
  await new Promise<void>((done) => process.stdout.write("", () => done()));
  await new Promise<void>((done) => process.stderr.write("", () => done()));
  process.exit(code);
}
