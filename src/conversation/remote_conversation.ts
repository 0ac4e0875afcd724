/**
 * {@linkcode RemoteConversation}: drive a conversation on an agent server, like the Python SDK's
 * `RemoteConversation`, with exactly-once callbacks, cheap catch-up and cancellation.
 *
 * @module
 */

import {
  type ConfirmationPolicy,
  type ConfirmationPolicyJSON,
  policyToJSON,
} from "../confirmation_policy.ts";
import { RemoteHandsError } from "../errors.ts";
import type { CallOptions } from "../rest/client.ts";
import { type Connection, connectionOf } from "../rest/connection.ts";
import * as history from "../rest/conversation_history.ts";
import * as settings from "../rest/conversation_settings.ts";
import * as rest from "../rest/conversations.ts";
import { respondToConfirmation, sendMessage } from "../rest/events.ts";
import { secretsPayload, type SecretValue } from "../secrets.ts";
import type { ConversationInfo, Message } from "../types.ts";
import { attachedOptions, checkWebSocket, createFields, openConversation } from "./_attach.ts";
import { ConversationBase } from "./_conversation_base.ts";
import { forkedOptions, forkRequest } from "./_fork.ts";
import {
  checkAttachOptions,
  checkCreateOptions,
  checkSecurityAnalyzer,
  messageRequest,
} from "./_options.ts";
import { generateTitle } from "./_title.ts";
import type {
  ForkOptions,
  RemoteConversationAttachOptions,
  SendMessageOptions,
} from "./operation_types.ts";
import type { GenerateTitleOptions, RemoteConversationOptions } from "./types.ts";

/**
 * A conversation on a remote agent server.
 *
 * `create()` attaches to or creates the conversation (`attach()` only attaches), loads its history
 * over REST, opens the event socket (first-frame auth: the key is never in a URL), waits until it
 * is ready and closes the gap between history and live stream. Afterwards `state.events` holds the
 * server's history in order, every callback sees each event once (across reconnects too), and
 * `run()` waits until the run is over. The other methods are one REST call each, as in Python.
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
export class RemoteConversation extends ConversationBase {
  /** The options it was opened with: a fork is opened with the same. */
  readonly #options: RemoteConversationOptions;

  private constructor(
    options: RemoteConversationOptions & Pick<RemoteConversationAttachOptions, "after">,
    connection: Connection,
    info: ConversationInfo & { id: string },
  ) {
    super(options, connection, info);
    this.#options = options;
  }

  /**
   * Attaches to an existing conversation (when `conversationId` names one) or creates a new one,
   * syncs its history and connects the event stream. Resolves once the stream is ready. Before any
   * request: the options are checked, the runtime must have a WebSocket, and (before creating) the
   * agent's tool names must be on the server (`GET /api/tools/`).
   *
   * @param options The agent, the workspace, how to create it and how to run.
   * @returns The ready conversation.
   * @throws {TypeError} For bad options, no WebSocket (naming Node's `--experimental-websocket`
   * and the `WebSocket` option), a tool the server does not have (naming the ones it has), or an
   * existing conversation with another agent kind.
   * @throws {ProtocolError} When the server's answer has no conversation id (a UUID; the one asked
   * for when attaching) or its history pages never end.
   */
  static async create(options: RemoteConversationOptions): Promise<RemoteConversation> {
    checkCreateOptions(options);
    const fields = createFields(options);
    const connection = connectionOf(options.workspace);
    checkWebSocket(connection, "create the conversation");
    const workingDir = options.workspace.workingDir;
    const info = await openConversation(connection, options, workingDir, fields);
    return await RemoteConversation.#open(options, connection, info);
  }

  /**
   * Attaches to an existing conversation and never creates one (Python's `attach()`): the agent
   * and `maxIterationPerRun` default to the server's.
   *
   * @param options The conversation id, the workspace and how to follow it.
   * @returns The ready conversation.
   * @throws {NotFoundError} When the server has no such conversation.
   * @throws {TypeError} For bad options (a creation option among them), no WebSocket, or an
   * `agent` of another kind than the server's.
   *
   * @example
   * ```ts ignore
   * await using conversation = await RemoteConversation.attach({ conversationId: id, workspace });
   * console.log(conversation.state.agentStatus);
   * ```
   */
  static async attach(options: RemoteConversationAttachOptions): Promise<RemoteConversation> {
    checkAttachOptions(options);
    const connection = connectionOf(options.workspace);
    checkWebSocket(connection, "attach to the conversation");
    const { conversationId, signal } = options;
    const info = await rest.getConversation(connection, conversationId, { signal });
    return await RemoteConversation.#open(attachedOptions(options, info), connection, info);
  }

  /** Opens the conversation `info` describes: socket, history, then the secrets. */
  static async #open(
    options: RemoteConversationOptions & Pick<RemoteConversationAttachOptions, "after">,
    connection: Connection,
    info: ConversationInfo & { id: string },
  ): Promise<RemoteConversation> {
    const conversation = new RemoteConversation(options, connection, info);
    try {
      await conversation.connect(options);
      if (options.secrets !== undefined) {
        await conversation.updateSecrets(options.secrets, { signal: options.signal });
      }
    } catch (err) {
      await conversation.close();
      throw err;
    }
    return conversation;
  }

  /**
   * Sends a user message (it does not start a run; call `run()`). `sender` goes as Python sends
   * it; the 1.58.2 server drops it.
   *
   * @example
   * ```ts ignore
   * await conversation.sendMessage("Add a README");
   * await conversation.sendMessage({ role: "user", content: [{ type: "text", text: "and a LICENSE" }] });
   * ```
   */
  async sendMessage(message: string | Message, options: SendMessageOptions = {}): Promise<void> {
    const request = messageRequest(message, options.sender);
    this.checkOpen("send a message");
    await sendMessage(this.parts.connection, this.parts.id, request, options);
  }

  /**
   * Whether the cached confirmation policy holds any action (anything but `NeverConfirm`).
   *
   * @example
   * ```ts ignore
   * if (conversation.confirmationPolicyActive) console.log("actions wait for approval");
   * ```
   */
  get confirmationPolicyActive(): boolean {
    const policy = this.state.confirmationPolicy;
    return policy !== undefined && policy.kind !== "NeverConfirm";
  }

  /** As in Python: a security analyzer is set and the confirmation policy is active. */
  get isConfirmationModeActive(): boolean {
    return this.state.securityAnalyzer !== undefined && this.confirmationPolicyActive;
  }

  /** Pauses the agent once its LLM call is done; a waiting `run()` then resolves with `paused`. */
  async pause(options: CallOptions = {}): Promise<void> {
    this.checkOpen("pause");
    await rest.pauseConversation(this.parts.connection, this.parts.id, options);
  }

  /**
   * Pauses the agent at once, cancelling its LLM call in flight (`pause()` waits for the call);
   * a waiting `run()` resolves with `paused`, and `run()` again resumes.
   */
  async interrupt(options: CallOptions = {}): Promise<void> {
    this.checkOpen("interrupt");
    await rest.interruptConversation(this.parts.connection, this.parts.id, options);
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
    this.checkOpen("set the confirmation policy");
    await rest.setConfirmationPolicy(this.parts.connection, this.parts.id, json, options);
  }

  /**
   * Sets the analyzer that rates each action's risk (for `ConfirmRisky`), or removes it (`null`).
   * A TypeError, before any request, for anything but an object with a `kind` or null.
   *
   * @example
   * ```ts ignore
   * await conversation.setSecurityAnalyzer({ kind: "LLMSecurityAnalyzer" });
   * ```
   */
  async setSecurityAnalyzer(
    analyzer: settings.SecurityAnalyzerConfig | null,
    options: CallOptions = {},
  ): Promise<void> {
    const json = checkSecurityAnalyzer(analyzer, "set the security analyzer");
    this.checkOpen("set the security analyzer");
    await settings.setSecurityAnalyzer(this.parts.connection, this.parts.id, json, options);
  }

  /** Rejects the actions waiting for confirmation; the server records a `UserRejectObservation`. */
  async rejectPendingActions(
    reason = "User rejected the action",
    options: CallOptions = {},
  ): Promise<void> {
    this.checkOpen("reject pending actions");
    if (typeof reason !== "string") {
      throw new TypeError("Cannot reject as 'reason' must be a string");
    }
    await respondToConfirmation(
      this.parts.connection,
      this.parts.id,
      { accept: false, reason },
      options,
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
    const payload = secretsPayload(secrets).secrets as rest.SecretSources;
    this.checkOpen("update secrets");
    await rest.updateSecrets(this.parts.connection, this.parts.id, payload, options);
  }

  /**
   * Asks the agent's LLM a question about the conversation, without changing it: no event is
   * stored and the status stays. The answer is the LLM's text (a 500 `ServerError` when it
   * answers without text).
   *
   * @example
   * ```ts ignore
   * const answer = await conversation.askAgent("Which files did you change?");
   * ```
   */
  async askAgent(question: string, options: CallOptions = {}): Promise<string> {
    if (typeof question !== "string") {
      throw new TypeError("Cannot ask as 'question' must be a string");
    }
    this.checkOpen("ask the agent");
    return await history.askAgent(this.parts.connection, this.parts.id, question, options);
  }

  /** Sets the title (`PATCH`; 1 to 200 characters, else a `ValidationError`) without a run. */
  async setTitle(title: string, options: CallOptions = {}): Promise<void> {
    if (typeof title !== "string") {
      throw new TypeError("Cannot set the title as it must be a string");
    }
    this.checkOpen("set the title");
    await settings.updateConversation(this.parts.connection, this.parts.id, { title }, options);
  }

  /**
   * Condenses the history now (a `CondensationRequest`, then the agent's condenser summarizes:
   * one LLM call). A `ConflictError` (409) when the agent has no condenser that handles requests,
   * such as `{ kind: "LLMSummarizingCondenser", llm, max_size, keep_first }`.
   */
  async condense(options: CallOptions = {}): Promise<void> {
    this.checkOpen("condense");
    await history.condenseConversation(this.parts.connection, this.parts.id, options);
  }

  /**
   * Forks the conversation on the server (a deep copy of its history, agent, secrets and settings,
   * up to `fromEventId` when given) and returns a new conversation attached to the fork, opened
   * with this one's options (agent, workspace, callbacks, visualizer, `onError`, ...). Python
   * forks with another agent only locally; so does this client (there is no `agent` option).
   *
   * @throws {ConflictError} When a conversation with `conversationId` exists.
   * @throws {NotFoundError} When `fromEventId` is not an event of this conversation.
   *
   * @example
   * ```ts ignore
   * await using fork = await conversation.fork({ title: "Plan B", fromEventId: event.id });
   * await fork.sendMessage("Try it another way");
   * await fork.run();
   * ```
   */
  async fork(options: ForkOptions = {}): Promise<RemoteConversation> {
    const request = forkRequest(options);
    this.checkOpen("fork");
    const { connection, id } = this.parts;
    const info = await history.forkConversation(connection, id, request, options);
    const forked = forkedOptions(this.#options, info.id, options.signal);
    return await RemoteConversation.#open(forked, connection, info);
  }

  /**
   * Moves the conversation's HEAD to an event (`null`: the empty tree), then reloads the state
   * (`leaf_event_id` is not sent on the socket). No event is stored or removed; the next run
   * continues from there. A `NotFoundError` for an id that is not an event of the conversation.
   */
  async navigateTo(eventId: string | null, options: CallOptions = {}): Promise<void> {
    if (eventId !== null && typeof eventId !== "string") {
      throw new TypeError("Cannot navigate as 'eventId' must be an event id or null");
    }
    this.checkOpen("navigate");
    await history.navigateConversation(this.parts.connection, this.parts.id, eventId, options);
    await this.state.refresh(options);
  }

  /**
   * Loads a plugin from the marketplaces registered in the agent's context
   * (`agent_context.registered_marketplaces`). `NotFoundError` when no marketplace has it,
   * `BadRequestError` when it cannot be resolved or the agent has no marketplaces.
   */
  async loadPlugin(pluginRef: string, options: CallOptions = {}): Promise<void> {
    if (typeof pluginRef !== "string" || pluginRef === "") {
      throw new TypeError("Cannot load the plugin as 'pluginRef' must be a non-empty string");
    }
    this.checkOpen("load a plugin");
    await settings.loadPlugin(this.parts.connection, this.parts.id, pluginRef, options);
  }

  /**
   * Not available on a remote conversation, as in Python (which raises `NotImplementedError`):
   * tools run on the server, inside the agent loop. Always throws.
   *
   * @param toolName The tool Python's `execute_tool` takes.
   * @param action The action Python's `execute_tool` takes.
   * @throws {RemoteHandsError} Always: send a message and `run()` to have the agent use the tool,
   * or run a shell command yourself with `workspace.executeCommand()`.
   */
  executeTool(toolName: string, action: Record<string, unknown>): never {
    void action;
    throw new RemoteHandsError(
      `Cannot execute the tool '${
        String(toolName)
      }' directly as tools of a remote conversation run on the server inside the agent loop: send a message and run() to have the agent use it, or run a shell command with workspace.executeCommand()`,
    );
  }

  /**
   * A title for the conversation: the server's own title when it has one (and no `llm` is given),
   * else one chat call to `llm` (with the workspace's fetch) on the first user message, else that
   * message truncated to `maxLength` (ending in `...`). Throws when there is no user message.
   */
  async generateTitle(options: GenerateTitleOptions = {}): Promise<string> {
    this.checkOpen("generate a title");
    return await generateTitle({
      connection: this.parts.connection,
      conversationId: this.parts.id,
      events: this.parts.events,
      readLog: async (signal) => void await this.parts.history.readLog(signal),
      report: (error) => this.parts.delivery.report(error),
    }, options);
  }
}
