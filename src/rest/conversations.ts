/**
 * The conversation resources of the agent server (`/api/conversations...`): start, read, search,
 * count, delete, run, pause, interrupt, confirmation policy, secrets. Every answer is checked
 * before it is used: a bad shape is a `ProtocolError` naming the request. Settings and history
 * operations: `conversation_settings.ts`, `conversation_history.ts`.
 *
 * @module
 */

import type { ConfirmationPolicyJSON } from "../confirmation_policy.ts";
import { BadRequestError } from "../errors.ts";
import type {
  ConversationExecutionStatus,
  ConversationInfo,
  ConversationPage,
  Schemas,
  StartConversationRequest,
} from "../types.ts";
import { checkConversation, checkConversationPage, checkCount } from "./_answers.ts";
import { deleteOfUnknownId } from "./_quirks.ts";
import { callInit, type CallOptions } from "./client.ts";
import type { Connection } from "./connection.ts";
import type { RestOperation, RestParams } from "./types.ts";

/**
 * The query of `GET /api/conversations/search`, as the generated paths type it.
 *
 * @example
 * ```ts
 * import type { SearchConversationsQuery } from "./conversations.ts";
 * const query: SearchConversationsQuery = { limit: 20, status: "finished", sort_order: "UPDATED_AT_DESC" };
 * if (query.limit !== 20) throw new Error();
 * ```
 */
export type SearchConversationsQuery = NonNullable<
  RestParams<RestOperation<"get", "/api/conversations/search">>["query"]
>;

/**
 * The query of `GET /api/conversations/count`.
 *
 * @example
 * ```ts
 * import type { CountConversationsQuery } from "./conversations.ts";
 * const query: CountConversationsQuery = { status: "running" };
 * if (query.status !== "running") throw new Error();
 * ```
 */
export interface CountConversationsQuery {
  /** Only conversations with this execution status. */
  status?: ConversationExecutionStatus;
}

/**
 * The secrets of `POST /api/conversations/{id}/secrets`: name to secret source.
 *
 * @example
 * ```ts
 * import type { SecretSources } from "./conversations.ts";
 * const secrets: SecretSources = { TOKEN: { kind: "StaticSecret", value: "abc" } };
 * if (!("TOKEN" in secrets)) throw new Error();
 * ```
 */
export type SecretSources = Schemas["UpdateSecretsRequest"]["secrets"];

/**
 * `POST /api/conversations`: starts a conversation.
 *
 * @param connection The server.
 * @param request The conversation to start.
 * @param options Signal and time limit.
 * @returns The server's conversation (its `id` a UUID; the requested one when `request` names one).
 * @throws {ProtocolError} When the answer is not such a conversation.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { startConversation } from "./conversations.ts";
 * const id = "6c1b5b1e-0000-4000-8000-000000000000";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => Response.json({ id }) });
 * const info = await startConversation(connection, { workspace: { working_dir: "/w" } });
 * if (info.id !== id) throw new Error();
 * ```
 */
export async function startConversation(
  connection: Connection,
  request: StartConversationRequest,
  options?: CallOptions,
): Promise<ConversationInfo> {
  const { data } = await connection.rest.POST("/api/conversations", {
    body: request,
    ...callInit(options),
  });
  const expected = request.conversation_id ?? undefined;
  return checkConversation(data, "POST /api/conversations", expected);
}

/**
 * `GET /api/conversations/{id}`: one conversation; `NotFoundError` when the server has none.
 *
 * @param connection The server.
 * @param id The conversation's id.
 * @param options Signal and time limit.
 * @returns The conversation.
 * @throws {NotFoundError} When the server does not know it.
 * @throws {ProtocolError} When the answer is not about this conversation.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { getConversation } from "./conversations.ts";
 * const id = "6c1b5b1e-0000-4000-8000-000000000000";
 * const connection = createConnection({
 *   host: "http://agent.test",
 *   fetch: async () => Response.json({ id, execution_status: "idle" }),
 * });
 * if ((await getConversation(connection, id)).execution_status !== "idle") throw new Error();
 * ```
 */
export async function getConversation(
  connection: Pick<Connection, "rest">,
  id: string,
  options?: CallOptions,
): Promise<ConversationInfo> {
  const { data } = await connection.rest.GET("/api/conversations/{conversation_id}", {
    params: { path: { conversation_id: id } },
    ...callInit(options),
  });
  return checkConversation(data, `GET /api/conversations/${id}`, id);
}

/**
 * `DELETE /api/conversations/{id}`: deletes a conversation for good; `NotFoundError` when the
 * server has none (also from servers before 1.58.0, which answer a bare 400: see
 * `_quirks.ts`).
 *
 * @param connection The server.
 * @param id The conversation's id.
 * @param options Signal and time limit.
 * @throws {NotFoundError} When the server does not know it.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { deleteConversation } from "./conversations.ts";
 * const seen: string[] = [];
 * const connection = createConnection({
 *   host: "http://agent.test",
 *   fetch: async (request) => {
 *     seen.push(request.method);
 *     return Response.json({ success: true });
 *   },
 * });
 * await deleteConversation(connection, "6c1b5b1e-0000-4000-8000-000000000000");
 * if (seen[0] !== "DELETE") throw new Error();
 * ```
 */
export async function deleteConversation(
  connection: Connection,
  id: string,
  options: CallOptions = {},
): Promise<void> {
  try {
    await connection.rest.DELETE("/api/conversations/{conversation_id}", {
      params: { path: { conversation_id: id } },
      ...callInit(options),
    });
  } catch (err) {
    if (err instanceof BadRequestError) throw await deleteOfUnknownId(connection, id, err, options);
    throw err;
  }
}

/**
 * `GET /api/conversations/search`: one page of conversations.
 *
 * @param connection The server.
 * @param query Filters, order, page size and the page token.
 * @param options Signal and time limit.
 * @returns The page (every item with a UUID id; `next_page_id` a string or none).
 * @throws {ProtocolError} When the answer is not such a page.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { searchConversations } from "./conversations.ts";
 * const connection = createConnection({
 *   host: "http://agent.test",
 *   fetch: async () => Response.json({ items: [], next_page_id: null }),
 * });
 * const page = await searchConversations(connection, { limit: 10 });
 * if (page.items.length !== 0) throw new Error();
 * ```
 */
export async function searchConversations(
  connection: Connection,
  query: SearchConversationsQuery,
  options?: CallOptions,
): Promise<ConversationPage> {
  const { data } = await connection.rest.GET("/api/conversations/search", {
    params: { query },
    ...callInit(options),
  });
  return checkConversationPage(data, "GET /api/conversations/search");
}

/**
 * `GET /api/conversations/count`: how many conversations there are (with this status).
 *
 * @param connection The server.
 * @param query The status to count, if any.
 * @param options Signal and time limit.
 * @returns The count.
 * @throws {ProtocolError} When the answer is not a whole number.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { countConversations } from "./conversations.ts";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => Response.json(4) });
 * if (await countConversations(connection, { status: "idle" }) !== 4) throw new Error();
 * ```
 */
export async function countConversations(
  connection: Connection,
  query: CountConversationsQuery,
  options?: CallOptions,
): Promise<number> {
  const { data } = await connection.rest.GET("/api/conversations/count", {
    params: { query: query.status !== undefined ? { status: query.status } : {} },
    ...callInit(options),
  });
  return checkCount(data, "GET /api/conversations/count");
}

/**
 * `POST /api/conversations/{id}/run`: starts (or resumes) the agent. A run already going is a
 * `ConflictError` (409).
 *
 * @param connection The server.
 * @param id The conversation's id.
 * @param options Signal and time limit.
 * @throws {ConflictError} When a run is already going.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { runConversation } from "./conversations.ts";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => Response.json({ success: true }) });
 * await runConversation(connection, "6c1b5b1e-0000-4000-8000-000000000000");
 * ```
 */
export async function runConversation(
  connection: Connection,
  id: string,
  options?: CallOptions,
): Promise<void> {
  await connection.rest.POST("/api/conversations/{conversation_id}/run", {
    params: { path: { conversation_id: id } },
    ...callInit(options),
  });
}

/**
 * `POST /api/conversations/{id}/pause`: pauses the agent.
 *
 * @param connection The server.
 * @param id The conversation's id.
 * @param options Signal and time limit.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { pauseConversation } from "./conversations.ts";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => Response.json({ success: true }) });
 * await pauseConversation(connection, "6c1b5b1e-0000-4000-8000-000000000000");
 * ```
 */
export async function pauseConversation(
  connection: Connection,
  id: string,
  options?: CallOptions,
): Promise<void> {
  await connection.rest.POST("/api/conversations/{conversation_id}/pause", {
    params: { path: { conversation_id: id } },
    ...callInit(options),
  });
}

/**
 * `POST /api/conversations/{id}/interrupt`: pauses the agent at once, cancelling the LLM call in
 * flight (`pause` waits for it to finish).
 *
 * @param connection The server.
 * @param id The conversation's id.
 * @param options Signal and time limit.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { interruptConversation } from "./conversations.ts";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => Response.json({ success: true }) });
 * await interruptConversation(connection, "6c1b5b1e-0000-4000-8000-000000000000");
 * ```
 */
export async function interruptConversation(
  connection: Connection,
  id: string,
  options?: CallOptions,
): Promise<void> {
  await connection.rest.POST("/api/conversations/{conversation_id}/interrupt", {
    params: { path: { conversation_id: id } },
    ...callInit(options),
  });
}

/**
 * `POST /api/conversations/{id}/confirmation_policy`: sets when the agent waits for confirmation.
 *
 * @param connection The server.
 * @param id The conversation's id.
 * @param policy The policy, as JSON.
 * @param options Signal and time limit.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { setConfirmationPolicy } from "./conversations.ts";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => Response.json({ success: true }) });
 * await setConfirmationPolicy(connection, "6c1b5b1e-0000-4000-8000-000000000000", { kind: "AlwaysConfirm" });
 * ```
 */
export async function setConfirmationPolicy(
  connection: Connection,
  id: string,
  policy: ConfirmationPolicyJSON,
  options?: CallOptions,
): Promise<void> {
  await connection.rest.POST("/api/conversations/{conversation_id}/confirmation_policy", {
    params: { path: { conversation_id: id } },
    body: { policy },
    ...callInit(options),
  });
}

/**
 * `POST /api/conversations/{id}/secrets`: adds or replaces secrets. The values go in the body
 * only; an error that echoes them has them redacted.
 *
 * @param connection The server.
 * @param id The conversation's id.
 * @param secrets Name to secret source.
 * @param options Signal and time limit.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { updateSecrets } from "./conversations.ts";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => Response.json({ success: true }) });
 * await updateSecrets(connection, "6c1b5b1e-0000-4000-8000-000000000000", {
 *   TOKEN: { kind: "StaticSecret", value: "abc" },
 * });
 * ```
 */
export async function updateSecrets(
  connection: Connection,
  id: string,
  secrets: SecretSources,
  options?: CallOptions,
): Promise<void> {
  await connection.rest.POST("/api/conversations/{conversation_id}/secrets", {
    params: { path: { conversation_id: id } },
    body: { secrets },
    ...callInit(options),
  });
}
