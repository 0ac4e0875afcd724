/**
 * {@linkcode ConversationManager}: list, count, read, delete and attach to the conversations of
 * an agent server.
 *
 * @module
 */

import { nextPage, shown, UUID } from "./_checks.ts";
import type { FetchLike } from "./_transport.ts";
import type { WebSocketConstructorLike } from "./websocket_client.ts";
import { type AgentServerClient, callInit, type CallOptions } from "./client.ts";
import { BadRequestError, NotFoundError, ProtocolError } from "./errors.ts";
import { RemoteConversation, type RemoteConversationOptions } from "./remote_conversation.ts";
import type { ConversationExecutionStatus, ConversationInfo, ConversationPage } from "./types.ts";
import type { Schemas } from "./types.ts";
import { RemoteWorkspace } from "./workspace.ts";

/**
 * Sort order of a conversation search.
 *
 * @example
 * ```ts
 * import type { ConversationSortOrder } from "./conversation_manager.ts";
 * const newestFirst: ConversationSortOrder = "CREATED_AT_DESC";
 * // for await (const info of manager.search({ sortOrder: newestFirst })) ...
 * if (newestFirst !== "CREATED_AT_DESC") throw new Error();
 * ```
 */
export type ConversationSortOrder = Schemas["ConversationSortOrder"];

/**
 * Options of {@linkcode ConversationManager}: a {@linkcode RemoteWorkspace}, or the server's
 * address and key (then `attach()` works in each conversation's own working directory).
 *
 * @example From a host (here with a stand-in fetch that answers every request with `3`)
 * ```ts
 * import { ConversationManager, type ConversationManagerOptions } from "./conversation_manager.ts";
 * const options: ConversationManagerOptions = {
 *   host: "http://agent.test",
 *   apiKey: "key",
 *   fetch: async () => Response.json(3),
 * };
 * const manager = new ConversationManager(options);
 * if (await manager.count() !== 3) throw new Error();
 * ```
 */
export type ConversationManagerOptions =
  | {
    /** The workspace whose server and key to use (and, for `attach()`, its working directory). */
    workspace: RemoteWorkspace;
  }
  | {
    /** Agent server URL, e.g. `http://127.0.0.1:8000`. */
    host: string | URL;
    /** Session API key of the server. */
    apiKey?: string | undefined;
    /** Per-attempt HTTP timeout in milliseconds. @default {60000} */
    timeoutMs?: number;
    /** Retries of idempotent HTTP requests. @default {2} */
    maxRetries?: number;
    /** Largest JSON answer read, in bytes (file downloads are not limited). @default {67108864} */
    maxResponseBytes?: number;
    /** A fetch to use instead of `globalThis.fetch`. */
    fetch?: FetchLike;
    /** A WebSocket constructor to use instead of `globalThis.WebSocket` (for `attach()`). */
    WebSocket?: WebSocketConstructorLike;
  };

/**
 * Options of {@linkcode ConversationManager.search} and {@linkcode ConversationManager.list}.
 *
 * @example The query they make (here against a stand-in fetch)
 * ```ts
 * import { ConversationManager, type SearchConversationsOptions } from "./conversation_manager.ts";
 * const urls: URL[] = [];
 * const manager = new ConversationManager({
 *   host: "http://agent.test",
 *   fetch: async (request) => {
 *     urls.push(new URL(request.url));
 *     return Response.json({ items: [], next_page_id: null });
 *   },
 * });
 * const options: SearchConversationsOptions = { status: "finished", sortOrder: "UPDATED_AT_DESC", limit: 20 };
 * const infos = await manager.list(options);
 * if (infos.length !== 0 || urls[0]?.searchParams.get("sort_order") !== "UPDATED_AT_DESC") throw new Error();
 * ```
 */
export interface SearchConversationsOptions extends CallOptions {
  /** Only conversations with this execution status. */
  status?: ConversationExecutionStatus;
  /** Order of the results. @default {"CREATED_AT_DESC"} */
  sortOrder?: ConversationSortOrder;
  /** Page size (1 to 100). Every page is still read; this only sets how many per request. @default {100} */
  limit?: number;
  /** Include each conversation's skills (omitted by default to keep pages small). @default {false} */
  includeSkills?: boolean;
}

/**
 * Options of {@linkcode ConversationManager.searchPage}.
 *
 * @example Read page by page (here against a stand-in fetch with two pages)
 * ```ts
 * import { ConversationManager, type SearchPageOptions } from "./conversation_manager.ts";
 * const manager = new ConversationManager({
 *   host: "http://agent.test",
 *   fetch: async (request) =>
 *     Response.json({
 *       items: [],
 *       next_page_id: new URL(request.url).searchParams.has("page_id") ? null : "p2",
 *     }),
 * });
 * const options: SearchPageOptions = { limit: 10 };
 * let pages = 0;
 * for (;;) {
 *   const page = await manager.searchPage(options);
 *   pages++;
 *   if (!page.next_page_id) break;
 *   options.pageId = page.next_page_id;
 * }
 * if (pages !== 2) throw new Error();
 * ```
 */
export interface SearchPageOptions extends SearchConversationsOptions {
  /** `next_page_id` of the previous page; omit for the first page. */
  pageId?: string;
}

/**
 * Options of {@linkcode ConversationManager.count}.
 *
 * @example Here against a stand-in fetch that answers `5`
 * ```ts
 * import { ConversationManager, type CountConversationsOptions } from "./conversation_manager.ts";
 * const manager = new ConversationManager({ host: "http://agent.test", fetch: async () => Response.json(5) });
 * const options: CountConversationsOptions = { status: "running", timeoutMs: 5_000 };
 * if (await manager.count(options) !== 5) throw new Error();
 * ```
 */
export interface CountConversationsOptions extends CallOptions {
  /** Only conversations with this execution status. */
  status?: ConversationExecutionStatus;
}

/**
 * Options of {@linkcode ConversationManager.attach}.
 *
 * @example
 * ```ts
 * import type { AttachOptions } from "./conversation_manager.ts";
 * const seen: string[] = [];
 * const options: AttachOptions = {
 *   callbacks: [(event) => seen.push(event.kind)],
 *   readyTimeoutMs: 10_000,
 * };
 * // await using conversation = await manager.attach(id, options);
 * if (options.callbacks?.length !== 1) throw new Error();
 * ```
 */
export interface AttachOptions extends
  Omit<
    RemoteConversationOptions,
    | "agent"
    | "workspace"
    | "conversationId"
    | "confirmationPolicy"
    | "autotitle"
    | "stuckDetection"
  > {
  /** The agent; default: the server's copy (`info.agent`). */
  agent?: RemoteConversationOptions["agent"];
  /**
   * The workspace; default: the manager's, or one for the conversation's own working directory
   * when the manager was made from a host.
   */
  workspace?: RemoteWorkspace;
}

/** Query of `GET /api/conversations/search`. */
type SearchQuery = {
  limit: number;
  status?: ConversationExecutionStatus;
  sort_order?: ConversationSortOrder;
  include_skills?: boolean;
  page_id?: string;
};

const STATUSES: readonly ConversationExecutionStatus[] = [
  "idle",
  "running",
  "paused",
  "waiting_for_confirmation",
  "finished",
  "error",
  "stuck",
  "deleting",
];
const SORT_ORDERS: readonly ConversationSortOrder[] = [
  "CREATED_AT",
  "UPDATED_AT",
  "CREATED_AT_DESC",
  "UPDATED_AT_DESC",
];

function checkId(id: unknown, what: string): string {
  if (typeof id !== "string" || !UUID.test(id)) {
    throw new TypeError(
      `Cannot ${what} as the conversation id is not a UUID: current value is '${String(id)}'`,
    );
  }
  return id;
}

/**
 * A conversation's info as a server answered it, checked before its id is used again: an object
 * whose `id` is a UUID (an id like `..` would send later requests to other routes), and
 * `expected` when the request named one. Else a {@linkcode ProtocolError}.
 */
function checkInfo(data: unknown, what: string, expected?: string): ConversationInfo {
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new ProtocolError(what, `the answer is ${shown(data)}, not a conversation`);
  }
  const id = (data as { id?: unknown }).id;
  if (typeof id !== "string" || !UUID.test(id)) {
    throw new ProtocolError(what, `a conversation id is ${shown(id)}, not a UUID`);
  }
  if (
    expected !== undefined &&
    id.replaceAll("-", "").toLowerCase() !== expected.replaceAll("-", "").toLowerCase()
  ) {
    throw new ProtocolError(what, `the answer is about conversation ${id}, not ${expected}`);
  }
  return data as ConversationInfo;
}

/**
 * A page of `GET /api/conversations/search` as a server answered it: an object with an `items`
 * array of conversations with UUID ids and a string (or absent) `next_page_id`. Else a
 * {@linkcode ProtocolError}.
 */
function checkPage(data: unknown, what: string): ConversationPage {
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new ProtocolError(what, `the answer is ${shown(data)}, not a page of conversations`);
  }
  const { items, next_page_id: next } = data as { items?: unknown; next_page_id?: unknown };
  if (items !== undefined && !Array.isArray(items)) {
    throw new ProtocolError(what, `items is ${shown(items)}, not an array`);
  }
  for (const item of items ?? []) checkInfo(item, what);
  if (next !== undefined && next !== null && typeof next !== "string") {
    throw new ProtocolError(what, `next_page_id is ${shown(next)}, not a string`);
  }
  return data as ConversationPage;
}

function checkStatus(status: unknown, what: string): ConversationExecutionStatus | undefined {
  if (status === undefined) return undefined;
  if (!STATUSES.includes(status as ConversationExecutionStatus)) {
    throw new TypeError(
      `Cannot ${what} as 'status' must be one of ${STATUSES.join(", ")}: current value is '${
        String(status)
      }'`,
    );
  }
  return status as ConversationExecutionStatus;
}

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
  #client: AgentServerClient;
  #workspace: RemoteWorkspace | undefined;
  #hostOptions: Exclude<ConversationManagerOptions, { workspace: RemoteWorkspace }> | undefined;

  /** Creates the manager; validates the options before any request. */
  constructor(options: ConversationManagerOptions) {
    if (options === null || typeof options !== "object") {
      throw new TypeError("Cannot create ConversationManager as the options are missing");
    }
    if ("workspace" in options && options.workspace !== undefined) {
      const { workspace } = options;
      if (!workspace || typeof workspace !== "object" || !("client" in workspace)) {
        throw new TypeError(
          "Cannot create ConversationManager as 'workspace' must be a RemoteWorkspace",
        );
      }
      this.#workspace = workspace;
      this.#client = workspace.client;
      return;
    }
    if (!("host" in options)) {
      throw new TypeError(
        "Cannot create ConversationManager as it needs either 'workspace' or 'host'",
      );
    }
    this.#hostOptions = { ...options };
    // A throwaway workspace validates host, key and numbers exactly as RemoteWorkspace does.
    this.#client = this.#workspaceFor("/").client;
  }

  /** The typed REST client in use. */
  get client(): AgentServerClient {
    return this.#client;
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
   * @example
   * ```ts ignore
   * const first = await manager.searchPage({ limit: 10 });
   * const second = first.next_page_id
   *   ? await manager.searchPage({ limit: 10, pageId: first.next_page_id })
   *   : undefined;
   * ```
   */
  async searchPage(options: SearchPageOptions = {}): Promise<ConversationPage> {
    const query = this.#searchQuery(options);
    if (options.pageId !== undefined) {
      if (typeof options.pageId !== "string" || options.pageId === "") {
        throw new TypeError("Cannot search conversations as 'pageId' must be a non-empty string");
      }
      query.page_id = options.pageId;
    }
    const { data } = await this.#client.rest.GET("/api/conversations/search", {
      params: { query },
      ...callInit(options),
    });
    return checkPage(data, "GET /api/conversations/search");
  }

  #searchQuery(options: SearchConversationsOptions): SearchQuery {
    if (options === null || typeof options !== "object") {
      throw new TypeError("Cannot search conversations as the options must be an object");
    }
    const limit = options.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new RangeError(
        `Cannot use 'limit' as it must be a whole number from 1 to 100: current value is ${limit}`,
      );
    }
    const status = checkStatus(options.status, "search conversations");
    if (options.sortOrder !== undefined && !SORT_ORDERS.includes(options.sortOrder)) {
      throw new TypeError(
        `Cannot search conversations as 'sortOrder' must be one of ${
          SORT_ORDERS.join(", ")
        }: current value is '${String(options.sortOrder)}'`,
      );
    }
    return {
      limit,
      ...(status !== undefined ? { status } : {}),
      ...(options.sortOrder !== undefined ? { sort_order: options.sortOrder } : {}),
      ...(options.includeSkills !== undefined ? { include_skills: options.includeSkills } : {}),
    };
  }

  /**
   * Every matching conversation, page after page (cursor `next_page_id`), as an async iterable.
   * The options are checked at the call; requests start with the first `next()`. Aborting
   * `signal` rejects the pending `next()` with the signal's reason (the loop throws). A page
   * that is not a page of conversations with UUID ids, or a `next_page_id` that comes back (the
   * pages would never end), is a {@linkcode ProtocolError} naming the request.
   *
   * @example
   * ```ts ignore
   * for await (const info of manager.search({ status: "idle", sortOrder: "UPDATED_AT_DESC" })) {
   *   console.log(info.id, info.updated_at);
   * }
   * ```
   */
  search(options: SearchConversationsOptions = {}): AsyncIterableIterator<ConversationInfo> {
    const query = this.#searchQuery(options);
    return this.#pages(query, options);
  }

  async *#pages(
    query: SearchQuery,
    options: CallOptions,
  ): AsyncGenerator<ConversationInfo, undefined, undefined> {
    const what = "GET /api/conversations/search";
    const seen = new Set<string>();
    // Every page token so far: one that comes back means the pages would never end.
    const tokens = new Set<string>();
    let pageId: string | undefined;
    do {
      const { data } = await this.#client.rest.GET("/api/conversations/search", {
        params: { query: pageId ? { ...query, page_id: pageId } : query },
        ...callInit(options),
      });
      const page = checkPage(data, what);
      const next = nextPage(page.next_page_id, tokens, what);
      for (const info of page.items ?? []) {
        // a conversation updated while paging by UPDATED_AT may move pages: yield it once
        if (seen.has(info.id)) continue;
        seen.add(info.id);
        options.signal?.throwIfAborted();
        yield info;
      }
      pageId = next || undefined;
    } while (pageId);
    return undefined;
  }

  /**
   * Every matching conversation, all pages read into one array.
   *
   * @example
   * ```ts ignore
   * const running = await manager.list({ status: "running" });
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
   * @example
   * ```ts ignore
   * const finished = await manager.count({ status: "finished" });
   * ```
   */
  async count(options: CountConversationsOptions = {}): Promise<number> {
    const status = checkStatus(options.status, "count conversations");
    const { data } = await this.#client.rest.GET("/api/conversations/count", {
      params: { query: status !== undefined ? { status } : {} },
      ...callInit(options),
    });
    if (typeof data !== "number" || !Number.isSafeInteger(data) || data < 0) {
      throw new ProtocolError(
        "GET /api/conversations/count",
        `the count is ${typeof data === "number" ? data : shown(data)}, not a whole number`,
      );
    }
    return data;
  }

  /**
   * One conversation's info (`GET /api/conversations/{id}`); `NotFoundError` when unknown, and
   * a {@linkcode ProtocolError} when the answer is not about that conversation.
   *
   * @example
   * ```ts ignore
   * const info = await manager.get("6c1b5b1e-0000-4000-8000-000000000000");
   * console.log(info.execution_status, info.title);
   * ```
   */
  async get(id: string, options: CallOptions = {}): Promise<ConversationInfo> {
    const conversationId = checkId(id, "get the conversation");
    const { data } = await this.#client.rest.GET("/api/conversations/{conversation_id}", {
      params: { path: { conversation_id: conversationId } },
      ...callInit(options),
    });
    return checkInfo(data, `GET /api/conversations/${conversationId}`, conversationId);
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
   * @example
   * ```ts ignore
   * await manager.delete(conversation.id);
   * ```
   */
  async delete(id: string, options: CallOptions = {}): Promise<void> {
    const conversationId = checkId(id, "delete the conversation");
    try {
      await this.#client.rest.DELETE("/api/conversations/{conversation_id}", {
        params: { path: { conversation_id: conversationId } },
        ...callInit(options),
      });
    } catch (err) {
      if (err instanceof BadRequestError) {
        throw await this.#unknownOnDelete(conversationId, err, options);
      }
      throw err;
    }
  }

  /**
   * A 400 from `DELETE /api/conversations/{id}`: before 1.58.0 the server answers a bare 400
   * (detail `Bad Request`) when the id is unknown. Such a 400, or one whose detail says "not
   * found", confirmed by a 404 on GET becomes a {@linkcode NotFoundError}; anything else keeps the
   * 400.
   */
  async #unknownOnDelete(
    conversationId: string,
    err: BadRequestError,
    options: CallOptions,
  ): Promise<Error> {
    const detail = typeof err.detail === "string" ? err.detail.trim() : "";
    if (detail !== "Bad Request" && !/\bnot found\b/i.test(detail)) return err;
    try {
      await this.get(conversationId, options);
      return err; // it exists: the 400 meant something else
    } catch (getErr) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (!(getErr instanceof NotFoundError)) return err;
      return new NotFoundError(
        404,
        err.body,
        { method: err.method, path: err.path },
        `${err.method} ${err.path} failed with 400: ${detail} (the conversation does not exist: ` +
          `GET answered 404; servers before 1.58.0 answer 400 here). Check the id and the host`,
        { cause: err },
      );
    }
  }

  /**
   * Opens a {@linkcode RemoteConversation} on an existing conversation: `NotFoundError` when
   * there is none (it never creates one). The agent and `maxIterationPerRun` default to the
   * server's.
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
    const workingDir = (info.workspace as { working_dir?: unknown } | undefined)?.working_dir;
    const target = workspace ?? this.#workspace ??
      this.#workspaceFor(typeof workingDir === "string" && workingDir ? workingDir : "/");
    const maxIterationPerRun = options.maxIterationPerRun ??
      (typeof info.max_iterations === "number" && Number.isSafeInteger(info.max_iterations) &&
          info.max_iterations > 0
        ? info.max_iterations
        : undefined);
    const serverAgent = info.agent as unknown;
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
      agent: agent ?? (serverAgent as Record<string, unknown>),
      workspace: target,
      conversationId,
      ...(maxIterationPerRun !== undefined ? { maxIterationPerRun } : {}),
    });
  }
}
