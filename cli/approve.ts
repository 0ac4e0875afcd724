/**
 * `remote-hands approve <id>`: lets the agent run the actions it holds for confirmation, and shows
 * the run until it is over.
 *
 * @module
 */

import type { Parsed } from "./_args.ts";
import { attachAndRun } from "./_attach_checked.ts";
import type { Context } from "./_context.ts";

/**
 * Runs `approve`: the conversation must be `waiting_for_confirmation`; the held actions run and the
 * agent goes on until the run is over (a Ctrl-C pauses it, as in `run`).
 *
 * @param ctx The shared settings.
 * @param parsed The parsed command line.
 * @returns The exit code, as `run`'s.
 * @throws {UsageError} For a missing or bad id; `RemoteHandsError` when nothing waits for
 * confirmation; the client's errors as they are.
 * @example
 * ```ts ignore
 * import { parse } from "./_args.ts";
 * import { context } from "./_context.ts";
 * import { processIO } from "./io.ts";
 * import { approveCommand } from "./approve.ts";
 * const parsed = parse(["approve", "6c1b5b1e-0000-4000-8000-000000000000"]);
 * const code = await approveCommand(context(processIO(), parsed), parsed);
 * ```
 */
export async function approveCommand(ctx: Context, parsed: Parsed): Promise<number> {
  // Running again is how the agent server accepts held actions (as the Python SDK does).
  return await attachAndRun(
    ctx,
    parsed,
    "approve",
    (status) =>
      status === "waiting_for_confirmation" ? undefined : "so nothing waits for confirmation",
  );
}
