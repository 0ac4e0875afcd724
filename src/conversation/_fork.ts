/**
 * What `RemoteConversation.fork()` sends and how the fork is opened: the request from the
 * caller's options (checked before any request) and the options the fork is assembled with.
 *
 * @module
 */

import { UUID } from "../_checks.ts";
import type { ForkRequest } from "../rest/conversation_history.ts";
import { isObject } from "./_options.ts";
import type { ForkOptions } from "./operation_types.ts";
import type { RemoteConversationOptions } from "./types.ts";

/**
 * The body of `POST …/fork` for `options`, as Python sends it: `reset_metrics` always, the other
 * fields when given.
 *
 * @param options The caller's options.
 * @returns The request.
 * @throws {TypeError} When an option has the wrong type, or the id is not a UUID.
 *
 * @example
 * ```ts
 * import { forkRequest } from "./_fork.ts";
 * const request = forkRequest({ title: "Plan B", fromEventId: "e1" });
 * if (request.reset_metrics !== true || request.from_event_id !== "e1") throw new Error();
 * ```
 */
export function forkRequest(options: ForkOptions): ForkRequest {
  if (!isObject(options)) throw new TypeError("Cannot fork as the options must be an object");
  const { conversationId, title, tags, resetMetrics, fromEventId } = options;
  if (
    conversationId !== undefined &&
    !(typeof conversationId === "string" && UUID.test(conversationId))
  ) {
    throw new TypeError(
      `Cannot use the conversation id as it is not a UUID: current value is '${
        String(conversationId)
      }'`,
    );
  }
  for (const [name, value] of [["title", title], ["fromEventId", fromEventId]] as const) {
    if (value !== undefined && typeof value !== "string") {
      throw new TypeError(`Cannot fork as '${name}' must be a string`);
    }
  }
  if (
    tags !== undefined &&
    !(isObject(tags) && Object.values(tags).every((v) => typeof v === "string"))
  ) {
    throw new TypeError("Cannot fork as 'tags' must be an object of string values");
  }
  if (resetMetrics !== undefined && typeof resetMetrics !== "boolean") {
    throw new TypeError("Cannot fork as 'resetMetrics' must be a boolean");
  }
  const request: ForkRequest = { reset_metrics: resetMetrics ?? true };
  if (conversationId !== undefined) request.id = conversationId;
  if (title !== undefined) request.title = title;
  if (tags !== undefined) request.tags = tags;
  if (fromEventId !== undefined) request.from_event_id = fromEventId;
  return request;
}

/**
 * The options the fork is opened with: the source's (agent, workspace, callbacks, visualizer,
 * `onError`, socket and close settings, `maxIterationPerRun`) on the fork's id, without the
 * secrets (the server copied them) and with the fork call's signal.
 *
 * @param source The options the source conversation was opened with.
 * @param id The fork's id.
 * @param signal The fork call's signal.
 * @returns The fork's options.
 *
 * @example
 * ```ts
 * import { forkedOptions } from "./_fork.ts";
 * import { type RemoteConversationOptions, RemoteWorkspace } from "@remote-hands/client";
 * const source: RemoteConversationOptions = {
 *   agent: { llm: { model: "openai/gpt-4o-mini" } },
 *   workspace: new RemoteWorkspace({ host: "http://agent.test", workingDir: "/w" }),
 *   secrets: { A: "x" },
 * };
 * const options = forkedOptions(source, "6c1b5b1e-0000-4000-8000-0000000000f0", undefined);
 * if (options.secrets !== undefined || options.conversationId === undefined) throw new Error();
 * ```
 */
export function forkedOptions(
  source: RemoteConversationOptions,
  id: string,
  signal: AbortSignal | undefined,
): RemoteConversationOptions {
  const { secrets: _secrets, signal: _signal, conversationId: _id, ...rest } = source;
  return { ...rest, conversationId: id, ...(signal ? { signal } : {}) };
}
