/**
 * `remote-hands run "<task>"`: creates a conversation, sends the task, runs the agent and shows
 * its events.
 *
 * @module
 */

import { AlwaysConfirm, RemoteConversation, RemoteWorkspace } from "../mod.ts";
import { agentConfig, workingDir } from "./_agent_config.ts";
import { type Parsed, positiveInt, UsageError } from "./_args.ts";
import { type Context, visualizer } from "./_context.ts";
import { oneLine } from "./_output.ts";
import { listenForInterrupt, runAndReport } from "./_watch_run.ts";

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
  const interrupt = listenForInterrupt(ctx, "interrupted again: exiting without pausing\n");
  let conversation: RemoteConversation | undefined;
  try {
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
    } catch (err) {
      if (!interrupt.interrupted) throw err;
      ctx.err(
        conversation === undefined
          ? "interrupted while the conversation was being created: if the server made it, " +
            "it is idle (see: remote-hands list)\n"
          : `interrupted before the run started: conversation ${oneLine(conversation.id)}\n`,
      );
      return 130;
    }
    return await runAndReport(ctx, conversation, { timeoutSeconds, interrupt });
  } finally {
    interrupt.stop();
    await conversation?.close();
  }
}
