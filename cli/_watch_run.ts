/**
 * What `run`, `approve` and `resume` share: Ctrl-C handling, waiting for the run, and a report that
 * agrees with the server. A Ctrl-C pauses the conversation and the CLI waits (a bounded time) until
 * the server says it is no longer running, then prints the status the server has, not the one it
 * asked for.
 *
 * @module
 */

import { ConversationRunError, type RemoteConversation, TimeoutError } from "../mod.ts";
import type { Context } from "./_context.ts";
import { describe } from "./_describe.ts";
import { exitCodeFor, oneLine } from "./_output.ts";

/** How long a Ctrl-C waits for the server to stop running the agent after the pause. */
export const PAUSE_SETTLE_MS = 30_000;
/** How often it asks the server meanwhile. */
const SETTLE_POLL_MS = 250;

/**
 * The first Ctrl-C: aborts `signal`; a second one exits at once with 130.
 *
 * @example
 * ```ts ignore
 * const interrupt = listenForInterrupt(ctx);
 * try { await work(interrupt.signal); } finally { interrupt.stop(); }
 * ```
 */
export interface Interrupt {
  /** Aborted by the first Ctrl-C. */
  readonly signal: AbortSignal;
  /** Whether Ctrl-C was pressed. */
  readonly interrupted: boolean;
  /** Stops listening. */
  stop(): void;
}

/**
 * Listens for Ctrl-C.
 *
 * @param ctx The shared settings (its io gives the signal and the exit).
 * @param again What to print on the second Ctrl-C before exiting.
 * @returns The interrupt.
 * @example
 * ```ts ignore
 * const interrupt = listenForInterrupt(ctx, "interrupted again: exiting without pausing\n");
 * ```
 */
export function listenForInterrupt(ctx: Context, again?: string): Interrupt {
  const controller = new AbortController();
  const stop = ctx.io.onInterrupt(() => {
    if (controller.signal.aborted) {
      if (again) ctx.err(again);
      ctx.io.exit(130);
    }
    controller.abort();
  });
  return {
    signal: controller.signal,
    get interrupted(): boolean {
      return controller.signal.aborted;
    },
    stop,
  };
}

/**
 * Runs the agent of an open conversation until the run is over, prints the final status and
 * returns the exit code. On Ctrl-C it pauses the conversation and reports what the server says
 * (see {@linkcode pauseAndReport}).
 *
 * @param ctx The shared settings.
 * @param conversation The conversation, open.
 * @param options How long to wait, and the interrupt.
 * @returns The exit code: by the final status (0, 1 or 2), 1 when the wait timed out (the run goes
 * on), 130 when interrupted.
 * @throws The client's errors other than a run that ended in error or stuck, or a timeout.
 * @example
 * ```ts ignore
 * return await runAndReport(ctx, conversation, { timeoutSeconds: 3600, interrupt });
 * ```
 */
export async function runAndReport(
  ctx: Context,
  conversation: RemoteConversation,
  options: { timeoutSeconds: number; interrupt: Interrupt },
): Promise<number> {
  const { timeoutSeconds, interrupt } = options;
  const id = oneLine(conversation.id);
  try {
    const status = await conversation.run({
      timeoutMs: timeoutSeconds * 1000,
      signal: interrupt.signal,
    });
    ctx.out(`conversation ${id}: ${oneLine(status)}\n`);
    if (status === "waiting_for_confirmation") {
      ctx.err(
        `the agent is waiting for confirmation of its next action: ` +
          `remote-hands approve ${id} (or reject ${id})\n`,
      );
    }
    return exitCodeFor(status);
  } catch (err) {
    if (interrupt.interrupted) return await pauseAndReport(ctx, conversation);
    if (err instanceof ConversationRunError && (err.status === "error" || err.status === "stuck")) {
      ctx.out(`conversation ${oneLine(err.conversationId)}: ${oneLine(err.status)}\n`);
    }
    if (err instanceof ConversationRunError && err.cause instanceof TimeoutError) {
      ctx.err(
        `remote-hands: gave up waiting after ${timeoutSeconds} s; the run goes on: ` +
          `remote-hands tail ${id}\n`,
      );
      return 1;
    }
    throw err;
  }
}

/**
 * After a Ctrl-C: pauses the conversation, waits until the server says it is no longer running
 * (at most {@linkcode PAUSE_SETTLE_MS}) and prints that status on stderr, with what to do next.
 *
 * @param ctx The shared settings.
 * @param conversation The conversation, open.
 * @returns 130.
 * @example
 * ```ts ignore
 * if (interrupt.interrupted) return await pauseAndReport(ctx, conversation);
 * ```
 */
export async function pauseAndReport(
  ctx: Context,
  conversation: RemoteConversation,
): Promise<number> {
  const id = oneLine(conversation.id);
  try {
    await conversation.pause();
    const status = await settledStatus(conversation);
    ctx.err(`interrupted: ${afterPause(id, status)}\n`);
  } catch (err) {
    ctx.err(`interrupted, but pausing ${id} failed: ${describe(err, ctx, id)}\n`);
  }
  return 130;
}

/** The server's status once it is not `running`, or `running` after the bound. */
async function settledStatus(conversation: RemoteConversation): Promise<string | undefined> {
  const deadline = Date.now() + PAUSE_SETTLE_MS;
  for (;;) {
    await conversation.refresh({ timeoutMs: 5_000 });
    const status = conversation.state.agentStatus;
    if (status !== "running" || Date.now() >= deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
  }
}

/** The line for the server's status after a pause. */
function afterPause(id: string, status: string | undefined): string {
  const shown = oneLine(status ?? "unknown");
  if (status === "paused") {
    return `conversation ${id} is paused; go on with: remote-hands resume ${id}`;
  }
  if (status === "running") {
    return `asked conversation ${id} to pause, but it is still running after ` +
      `${PAUSE_SETTLE_MS / 1000} s; watch it with: remote-hands tail ${id}`;
  }
  if (status === "waiting_for_confirmation") {
    return `conversation ${id} is waiting for confirmation: remote-hands approve ${id} (or reject ${id})`;
  }
  return `conversation ${id} is ${shown} (it ended before the pause took effect)`;
}
