/**
 * The resources that change how a conversation is described or runs, without running it
 * (`conversation_router.py`): its title and tags, its security analyzer, a marketplace plugin.
 *
 * @module
 */

import type { Schemas } from "../types.ts";
import { callInit, type CallOptions } from "./client.ts";
import type { Connection } from "./connection.ts";

/**
 * A security analyzer as the server takes it (`SecurityAnalyzerBase`), e.g.
 * `{ kind: "LLMSecurityAnalyzer" }` or `{ kind: "PatternSecurityAnalyzer" }`.
 *
 * @example
 * ```ts
 * import type { SecurityAnalyzerConfig } from "./conversation_settings.ts";
 * const analyzer: SecurityAnalyzerConfig = { kind: "LLMSecurityAnalyzer" };
 * if (analyzer.kind !== "LLMSecurityAnalyzer") throw new Error();
 * ```
 */
export type SecurityAnalyzerConfig = Schemas["SecurityAnalyzerBase-Input"];

/**
 * The body of `PATCH /api/conversations/{id}` (`UpdateConversationRequest`): a field left out
 * keeps its value.
 *
 * @example
 * ```ts
 * import type { ConversationUpdate } from "./conversation_settings.ts";
 * const update: ConversationUpdate = { title: "Release notes" };
 * if (update.title !== "Release notes") throw new Error();
 * ```
 */
export type ConversationUpdate = Schemas["UpdateConversationRequest"];

/**
 * `PATCH /api/conversations/{id}`: sets the title (1 to 200 characters) and/or the tags.
 *
 * @param connection The server.
 * @param id The conversation's id.
 * @param update The fields to set.
 * @param options Signal and time limit.
 * @throws {ValidationError} When a field breaks the server's rules (422).
 * @throws {NotFoundError} When the server does not know the conversation.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { updateConversation } from "./conversation_settings.ts";
 * const seen: string[] = [];
 * const connection = createConnection({
 *   host: "http://agent.test",
 *   fetch: async (request) => {
 *     seen.push(request.method);
 *     return Response.json({ success: true });
 *   },
 * });
 * await updateConversation(connection, "6c1b5b1e-0000-4000-8000-000000000000", { title: "Notes" });
 * if (seen[0] !== "PATCH") throw new Error();
 * ```
 */
export async function updateConversation(
  connection: Connection,
  id: string,
  update: ConversationUpdate,
  options?: CallOptions,
): Promise<void> {
  await connection.rest.PATCH("/api/conversations/{conversation_id}", {
    params: { path: { conversation_id: id } },
    body: update,
    ...callInit(options),
  });
}

/**
 * `POST /api/conversations/{id}/security_analyzer`: sets (or, with null, removes) the analyzer
 * that rates the risk of the agent's actions.
 *
 * @param connection The server.
 * @param id The conversation's id.
 * @param analyzer The analyzer, or null.
 * @param options Signal and time limit.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { setSecurityAnalyzer } from "./conversation_settings.ts";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => Response.json({ success: true }) });
 * await setSecurityAnalyzer(connection, "6c1b5b1e-0000-4000-8000-000000000000", { kind: "LLMSecurityAnalyzer" });
 * ```
 */
export async function setSecurityAnalyzer(
  connection: Connection,
  id: string,
  analyzer: SecurityAnalyzerConfig | null,
  options?: CallOptions,
): Promise<void> {
  await connection.rest.POST("/api/conversations/{conversation_id}/security_analyzer", {
    params: { path: { conversation_id: id } },
    body: { security_analyzer: analyzer },
    ...callInit(options),
  });
}

/**
 * `POST /api/conversations/{id}/load_plugin`: loads a plugin from the marketplaces registered in
 * the agent's context (`agent_context.registered_marketplaces`).
 *
 * @param connection The server.
 * @param id The conversation's id.
 * @param pluginRef The plugin's reference in a marketplace.
 * @param options Signal and time limit.
 * @throws {NotFoundError} When no marketplace has the plugin (404).
 * @throws {BadRequestError} When the reference cannot be resolved or fetched, or the agent has no
 * marketplaces (400).
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { loadPlugin } from "./conversation_settings.ts";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => Response.json({ success: true }) });
 * await loadPlugin(connection, "6c1b5b1e-0000-4000-8000-000000000000", "review@team");
 * ```
 */
export async function loadPlugin(
  connection: Connection,
  id: string,
  pluginRef: string,
  options?: CallOptions,
): Promise<void> {
  await connection.rest.POST("/api/conversations/{conversation_id}/load_plugin", {
    params: { path: { conversation_id: id } },
    body: { plugin_ref: pluginRef },
    ...callInit(options),
  });
}
