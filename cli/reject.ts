/**
 * `remote-hands reject <id> [--reason R]`: rejects the actions the agent holds for confirmation.
 *
 * @module
 */

import type { RemoteConversation } from "../mod.ts";
import { conversationIdArg, type Parsed, UsageError } from "./_args.ts";
import { attachChecked } from "./_attach_checked.ts";
import type { Context } from "./_context.ts";
import { exitCodeFor, oneLine } from "./_output.ts";
import { listenForInterrupt } from "./_watch_run.ts";

/** The reason the server records when none is given (the Python SDK's default). */
const DEFAULT_REASON = "User rejected the action";

/**
 * Runs `reject`: the conversation must be `waiting_for_confirmation`; its held actions are
 * rejected (the server records a `UserRejectObservation` for each and the agent stops), and the
 * status the server then has is printed.
 *
 * @param ctx The shared settings.
 * @param parsed The parsed command line.
 * @returns The exit code by the status after the rejection (0 for idle).
 * @throws {UsageError} For a missing or bad id or an empty `--reason`; `RemoteHandsError` when
 * nothing waits for confirmation; the client's errors as they are.
 * @example
 * ```ts ignore
 * import { parse } from "./_args.ts";
 * import { context } from "./_context.ts";
 * import { processIO } from "./io.ts";
 * import { rejectCommand } from "./reject.ts";
 * const parsed = parse(["reject", "6c1b5b1e-0000-4000-8000-000000000000", "--reason", "not now"]);
 * const code = await rejectCommand(context(processIO(), parsed), parsed);
 * ```
 */
export async function rejectCommand(ctx: Context, parsed: Parsed): Promise<number> {
  const id = conversationIdArg(parsed, "reject");
  const reason = parsed.strings.reason ?? DEFAULT_REASON;
  if (reason.trim() === "") throw new UsageError("--reason must not be empty");
  const interrupt = listenForInterrupt(ctx);
  let conversation: RemoteConversation | undefined;
  try {
    conversation = await attachChecked(
      ctx,
      id,
      "reject",
      (status) =>
        status === "waiting_for_confirmation" ? undefined : "so nothing waits for confirmation",
      interrupt.signal,
    );
    await conversation.rejectPendingActions(reason, { signal: interrupt.signal });
    await conversation.refresh({ signal: interrupt.signal });
    const status = conversation.state.agentStatus;
    ctx.out(`conversation ${oneLine(id)}: ${oneLine(status ?? "unknown")} (actions rejected)\n`);
    return exitCodeFor(status);
  } catch (err) {
    if (interrupt.interrupted) return 130;
    throw err;
  } finally {
    interrupt.stop();
    await conversation?.close();
  }
}
