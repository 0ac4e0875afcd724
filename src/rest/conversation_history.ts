/**
 * The resources that read or reshape a conversation's history (`conversation_router.py`): ask the
 * agent a question about it, condense it, fork it, move its HEAD. Every answer is checked before
 * it is used: a bad shape is a `ProtocolError` naming the request.
 *
 * @module
 */

import { shown } from "../_checks.ts";
import { ProtocolError } from "../errors.ts";
import type { ConversationInfo, Schemas } from "../types.ts";
import { checkConversation } from "./_answers.ts";
import { callInit, type CallOptions } from "./client.ts";
import type { Connection } from "./connection.ts";

/**
 * The body of `POST /api/conversations/{id}/fork` (`ForkConversationRequest`): every field is
 * optional; `reset_metrics` defaults to true on the server.
 *
 * @example
 * ```ts
 * import type { ForkRequest } from "./conversation_history.ts";
 * const request: ForkRequest = { title: "Try another way", reset_metrics: true };
 * if (request.title !== "Try another way") throw new Error();
 * ```
 */
export type ForkRequest = Schemas["ForkConversationRequest"];

/**
 * `POST /api/conversations/{id}/ask_agent`: one LLM call about the conversation (its history and
 * the question), without changing it: no event is stored, the status stays as it is.
 *
 * @param connection The server.
 * @param id The conversation's id.
 * @param question The question.
 * @param options Signal and time limit.
 * @returns The agent's answer.
 * @throws {ProtocolError} When the answer is not `{ response: string }`.
 * @throws {ServerError} When the LLM answers without text (the server's 500).
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { askAgent } from "./conversation_history.ts";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => Response.json({ response: "42" }) });
 * if (await askAgent(connection, "6c1b5b1e-0000-4000-8000-000000000000", "Why?") !== "42") throw new Error();
 * ```
 */
export async function askAgent(
  connection: Connection,
  id: string,
  question: string,
  options?: CallOptions,
): Promise<string> {
  const { data } = await connection.rest.POST(
    "/api/conversations/{conversation_id}/ask_agent",
    { params: { path: { conversation_id: id } }, body: { question }, ...callInit(options) },
  );
  const answer: unknown = data;
  const response = answer !== null && typeof answer === "object" && !Array.isArray(answer)
    ? Reflect.get(answer, "response")
    : undefined;
  if (typeof response !== "string") {
    throw new ProtocolError(
      `POST /api/conversations/${id}/ask_agent`,
      `the answer's response is ${shown(response)}, not a string`,
    );
  }
  return response;
}

/**
 * `POST /api/conversations/{id}/condense`: the agent condenses its history now (a
 * `CondensationRequest` then a `Condensation` event), with the condenser of its configuration.
 *
 * @param connection The server.
 * @param id The conversation's id.
 * @param options Signal and time limit.
 * @throws {ConflictError} When the agent has no condenser that handles requests (409).
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { condenseConversation } from "./conversation_history.ts";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => Response.json({ success: true }) });
 * await condenseConversation(connection, "6c1b5b1e-0000-4000-8000-000000000000");
 * ```
 */
export async function condenseConversation(
  connection: Connection,
  id: string,
  options?: CallOptions,
): Promise<void> {
  await connection.rest.POST("/api/conversations/{conversation_id}/condense", {
    params: { path: { conversation_id: id } },
    ...callInit(options),
  });
}

/**
 * `POST /api/conversations/{id}/fork`: a new conversation with a deep copy of this one's history
 * (up to `from_event_id`, when given), its agent, secrets and settings; it starts `idle`.
 *
 * @param connection The server.
 * @param id The conversation's id.
 * @param request The fork's id, title, tags, whether to reset the metrics, where to cut.
 * @param options Signal and time limit.
 * @returns The fork (its `id` a UUID; the requested one when `request.id` is set).
 * @throws {ConflictError} When a conversation with `request.id` exists (409).
 * @throws {NotFoundError} When `from_event_id` is not an event of the conversation (404).
 * @throws {ProtocolError} When the answer is not such a conversation.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { forkConversation } from "./conversation_history.ts";
 * const fork = "6c1b5b1e-0000-4000-8000-0000000000f0";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => Response.json({ id: fork }) });
 * const info = await forkConversation(connection, "6c1b5b1e-0000-4000-8000-000000000000", { id: fork });
 * if (info.id !== fork) throw new Error();
 * ```
 */
export async function forkConversation(
  connection: Connection,
  id: string,
  request: ForkRequest,
  options?: CallOptions,
): Promise<ConversationInfo & { id: string }> {
  const { data } = await connection.rest.POST(
    "/api/conversations/{conversation_id}/fork",
    { params: { path: { conversation_id: id } }, body: request, ...callInit(options) },
  );
  return checkConversation(
    data,
    `POST /api/conversations/${id}/fork`,
    request.id ?? undefined,
  );
}

/**
 * `POST /api/conversations/{id}/navigate`: moves the conversation's HEAD to an event (`null`: the
 * empty tree); the next run continues from there. No event is stored or removed.
 *
 * @param connection The server.
 * @param id The conversation's id.
 * @param eventId The new HEAD, or null.
 * @param options Signal and time limit.
 * @returns The conversation as it is now (`leaf_event_id` the new HEAD).
 * @throws {NotFoundError} When `eventId` is not an event of the conversation (404).
 * @throws {ProtocolError} When the answer is not about this conversation.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { navigateConversation } from "./conversation_history.ts";
 * const id = "6c1b5b1e-0000-4000-8000-000000000000";
 * const connection = createConnection({
 *   host: "http://agent.test",
 *   fetch: async () => Response.json({ id, leaf_event_id: "e1" }),
 * });
 * if ((await navigateConversation(connection, id, "e1")).leaf_event_id !== "e1") throw new Error();
 * ```
 */
export async function navigateConversation(
  connection: Connection,
  id: string,
  eventId: string | null,
  options?: CallOptions,
): Promise<ConversationInfo & { id: string }> {
  const { data } = await connection.rest.POST(
    "/api/conversations/{conversation_id}/navigate",
    {
      params: { path: { conversation_id: id } },
      body: { event_id: eventId },
      ...callInit(options),
    },
  );
  return checkConversation(data, `POST /api/conversations/${id}/navigate`, id);
}
