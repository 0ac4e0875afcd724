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

export {
  type AgentServerClient,
  type AgentServerClientOptions,
  type AgentServerPaths,
  callInit,
  type CallOptions,
  createAgentServerClient,
  normalizeHost,
} from "./src/client.ts";
export type {
  RestBody,
  RestCall,
  RestCallOptions,
  RestClient,
  RestData,
  RestInit,
  RestInitArgs,
  RestJsonContent,
  RestMethod,
  RestOperation,
  RestParams,
  RestParseAs,
  RestParsedBody,
  RestPath,
  RestResult,
  RestSuccessStatus,
} from "./src/rest_types.ts";
export {
  APIError,
  type APIErrorRequest,
  AuthenticationError,
  BadRequestError,
  closeError,
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
export {
  type ACPToolCallEvent,
  type ActionEvent,
  type AgentErrorEvent,
  type BaseEvent,
  contentText,
  type ConversationErrorEvent,
  type ConversationStateUpdateEvent,
  type Event,
  type EventKindMap,
  type EventOfKind,
  isEventKind,
  isPersistedEvent,
  type KindObject,
  type KnownEventKind,
  type MessageEvent,
  type ObservationEvent,
  parseEvent,
  parseEventFrame,
  type ParseEventResult,
  type PlainEvent,
  type ServerErrorEvent,
  type StreamingDeltaEvent,
  type UnknownEvent,
  type UserRejectObservation,
} from "./src/events.ts";
export { RemoteEventsList } from "./src/events_list.ts";
export { RemoteState, type RemoteStateOptions } from "./src/remote_state.ts";
export {
  type ConversationCallback,
  type ConversationVisualizerLike,
  type EventsOptions,
  type GenerateTitleOptions,
  RemoteConversation,
  type RemoteConversationOptions,
  type RunOptions,
} from "./src/remote_conversation.ts";
export type { TitleLLM } from "./src/_title.ts";
export {
  type BashOutput,
  type CommandResult,
  type ExecuteCommandOptions,
  type FileContent,
  type FileUploadResult,
  type GitChange,
  type GitChangesOptions,
  type GitChangeStatus,
  type GitDiff,
  type GitDiffOptions,
  RemoteWorkspace,
  type RemoteWorkspaceOptions,
} from "./src/workspace.ts";
export { EventBufferOverflowError } from "./src/_event_stream.ts";
export {
  AlwaysConfirm,
  type ConfirmationPolicy,
  type ConfirmationPolicyJSON,
  ConfirmRisky,
  type ConfirmRiskyOptions,
  NeverConfirm,
  policyToJSON,
  type SecurityRisk,
} from "./src/confirmation_policy.ts";
export {
  LookupSecret,
  type LookupSecretOptions,
  type SecretValue,
  StaticSecret,
  type StaticSecretOptions,
} from "./src/secrets.ts";
export {
  type CloseInfo,
  type ReadyInfo,
  reconnectDelay,
  type ReconnectOptions,
  type SocketProtocol,
  type WaitUntilReadyOptions,
  WebSocketCallbackClient,
  type WebSocketCallbackClientOptions,
  type WebSocketConstructorLike,
  type WebSocketLike,
} from "./src/websocket_client.ts";
export type {
  AgentConfig,
  AgentServerComponents,
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
