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
import type { CallOptions } from "../rest/client.ts";
import { type Connection, connectionOf } from "../rest/connection.ts";
import * as rest from "../rest/conversations.ts";
import { respondToConfirmation, sendMessage } from "../rest/events.ts";
import { secretsPayload, type SecretValue } from "../secrets.ts";
import type { ConversationInfo, Message } from "../types.ts";
import { openConversation } from "./_attach.ts";
import { ConversationBase } from "./_conversation_base.ts";
import { checkCreateOptions, messageRequest } from "./_options.ts";
import { generateTitle } from "./_title.ts";
import type { GenerateTitleOptions, RemoteConversationOptions } from "./types.ts";

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
export class RemoteConversation extends ConversationBase {
  private constructor(
    options: RemoteConversationOptions,
    connection: Connection,
    info: ConversationInfo & { id: string },
  ) {
    super(options, connection, info);
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
      await conversation.connect(options);
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
    this.checkOpen("send a message");
    await sendMessage(this.parts.connection, this.parts.id, messageRequest(message), options);
  }

  /** Pauses the agent; a waiting `run()` then resolves with `paused`. */
  async pause(options: CallOptions = {}): Promise<void> {
    this.checkOpen("pause");
    await rest.pauseConversation(this.parts.connection, this.parts.id, options);
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
      readLog: (signal) => this.parts.history.readLog(signal),
      report: (error) => this.parts.delivery.report(error),
    }, options);
  }
}
