/**
 * Attaching for a command that acts on a conversation in one state (`approve`, `reject`,
 * `resume`): the conversation, or a one-line error that says what state it is in and what to do.
 *
 * @module
 */

import { type RemoteConversation, RemoteHandsError } from "../mod.ts";
import { ConversationManager } from "../manager.ts";
import { type Command, conversationIdArg, type Parsed, positiveInt } from "./_args.ts";
import { type Context, visualizer } from "./_context.ts";
import { oneLine } from "./_output.ts";
import { listenForInterrupt, runAndReport } from "./_watch_run.ts";

/**
 * Attaches to conversation `id` and checks its status with `accept`; closes it and throws when
 * the status is not accepted.
 *
 * @param ctx The shared settings.
 * @param id The conversation id.
 * @param command The command, for the message.
 * @param accept Whether the command can act on a conversation with this status; returns the
 * reason when it cannot.
 * @param signal Aborts the attach.
 * @returns The open conversation; its events are shown as they come.
 * @throws {RemoteHandsError} When the status is not one the command acts on.
 * @example
 * ```ts ignore
 * const conversation = await attachChecked(ctx, id, "approve", (s) =>
 *   s === "waiting_for_confirmation" ? undefined : "nothing waits for confirmation", signal);
 * ```
 */
export async function attachChecked(
  ctx: Context,
  id: string,
  command: Command,
  accept: (status: string | undefined) => string | undefined,
  signal: AbortSignal,
): Promise<RemoteConversation> {
  const manager = new ConversationManager({ host: ctx.host, apiKey: ctx.apiKey });
  const conversation = await manager.attach(id, { signal, visualizer: visualizer(ctx) });
  const status = conversation.state.agentStatus;
  const refused = accept(status);
  if (refused !== undefined) {
    await conversation.close();
    throw new RemoteHandsError(
      `cannot ${command} conversation ${oneLine(id)}: it is ${
        oneLine(status ?? "unknown")
      }, ${refused}`,
    );
  }
  ctx.out(`conversation ${oneLine(id)}: ${oneLine(status ?? "unknown")}\n`);
  return conversation;
}

/**
 * What `approve` and `resume` share: attach to the command line's conversation, check its status,
 * run the agent and report the run (a Ctrl-C pauses it, as in `run`).
 *
 * @param ctx The shared settings.
 * @param parsed The parsed command line (the id, `--timeout`).
 * @param command The command, for the messages.
 * @param refusal Why the command does not act on a conversation with this status, if it does not.
 * @returns The exit code, as `run`'s.
 * @throws {UsageError} For a missing or bad id or `--timeout`; `RemoteHandsError` for a status the
 * command does not act on; the client's errors as they are.
 * @example
 * ```ts ignore
 * return await attachAndRun(ctx, parsed, "resume", (status) =>
 *   status === "finished" ? "so there is nothing to resume" : undefined);
 * ```
 */
export async function attachAndRun(
  ctx: Context,
  parsed: Parsed,
  command: Command,
  refusal: (status: string | undefined, id: string) => string | undefined,
): Promise<number> {
  const id = conversationIdArg(parsed, command);
  const timeoutSeconds = positiveInt("timeout", parsed.strings.timeout) ?? 3600;
  const interrupt = listenForInterrupt(ctx, "interrupted again: exiting without pausing\n");
  let conversation: RemoteConversation | undefined;
  try {
    const accept = (status: string | undefined) => refusal(status, id);
    conversation = await attachChecked(ctx, id, command, accept, interrupt.signal);
    return await runAndReport(ctx, conversation, { timeoutSeconds, interrupt });
  } catch (err) {
    if (interrupt.interrupted && conversation === undefined) return 130;
    throw err;
  } finally {
    interrupt.stop();
    await conversation?.close();
  }
}
