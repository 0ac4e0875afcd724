/**
 * {@linkcode RemoteConversation}: drive a conversation on an agent server, like the Python SDK's
 * `RemoteConversation`, with exactly-once callbacks, cheap catch-up and cancellation.
 *
 * @module
 */

import { inspectAs } from "../_checks.ts";
import { redactSecrets } from "../_redact.ts";
import {
  type ConfirmationPolicy,
  type ConfirmationPolicyJSON,
  policyToJSON,
} from "../confirmation_policy.ts";
import { RemoteHandsError } from "../errors.ts";
import type { Event, EventOfKind, KnownEventKind } from "../events/kinds.ts";
import type { CallOptions } from "../rest/client.ts";
import { type Connection, connectionOf } from "../rest/connection.ts";
import * as rest from "../rest/conversations.ts";
import { respondToConfirmation, sendMessage } from "../rest/events.ts";
import { secretsPayload, type SecretValue } from "../secrets.ts";
import type {
  AgentConfig,
  ConversationExecutionStatus,
  ConversationInfo,
  Message,
} from "../types.ts";
import type { ReconnectingSocket } from "../socket/_reconnecting_socket.ts";
import type { RemoteWorkspace } from "../workspace/remote_workspace.ts";
import { openConversation } from "./_attach.ts";
import { Delivery } from "./_delivery.ts";
import { History } from "./_history.ts";
import { checkCreateOptions, messageRequest } from "./_options.ts";
import { RunController } from "./_run_controller.ts";
import { connectEventSocket } from "./_socket.ts";
import { generateTitle } from "./_title.ts";
import { RemoteEventsList } from "./events_list.ts";
import { RemoteState } from "./remote_state.ts";
import type {
  EventsOptions,
  GenerateTitleOptions,
  RemoteConversationOptions,
  RunOptions,
} from "./types.ts";

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
  readonly #id: string;
  readonly #connection: Connection;
  readonly #events = new RemoteEventsList();
  readonly #deleteOnClose: boolean;
  readonly #delivery: Delivery;
  readonly #history: History;
  readonly #runs: RunController;
  #socket: ReconnectingSocket | undefined;
  #closed = false;
  /** Aborted by close(): ends REST work the socket started (a reconnect's catch-up). */
  readonly #closing = new AbortController();

  private constructor(
    options: RemoteConversationOptions,
    connection: Connection,
    info: ConversationInfo & { id: string },
  ) {
    this.agent = options.agent;
    this.workspace = options.workspace;
    this.maxIterationPerRun = options.maxIterationPerRun ?? 500;
    this.#id = info.id;
    this.#connection = connection;
    this.#deleteOnClose = options.deleteOnClose ?? false;
    const client = connection.client;
    this.state = new RemoteState({ id: info.id, events: this.#events, client, initial: info });
    const onDelivered = (event: Event): void => this.#runs.onEvent(event);
    this.#delivery = new Delivery({ ...options, state: this.state, onDelivered });
    const report = (error: RemoteHandsError): void => this.#delivery.report(error);
    const { id, state } = this;
    const shared = { connection, conversationId: id, events: this.#events, state, report };
    this.#history = new History({
      ...shared,
      deliver: (event) => this.#delivery.deliver(event),
      closing: this.#closing.signal,
    });
    this.#runs = new RunController({ ...shared, history: this.#history });
    // Inspected forms show the agent with its secrets (LLM api_key, ...) redacted.
    inspectAs(this, (...args) => {
      const inspect = args.find((a): a is (value: unknown) => string => typeof a === "function");
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
   *
   * @param options The agent, the workspace and how to run.
   * @returns The ready conversation.
   * @throws {TypeError} For bad options (before any request), or an existing conversation with
   * another agent kind.
   * @throws {ProtocolError} When the server's answer has no conversation id (a UUID; the one asked
   * for when attaching) or its history pages never end.
   */
  static async create(options: RemoteConversationOptions): Promise<RemoteConversation> {
    const confirmation = checkCreateOptions(options);
    const { workspace, signal } = options;
    const connection = connectionOf(workspace);
    const info = await openConversation(connection, options, workspace.workingDir, confirmation);
    const conversation = new RemoteConversation(options, connection, info);
    try {
      await connectEventSocket({
        connection,
        conversationId: info.id,
        history: conversation.#history,
        protocol: options.socketProtocol ?? "auto",
        readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
        signal,
        report: (error) => conversation.#delivery.report(error),
        onStopped: (error) => conversation.#runs.failAll(error),
        opened: (socket) => (conversation.#socket = socket),
      });
      if (options.secrets !== undefined) {
        await conversation.updateSecrets(options.secrets, { signal });
      }
    } catch (err) {
      await conversation.close();
      throw err;
    }
    return conversation;
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
    await sendMessage(this.#connection, this.#id, messageRequest(message), options);
  }

  /**
   * Starts (or resumes) the agent and waits until the run is over. Resolves with the final
   * status (`finished`, `idle`, `paused`, `waiting_for_confirmation`); rejects with
   * `ConversationRunError` when it ends in `error` (with the server's code and detail) or
   * `stuck`, or when it cannot be started or awaited (timeout: cause is a `TimeoutError`).
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
    return await this.#runs.run(options);
  }

  /** Pauses the agent; a waiting `run()` then resolves with `paused`. */
  async pause(options: CallOptions = {}): Promise<void> {
    this.#checkOpen("pause");
    await rest.pauseConversation(this.#connection, this.#id, options);
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
    const json = policyToJSON(policy);
    this.#checkOpen("set the confirmation policy");
    await rest.setConfirmationPolicy(this.#connection, this.#id, json, options);
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
    await respondToConfirmation(this.#connection, this.#id, { accept: false, reason }, options);
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
    const payload = secretsPayload(secrets).secrets as rest.SecretSources;
    this.#checkOpen("update secrets");
    await rest.updateSecrets(this.#connection, this.#id, payload, options);
  }

  /**
   * A title for the conversation: the server's own title when it has one (and no `llm` is given),
   * else one chat call to `llm` (with the workspace's fetch) on the first user message, else that
   * message truncated to `maxLength` (ending in `...`). Throws when there is no user message.
   */
  async generateTitle(options: GenerateTitleOptions = {}): Promise<string> {
    this.#checkOpen("generate a title");
    return await generateTitle({
      connection: this.#connection,
      conversationId: this.#id,
      events: this.#events,
      readLog: (signal) => this.#history.readLog(signal),
      report: (error) => this.#delivery.report(error),
    }, options);
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
    return this.#delivery.stream(options, this.#events);
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
  onEvent<K extends KnownEventKind>(kind: K, handler: (event: EventOfKind<K>) => void): () => void {
    return this.#delivery.listen(kind, handler);
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
    this.#runs.failAll(
      new RemoteHandsError("Cannot wait for the run as the conversation was closed"),
    );
    try {
      await this.#socket?.stop();
    } finally {
      this.#delivery.close(); // ends every events() iterator once it has yielded its buffer
    }
    if (this.#deleteOnClose) {
      try {
        await rest.deleteConversation(this.#connection, this.#id);
      } catch (err) {
        this.#delivery.report(
          new RemoteHandsError("Deleting the conversation failed", { cause: err }),
        );
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
