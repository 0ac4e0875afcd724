/**
 * remote-hands: a TypeScript client for the OpenHands agent server, native to Deno and Bun, that
 * runs unchanged on Node, browsers and edge runtimes.
 *
 * The REST core is typed by the server's own OpenAPI document (generated, pinned to
 * openhands-agent-server 1.58.2), with the session key in a header, timeouts, retries of
 * idempotent calls and one typed error hierarchy.
 *
 * @example Read a conversation's status
 * ```ts ignore
 * import { createAgentServerClient, NotFoundError } from "@remote-hands/client";
 *
 * const client = createAgentServerClient({ host: "http://127.0.0.1:8000", apiKey: Deno.env.get("OH_KEY") });
 * try {
 *   const { data } = await client.rest.GET("/api/conversations/{conversation_id}", {
 *     params: { path: { conversation_id: "6c1b5b1e-0000-4000-8000-000000000000" } },
 *   });
 *   console.log(data?.execution_status);
 * } catch (err) {
 *   if (err instanceof NotFoundError) console.log("no such conversation");
 *   else throw err;
 * }
 * ```
 *
 * @module
 */

export {
  type AgentServerClient,
  type AgentServerClientOptions,
  type AgentServerPaths,
  callInit,
  type CallOptions,
  createAgentServerClient,
  normalizeHost,
} from "./src/client.ts";
export {
  APIError,
  type APIErrorRequest,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  RemoteHandsError,
  ServerError,
  TimeoutError,
  ValidationError,
} from "./src/errors.ts";
export type {
  AgentConfig,
  ConversationExecutionStatus,
  ConversationInfo,
  ConversationPage,
  ConversationStats,
  LLMConfig,
  Message,
  Schemas,
  SendMessageRequest,
  StartConversationRequest,
  Success,
} from "./src/types.ts";
export type { FetchLike } from "./src/_transport.ts";
