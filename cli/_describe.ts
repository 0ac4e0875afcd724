/**
 * The one line the CLI prints for an error: what went wrong, in the words of the command line.
 *
 * @module
 */

import {
  AuthenticationError,
  ConnectionError,
  ConversationRunError,
  NotFoundError,
  RemoteHandsError,
  TimeoutError,
} from "../mod.ts";
import { safeString } from "../src/_terminal_safe.ts";
import { UsageError } from "./_args.ts";
import type { Context } from "./_context.ts";
import { oneLine, shorten } from "./_output.ts";

/** The first error in a `cause` chain that says more than a wrapper. */
function rootCause(err: unknown): unknown {
  let current = err;
  for (let i = 0; i < 5; i++) {
    if (current instanceof ConversationRunError && current.code === undefined) {
      if (current.cause === undefined) return current;
      current = current.cause;
    } else break;
  }
  return current;
}

/**
 * The message of `err` for standard error: the options to check for a usage, key, host or time
 * problem, the status and code of a failed run, else the error's own message (one line, at most
 * 400 characters).
 *
 * @param err What was thrown.
 * @param ctx The shared settings (for the host).
 * @param conversationId The conversation the command is about, if any.
 * @returns The line, without the `remote-hands: ` prefix and the line break.
 * @example
 * ```ts
 * import { ConnectionError } from "../mod.ts";
 * import { describe } from "./_describe.ts";
 * const line = describe(new ConnectionError("http://h:1"), { host: "http://h:1" });
 * if (!line.startsWith("cannot reach the agent server at http://h:1")) throw new Error(line);
 * ```
 */
export function describe(
  err: unknown,
  ctx: Pick<Context, "host">,
  conversationId?: string,
): string {
  const cause = rootCause(err);
  if (cause instanceof UsageError) return `${cause.message} (see --help)`;
  if (cause instanceof AuthenticationError) {
    return "authentication failed: check --api-key / REMOTE_HANDS_API_KEY";
  }
  if (cause instanceof NotFoundError && conversationId !== undefined) {
    return `conversation ${conversationId} not found on ${ctx.host}`;
  }
  if (cause instanceof ConnectionError) {
    return `cannot reach the agent server at ${ctx.host}: check --host / REMOTE_HANDS_HOST ` +
      `and that the server is running`;
  }
  if (cause instanceof TimeoutError) {
    return `the agent server at ${ctx.host} did not answer in time (${cause.message})`;
  }
  if (cause instanceof ConversationRunError) {
    const what = cause.code
      ? `${safeString(cause.code)}: ${safeString(cause.detail ?? "")}`
      : safeString(cause.status ?? "failed");
    return `the run ended in ${oneLine(cause.status ?? "error")}: ${shorten(oneLine(what), 400)}`;
  }
  if (cause instanceof RemoteHandsError || cause instanceof TypeError) {
    return shorten(oneLine(cause.message), 400);
  }
  if (cause instanceof Error) return `error: ${shorten(oneLine(cause.message), 400)}`;
  return `error: ${shorten(oneLine(cause), 400)}`;
}
