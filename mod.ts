/**
 * remote-hands: a TypeScript client for the OpenHands agent server, native to Deno and Bun, that
 * runs unchanged on Node, browsers and edge runtimes.
 *
 * It mirrors the Python SDK's `remote_conversation` module: {@linkcode RemoteConversation},
 * {@linkcode WebSocketCallbackClient}, {@linkcode RemoteEventsList} and {@linkcode RemoteState},
 * on a REST core typed by the server's own OpenAPI document (pinned to openhands-agent-server
 * 1.58.2), with one typed error hierarchy.
 *
 * Two parts have their own entry points, so that a browser or edge bundle of this module carries
 * neither: the terminal view of events, `ConversationVisualizer`, in
 * `@remote-hands/client/visualizer`, and `ConversationManager` (list, count, read, delete and
 * attach to conversations) in `@remote-hands/client/manager`.
 *
 * @example Run a task and watch it
 * ```ts ignore
 * import { RemoteConversation, RemoteWorkspace } from "@remote-hands/client";
 * import { ConversationVisualizer } from "@remote-hands/client/visualizer";
 *
 * const workspace = new RemoteWorkspace({
 *   host: "http://127.0.0.1:8000",
 *   apiKey: Deno.env.get("OH_SESSION_API_KEY"),
 *   workingDir: "/workspace",
 * });
 * await using conversation = await RemoteConversation.create({
 *   agent: {
 *     llm: { model: "openai/gpt-4o-mini", api_key: Deno.env.get("OPENAI_API_KEY") },
 *     tools: [{ name: "terminal" }],
 *   },
 *   workspace,
 *   visualizer: new ConversationVisualizer(),
 * });
 * await conversation.sendMessage("How many files are in this directory?");
 * const status = await conversation.run();
 * console.log(status, conversation.state.events.length);
 * ```
 *
 * @module
 */

// The REST core, as an escape hatch for what the classes below do not cover.
export {
  type AgentServerClient,
  type AgentServerClientOptions,
  type CallOptions,
  createAgentServerClient,
  type FetchLike,
} from "./src/rest/client.ts";
export type { AgentServerPaths, RestClient } from "./src/rest/types.ts";

// The mirrored classes and their options.
export { RemoteConversation } from "./src/conversation/remote_conversation.ts";
export type {
  ConversationCallback,
  ConversationVisualizerLike,
  EventsOptions,
  GenerateTitleOptions,
  RemoteConversationOptions,
  RunHandle,
  RunOptions,
  TitleLLM,
  TokenCallback,
  WaitUntilIdleOptions,
} from "./src/conversation/types.ts";
export type { StuckDetectionThresholds } from "./src/conversation/types.ts";
export type { EventCursor } from "./src/conversation/cursor.ts";

// Event streams for web pages and other HTTP readers: SSE or NDJSON, resumable by cursor.
export type { EventStreamFormat } from "./src/bridge/types.ts";
export { toEventStream, type ToEventStreamOptions } from "./src/bridge/to_event_stream.ts";
export {
  eventStreamResponse,
  type EventStreamResponseOptions,
} from "./src/bridge/event_stream_response.ts";
export {
  type ClientTool,
  clientTool,
  type ClientToolAnnotations,
  type ClientToolContext,
  type FromSchema,
  type JsonObjectSchema,
  type JsonSchema,
} from "./src/conversation/client_tool_types.ts";
export type {
  ForkOptions,
  RemoteConversationAttachOptions,
  SendMessageOptions,
} from "./src/conversation/operation_types.ts";
export type { SecurityAnalyzerConfig } from "./src/rest/conversation_settings.ts";
export { RemoteEventsList } from "./src/conversation/events_list.ts";
export { RemoteState, type RemoteStateOptions } from "./src/conversation/remote_state.ts";
export { type CombinedMetrics, getCombinedMetrics } from "./src/conversation/stats.ts";
export { RemoteWorkspace } from "./src/workspace/remote_workspace.ts";
export type {
  BashOutput,
  CommandResult,
  ExecuteCommandOptions,
  FileContent,
  FileUploadResult,
  GitChange,
  GitChangesOptions,
  GitChangeStatus,
  GitDiff,
  GitDiffOptions,
  RemoteWorkspaceOptions,
} from "./src/workspace/types.ts";
export { WebSocketCallbackClient } from "./src/socket/websocket_client.ts";
export type {
  CloseInfo,
  ConnectionChange,
  ReadyInfo,
  SocketProtocol,
  WaitUntilReadyOptions,
  WebSocketCallbackClientOptions,
  WebSocketConstructorLike,
  WebSocketLike,
} from "./src/socket/types.ts";
export type { ReconnectOptions } from "./src/socket/reconnect.ts";

// Events.
export type {
  ACPToolCallEvent,
  ActionEvent,
  AgentErrorEvent,
  BaseEvent,
  ConversationErrorEvent,
  ConversationStateUpdateEvent,
  KindObject,
  MessageEvent,
  ObservationEvent,
  PlainEvent,
  ServerErrorEvent,
  StreamingDeltaEvent,
  UserRejectObservation,
} from "./src/events/types.ts";
export type {
  Event,
  EventKindMap,
  EventOfKind,
  KnownEventKind,
  UnknownEvent,
  UnknownEventKind,
} from "./src/events/kinds.ts";
export { parseEvent, type ParseEventResult } from "./src/events/parse.ts";
export { contentText, isEventKind } from "./src/events/helpers.ts";

// Errors.
export {
  APIError,
  type APIErrorRequest,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  ConversationRunError,
  type ConversationRunErrorDetails,
  EventValidationError,
  NotFoundError,
  PermissionDeniedError,
  ProtocolError,
  RateLimitError,
  RedirectError,
  RemoteHandsError,
  ResponseTooLargeError,
  ServerError,
  TimeoutError,
  UnsupportedByServerError,
  ValidationError,
  WebSocketConnectionError,
} from "./src/errors.ts";
export { EventBufferOverflowError } from "./src/conversation/event_stream.ts";

// Confirmation policies and secrets.
export {
  AlwaysConfirm,
  type ConfirmationPolicy,
  type ConfirmationPolicyJSON,
  ConfirmRisky,
  type ConfirmRiskyOptions,
  NeverConfirm,
  type SecurityRisk,
} from "./src/confirmation_policy.ts";
export {
  LookupSecret,
  type LookupSecretOptions,
  type SecretValue,
  StaticSecret,
  type StaticSecretOptions,
} from "./src/secrets.ts";

// Friendly names of the server's own schemas.
export type {
  AgentConfig,
  AgentServerComponents,
  ConversationExecutionStatus,
  ConversationInfo,
  ConversationPage,
  ConversationStats,
  LLMConfig,
  Message,
  Metrics,
  Schemas,
  SendMessageRequest,
  ServerAgentConfig,
  StartConversationRequest,
  Success,
} from "./src/types.ts";
