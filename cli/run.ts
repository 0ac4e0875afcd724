/**
 * `remote-hands run "<task>"`: creates a conversation, sends the task, runs the agent and shows
 * its events.
 *
 * @module
 */

import {
  AlwaysConfirm,
  ConversationRunError,
  RemoteConversation,
  RemoteWorkspace,
  TimeoutError,
} from "../mod.ts";
import { agentConfig, workingDir } from "./_agent_config.ts";
import { type Parsed, positiveInt, UsageError } from "./_args.ts";
import { type Context, visualizer } from "./_context.ts";
import { describe } from "./_describe.ts";
import { exitCodeFor, oneLine } from "./_output.ts";

/**
 * Runs `run`: creates a conversation, sends the task, runs the agent and shows its events until
 * the run ends. A Ctrl-C pauses the conversation on the server (a second one exits at once).
 *
 * @param ctx The shared settings.
 * @param parsed The parsed command line.
 * @returns The exit code: by the final status (0, 1 or 2), 1 when the wait timed out (the run
 * goes on), 130 when interrupted.
 * @throws {UsageError} For a missing task or bad options; the client's errors as they are.
 * @example
 * ```ts ignore
 * import { parse } from "./_args.ts";
 * import { context } from "./_context.ts";
 * import { processIO } from "./io.ts";
 * import { runCommand } from "./run.ts";
 * const parsed = parse(["run", "Add a README", "--model", "openai/gpt-4o-mini"]);
 * const code = await runCommand(context(processIO(), parsed), parsed);
 * ```
 */
export async function runCommand(ctx: Context, parsed: Parsed): Promise<number> {
  const task = parsed.positionals.join(" ").trim();
  if (!task) throw new UsageError('run needs a task: remote-hands run "<task>"');
  const maxIterationPerRun = positiveInt("max-iterations", parsed.strings["max-iterations"]);
  const timeoutSeconds = positiveInt("timeout", parsed.strings.timeout) ?? 3600;
  const agent = await agentConfig(ctx, parsed);
  const workspace = new RemoteWorkspace({
    host: ctx.host,
    apiKey: ctx.apiKey,
    workingDir: workingDir(ctx, parsed),
  });

  // Events that arrive while the conversation is being set up wait for the header line.
  let pending: string[] | undefined = [];
  const viz = visualizer(ctx, (text) => {
    if (pending) pending.push(text);
    else ctx.out(`${text}\n`);
  });
  const interrupt = new AbortController();
  let interrupted = false;
  const stopListening = ctx.io.onInterrupt(() => {
    if (interrupted) {
      ctx.err("interrupted again: exiting without pausing\n");
      ctx.io.exit(130);
    }
    interrupted = true;
    interrupt.abort();
  });
  let conversation: RemoteConversation | undefined;
  let runStarted = false;
  try {
    conversation = await RemoteConversation.create({
      agent,
      workspace,
      visualizer: viz,
      ...(parsed.flags.confirm ? { confirmationPolicy: new AlwaysConfirm() } : {}),
      ...(maxIterationPerRun !== undefined ? { maxIterationPerRun } : {}),
      signal: interrupt.signal,
    });
    const shownId = oneLine(conversation.id);
    ctx.out(`conversation ${shownId} (working dir ${oneLine(workspace.workingDir)})\n`);
    for (const text of pending) ctx.out(`${text}\n`);
    pending = undefined;
    await conversation.sendMessage(task, { signal: interrupt.signal });
    runStarted = true;
    const status = await conversation.run({
      timeoutMs: timeoutSeconds * 1000,
      signal: interrupt.signal,
    });
    ctx.out(`conversation ${shownId}: ${oneLine(status)}\n`);
    if (status === "waiting_for_confirmation") {
      ctx.err("the agent is waiting for confirmation of its next action\n");
    }
    return exitCodeFor(status);
  } catch (err) {
    if (interrupted) {
      if (conversation === undefined) {
        ctx.err("interrupted before the conversation started\n");
      } else if (!runStarted) {
        ctx.err(`interrupted before the run started: conversation ${oneLine(conversation.id)}\n`);
      } else {
        // Stop the agent too: a Ctrl-C means "stop", not "stop watching".
        const id = oneLine(conversation.id);
        try {
          await conversation.pause();
          ctx.err(
            `interrupted: conversation ${id} is paused; watch it with: remote-hands tail ${id}\n`,
          );
        } catch (pauseError) {
          ctx.err(`interrupted, but pausing ${id} failed: ${describe(pauseError, ctx, id)}\n`);
        }
      }
      return 130;
    }
    if (err instanceof ConversationRunError && (err.status === "error" || err.status === "stuck")) {
      ctx.out(`conversation ${oneLine(err.conversationId)}: ${oneLine(err.status)}\n`);
    }
    if (
      err instanceof ConversationRunError && err.cause instanceof TimeoutError &&
      conversation !== undefined
    ) {
      ctx.err(
        `remote-hands: gave up waiting after ${timeoutSeconds} s; the run goes on: ` +
          `remote-hands tail ${oneLine(conversation.id)}\n`,
      );
      return 1;
    }
    throw err;
  } finally {
    stopListening();
    await conversation?.close();
  }
}
