/**
 * Attach or create: the conversation `RemoteConversation.create()` works with, as the server
 * describes it (`ConversationInfo`).
 *
 * @module
 */

import { shown } from "../_checks.ts";
import type { ConfirmationPolicyJSON } from "../confirmation_policy.ts";
import { NotFoundError } from "../errors.ts";
import type { Connection } from "../rest/connection.ts";
import { getConversation, startConversation } from "../rest/conversations.ts";
import type { ConversationInfo, StartConversationRequest } from "../types.ts";
import type { RemoteConversationOptions } from "./types.ts";

/**
 * The conversation `options` name when the server has it (its agent kind must match), else a new
 * one (with that id, when one is named).
 *
 * @param connection The server.
 * @param options The checked options of `create()`.
 * @param workingDir The workspace's working directory, for a new conversation.
 * @param confirmation The confirmation policy to create it with, if any.
 * @returns The server's conversation; its `id` is a UUID (the one named, when one is).
 * @throws {TypeError} When the conversation exists with another agent kind.
 * @throws {ProtocolError} When an answer is not about the conversation.
 *
 * @example
 * ```ts
 * import { createConnection } from "../rest/connection.ts";
 * import { openConversation } from "./_attach.ts";
 * import type { RemoteConversationOptions } from "@remote-hands/client";
 * const id = "6c1b5b1e-0000-4000-8000-000000000000";
 * const connection = createConnection({
 *   host: "http://agent.test",
 *   fetch: async () => Response.json({ id, agent: { kind: "Agent" }, execution_status: "idle" }),
 * });
 * const options = { agent: {}, conversationId: id } as Omit<RemoteConversationOptions, "workspace">;
 * const info = await openConversation(connection, options, "/w", undefined);
 * if (info.id !== id) throw new Error();
 * ```
 */
export async function openConversation(
  connection: Connection,
  options: Omit<RemoteConversationOptions, "workspace">,
  workingDir: string,
  confirmation: ConfirmationPolicyJSON | undefined,
): Promise<ConversationInfo & { id: string }> {
  const { conversationId, signal } = options;
  if (conversationId !== undefined) {
    let info: ConversationInfo & { id: string } | undefined;
    try {
      info = await getConversation(connection, conversationId, { signal });
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    if (info) {
      checkAgentKind(options.agent, info);
      return info;
    }
  }
  const request: StartConversationRequest = {
    // The agent goes as the caller gave it (the server checks it: a bad one is a 422); only its
    // kind defaults to `Agent`.
    agent: { kind: "Agent", ...options.agent } as NonNullable<StartConversationRequest["agent"]>,
    workspace: { kind: "LocalWorkspace", working_dir: workingDir },
    max_iterations: options.maxIterationPerRun ?? 500,
    stuck_detection: options.stuckDetection ?? true,
  };
  if (conversationId !== undefined) request.conversation_id = conversationId;
  if (confirmation) request.confirmation_policy = confirmation;
  if (options.autotitle !== undefined) request.autotitle = options.autotitle;
  return await startConversation(connection, request, { signal });
}

/** Throws a TypeError when the server's conversation has an agent of another kind. */
function checkAgentKind(agent: object, info: ConversationInfo): void {
  const localKind: unknown = Reflect.get(agent, "kind") ?? "Agent";
  const remoteAgent: unknown = info.agent;
  const remoteKind = remoteAgent !== null && typeof remoteAgent === "object"
    ? Reflect.get(remoteAgent, "kind")
    : undefined;
  if (remoteKind !== undefined && remoteKind !== localKind) {
    throw new TypeError(
      `Cannot attach as the conversation's agent kind is ${
        typeof remoteKind === "string" ? remoteKind : shown(remoteKind)
      }, not ${typeof localKind === "string" ? localKind : shown(localKind)}`,
    );
  }
}
