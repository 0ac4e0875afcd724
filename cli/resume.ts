/**
 * `remote-hands resume <id>`: runs the agent of a paused (or idle, or failed) conversation again and
 * shows the run until it is over.
 *
 * @module
 */

import type { Parsed } from "./_args.ts";
import { attachAndRun } from "./_attach_checked.ts";
import type { Context } from "./_context.ts";
import { oneLine } from "./_output.ts";

/** Why `resume` does not act on a conversation with this status, if it does not. */
function refusal(status: string | undefined, id: string): string | undefined {
  if (status === "finished") return "so there is nothing to resume";
  if (status === "waiting_for_confirmation") {
    return `waiting for a decision: remote-hands approve ${oneLine(id)} (or reject ${oneLine(id)})`;
  }
  return undefined;
}

/**
 * Runs `resume`: starts the agent again on a paused, idle, errored or stuck conversation (one that
 * is already running is watched until its run is over) and shows the run (a Ctrl-C pauses it, as in
 * `run`). A finished conversation, or one waiting for confirmation (see `approve`/`reject`), is
 * refused.
 *
 * @param ctx The shared settings.
 * @param parsed The parsed command line.
 * @returns The exit code, as `run`'s.
 * @throws {UsageError} For a missing or bad id; `RemoteHandsError` for a status it does not act
 * on; the client's errors as they are.
 * @example
 * ```ts ignore
 * import { parse } from "./_args.ts";
 * import { context } from "./_context.ts";
 * import { processIO } from "./io.ts";
 * import { resumeCommand } from "./resume.ts";
 * const parsed = parse(["resume", "6c1b5b1e-0000-4000-8000-000000000000"]);
 * const code = await resumeCommand(context(processIO(), parsed), parsed);
 * ```
 */
export async function resumeCommand(ctx: Context, parsed: Parsed): Promise<number> {
  return await attachAndRun(ctx, parsed, "resume", refusal);
}
