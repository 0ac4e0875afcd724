/**
 * The public types of a conversation: its options, the options of its methods, and what callbacks
 * and visualizers look like.
 *
 * @module
 */

import type { ConfirmationPolicy, ConfirmationPolicyJSON } from "../confirmation_policy.ts";
import type { Event } from "../events/kinds.ts";
import type { SecretValue } from "../secrets.ts";
import type { AgentConfig } from "../types.ts";
import type { SocketProtocol } from "../socket/types.ts";
import type { RemoteHandsError } from "../errors.ts";
import type { RemoteWorkspace } from "../workspace/remote_workspace.ts";

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
  /** The agent (LLM, tools, ...). Sent when creating; checked for kind when attaching. */
  agent: AgentConfig | Record<string, unknown>;
  /** Where the server is and which directory the agent works in. */
  workspace: RemoteWorkspace;
  /** Attach to this conversation if it exists, otherwise create it with this id (a UUID). */
  conversationId?: string;
  /** Called once for every event after the conversation is ready (history is not replayed). */
  callbacks?: ConversationCallback[];
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
  /** Cancels creation. */
  signal?: AbortSignal;
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
export interface RunOptions {
  /** Cancels the wait (the run goes on on the server; use `pause()` to stop it). */
  signal?: AbortSignal;
  /**
   * How long to wait for the run to end.
   * @default {3600000}
   */
  timeoutMs?: number;
  /**
   * How often to check the status over REST while waiting.
   * @default {1000}
   */
  pollIntervalMs?: number;
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
