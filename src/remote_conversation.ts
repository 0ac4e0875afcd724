/**
 * {@linkcode RemoteConversation}: drive a conversation on an agent server, like the Python SDK's
 * `RemoteConversation`, with exactly-once callbacks, cheap catch-up and cancellation.
 *
 * @module
 */

import { delay } from "./_async.ts";
import { checkMs, inspectAs, nextPage, pageItems, shown, UUID } from "./_checks.ts";
import { EventHub } from "./_event_stream.ts";
import { RunWaiter } from "./_run_waiter.ts";
import { firstUserMessage, titleFromLLM, type TitleLLM, truncateTitle } from "./_title.ts";
import { callInit, type CallOptions } from "./client.ts";
import {
  type ConfirmationPolicy,
  type ConfirmationPolicyJSON,
  policyToJSON,
} from "./confirmation_policy.ts";
import {
  AuthenticationError,
  ConflictError,
  ConversationRunError,
  NotFoundError,
  ProtocolError,
  RemoteHandsError,
  TimeoutError,
} from "./errors.ts";
import {
  type Event,
  type EventOfKind,
  isPersistedEvent,
  type KnownEventKind,
  parseOwnedEvent,
} from "./events.ts";
import { placeEvent, RemoteEventsList, storedCount } from "./events_list.ts";
import { redactSecrets } from "./_redact.ts";
import { RemoteState } from "./remote_state.ts";
import { secretsPayload, type SecretValue } from "./secrets.ts";
import type { AgentConfig, ConversationExecutionStatus, Message } from "./types.ts";
import { type SocketProtocol, WebSocketCallbackClient } from "./websocket_client.ts";
import type { RemoteWorkspace } from "./workspace.ts";

/**
 * A function that receives every event once.
 *
 * @example Count tool calls
 * ```ts
 * import type { ConversationCallback } from "./remote_conversation.ts";
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
 * import type { ConversationVisualizerLike } from "./remote_conversation.ts";
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
 * import type { RemoteConversationOptions } from "./remote_conversation.ts";
 * import { ConfirmRisky } from "./confirmation_policy.ts";
 * import { RemoteWorkspace } from "./workspace.ts";
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
 * import type { RunOptions } from "./remote_conversation.ts";
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
 * import type { EventsOptions } from "./remote_conversation.ts";
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
 * import type { GenerateTitleOptions } from "./remote_conversation.ts";
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

/** Most ids of events delivered from `transient` frames and not (yet) stored to remember. */
const MAX_UNPLACED = 4_096;

/** A count option: a whole number above 0, or undefined. */
function positive(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
    throw new RangeError(
      `Cannot use '${name}' as it must be a positive whole number: current value is ${value}`,
    );
  }
}

/** Whether two UUIDs are the same, with or without dashes, in any case. */
function sameId(a: string, b: string): boolean {
  return a.replaceAll("-", "").toLowerCase() === b.replaceAll("-", "").toLowerCase();
}

/**
 * The conversation id in a server's answer (`ConversationInfo`): a UUID, and `expected` when the
 * caller named one; else a {@linkcode ProtocolError} (an id like `..` would send later requests
 * to other routes).
 */
function conversationIdOf(data: unknown, what: string, expected: string | undefined): string {
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new ProtocolError(what, `the answer is ${shown(data)}, not a conversation`);
  }
  const info = data as { id?: unknown; conversation_id?: unknown };
  const id = info.id ?? info.conversation_id;
  if (typeof id !== "string" || !UUID.test(id)) {
    throw new ProtocolError(what, `the conversation id is ${shown(id)}, not a UUID`);
  }
  if (expected !== undefined && !sameId(id, expected)) {
    throw new ProtocolError(what, `the answer is about conversation ${id}, not ${expected}`);
  }
  return id;
}

/**
 * A conversation on a remote agent server.
 *
 * `create()` attaches to or creates the conversation, loads its history over REST, opens the event
 * socket (first-frame auth: the key is never in a URL), waits until it is ready and closes the gap
 * between history and live stream. Afterwards `state.events` holds the server's history in order,
 * every callback sees each event once (across reconnects too), and `run()` waits until the run is
 * over.
 *
 * @example Run a task
 * ```ts ignore
 * import { RemoteConversation, RemoteWorkspace } from "@remote-hands/client";
 * import { ConversationVisualizer } from "@remote-hands/client/visualizer";
 *
 * const workspace = new RemoteWorkspace({ host: "http://127.0.0.1:8000", apiKey: "key", workingDir: "/work" });
 * await using conversation = await RemoteConversation.create({
 *   agent: { kind: "Agent", llm: { model: "openai/gpt-4o-mini", api_key: "sk-..." }, tools: [{ name: "terminal" }] },
 *   workspace,
 *   visualizer: new ConversationVisualizer(),
 * });
 * await conversation.sendMessage("Count the files in this directory.");
 * await conversation.run();
 * console.log(conversation.state.agentStatus);
 * ```
 */
export class RemoteConversation implements AsyncDisposable {
  /** The agent configuration this conversation was created or attached with. */
  readonly agent: AgentConfig | Record<string, unknown>;
  /** The remote workspace. */
  readonly workspace: RemoteWorkspace;
  /** Maximum agent steps per run. */
  readonly maxIterationPerRun: number;
  /** The cached state, kept current by the event socket. */
  readonly state: RemoteState;
  #id: string;
  #events: RemoteEventsList;
  #callbacks: ConversationCallback[];
  #visualizer: ConversationVisualizerLike | undefined;
  #socket: WebSocketCallbackClient | undefined;
  #onError: ((error: RemoteHandsError) => void) | undefined;
  #deleteOnClose: boolean;
  #closed = false;
  /** Aborted by close(): ends REST work the socket started (a reconnect's catch-up). */
  #closing = new AbortController();
  #runs = new Set<{ waiter: RunWaiter; wake: () => void; fail: (err: unknown) => void }>();
  /**
   * Ids of stored-kind events delivered from `transient` frames (the server had not stored them):
   * kept out of the list until they arrive as stored, then placed without a second delivery.
   * Insertion-ordered; the oldest are forgotten past {@linkcode MAX_UNPLACED}.
   */
  #unplaced = new Set<string>();
  #subscribers: EventHub<Event> = new EventHub<Event>({
    onListenerError: (err) =>
      this.#report(
        new RemoteHandsError("An onEvent handler threw; delivery goes on", { cause: err }),
      ),
  });

  private constructor(
    options: RemoteConversationOptions,
    id: string,
    info: Record<string, unknown>,
  ) {
    this.agent = options.agent;
    this.workspace = options.workspace;
    this.maxIterationPerRun = options.maxIterationPerRun ?? 500;
    this.#id = id;
    this.#events = new RemoteEventsList();
    this.state = new RemoteState({
      id,
      events: this.#events,
      client: options.workspace.client,
      initial: info,
    });
    this.#callbacks = [...(options.callbacks ?? [])];
    this.#onError = options.onError;
    this.#deleteOnClose = options.deleteOnClose ?? false;
    this.#visualizer = options.visualizer;
    // Inspected forms show the agent with its secrets (LLM api_key, ...) redacted.
    inspectAs(this, (...args) => {
      const inspect = args.find((a) => typeof a === "function") as
        | ((value: unknown) => string)
        | undefined;
      const view = this.toJSON();
      return `RemoteConversation ${inspect ? inspect(view) : JSON.stringify(view)}`;
    });
  }

  /** The conversation id. */
  get id(): string {
    return this.#id;
  }

  /** Token and cost statistics, from the cached state. */
  get conversationStats(): Record<string, unknown> | undefined {
    return this.state.stats;
  }

  /**
   * Stuck detection runs on the server; there is no detector object on the client, so this is
   * always `null` (the Python SDK raises NotImplementedError). A stuck run makes `run()` reject.
   */
  get stuckDetector(): null {
    return null;
  }

  /** The event socket in use: `"session"` or `"events"`. */
  get socketProtocol(): "session" | "events" | undefined {
    return this.#socket?.protocol;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Attaches to an existing conversation (when `conversationId` names one) or creates a new one,
   * syncs its history and connects the event stream. Resolves once the stream is ready.
   * Rejects with a {@linkcode ProtocolError} when the server's answer has no conversation id (a
   * UUID; the one asked for when attaching) or its history pages never end.
   */
  static async create(options: RemoteConversationOptions): Promise<RemoteConversation> {
    if (options === null || typeof options !== "object") {
      throw new TypeError("Cannot create the conversation as the options are missing");
    }
    const { workspace, signal } = options;
    if (!workspace || typeof workspace !== "object" || !("client" in workspace)) {
      throw new TypeError(
        "Cannot create the conversation as 'workspace' must be a RemoteWorkspace",
      );
    }
    if (!options.agent || typeof options.agent !== "object") {
      throw new TypeError(
        "Cannot create the conversation as 'agent' must be an agent configuration",
      );
    }
    if (options.conversationId !== undefined && !UUID.test(options.conversationId)) {
      throw new TypeError(
        `Cannot use the conversation id as it is not a UUID: current value is '${options.conversationId}'`,
      );
    }
    positive("maxIterationPerRun", options.maxIterationPerRun);
    checkMs("readyTimeoutMs", options.readyTimeoutMs);
    const protocol = options.socketProtocol;
    if (
      protocol !== undefined && protocol !== "auto" && protocol !== "events" &&
      protocol !== "session"
    ) {
      throw new TypeError(
        `Cannot create the conversation as 'socketProtocol' must be auto, events or session: current value is ${
          String(protocol)
        }`,
      );
    }
    const { visualizer } = options;
    if (visualizer !== undefined && typeof visualizer?.onEvent !== "function") {
      throw new TypeError(
        "Cannot create the conversation as 'visualizer' must have an onEvent method",
      );
    }
    if (
      options.callbacks !== undefined &&
      (!Array.isArray(options.callbacks) || options.callbacks.some((c) => typeof c !== "function"))
    ) {
      throw new TypeError(
        "Cannot create the conversation as 'callbacks' must be an array of functions",
      );
    }
    const confirmation = options.confirmationPolicy === undefined
      ? undefined
      : policyToJSON(options.confirmationPolicy);
    if (options.secrets !== undefined) secretsPayload(options.secrets); // validate before requests
    signal?.throwIfAborted();

    const rest = workspace.client.rest;
    let info: Record<string, unknown> | undefined;
    let id: string | undefined;
    if (options.conversationId !== undefined) {
      try {
        const { data } = await rest.GET("/api/conversations/{conversation_id}", {
          params: { path: { conversation_id: options.conversationId } },
          ...callInit({ signal }),
        });
        id = conversationIdOf(
          data,
          `GET /api/conversations/${options.conversationId}`,
          options.conversationId,
        );
        info = data as Record<string, unknown>;
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
      const localKind = (options.agent as { kind?: unknown }).kind ?? "Agent";
      const remoteKind = (info?.agent as { kind?: unknown } | undefined)?.kind;
      if (info && remoteKind !== undefined && remoteKind !== localKind) {
        throw new TypeError(
          `Cannot attach as the conversation's agent kind is ${
            typeof remoteKind === "string" ? remoteKind : shown(remoteKind)
          }, not ${typeof localKind === "string" ? localKind : shown(localKind)}`,
        );
      }
    }
    if (!info) {
      const body: Record<string, unknown> = {
        agent: { kind: "Agent", ...(options.agent as Record<string, unknown>) },
        workspace: { kind: "LocalWorkspace", working_dir: workspace.workingDir },
        max_iterations: options.maxIterationPerRun ?? 500,
        stuck_detection: options.stuckDetection ?? true,
      };
      if (options.conversationId !== undefined) body.conversation_id = options.conversationId;
      if (confirmation) body.confirmation_policy = confirmation;
      if (options.autotitle !== undefined) body.autotitle = options.autotitle;
      const { data } = await rest.POST("/api/conversations", {
        body: body as never,
        ...callInit({ signal }),
      });
      id = conversationIdOf(data, "POST /api/conversations", options.conversationId);
      info = data as Record<string, unknown>;
    }
    const conversation = new RemoteConversation(options, id!, info);
    try {
      await conversation.#connect(
        options.readyTimeoutMs ?? 30_000,
        options.socketProtocol ?? "auto",
        signal,
      );
      if (options.secrets !== undefined) {
        await conversation.updateSecrets(options.secrets, { signal });
      }
    } catch (err) {
      await conversation.close();
      throw err;
    }
    return conversation;
  }

  /** Adds a history event (the log's `seq`th, -1 when unknown) to the list and the state,
   * without calling callbacks. */
  #addHistory(event: Event, seq: number): void {
    // The list knows every stored event delivered so far (by id): it is the exactly-once record.
    if (isPersistedEvent(event) && !placeEvent(this.#events, event, seq)) return;
    if (this.#unplaced.delete(event.id)) return; // its transient copy updated the state already
    this.state.updateStateFromEvent(event);
  }

  /** Delivers an event: into the list at its place in the server's log (`seq`: its sequence
   * number, -1 when unknown; `after`: the id of the event before it, from a REST page), the
   * state, callbacks, the visualizer, subscribers and waiting runs.
   *
   * A `transient` event (a session-socket frame the server did not store) of a stored kind is
   * delivered but kept out of the list, which must equal the server's log; when the same id later
   * arrives as stored (a durable frame, a REST catch-up) it is placed, and not delivered again. */
  #ingest(event: Event, seq = -1, after?: string | null, transient = false): void {
    if (isPersistedEvent(event)) {
      if (transient) {
        if (this.#events.has(event.id) || this.#unplaced.has(event.id)) return;
        if (this.#unplaced.size >= MAX_UNPLACED) {
          this.#unplaced.delete(this.#unplaced.values().next().value!);
        }
        this.#unplaced.add(event.id);
      } else {
        if (!placeEvent(this.#events, event, seq, after)) return;
        if (this.#unplaced.delete(event.id)) return; // delivered from its transient frame
      }
    }
    this.state.updateStateFromEvent(event);
    for (const callback of this.#callbacks) {
      try {
        callback(event);
      } catch (err) {
        this.#report(
          new RemoteHandsError("A conversation callback threw; delivery goes on", { cause: err }),
        );
      }
    }
    if (this.#visualizer) {
      try {
        this.#visualizer.onEvent(event);
      } catch (err) {
        this.#report(
          new RemoteHandsError("The visualizer threw; delivery goes on", { cause: err }),
        );
      }
    }
    this.#subscribers.publish(event);
    for (const run of this.#runs) if (run.waiter.onEvent(event)) run.wake();
  }

  #report(error: RemoteHandsError): void {
    try {
      this.#onError?.(error);
    } catch {
      // an error handler that throws must not stop delivery either
    }
  }

  /**
   * Pages the history over REST (100 events a page) from `since` (inclusive) or the start, and
   * takes it in (see `#takeLog`). With `max`, paging stops after that many stored events.
   */
  async #syncHistory(
    since: string | undefined,
    signal: AbortSignal | undefined,
    deliver: boolean,
    max?: number,
  ): Promise<void> {
    this.#takeLog(await this.#fetchLog(signal, since, max), !since, deliver);
  }

  /**
   * Takes REST items in: with `deliver`, unseen events go to callbacks (a reconcile); otherwise
   * they only seed the list. Events keep the log's order: `fromStart`, an item's index is its seq;
   * a missing event a reconcile finds goes right after the item before it.
   */
  #takeLog(items: unknown[], fromStart: boolean, deliver: boolean): void {
    // From the start the first item is the log's first; after `since` what precedes it is unknown.
    let previous: string | null | undefined = fromStart ? null : undefined;
    for (let index = 0; index < items.length; index++) {
      // A REST page is a fresh JSON.parse result nobody else holds: validated in place.
      const parsed = parseOwnedEvent(items[index]);
      if (!parsed.success) {
        this.#report(parsed.error);
        continue;
      }
      const seq = fromStart ? index : -1;
      if (deliver) this.#ingest(parsed.event, seq, previous);
      else this.#addHistory(parsed.event, seq);
      previous = parsed.event.id;
    }
  }

  /** The log's stored events from `since` (inclusive; the start without it), at most `max`, as
   * REST pages them (in storage order), unvalidated. */
  async #fetchLog(
    signal: AbortSignal | undefined,
    since?: string,
    max = Infinity,
  ): Promise<unknown[]> {
    const rest = this.workspace.client.rest;
    const what = `GET /api/conversations/${this.#id}/events/search`;
    const items: unknown[] = [];
    const seen = new Set<string>();
    let pageId: string | undefined;
    while (items.length < max) {
      const query: Record<string, unknown> = { limit: Math.min(100, max - items.length) };
      if (pageId) query.page_id = pageId;
      if (since) query.timestamp__gte = since;
      const { data } = await rest.GET("/api/conversations/{conversation_id}/events/search", {
        params: { path: { conversation_id: this.#id }, query: query as never },
        ...callInit({ signal }),
      });
      for (const item of pageItems(data, what, "events")) items.push(item);
      pageId = nextPage((data as { next_page_id?: unknown }).next_page_id, seen, what);
      if (!pageId) break;
    }
    return items;
  }

  /**
   * Catches up over REST with what the socket has not delivered: nothing when the server's event
   * count says the list is complete; else the events since `since` (when given), and, if some are
   * still missing (before 1.58 a `stats` update can be stamped before events stored ahead of it),
   * the whole log. Found events go to callbacks once, at their place in the log.
   */
  async #reconcile(since: string | undefined, signal: AbortSignal | undefined): Promise<void> {
    const missing = async (): Promise<boolean> => {
      try {
        const { data } = await this.workspace.client.rest.GET(
          "/api/conversations/{conversation_id}/events/count",
          { params: { path: { conversation_id: this.#id } }, ...callInit({ signal }) },
        );
        return typeof data !== "number" || data > storedCount(this.#events);
      } catch (err) {
        if (signal?.aborted) throw err;
        return true; // no count (an error, a proxy): page to be sure
      }
    };
    if (!(await missing())) return;
    if (since !== undefined) {
      await this.#syncHistory(since, signal, true);
      if (!(await missing())) return;
    }
    await this.#syncHistory(undefined, signal, true);
  }

  async #connect(
    readyTimeoutMs: number,
    protocol: SocketProtocol,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    // History and catch-up, by socket:
    // - session socket (preferred): the first connection is live only. Its first frame,
    //   `sync{through_seq: T}`, says what the log held when the socket subscribed; the client's
    //   resume cursor is T from then on. Once ready (onReady, which holds every later frame until
    //   it resolves), the log's first T + 1 events are paged over REST into the list as history
    //   (REST pages are faster than the socket's replay); then the held frames, the events after
    //   T, go to callbacks. A live frame with seq <= T is dropped by the socket client (REST has
    //   it); anything REST and the socket both bring is deduplicated by id. A reconnect resumes
    //   exactly after the last stored event received (`after_seq`).
    // - events socket (older servers, or after a frame too large for the session socket): the
    //   first connection is live only and the whole history is paged over REST once it is ready
    //   (the Python order); a reconnect asks for everything since the newest stored event we have
    //   (`resend_mode=since`, inclusive; duplicates are dropped by id).
    // Either way the history fills the list, not callbacks, and create() resolves only once it is
    // loaded: if it cannot be, create() rejects with the reason.
    let historyLoaded = false;
    let historyError: { error: unknown } | undefined;
    const stopHistory = new AbortController();
    const historySignal = signal
      ? AbortSignal.any([signal, stopHistory.signal])
      : stopHistory.signal;
    // Session socket: the history is paged while the socket connects; its sync frame then says
    // how much of it to keep (the log's first T + 1 events). Unused after a fall back.
    const early = protocol === "events" ? undefined : this.#fetchLog(historySignal);
    early?.catch(() => {}); // awaited in onReady, or dropped
    const socket: WebSocketCallbackClient = new WebSocketCallbackClient({
      host: this.workspace.host,
      conversationId: this.#id,
      protocol,
      sessionReplay: "live",
      // `transient`: the session socket's frame type said the server did not store the event.
      callback: (event: Event, seq?: number, transient?: boolean) =>
        this.#ingest(event, seq, undefined, transient === true),
      onReady: async ({ reconnect }) => {
        if (reconnect && historyLoaded && socket.protocol === "events") {
          // The events socket's `since` resend can miss an event stamped before the newest one
          // we have (servers before 1.58): REST has the log; later frames wait until this ends.
          await this.#reconcile(undefined, this.#closing.signal).catch((err: unknown) => {
            if (!this.#closing.signal.aborted) {
              this.#report(
                new RemoteHandsError("The REST catch-up after a reconnect failed", { cause: err }),
              );
            }
          });
          return;
        }
        if (reconnect || historyLoaded) return;
        try {
          // Session socket: the cursor its sync frame set, the log's last seq at subscription
          // (-1: the log was empty, so there is no history).
          const through = socket.protocol === "session" ? socket.lastSeq : undefined;
          if (early && through !== undefined) {
            let items = await early;
            // Events stored after the last page and before the subscription: page again.
            if (items.length <= through) {
              items = await this.#fetchLog(historySignal, undefined, through + 1);
            }
            this.#takeLog(items.slice(0, through + 1), true, false);
          } else if (through === undefined || through >= 0) {
            await this.#syncHistory(
              undefined,
              historySignal,
              false,
              through === undefined ? undefined : through + 1,
            );
          }
        } catch (error) {
          historyError = { error };
        } finally {
          historyLoaded = true;
        }
      },
      ...(this.workspace.apiKey ? { apiKey: this.workspace.apiKey } : {}),
      ...(this.workspace.WebSocket ? { WebSocket: this.workspace.WebSocket } : {}),
      resumeAfter: () => historyLoaded ? this.#events.lastTimestamp : null,
      onError: (error) => {
        this.#report(error);
        // The socket stops for good on these (a 4001/4004 close, or the REST check after refused
        // upgrades): a waiting run cannot end by itself any more.
        if (error instanceof AuthenticationError || error instanceof NotFoundError) {
          for (const run of this.#runs) run.fail(error);
        }
      },
    });
    this.#socket = socket;
    socket.start();
    try {
      await socket.waitUntilReady({ timeoutMs: readyTimeoutMs, ...(signal ? { signal } : {}) });
    } finally {
      stopHistory.abort(); // a history still paging when the wait gave up stops here
    }
    if (historyError) throw historyError.error;
  }

  /**
   * Sends a user message (it does not start a run; call `run()`).
   *
   * @example
   * ```ts ignore
   * await conversation.sendMessage("Add a README");
   * await conversation.sendMessage({ role: "user", content: [{ type: "text", text: "and a LICENSE" }] });
   * ```
   */
  async sendMessage(message: string | Message, options: CallOptions = {}): Promise<void> {
    this.#checkOpen("send a message");
    let body: Record<string, unknown>;
    if (typeof message === "string") {
      body = { role: "user", content: [{ type: "text", text: message }], run: false };
    } else if (message && typeof message === "object" && Array.isArray(message.content)) {
      if ((message.role ?? "user") !== "user") {
        throw new TypeError(
          `Cannot send the message as its role must be 'user': current value is '${message.role}'`,
        );
      }
      body = { role: "user", content: message.content, run: false };
    } else {
      throw new TypeError(
        "Cannot send the message as it must be a string or a Message with content",
      );
    }
    await this.workspace.client.rest.POST("/api/conversations/{conversation_id}/events", {
      params: { path: { conversation_id: this.#id } },
      body: body as never,
      ...callInit(options),
    });
  }

  /**
   * Starts (or resumes) the agent and waits until the run is over. Resolves with the final
   * status (`finished`, `idle`, `paused`, `waiting_for_confirmation`); rejects with
   * {@linkcode ConversationRunError} when it ends in `error` (with the server's code and detail)
   * or `stuck`, or when it cannot be started or awaited (timeout: cause is a `TimeoutError`).
   * If a run is already going (409), it waits for that one.
   *
   * @example
   * ```ts ignore
   * const status = await conversation.run({ timeoutMs: 600_000 });
   * if (status === "waiting_for_confirmation") await conversation.rejectPendingActions("not now");
   * ```
   */
  async run(options: RunOptions = {}): Promise<ConversationExecutionStatus> {
    this.#checkOpen("run");
    checkMs("timeoutMs", options.timeoutMs);
    checkMs("pollIntervalMs", options.pollIntervalMs);
    const { signal } = options;
    signal?.throwIfAborted();
    const timeoutMs = options.timeoutMs ?? 3_600_000;
    const pollMs = options.pollIntervalMs ?? 1000;
    const since = this.#events.lastTimestamp;
    const waiter = new RunWaiter();
    let wake!: () => void;
    let fail!: (err: unknown) => void;
    const woken = new Promise<void>((resolve, reject) => {
      wake = resolve;
      fail = reject;
    });
    const entry = { waiter, wake, fail };
    this.#runs.add(entry);
    const rest = this.workspace.client.rest;
    const path = { params: { path: { conversation_id: this.#id } } };
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const stopWaiting = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
    const timedOut = (): ConversationRunError =>
      new ConversationRunError({
        conversationId: this.#id,
        cause: new TimeoutError(`Waiting for the run of ${this.#id}`, timeoutMs),
      });
    try {
      try {
        waiter.postReturned(await this.#startRun(signal, stopWaiting));
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (timeout.signal.aborted) throw timedOut();
        throw err;
      }
      // Wait for the socket to say the run is over; poll REST as a fallback.
      while (!waiter.ended) {
        const tick = delay(pollMs, { signal: stopWaiting });
        await Promise.race([woken, tick]).catch((err) => {
          if (signal?.aborted) throw signal.reason;
          if (timeout.signal.aborted) return;
          throw err;
        });
        if (waiter.ended) break;
        if (timeout.signal.aborted) throw timedOut();
        try {
          const { data } = await rest.GET("/api/conversations/{conversation_id}", {
            ...path,
            ...callInit({ signal: stopWaiting, timeoutMs: 30_000 }),
          });
          const polled = (data as { execution_status?: unknown } | null)?.execution_status;
          waiter.onPoll(typeof polled === "string" ? polled : "", Date.now());
        } catch (err) {
          if (signal?.aborted) throw signal.reason;
          if (timeout.signal.aborted) continue;
          if (err instanceof NotFoundError) {
            throw new ConversationRunError({ conversationId: this.#id, cause: err });
          }
          // 429, 5xx, connection problems: keep waiting
        }
      }
      const status = waiter.ended!;
      // Post-run reconcile: whatever the socket has not delivered yet comes from REST, once.
      // It is a safety net, bounded by the run's time limit: if REST fails or runs out of time,
      // the run still ends with its status (the socket saw it end) and the failure is reported.
      try {
        await this.#reconcile(since, stopWaiting);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        this.#report(
          new RemoteHandsError("The post-run REST reconcile failed; the socket catches up later", {
            cause: err,
          }),
        );
      }
      if (status === "error" || status === "stuck") {
        const error = this.#lastErrorEvent(since);
        throw new ConversationRunError({
          conversationId: this.#id,
          status,
          code: error?.code,
          detail: error?.detail,
        });
      }
      return status;
    } finally {
      clearTimeout(timer);
      this.#runs.delete(entry);
      timeout.abort();
    }
  }

  /**
   * `POST /run`. Returns true when a run was already going (409). A 409 while the cached status
   * is not `running` means the previous run is still winding down (after `pause()`, say): the
   * POST is retried for up to 10 s so that this call starts a new run instead of waiting for the
   * old one to end.
   */
  async #startRun(signal: AbortSignal | undefined, stopWaiting: AbortSignal): Promise<boolean> {
    const path = { params: { path: { conversation_id: this.#id } } };
    const started = Date.now();
    for (let attempt = 0;; attempt++) {
      try {
        await this.workspace.client.rest.POST("/api/conversations/{conversation_id}/run", {
          ...path,
          ...callInit({ signal: stopWaiting }),
        });
        return false;
      } catch (err) {
        if (!(err instanceof ConflictError)) {
          if (signal?.aborted && err === signal.reason) throw err;
          throw new ConversationRunError({ conversationId: this.#id, cause: err });
        }
        if (this.state.agentStatus === "running" || Date.now() - started > 10_000) return true;
      }
      await delay(Math.min(50 * 2 ** attempt, 1000), { signal: stopWaiting });
    }
  }

  #lastErrorEvent(since: string | undefined): { code: string; detail: string } | undefined {
    const events = this.#events.slice();
    for (let i = events.length - 1; i >= 0; i--) {
      const e = events[i]!;
      if (since !== undefined && e.timestamp < since) break;
      if (e.kind === "ConversationErrorEvent") {
        return { code: String(e.code), detail: String(e.detail) };
      }
    }
    return undefined;
  }

  /** Pauses the agent; a waiting `run()` then resolves with `paused`. */
  async pause(options: CallOptions = {}): Promise<void> {
    this.#checkOpen("pause");
    await this.workspace.client.rest.POST("/api/conversations/{conversation_id}/pause", {
      params: { path: { conversation_id: this.#id } },
      ...callInit(options),
    });
  }

  /**
   * Sets when the agent must wait for confirmation. Throws a TypeError for an unknown policy,
   * before any request.
   *
   * @example
   * ```ts ignore
   * import { AlwaysConfirm } from "@remote-hands/client";
   * await conversation.setConfirmationPolicy(new AlwaysConfirm());
   * ```
   */
  async setConfirmationPolicy(
    policy: ConfirmationPolicy | ConfirmationPolicyJSON,
    options: CallOptions = {},
  ): Promise<void> {
    const body = { policy: policyToJSON(policy) };
    this.#checkOpen("set the confirmation policy");
    await this.workspace.client.rest.POST(
      "/api/conversations/{conversation_id}/confirmation_policy",
      {
        params: { path: { conversation_id: this.#id } },
        body: body as never,
        ...callInit(options),
      },
    );
  }

  /** Rejects the actions waiting for confirmation; the server records a `UserRejectObservation`. */
  async rejectPendingActions(
    reason = "User rejected the action",
    options: CallOptions = {},
  ): Promise<void> {
    this.#checkOpen("reject pending actions");
    if (typeof reason !== "string") {
      throw new TypeError("Cannot reject as 'reason' must be a string");
    }
    await this.workspace.client.rest.POST(
      "/api/conversations/{conversation_id}/events/respond_to_confirmation",
      {
        params: { path: { conversation_id: this.#id } },
        body: { accept: false, reason },
        ...callInit(options),
      },
    );
  }

  /**
   * Adds or replaces secrets (plain strings become `StaticSecret`s). Values are sent in the request
   * body only and never appear in errors or logs.
   *
   * @example
   * ```ts ignore
   * await conversation.updateSecrets({ GITHUB_TOKEN: "ghp_..." });
   * ```
   */
  async updateSecrets(
    secrets: Record<string, SecretValue>,
    options: CallOptions = {},
  ): Promise<void> {
    const body = secretsPayload(secrets);
    this.#checkOpen("update secrets");
    await this.workspace.client.rest.POST("/api/conversations/{conversation_id}/secrets", {
      params: { path: { conversation_id: this.#id } },
      body: body as never,
      ...callInit(options),
    });
  }

  /**
   * A title for the conversation: the server's own title when it has one (and no `llm` is given),
   * else one chat call to `llm` on the first user message, else that message truncated to
   * `maxLength` (ending in `...`). Throws when there is no user message.
   */
  async generateTitle(options: GenerateTitleOptions = {}): Promise<string> {
    this.#checkOpen("generate a title");
    const maxLength = options.maxLength ?? 50;
    positive("maxLength", maxLength);
    const { signal } = options;
    const { data } = await this.workspace.client.rest.GET("/api/conversations/{conversation_id}", {
      params: { path: { conversation_id: this.#id } },
      ...callInit({ signal }),
    });
    const serverTitle = (data as { title?: unknown } | null)?.title;
    if (!options.llm && typeof serverTitle === "string" && serverTitle.trim()) {
      return truncateTitle(serverTitle, maxLength);
    }
    await this.#syncHistory(undefined, signal, true);
    const message = firstUserMessage(this.#events);
    if (message === undefined) {
      throw new RemoteHandsError(
        "Cannot generate a title as the conversation has no user message yet",
      );
    }
    if (options.llm) {
      try {
        const title = await titleFromLLM(
          message,
          options.llm,
          maxLength,
          (request) => globalThis.fetch(request),
          signal,
        );
        if (title) return title;
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        this.#report(
          new RemoteHandsError("The title LLM failed; the title falls back to truncation", {
            cause: err,
          }),
        );
      }
    }
    return truncateTitle(message, maxLength);
  }

  /**
   * The live events as an async iterable: every event once, in the order callbacks get them
   * (from the moment of the call on; with `history: true` the events already in `state.events`
   * come first). Any number of iterators may run at once, each with its own buffer.
   *
   * How it ends, always without throwing: when the conversation is closed (after yielding what it
   * buffered), when `signal` aborts (at once, dropping what it buffered), or when the loop is left
   * early (`break`, `return`, a throw), which unsubscribes. Called on a closed conversation, it
   * yields the history if asked and ends. The buffer is unbounded unless `maxBuffer` is set (then
   * `EventBufferOverflowError` after the buffered events).
   *
   * @example Watch a run
   * ```ts ignore
   * const watching = (async () => {
   *   for await (const event of conversation.events()) console.log(event.kind);
   * })();
   * await conversation.sendMessage("List the files");
   * await conversation.run();
   * await conversation.close(); // the loop ends
   * await watching;
   * ```
   */
  events(options: EventsOptions = {}): AsyncIterableIterator<Event> {
    if (options === null || typeof options !== "object") {
      throw new TypeError("Cannot iterate events as the options must be an object");
    }
    const { signal, history, maxBuffer } = options;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new TypeError("Cannot iterate events as 'signal' must be an AbortSignal");
    }
    positive("maxBuffer", maxBuffer);
    return this.#subscribers.stream({
      signal,
      maxBuffer,
      initial: history ? this.#events.slice() : undefined,
    });
  }

  /**
   * Calls `handler` with every live event of one kind, typed for that kind; returns a function
   * that unsubscribes (idempotent). A throwing handler is reported to `onError` and delivery goes
   * on. Handlers are dropped on `close()`.
   *
   * @example
   * ```ts ignore
   * const off = conversation.onEvent("ActionEvent", (action) => {
   *   console.log(action.tool_name, action.action?.kind);
   * });
   * await conversation.run();
   * off();
   * ```
   */
  onEvent<K extends KnownEventKind>(
    kind: K,
    handler: (event: EventOfKind<K>) => void,
  ): () => void {
    if (typeof kind !== "string" || (kind as string) === "") {
      throw new TypeError("Cannot listen for events as 'kind' must be an event kind name");
    }
    if (typeof handler !== "function") {
      throw new TypeError("Cannot listen for events as 'handler' must be a function");
    }
    return this.#subscribers.listen((event) => {
      if (event.kind === kind) handler(event as EventOfKind<K>);
    });
  }

  /** Reloads the state from the server (REST). */
  async refresh(options: CallOptions = {}): Promise<void> {
    this.#checkOpen("refresh");
    await this.state.refresh(options);
  }

  /**
   * Closes the event stream (no timers or sockets remain) and, with `deleteOnClose`, deletes the
   * conversation on the server. Idempotent. A waiting `run()` rejects.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    for (const run of this.#runs) {
      run.fail(new RemoteHandsError("Cannot wait for the run as the conversation was closed"));
    }
    try {
      await this.#socket?.stop();
    } finally {
      this.#subscribers.close(); // ends every events() iterator once it has yielded its buffer
    }
    if (this.#deleteOnClose) {
      try {
        await this.workspace.client.rest.DELETE("/api/conversations/{conversation_id}", {
          params: { path: { conversation_id: this.#id } },
        });
      } catch (err) {
        this.#report(new RemoteHandsError("Deleting the conversation failed", { cause: err }));
      }
    }
  }

  /**
   * The conversation for `JSON.stringify` (and, in the same shape, `console.log` and
   * `Deno.inspect`/`util.inspect`): its id, the agent with every secret field (`api_key`, ...)
   * shown as `"[redacted]"`, the workspace (without its key) and `maxIterationPerRun`. The
   * `agent` property itself stays what was passed in.
   *
   * @example
   * ```ts ignore
   * console.log(JSON.stringify(conversation)); // ... "llm":{"model":"...","api_key":"[redacted]"} ...
   * ```
   */
  toJSON(): Record<string, unknown> {
    return {
      id: this.#id,
      agent: redactSecrets(this.agent),
      workspace: this.workspace,
      maxIterationPerRun: this.maxIterationPerRun,
    };
  }

  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #checkOpen(what: string): void {
    if (this.#closed) throw new RemoteHandsError(`Cannot ${what} as the conversation is closed`);
  }
}
