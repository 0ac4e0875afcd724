/**
 * `remote-hands tail <id>`: attaches to a conversation and shows its events as they happen.
 *
 * @module
 */

import {
  AuthenticationError,
  NotFoundError,
  type RemoteConversation,
  RemoteHandsError,
} from "../mod.ts";
import { ConversationManager } from "../manager.ts";
import { conversationIdArg, type Parsed } from "./_args.ts";
import { type Context, visualizer } from "./_context.ts";
import { exitCodeFor, oneLine, statusOf } from "./_output.ts";

/** How often `tail` checks that the conversation still exists. */
const TAIL_CHECK_MS = 5_000;

/**
 * Runs `tail`: attaches to a conversation and shows its events as they happen (the stored ones
 * first with `--history`), until Ctrl-C, or with `--until-idle` until it is not running. Ends
 * with an error when the conversation is deleted or the key revoked meanwhile.
 *
 * @param ctx The shared settings.
 * @param parsed The parsed command line.
 * @returns The exit code: by the last status (0, 1 or 2), 130 when interrupted.
 * @throws {UsageError} For a missing or malformed id; the client's errors as they are.
 * @example
 * ```ts ignore
 * import { parse } from "./_args.ts";
 * import { context } from "./_context.ts";
 * import { processIO } from "./io.ts";
 * import { tailCommand } from "./tail.ts";
 * const parsed = parse(["tail", "6c1b5b1e-0000-4000-8000-000000000000", "--history"]);
 * const code = await tailCommand(context(processIO(), parsed), parsed);
 * ```
 */
export async function tailCommand(ctx: Context, parsed: Parsed): Promise<number> {
  const id = conversationIdArg(parsed, "tail");
  const history = parsed.flags.history === true;
  const untilIdle = parsed.flags["until-idle"] === true;
  const manager = new ConversationManager({ host: ctx.host, apiKey: ctx.apiKey });
  const stop = new AbortController();
  let fatal: unknown;
  let interrupted = false;
  const stopListening = ctx.io.onInterrupt(() => {
    if (interrupted) ctx.io.exit(130);
    interrupted = true;
    stop.abort();
  });
  let conversation: RemoteConversation | undefined;
  let watchdog: ReturnType<typeof setInterval> | undefined;
  try {
    conversation = await manager.attach(id, {
      signal: stop.signal,
      onError: (err) => {
        // The conversation was deleted or the key revoked while we watch: nothing more will come.
        if (err instanceof NotFoundError || err instanceof AuthenticationError) {
          fatal = err;
          stop.abort();
        }
      },
    });
    // The server does not close the socket when the conversation is deleted: look now and then.
    watchdog = setInterval(() => {
      manager.get(id, { signal: stop.signal }).catch((err) => {
        if (err instanceof NotFoundError) {
          fatal = new RemoteHandsError(`conversation ${id} was deleted on ${ctx.host}`);
          stop.abort();
        }
      });
    }, TAIL_CHECK_MS);
    const viz = visualizer(ctx);
    // Read both at the same moment: the history snapshot and the status it ends in.
    let status: string | undefined = conversation.state.agentStatus;
    let historyLeft = history ? conversation.state.events.length : 0;
    ctx.out(`conversation ${oneLine(conversation.id)}: ${oneLine(status ?? "unknown")}\n`);
    if (untilIdle && status !== "running" && historyLeft === 0) return exitCodeFor(status);
    for await (const event of conversation.events({ history, signal: stop.signal })) {
      viz.onEvent(event);
      if (historyLeft > 0) {
        historyLeft--;
        if (historyLeft === 0 && untilIdle && status !== "running") break;
        continue;
      }
      status = statusOf(event) ?? status;
      if (untilIdle && status !== "running") break;
    }
    if (fatal !== undefined) throw fatal;
    if (interrupted) return 130;
    ctx.out(`conversation ${oneLine(conversation.id)}: ${oneLine(status ?? "unknown")}\n`);
    return exitCodeFor(status);
  } catch (err) {
    if (interrupted && fatal === undefined) return 130;
    throw err;
  } finally {
    clearInterval(watchdog);
    stop.abort(); // a watchdog request still in flight
    stopListening();
    await conversation?.close();
  }
}
