/**
 * The lifecycle half of {@linkcode RemoteConversation}: the parts it is made of (history, delivery,
 * run controller, event socket), the live views (`state`, `events()`, `onEvent`), `run()` and
 * `close()`. The facade in `remote_conversation.ts` adds creation and the server operations.
 *
 * @module
 */

import { inspectAs } from "../_checks.ts";
import { redactSecrets } from "../_redact.ts";
import { RemoteHandsError } from "../errors.ts";
import type { Event, EventOfKind, KnownEventKind } from "../events/kinds.ts";
import type { CallOptions } from "../rest/client.ts";
import type { Connection } from "../rest/connection.ts";
import { deleteConversation } from "../rest/conversations.ts";
import type { ReconnectingSocket } from "../socket/_reconnecting_socket.ts";
import type { AgentConfig, ConversationExecutionStatus, ConversationInfo } from "../types.ts";
import type { RemoteWorkspace } from "../workspace/remote_workspace.ts";
import { ClientToolRunner } from "./_client_tools.ts";
import { closedWhileWaiting, throughToolResults } from "./_tool_rounds.ts";
import { Delivery } from "./_delivery.ts";
import { History } from "./_history.ts";
import { type ConversationParts, registerParts } from "./_parts.ts";
import { RunController } from "./_run_controller.ts";
import { connectEventSocket } from "./_socket.ts";
import type { EventCursor } from "./cursor.ts";
import { RemoteEventsList } from "./events_list.ts";
import { RemoteState } from "./remote_state.ts";
import type {
  EventsOptions,
  RemoteConversationOptions,
  RunHandle,
  RunOptions,
  WaitUntilIdleOptions,
} from "./types.ts";

/**
 * The lifecycle of a conversation; see {@linkcode RemoteConversation}, its only subclass.
 *
 * @example
 * ```ts ignore
 * const conversation = await RemoteConversation.create({ agent, workspace });
 * await conversation.run();
 * await conversation.close();
 * ```
 */
export abstract class ConversationBase implements AsyncDisposable {
  /** The agent configuration this conversation was created or attached with. */
  readonly agent: AgentConfig | ConversationInfo["agent"];
  /** The remote workspace. */
  readonly workspace: RemoteWorkspace;
  /** Maximum agent steps per run. */
  readonly maxIterationPerRun: number;
  /** The cached state, kept current by the event socket. */
  readonly state: RemoteState;
  readonly #parts: ConversationParts;
  readonly #deleteOnClose: boolean;
  readonly #runs: RunController;
  /** Runs the client tools' handlers; undefined without `clientTools`. */
  readonly #clientTools: ClientToolRunner | undefined;
  #socket: ReconnectingSocket | undefined;
  #closed = false;
  /** Aborted by close(): ends REST work the socket started (a reconnect's catch-up). */
  readonly #closing = new AbortController();

  /**
   * Assembles the parts of a conversation that exists on the server (`info`).
   *
   * @param options The options it was created with.
   * @param connection The server connection.
   * @param info The server's answer about the conversation.
   */
  protected constructor(
    options: RemoteConversationOptions & { readonly after?: EventCursor },
    connection: Connection,
    info: ConversationInfo & { id: string },
  ) {
    this.agent = options.agent;
    this.workspace = options.workspace;
    this.maxIterationPerRun = options.maxIterationPerRun ?? 500;
    this.#deleteOnClose = options.deleteOnClose ?? false;
    const { id } = info;
    const events = new RemoteEventsList();
    const state = new RemoteState({ id, events, client: connection.client, initial: info });
    this.state = state;
    const onDelivered = (event: Event): void => {
      this.#runs.onEvent(event);
      this.#clientTools?.onEvent(event);
    };
    const delivery = new Delivery({ ...options, state, onDelivered });
    const report = (error: RemoteHandsError): void => delivery.report(error);
    const shared = { connection, conversationId: id, events, state, report };
    const tools = options.clientTools ?? [];
    this.#clientTools = tools.length > 0 ? new ClientToolRunner({ ...shared, tools }) : undefined;
    const history = new History({
      ...shared,
      deliver: (event) => delivery.deliver(event),
      closing: this.#closing.signal,
      loadHistory: options.loadHistory ?? true,
      after: options.after,
    });
    this.#runs = new RunController({
      ...shared,
      history,
      socketUp: () => this.#socket?.connected === true,
    });
    this.#parts = { connection, id, events, history, delivery, state, after: options.after };
    registerParts(this, this.#parts);
    // Inspected forms show the agent with its secrets (LLM api_key, ...) redacted.
    inspectAs(this, (...args) => {
      const inspect = args.find((a): a is (value: unknown) => string => typeof a === "function");
      const view = this.toJSON();
      return `RemoteConversation ${inspect ? inspect(view) : JSON.stringify(view)}`;
    });
  }

  /** The parts the operations work with. */
  protected get parts(): ConversationParts {
    return this.#parts;
  }

  /**
   * Connects the event socket and waits until it is ready (history caught up).
   *
   * @param options The socket protocol, ready timeout, connection-state listener and signal.
   */
  protected async connect(
    options: Pick<
      RemoteConversationOptions,
      "socketProtocol" | "readyTimeoutMs" | "onConnectionChange" | "signal"
    >,
  ): Promise<void> {
    const { connection, id, history, delivery } = this.#parts;
    await connectEventSocket({
      connection,
      conversationId: id,
      history,
      protocol: options.socketProtocol ?? "auto",
      readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
      signal: options.signal,
      report: (error) => delivery.report(error),
      onStopped: (error) => this.#runs.failAll(error),
      opened: (socket) => (this.#socket = socket),
      onConnectionChange: options.onConnectionChange,
    });
    this.#clientTools?.start(); // the history is loaded: the calls nobody answered yet
  }

  /**
   * Throws when the conversation is closed.
   *
   * @param what What was asked, for the message ("send a message").
   * @throws {RemoteHandsError} When `close()` was called.
   */
  protected checkOpen(what: string): void {
    if (this.#closed) throw new RemoteHandsError(`Cannot ${what} as the conversation is closed`);
  }

  /** The conversation id. */
  get id(): string {
    return this.#parts.id;
  }

  /**
   * Where this conversation's events stand: the position after the last stored event it has
   * (delivered or loaded), or undefined before the socket is ready on an empty log. Pass it as
   * `after` to {@linkcode RemoteConversation.attach} to get every stored event after it, in
   * another process too. See {@linkcode EventCursor}.
   */
  get cursor(): EventCursor | undefined {
    return this.#parts.history.cursor;
  }

  /**
   * Token and cost statistics from the cached state (`state.stats`): the metrics of each LLM
   * usage; `getCombinedMetrics(conversation.conversationStats)` sums them.
   *
   * @throws {ProtocolError} When the server's `stats` is not that shape.
   */
  get conversationStats(): RemoteState["stats"] {
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
   * Starts (or resumes) the agent and waits until the run is over. Resolves with the final
   * status (`finished`, `idle`, `paused`, `waiting_for_confirmation`); rejects with
   * `ConversationRunError` when it ends in `error` (with the server's code and detail) or
   * `stuck`, or when it cannot be started or awaited (timeout: cause is a `TimeoutError`), and
   * with `ConnectionError` when the server stays unreachable for `unreachableTimeoutMs` (30 s).
   * If a run is already going (409), it waits for that one. `close()` makes it reject; a run
   * nobody awaits then rejects without an unhandled rejection.
   *
   * With `blocking: false` it resolves as soon as the server has accepted the run, with a
   * {@linkcode RunHandle} whose `done` settles as above when the run ends.
   *
   * @param options Signal, time limit, poll interval, unreachable window, `blocking`.
   * @returns The final status, or with `blocking: false` the handle of the started run.
   * @throws {ConversationRunError} When the run ends in `error` or `stuck`, cannot be started,
   * or outlasts `timeoutMs`.
   * @throws {ConnectionError} When the server is unreachable for `unreachableTimeoutMs`.
   *
   * @example Wait for the run
   * ```ts ignore
   * const status = await conversation.run({ timeoutMs: 600_000 });
   * if (status === "waiting_for_confirmation") await conversation.rejectPendingActions("not now");
   * ```
   *
   * @example Start it and wait later
   * ```ts ignore
   * const run = await conversation.run({ blocking: false }); // the server accepted the run
   * for await (const event of conversation.events()) if (event.kind === "ActionEvent") break;
   * console.log(await run.done); // "finished"
   * ```
   */
  run(options: RunOptions & { blocking: false }): Promise<RunHandle>;
  run(options?: RunOptions & { blocking?: true }): Promise<ConversationExecutionStatus>;
  run(options?: RunOptions): Promise<ConversationExecutionStatus | RunHandle>;
  run(options: RunOptions = {}): Promise<ConversationExecutionStatus | RunHandle> {
    try {
      this.checkOpen("run");
    } catch (err) {
      return Promise.reject(err);
    }
    // Not async: close() marks the very promise the caller holds as handled.
    const tools = this.#clientTools;
    if (!tools) {
      return options.blocking === false ? this.#runs.start(options) : this.#runs.run(options);
    }
    const release = tools.hold();
    const follow = (first: Promise<ConversationExecutionStatus>) =>
      throughToolResults(tools, first, {
        runAgain: () => this.#runs.run({ ...options, blocking: true }),
        closed: () => this.#closed ? closedWhileWaiting() : undefined,
        release,
      });
    if (options.blocking !== false) return follow(this.#runs.run(options));
    return this.#runs.start(options).then((handle) => ({ ...handle, done: follow(handle.done) }), (
      err,
    ) => {
      release();
      throw err;
    });
  }

  /**
   * Waits until the conversation is not running, without starting a run: for an observer (a
   * dashboard, a second process) of a run someone else started. "Idle" means "not running": it
   * resolves with whatever status the conversation rests in, at once when the cached status
   * (kept current by the socket) is not `running`. Same rules as `run()`: resolves with
   * `finished`, `idle`, `paused` or `waiting_for_confirmation` (the events the socket missed
   * are caught up first); rejects with `ConversationRunError` for `error` or `stuck` (also when
   * the conversation already rests in one), for `timeoutMs` (1 h) and for a conversation the
   * server no longer knows, and with `ConnectionError` when the server stays unreachable for
   * `unreachableTimeoutMs` (30 s). `close()` makes it reject.
   *
   * @param options Signal, time limit, poll interval, unreachable window.
   * @returns The status the conversation rests in.
   * @throws {ConversationRunError} For `error`, `stuck`, a timeout or an unknown conversation.
   * @throws {ConnectionError} When the server is unreachable for `unreachableTimeoutMs`.
   *
   * @example
   * ```ts ignore
   * const conversation = await manager.attach(id);
   * const status = await conversation.waitUntilIdle({ timeoutMs: 600_000 });
   * console.log(status, conversation.state.events.length);
   * ```
   */
  waitUntilIdle(options: WaitUntilIdleOptions = {}): Promise<ConversationExecutionStatus> {
    try {
      this.checkOpen("wait for the conversation");
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#runs.waitUntilIdle(options);
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
    return this.#parts.delivery.stream(options, this.#parts.events);
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
    return this.#parts.delivery.listen(kind, handler);
  }

  /** Reloads the state from the server (REST). */
  async refresh(options: CallOptions = {}): Promise<void> {
    this.checkOpen("refresh");
    await this.state.refresh(options);
  }

  /**
   * Closes the event stream (no timers or sockets remain) and, with `deleteOnClose`, deletes the
   * conversation on the server. Idempotent. A waiting `run()` or `waitUntilIdle()` rejects (the
   * run goes on on the server), and never as an unhandled rejection: a run started without
   * `await` does not crash the process. Until it is called the open socket keeps the process
   * alive: use `await using` or `try { ... } finally { await conversation.close(); }`.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    this.#clientTools?.close();
    this.#runs.closeAll(closedWhileWaiting());
    const { connection, id, delivery } = this.#parts;
    try {
      await this.#socket?.stop();
    } finally {
      delivery.close(); // ends every events() iterator once it has yielded its buffer
    }
    if (this.#deleteOnClose) {
      try {
        await deleteConversation(connection, id);
      } catch (err) {
        delivery.report(new RemoteHandsError("Deleting the conversation failed", { cause: err }));
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
      id: this.#parts.id,
      agent: redactSecrets(this.agent),
      workspace: this.workspace,
      maxIterationPerRun: this.maxIterationPerRun,
    };
  }

  /** Same as `close()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
