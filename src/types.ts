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
 * Agent configuration sent when creating a conversation: the server's `Agent` (an LLM and tools;
 * `kind` may be left out, it defaults to `"Agent"`) or its `ACPAgent` (an ACP server command),
 * typed from the server's schema, so a misspelt or unknown field does not type-check.
 *
 * @example
 * ```ts
 * import type { AgentConfig } from "@remote-hands/client";
 * const agent: AgentConfig = {
 *   llm: { model: "openai/gpt-4o-mini", api_key: "sk-..." },
 *   tools: [{ name: "terminal" }, { name: "file_editor" }],
 * };
 * const acp: AgentConfig = { kind: "ACPAgent", acp_command: ["claude-code-acp"] };
 * // await RemoteConversation.create({ agent, workspace });
 * if (agent.tools?.length !== 2 || acp.kind !== "ACPAgent") throw new Error();
 * ```
 */
export type AgentConfig =
  | (Omit<Schemas["Agent-Input"], "kind"> & {
    /** The agent class; `"Agent"` when left out. */
    kind?: "Agent";
  })
  | Schemas["ACPAgent-Input"];
/**
 * An agent as the server reports it (`ConversationInfo.agent`, `state.agent`): an `Agent` or an
 * `ACPAgent`, its secrets redacted. Attaching to a conversation without an agent of your own
 * uses this one.
 *
 * @example
 * ```ts
 * import type { ServerAgentConfig } from "@remote-hands/client";
 * const model = (agent: ServerAgentConfig): string | undefined => agent.llm?.model;
 * // model(conversation.state.agent!)
 * if (typeof model !== "function") throw new Error();
 * ```
 */
export type ServerAgentConfig = Schemas["AgentBase-Output"];
/**
 * The token and cost figures of one LLM usage (`usage_to_metrics[usageId]`). Single-key `stats`
 * updates on the socket carry the snapshot part (totals only); `ConversationInfo` and
 * `full_state` snapshots carry the per-call lists too.
 *
 * @example
 * ```ts
 * import type { Metrics } from "@remote-hands/client";
 * const agent: Metrics = {
 *   model_name: "openai/gpt-4o-mini",
 *   accumulated_cost: 0.02,
 *   accumulated_token_usage: { prompt_tokens: 1200, completion_tokens: 80 },
 * };
 * if (agent.accumulated_token_usage?.prompt_tokens !== 1200) throw new Error();
 * ```
 */
export type Metrics = Schemas["MetricsSnapshot"] & {
  /** The cost of each LLM call (full form only). */
  costs?: { model: string; cost: number; timestamp: number }[];
  /** The round-trip time of each LLM call, in seconds (full form only). */
  response_latencies?: { model: string; latency: number; response_id: string }[];
  /** The token usage of each LLM call (full form only). */
  token_usages?: Schemas["TokenUsage"][];
};
/**
 * Token and cost statistics of a conversation: {@linkcode Metrics} by LLM usage id (`agent`,
 * a condenser's, a title LLM's, ...). {@linkcode getCombinedMetrics} sums them.
 *
 * @example
 * ```ts
 * import type { ConversationStats } from "@remote-hands/client";
 * const stats: ConversationStats = {
 *   usage_to_metrics: { agent: { accumulated_cost: 0, accumulated_token_usage: { prompt_tokens: 101 } } },
 * }; // e.g. conversation.conversationStats
 * if (stats.usage_to_metrics.agent?.accumulated_token_usage?.prompt_tokens !== 101) throw new Error();
 * ```
 */
export interface ConversationStats {
  /** The metrics of each LLM usage, by usage id. */
  usage_to_metrics: Record<string, Metrics>;
}
