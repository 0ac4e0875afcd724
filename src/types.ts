/**
 * Friendly names for the generated OpenAPI schema types of the agent server.
 *
 * `generated/openapi.ts` belongs to the generator; the names people use live here.
 *
 * @module
 */

import type { components } from "../generated/openapi.ts";

/** Every schema of the agent server's public OpenAPI document, by name. */
export type Schemas = components["schemas"];

/** A conversation as the server reports it (`GET /api/conversations/{id}`). */
export type ConversationInfo = Schemas["ConversationInfo"];
/** One page of `GET /api/conversations/search`. */
export type ConversationPage = Schemas["ConversationPage"];
/** Body of `POST /api/conversations`. */
export type StartConversationRequest = Schemas["StartConversationRequest"];
/** Execution status of a conversation: `idle`, `running`, `finished`, `error`, ... */
export type ConversationExecutionStatus = Schemas["ConversationExecutionStatus"];
/** A user or agent message in the LLM format. */
export type Message = Schemas["Message"];
/** Body of `POST /api/conversations/{id}/events`. */
export type SendMessageRequest = Schemas["SendMessageRequest"];
/** The `{ "success": true }` answer of action endpoints. */
export type Success = Schemas["Success"];
/** LLM configuration of an agent. */
export type LLMConfig = Schemas["LLM-Input"];
/** Agent configuration sent when creating a conversation. */
export type AgentConfig = Schemas["Agent-Input"];
/** Token and cost statistics of a conversation. */
export type ConversationStats = Schemas["ConversationStats"];
