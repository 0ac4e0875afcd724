/**
 * {@linkcode ConversationManager}: list, count, read, delete and attach to the conversations of
 * an agent server.
 *
 * @module
 */

import { nextPage, shown } from "../_checks.ts";
import { RemoteConversation } from "../conversation/remote_conversation.ts";
import { ProtocolError } from "../errors.ts";
import type { AgentServerClient, CallOptions } from "../rest/client.ts";
import { type Connection, connectionOf } from "../rest/connection.ts";
import {
  countConversations,
  deleteConversation,
  getConversation,
  searchConversations,
  type SearchConversationsQuery,
} from "../rest/conversations.ts";
import type { ConversationInfo, ConversationPage } from "../types.ts";
import { RemoteWorkspace } from "../workspace/remote_workspace.ts";
import { checkId, checkStatus, searchQuery } from "./_queries.ts";
import type {
  AttachOptions,
  ConversationManagerOptions,
  CountConversationsOptions,
  SearchConversationsOptions,
  SearchPageOptions,
} from "./types.ts";

/**
 * Lists, counts, reads, deletes and attaches to the conversations of one agent server.
 *
 * Ids are checked (UUID) before any request, with a `TypeError`; an unknown id is a
 * `NotFoundError`.
 *
 * @example
 * ```ts ignore
 * import { RemoteWorkspace } from "@remote-hands/client";
 * import { ConversationManager } from "@remote-hands/client/manager";
 *
 * const manager = new ConversationManager({
 *   workspace: new RemoteWorkspace({ host: "http://127.0.0.1:8000", apiKey: "key", workingDir: "/work" }),
 * });
 * for await (const info of manager.search({ status: "finished" })) console.log(info.id, info.title);
 * console.log(await manager.count());
 * ```
 */
export class ConversationManager {
  #connection: Connection;
  #workspace: RemoteWorkspace | undefined;
  #hostOptions: Exclude<ConversationManagerOptions, { workspace: RemoteWorkspace }> | undefined;

  /**
   * Creates the manager; validates the options before any request.
   *
   * @param options A `RemoteWorkspace`, or the server's address, key and HTTP settings.
   * @throws {TypeError} When neither is usable.
   * @throws {RangeError} When a number option is out of range.
   */
  constructor(options: ConversationManagerOptions) {
    if (options === null || typeof options !== "object") {
      throw new TypeError("Cannot create ConversationManager as the options are missing");
    }
    if ("workspace" in options && options.workspace !== undefined) {
      const { workspace } = options;
      this.#workspace = workspace;
      this.#connection = workspaceConnection(workspace);
      return;
    }
    if (!("host" in options)) {
      throw new TypeError(
        "Cannot create ConversationManager as it needs either 'workspace' or 'host'",
      );
    }
    this.#hostOptions = { ...options };
    // A throwaway workspace validates host, key and numbers exactly as RemoteWorkspace does.
    this.#connection = connectionOf(this.#workspaceFor("/"));
  }

  /** The typed REST client in use. */
  get client(): AgentServerClient {
    return this.#connection.client;
  }

  #workspaceFor(workingDir: string): RemoteWorkspace {
    const o = this.#hostOptions!;
    return new RemoteWorkspace({
      host: o.host,
      apiKey: o.apiKey,
      workingDir,
      ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
      ...(o.maxRetries !== undefined ? { maxRetries: o.maxRetries } : {}),
      ...(o.maxResponseBytes !== undefined ? { maxResponseBytes: o.maxResponseBytes } : {}),
      ...(o.fetch ? { fetch: o.fetch } : {}),
      ...(o.WebSocket ? { WebSocket: o.WebSocket } : {}),
    });
  }

  /**
   * One page of `GET /api/conversations/search`, for callers that keep the cursor themselves.
   *
   * @param options Filters, order, page size and the page token.
   * @returns The page.
   * @throws {TypeError} When an option is not usable.
   * @throws {ProtocolError} When the answer is not a page of conversations.
   *
   * @example
   * ```ts ignore
   * const first = await manager.searchPage({ pageSize: 10 });
   * const second = first.next_page_id
   *   ? await manager.searchPage({ pageSize: 10, pageId: first.next_page_id })
   *   : undefined;
   * ```
   */
  async searchPage(options: SearchPageOptions = {}): Promise<ConversationPage> {
    const query = searchQuery(options);
    if (options.pageId !== undefined) {
      if (typeof options.pageId !== "string" || options.pageId === "") {
        throw new TypeError("Cannot search conversations as 'pageId' must be a non-empty string");
      }
      query.page_id = options.pageId;
    }
    return await searchConversations(this.#connection, query, options);
  }

  /**
   * Every matching conversation (at most `limit`), page after page (cursor `next_page_id`), as an
   * async iterable. The options are checked at the call; requests start with the first `next()`. Aborting
   * `signal` rejects the pending `next()` with the signal's reason (the loop throws). A page
   * that is not a page of conversations with UUID ids, or a `next_page_id` that comes back (the
   * pages would never end), is a {@linkcode ProtocolError} naming the request.
   *
   * @param options Filters, order, cap (`limit`), page size, signal.
   * @returns The conversations, as an async iterable.
   * @throws {TypeError} When an option is not usable.
   *
   * @example
   * ```ts ignore
   * for await (const info of manager.search({ status: "idle", sortOrder: "UPDATED_AT_DESC" })) {
   *   console.log(info.id, info.updated_at);
   * }
   * ```
   */
  search(options: SearchConversationsOptions = {}): AsyncIterableIterator<ConversationInfo> {
    const query = searchQuery(options);
    return this.#pages(query, options, options.limit ?? Infinity);
  }

  async *#pages(
    query: SearchConversationsQuery,
    options: CallOptions,
    limit: number,
  ): AsyncGenerator<ConversationInfo, undefined, undefined> {
    const what = "GET /api/conversations/search";
    const seen = new Set<string>();
    // Every page token so far: one that comes back means the pages would never end.
    const tokens = new Set<string>();
    let pageId: string | undefined;
    if (limit < 1) return undefined;
    do {
      const page = await searchConversations(
        this.#connection,
        pageId ? { ...query, page_id: pageId } : query,
        options,
      );
      const next = nextPage(page.next_page_id, tokens, what);
      for (const info of page.items ?? []) {
        // a conversation updated while paging by UPDATED_AT may move pages: yield it once
        if (seen.has(info.id)) continue;
        seen.add(info.id);
        options.signal?.throwIfAborted();
        yield info;
        if (seen.size >= limit) return undefined;
      }
      pageId = next || undefined;
    } while (pageId);
    return undefined;
  }

  /**
   * Every matching conversation (at most `limit`), in one array.
   *
   * @param options Filters, order, cap (`limit`), page size, signal.
   * @returns The conversations.
   *
   * @example
   * ```ts ignore
   * const running = await manager.list({ status: "running" });
   * const newest = await manager.list({ sortOrder: "UPDATED_AT_DESC", limit: 5 }); // at most 5
   * ```
   */
  async list(options: SearchConversationsOptions = {}): Promise<ConversationInfo[]> {
    const out: ConversationInfo[] = [];
    for await (const info of this.search(options)) out.push(info);
    return out;
  }

  /**
   * How many conversations there are (with this status).
   *
   * @param options The status to count, signal and time limit.
   * @returns The count.
   * @throws {ProtocolError} When the answer is not a whole number.
   *
   * @example
   * ```ts ignore
   * const finished = await manager.count({ status: "finished" });
   * ```
   */
  async count(options: CountConversationsOptions = {}): Promise<number> {
    const status = checkStatus(options.status, "count conversations");
    return await countConversations(
      this.#connection,
      status !== undefined ? { status } : {},
      options,
    );
  }

  /**
   * One conversation's info (`GET /api/conversations/{id}`); `NotFoundError` when unknown, and
   * a {@linkcode ProtocolError} when the answer is not about that conversation.
   *
   * @param id The conversation's id.
   * @param options Signal and time limit.
   * @returns The conversation's info.
   * @throws {TypeError} When `id` is not a UUID.
   * @throws {NotFoundError} When the server does not know it.
   *
   * @example
   * ```ts ignore
   * const info = await manager.get("6c1b5b1e-0000-4000-8000-000000000000");
   * console.log(info.execution_status, info.title);
   * ```
   */
  async get(id: string, options: CallOptions = {}): Promise<ConversationInfo> {
    const conversationId = checkId(id, "get the conversation");
    return await getConversation(this.#connection, conversationId, options);
  }

  /**
   * Deletes a conversation for good (`DELETE /api/conversations/{id}`); `NotFoundError` when
   * unknown. An open `RemoteConversation` on it stops receiving events.
   *
   * Servers before 1.58.0 answer an unknown id with a bare 400 (`{"detail": "Bad Request"}`).
   * On such an answer the manager asks `GET /api/conversations/{id}`, and only when that answers
   * 404 throws a {@linkcode NotFoundError} (`status` 404, as newer servers answer; `cause` the
   * server's {@linkcode BadRequestError}). Any other 400 stays a `BadRequestError`.
   *
   * @param id The conversation's id.
   * @param options Signal and time limit.
   * @throws {TypeError} When `id` is not a UUID.
   * @throws {NotFoundError} When the server does not know it.
   *
   * @example
   * ```ts ignore
   * await manager.delete(conversation.id);
   * ```
   */
  async delete(id: string, options: CallOptions = {}): Promise<void> {
    const conversationId = checkId(id, "delete the conversation");
    await deleteConversation(this.#connection, conversationId, options);
  }

  /**
   * Opens a {@linkcode RemoteConversation} on an existing conversation: `NotFoundError` when
   * there is none (it never creates one). The agent and `maxIterationPerRun` default to the
   * server's.
   *
   * @param id The conversation's id.
   * @param options Callbacks, visualizer, agent, workspace, ...
   * @returns The open conversation.
   * @throws {TypeError} When `id` is not a UUID.
   * @throws {NotFoundError} When the server does not know it.
   *
   * @example
   * ```ts ignore
   * import { ConversationVisualizer } from "@remote-hands/client/visualizer";
   *
   * await using conversation = await manager.attach(id, { visualizer: new ConversationVisualizer() });
   * await conversation.sendMessage("Continue");
   * await conversation.run();
   * ```
   */
  async attach(id: string, options: AttachOptions = {}): Promise<RemoteConversation> {
    const conversationId = checkId(id, "attach to the conversation");
    if (options === null || typeof options !== "object") {
      throw new TypeError("Cannot attach to the conversation as the options must be an object");
    }
    const { agent, workspace, ...rest } = options;
    const info = await this.get(conversationId, { signal: options.signal });
    const workingDir: unknown = info.workspace?.working_dir;
    const target = workspace ?? this.#workspace ??
      this.#workspaceFor(typeof workingDir === "string" && workingDir ? workingDir : "/");
    const maxIterationPerRun = options.maxIterationPerRun ??
      (typeof info.max_iterations === "number" && Number.isSafeInteger(info.max_iterations) &&
          info.max_iterations > 0
        ? info.max_iterations
        : undefined);
    const serverAgent: unknown = info.agent;
    if (
      agent === undefined &&
      (serverAgent === null || typeof serverAgent !== "object" || Array.isArray(serverAgent))
    ) {
      throw new ProtocolError(
        `GET /api/conversations/${conversationId}`,
        `the agent is ${shown(serverAgent)}, not an agent configuration (pass 'agent' to attach)`,
      );
    }
    return await RemoteConversation.create({
      ...rest,
      agent: agent ?? info.agent,
      workspace: target,
      conversationId,
      ...(maxIterationPerRun !== undefined ? { maxIterationPerRun } : {}),
    });
  }
}

/** The connection of the workspace a manager was given. */
function workspaceConnection(workspace: unknown): Connection {
  if (workspace === null || typeof workspace !== "object") {
    throw new TypeError(
      "Cannot create ConversationManager as 'workspace' must be a RemoteWorkspace",
    );
  }
  try {
    return connectionOf(workspace);
  } catch {
    throw new TypeError(
      "Cannot create ConversationManager as 'workspace' must be a RemoteWorkspace",
    );
  }
}
