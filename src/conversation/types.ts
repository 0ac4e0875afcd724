/**
 * The public types of a conversation: its options, the options of its methods, and what callbacks
 * and visualizers look like.
 *
 * @module
 */

import type { ConfirmationPolicy, ConfirmationPolicyJSON } from "../confirmation_policy.ts";
import type { Event } from "../events/kinds.ts";
import type { StreamingDeltaEvent } from "../events/types.ts";
import type { SecretValue } from "../secrets.ts";
import type { AgentConfig, ConversationExecutionStatus, Message, Schemas } from "../types.ts";
import type { ConnectionChange, SocketProtocol } from "../socket/types.ts";
import type { RemoteHandsError } from "../errors.ts";
import type { RemoteWorkspace } from "../workspace/remote_workspace.ts";
import type { ClientTool } from "./client_tool_types.ts";

/**
 * A function that receives every event once.
 *
 * @example Count tool calls
 * ```ts
 * import type { ConversationCallback } from "@remote-hands/client";
 * let toolCalls = 0;
 * const onEvent: ConversationCallback = (event) => {
 *   if (event.kind === "ActionEvent") toolCalls++;
 * };
 * // RemoteConversation.create({ ..., callbacks: [onEvent] })
 * onEvent({ kind: "ActionEvent", id: "a1", timestamp: "2026-01-01T00:00:00", source: "agent", tool_name: "terminal", tool_call_id: "c1" });
 * if (toolCalls !== 1) throw new Error();
 * ```
 */
export type ConversationCallback = (event: Event) => void;

/**
 * Receives each streamed token delta of the agent's LLM, in order (an entry of Python's
 * `token_callbacks`, which get a litellm chunk around the same two fields): `content` is the next
 * piece of the answer, `reasoning_content` of the model's reasoning.
 *
 * Session socket: each delta names its `item_id` and `attempt`, and a `discard` (no content)
 * says the text streamed so far for `item_id` is void (a retry or an abort; see the event type).
 *
 * @example Keep the text per item, dropping what a retry or an abort voids
 * ```ts
 * import type { TokenCallback } from "@remote-hands/client";
 * const texts = new Map<string, string>(); // item_id -> its text so far
 * const onToken: TokenCallback = (delta) => {
 *   const item = delta.item_id ?? "";
 *   if (delta.discard) texts.delete(item);
 *   else texts.set(item, (texts.get(item) ?? "") + (delta.content ?? ""));
 * };
 * // RemoteConversation.create({ ..., tokenCallbacks: [onToken] })
 * const d = { kind: "StreamingDeltaEvent", timestamp: "", source: "agent", item_id: "m1" } as const;
 * onToken({ ...d, id: "m1:1:0", attempt: 1, content: "Hel" });
 * onToken({ ...d, id: "m1:2:restart", attempt: 2, discard: true }); // the LLM call was retried
 * onToken({ ...d, id: "m1:2:0", attempt: 2, content: "Hello!" });
 * if (texts.get("m1") !== "Hello!") throw new Error(texts.get("m1"));
 * ```
 */
export type TokenCallback = (delta: StreamingDeltaEvent) => void;

/**
 * What {@linkcode RemoteConversationOptions.visualizer} takes: anything with an `onEvent` method,
 * like the Python SDK's `ConversationVisualizerBase`. The terminal view, `ConversationVisualizer`,
 * lives in its own entry point (`@remote-hands/client/visualizer`) so that bundles that do not
 * show events do not carry it.
 *
 * @example A visualizer that prints one line per event
 * ```ts
 * import type { ConversationVisualizerLike } from "@remote-hands/client";
 * const lines: string[] = [];
 * const visualizer: ConversationVisualizerLike = {
 *   onEvent: (event) => void lines.push(`${event.source}: ${event.kind}`),
 * };
 * // RemoteConversation.create({ ..., visualizer })
 * visualizer.onEvent({ kind: "PauseEvent", id: "p1", timestamp: "2026-01-01T00:00:00", source: "user" });
 * if (lines[0] !== "user: PauseEvent") throw new Error(lines[0]);
 * ```
 */
export interface ConversationVisualizerLike {
  /** Shows one event. Called once per event, after the callbacks; a throw is reported to `onError`. */
  onEvent(event: Event): void;
}

/**
 * Options of {@linkcode RemoteConversation.create}.
 *
 * @example
 * ```ts
 * import type { RemoteConversationOptions } from "@remote-hands/client";
 * import { ConfirmRisky } from "@remote-hands/client";
 * import { RemoteWorkspace } from "@remote-hands/client";
 * const options: RemoteConversationOptions = {
 *   agent: { kind: "Agent", llm: { model: "openai/gpt-4o-mini", api_key: "sk-..." }, tools: [{ name: "terminal" }] },
 *   workspace: new RemoteWorkspace({ host: "http://127.0.0.1:8000", workingDir: "/workspace" }),
 *   maxIterationPerRun: 100,
 *   confirmationPolicy: new ConfirmRisky({ threshold: "MEDIUM" }),
 *   secrets: { GITHUB_TOKEN: "ghp_..." },
 *   visualizer: { onEvent: (event) => console.log(event.kind) },
 * };
 * // await using conversation = await RemoteConversation.create(options);
 * if (options.maxIterationPerRun !== 100) throw new Error();
 * ```
 */
export interface RemoteConversationOptions {
  /**
   * The agent (LLM, tools, ...): one you write ({@linkcode AgentConfig}, checked against the
   * server's schema), or one the server reports (`ConversationInfo.agent`). Sent when creating;
   * checked for kind when attaching.
   */
  agent: AgentConfig | Schemas["AgentBase-Output"];
  /** Where the server is and which directory the agent works in. */
  workspace: RemoteWorkspace;
  /** Attach to this conversation if it exists, otherwise create it with this id (a UUID). */
  conversationId?: string;
  /** Called once for every event after the conversation is ready (history is not replayed). */
  callbacks?: ConversationCallback[];
  /**
   * Called with each token delta the server streams (Python's `token_callbacks`), in order,
   * after `callbacks` got the same `StreamingDeltaEvent` (it reaches the visualizer, `events()`
   * and `onEvent` too). The server streams when the agent's LLM has `stream: true`. A throw is
   * reported to `onError` and delivery goes on. Both sockets carry deltas: the session socket's
   * are secret-masked, one field each, id `item:attempt:order`, and a retry or an abort voids an
   * item's text with a `discard` ({@linkcode TokenCallback}); the events socket's are not masked
   * and may have `content: ""`. Deltas are live only (never stored or replayed): the final
   * `MessageEvent` is the text of record.
   */
  tokenCallbacks?: TokenCallback[];
  /**
   * Maximum agent steps per run.
   * @default {500}
   */
  maxIterationPerRun?: number;
  /**
   * Server-side stuck detection.
   * @default {true}
   */
  stuckDetection?: boolean;
  /**
   * Shows each event after the callbacks, e.g. a `ConversationVisualizer` from
   * `@remote-hands/client/visualizer` (a readable, coloured terminal view; its `name` option
   * prefixes the lines). A throwing visualizer is reported to `onError` and delivery goes on.
   * Default: none.
   */
  visualizer?: ConversationVisualizerLike | undefined;
  /** Secrets to set right after creating or attaching. */
  secrets?: Record<string, SecretValue>;
  /** Confirmation policy to create the conversation with. Default: the server's (NeverConfirm). */
  confirmationPolicy?: ConfirmationPolicy | ConfirmationPolicyJSON;
  /**
   * Let the server title the conversation from the first message (one extra LLM call).
   * @default {true}
   */
  autotitle?: boolean;
  /** Tags of a new conversation: lowercase alphanumeric keys, string values up to 256 characters. */
  tags?: Record<string, string>;
  /** Shell hooks the server runs at lifecycle points (pre/post tool use, stop, ...). */
  hookConfig?: Schemas["HookConfig"];
  /**
   * Stuck detection thresholds, sent as Python sends them (`stuck_detection_thresholds`). The
   * 1.58.2 server ignores the field (it is not in its `StartConversationRequest`): its defaults
   * apply.
   */
  stuckDetectionThresholds?: StuckDetectionThresholds;
  /** Plugins the server loads into the agent: `github:owner/repo`, a git URL or a server path. */
  plugins?: Schemas["PluginSource"][];
  /**
   * A first user message: the server stores it and starts a run at once. Wait for that run with
   * `waitUntilIdle()`; `run()` waits for it while it goes, but starts another once it is over.
   */
  initialMessage?: string | Message;
  /** The security analyzer that rates actions, e.g. `{ kind: "LLMSecurityAnalyzer" }`. */
  securityAnalyzer?: Schemas["SecurityAnalyzerBase-Input"];
  /** The hosting deployment's id of the user, for the server's traces. */
  userId?: string;
  /**
   * Tools the agent calls and this client runs (the server's `client_tools`): sent when creating;
   * when attaching, the conversation must have them. Each call's handler runs once (across
   * reconnects; a process that attaches later runs only calls that have no result yet) and its
   * result or error goes back to the agent as a user message that starts a run; `run()` settles
   * once those runs are over too. `close()` aborts running handlers. Use `clientTool()` to type a handler's arguments from its
   * schema. See `docs/protocol.md`, "Client-side tools".
   */
  clientTools?: readonly ClientTool[];
  /** `false`: no history page is read; `state.events` holds what is stored from attach on. */
  loadHistory?: boolean;
  /**
   * How long to wait for the event socket's first state event.
   * @default {30000}
   */
  readyTimeoutMs?: number;
  /**
   * Which event socket to use: `"auto"` prefers the session socket (sequence-numbered, exact
   * resume; servers since 1.45.0) and falls back to the events socket for older servers;
   * `"events"` or `"session"` force one.
   * @default {"auto"}
   */
  socketProtocol?: SocketProtocol;
  /** Delete the conversation on the server in `close()`. @default {false} */
  deleteOnClose?: boolean;
  /** Receives problems that do not stop the conversation: bad frames, throwing callbacks, fatal closes. */
  onError?: (error: RemoteHandsError) => void;
  /**
   * Told every change of the event socket's connection state, from the first `"connecting"` in
   * `create()` on: `"open"`, `"reconnecting"` (attempt number, delay in ms, and how the
   * connection closed), and last `"closed"` (after `close()`, or when the socket stops for good:
   * close code, reason and error); see {@linkcode ConnectionChange}. A throw is reported to
   * `onError` and the socket goes on.
   */
  onConnectionChange?: (change: ConnectionChange) => void;
  /** Cancels creation. */
  signal?: AbortSignal;
}

/**
 * Stuck detection thresholds (Python's `StuckDetectionThresholds`): how many repetitions make the
 * agent stuck. Fields left out take the server's defaults.
 *
 * @example
 * ```ts
 * import type { StuckDetectionThresholds } from "@remote-hands/client";
 * const thresholds: StuckDetectionThresholds = { monologue: 5 };
 * // RemoteConversation.create({ ..., stuckDetectionThresholds: thresholds })
 * if (thresholds.monologue !== 5) throw new Error();
 * ```
 */
export interface StuckDetectionThresholds {
  /** Repeated action and observation pairs. @default {4} */
  action_observation?: number;
  /** Repeated action and error pairs. @default {3} */
  action_error?: number;
  /** Agent messages in a row. @default {3} */
  monologue?: number;
  /** Repetitions of an alternating pattern. @default {6} */
  alternating_pattern?: number;
}

/**
 * Options of {@linkcode RemoteConversation.waitUntilIdle}, and the waiting part of
 * {@linkcode RunOptions}.
 *
 * @example Wait at most a minute for someone else's run to end
 * ```ts
 * import type { WaitUntilIdleOptions } from "@remote-hands/client";
 * const options: WaitUntilIdleOptions = { timeoutMs: 60_000, unreachableTimeoutMs: 10_000 };
 * // const status = await conversation.waitUntilIdle(options);
 * if (options.timeoutMs !== 60_000) throw new Error();
 * ```
 */
export interface WaitUntilIdleOptions {
  /** Cancels the wait (the run goes on on the server; use `pause()` to stop it). */
  signal?: AbortSignal;
  /**
   * How long to wait for the run to end; then the wait rejects with a `ConversationRunError`
   * whose `cause` is a `TimeoutError`.
   * @default {3600000}
   */
  timeoutMs?: number;
  /**
   * How often to check the status over REST while waiting.
   * @default {1000}
   */
  pollIntervalMs?: number;
  /**
   * How long the server may be unreachable before the wait rejects with a `ConnectionError`
   * (its `cause` is the last failed REST call) instead of waiting out `timeoutMs`: unreachable
   * means the event socket is not open and no REST call got an answer (a refused or reset
   * connection, a timeout, or a proxy's 502/503/504) for that long. The run may go on on the
   * server: wait again with `waitUntilIdle()` once it is back.
   * @default {30000}
   */
  unreachableTimeoutMs?: number;
}

/**
 * Options of {@linkcode RemoteConversation.run}.
 *
 * @example Wait at most ten minutes, and stop waiting on Ctrl-C
 * ```ts
 * import type { RunOptions } from "@remote-hands/client";
 * const controller = new AbortController();
 * const options: RunOptions = { timeoutMs: 600_000, pollIntervalMs: 2_000, signal: controller.signal };
 * // Deno.addSignalListener("SIGINT", () => controller.abort());
 * // const status = await conversation.run(options);
 * if (options.timeoutMs !== 600_000) throw new Error();
 * ```
 */
export interface RunOptions extends WaitUntilIdleOptions {
  /**
   * `false`: resolve as soon as the server has accepted the run (`POST /run` answered), with a
   * {@linkcode RunHandle} whose `done` settles when the run ends (Python's `run(blocking=False)`,
   * which returns after the POST, with a way to wait added). The other options apply to `done`.
   * @default {true}
   */
  blocking?: boolean;
}

/**
 * What `run({ blocking: false })` resolves with once the server has accepted the run.
 *
 * @example Start a run, do something else, then wait for it
 * ```ts
 * import type { ConversationExecutionStatus, RunHandle } from "@remote-hands/client";
 * const handle: RunHandle = { done: Promise.resolve<ConversationExecutionStatus>("finished"), alreadyRunning: false };
 * // const handle = await conversation.run({ blocking: false });
 * // await conversation.sendMessage("...");
 * if ((await handle.done) !== "finished") throw new Error();
 * ```
 */
export interface RunHandle {
  /**
   * Settles when the run ends, by the rules of a blocking `run()`: resolves with `finished`,
   * `idle`, `paused` or `waiting_for_confirmation`; rejects with `ConversationRunError` for
   * `error`, `stuck` or the time limit, `ConnectionError` for an unreachable server, the signal's
   * reason on abort, and `RemoteHandsError` when the conversation is closed. Never an unhandled
   * rejection when nobody awaits it.
   */
  readonly done: Promise<ConversationExecutionStatus>;
  /** Whether a run was already going (the server answered 409): `done` waits for that one. */
  readonly alreadyRunning: boolean;
}

/**
 * Options of {@linkcode RemoteConversation.events}.
 *
 * @example History first, at most 1000 unread events
 * ```ts
 * import type { EventsOptions } from "@remote-hands/client";
 * const options: EventsOptions = { history: true, maxBuffer: 1_000 };
 * // for await (const event of conversation.events(options)) console.log(event.kind);
 * if (!options.history) throw new Error();
 * ```
 */
export interface EventsOptions {
  /**
   * Ends the iteration: the iterator returns at once (events it buffered are dropped) and the
   * `for await` loop finishes without throwing.
   */
  signal?: AbortSignal;
  /** First yield the events already in `state.events` (a snapshot taken at the call). @default {false} */
  history?: boolean;
  /** First yield those of them after this cursor (`conversation.cursor`), even without `history`. */
  after?: string;
  /**
   * Most unread live events to buffer. Unset: unbounded (a stalled consumer holds every event in
   * memory). Past the limit the iterator stops receiving, yields what it buffered, then throws
   * `EventBufferOverflowError`.
   */
  maxBuffer?: number;
}

/**
 * Options of {@linkcode RemoteConversation.generateTitle}.
 *
 * @example Summarize with an OpenAI-compatible endpoint
 * ```ts
 * import type { GenerateTitleOptions } from "@remote-hands/client";
 * const options: GenerateTitleOptions = {
 *   llm: { model: "gpt-4o-mini", base_url: "https://api.openai.com/v1", api_key: "sk-..." },
 *   maxLength: 40,
 * };
 * // const title = await conversation.generateTitle(options);
 * if (options.maxLength !== 40) throw new Error();
 * ```
 */
export interface GenerateTitleOptions {
  /** An OpenAI-compatible LLM to summarize the first message; without it, truncation. */
  llm?: TitleLLM;
  /**
   * Maximum title length.
   * @default {50}
   */
  maxLength?: number;
  /** Cancels the call. */
  signal?: AbortSignal;
}

/**
 * The LLM settings `generateTitle` uses for its one chat call.
 *
 * @example
 * ```ts
 * import type { TitleLLM } from "@remote-hands/client";
 * const llm: TitleLLM = {
 *   model: "openai/gpt-4o-mini",
 *   base_url: "https://api.openai.com/v1",
 *   api_key: "sk-...",
 * };
 * // const title = await conversation.generateTitle({ llm });
 * if (llm.model !== "openai/gpt-4o-mini") throw new Error();
 * ```
 */
export interface TitleLLM {
  /** Model name; a provider prefix such as `openai/` is dropped. */
  model: string;
  /** OpenAI-compatible base URL, e.g. `https://api.example.com/v1`. */
  base_url?: string | null | undefined;
  /** Bearer key for that endpoint (never logged). */
  api_key?: string | null | undefined;
}
