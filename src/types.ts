/**
 * Friendly names for the generated OpenAPI schema types of the agent server.
 *
 * `generated/openapi.ts` belongs to the generator; the names people use live here.
 *
 * @module
 */

import type { components } from "../generated/openapi.ts";

/**
 * The generated `components` map of the agent server's OpenAPI document (`schemas`, ...), under
 * a public name.
 *
 * @example
 * ```ts
 * import type { AgentServerComponents } from "@remote-hands/client";
 * const status: AgentServerComponents["schemas"]["ConversationExecutionStatus"] = "idle";
 * if (status !== "idle") throw new Error();
 * ```
 */
export type AgentServerComponents = components;

/**
 * Every schema of the agent server's public OpenAPI document, by name.
 *
 * @example
 * ```ts
 * import type { Schemas } from "@remote-hands/client";
 * const change: Schemas["GitChange"] = { path: "src/a.ts", status: "ADDED" };
 * if (change.status !== "ADDED") throw new Error();
 * ```
 */
export type Schemas = AgentServerComponents["schemas"];

/**
 * A conversation as the server reports it (`GET /api/conversations/{id}`).
 *
 * @example
 * ```ts
 * import { ConversationManager } from "@remote-hands/client/manager";
 * import type { ConversationInfo } from "@remote-hands/client";
 * const id = "6c1b5b1e-0000-4000-8000-000000000000";
 * // A stand-in server that knows one conversation.
 * const manager = new ConversationManager({
 *   host: "http://agent.test",
 *   fetch: async () => Response.json({ id, title: "Fix the tests", execution_status: "finished" }),
 * });
 * const info: ConversationInfo = await manager.get(id);
 * if (`${info.title}: ${info.execution_status}` !== "Fix the tests: finished") throw new Error();
 * ```
 */
export type ConversationInfo = Schemas["ConversationInfo"];
/**
 * One page of `GET /api/conversations/search`.
 *
 * @example
 * ```ts
 * import type { ConversationPage } from "@remote-hands/client";
 * const empty: ConversationPage = { items: [], next_page_id: null };
 * if (empty.items.length !== 0) throw new Error();
 * ```
 */
export type ConversationPage = Schemas["ConversationPage"];
/**
 * Body of `POST /api/conversations`.
 *
 * @example
 * ```ts
 * import type { StartConversationRequest } from "@remote-hands/client";
 * const body: StartConversationRequest = {
 *   workspace: { working_dir: "/workspace" },
 *   max_iterations: 100,
 *   initial_message: { role: "user", content: [{ type: "text", text: "Say hi" }], run: true },
 * };
 * if (body.workspace.working_dir !== "/workspace") throw new Error();
 * ```
 */
export type StartConversationRequest = Schemas["StartConversationRequest"];
/**
 * Execution status of a conversation: `idle`, `running`, `finished`, `error`, ...
 *
 * @example
 * ```ts
 * import type { ConversationExecutionStatus } from "@remote-hands/client";
 * const done = (status: ConversationExecutionStatus): boolean =>
 *   status === "finished" || status === "error" || status === "stuck";
 * if (!done("finished") || done("running")) throw new Error();
 * ```
 */
export type ConversationExecutionStatus = Schemas["ConversationExecutionStatus"];
/**
 * A user or agent message in the LLM format.
 *
 * @example
 * ```ts
 * import type { Message } from "@remote-hands/client";
 * const message: Message = { role: "user", content: [{ type: "text", text: "List the files" }] };
 * // await conversation.sendMessage(message);
 * if (message.role !== "user") throw new Error();
 * ```
 */
export type Message = Schemas["Message"];
/**
 * Body of `POST /api/conversations/{id}/events`.
 *
 * @example
 * ```ts
 * import type { SendMessageRequest } from "@remote-hands/client";
 * const body: SendMessageRequest = { role: "user", content: [{ type: "text", text: "Go on" }], run: true };
 * if (!body.run) throw new Error();
 * ```
 */
export type SendMessageRequest = Schemas["SendMessageRequest"];
/**
 * The `{ "success": true }` answer of action endpoints.
 *
 * @example
 * ```ts
 * import type { Success } from "@remote-hands/client";
 * const answer: Success = { success: true };
 * if (!answer.success) throw new Error();
 * ```
 */
export type Success = Schemas["Success"];
/**
 * LLM configuration of an agent.
 *
 * @example
 * ```ts
 * import type { LLMConfig } from "@remote-hands/client";
 * const llm: LLMConfig = { model: "openai/gpt-4o-mini", api_key: "sk-...", temperature: 0 };
 * if (llm.model !== "openai/gpt-4o-mini") throw new Error();
 * ```
 */
export type LLMConfig = Schemas["LLM-Input"];
/**
 * Agent configuration sent when creating a conversation.
 *
 * @example
 * ```ts
 * import type { AgentConfig } from "@remote-hands/client";
 * const agent: AgentConfig = {
 *   kind: "Agent",
 *   llm: { model: "openai/gpt-4o-mini", api_key: "sk-..." },
 *   tools: [{ name: "terminal" }, { name: "file_editor" }],
 * };
 * // await RemoteConversation.create({ agent, workspace });
 * if (agent.tools?.length !== 2) throw new Error();
 * ```
 */
export type AgentConfig = Schemas["Agent-Input"];
/**
 * Token and cost statistics of a conversation.
 *
 * @example
 * ```ts
 * import type { ConversationStats } from "@remote-hands/client";
 * const stats: ConversationStats = { usage_to_metrics: {} }; // e.g. conversation.conversationStats
 * if (!("usage_to_metrics" in stats)) throw new Error();
 * ```
 */
export type ConversationStats = Schemas["ConversationStats"];
