/**
 * The option types of {@linkcode ConversationManager}.
 *
 * @module
 */

import type { RemoteConversationOptions } from "../conversation/types.ts";
import type { CallOptions } from "../rest/client.ts";
import type { FetchLike } from "../rest/_transport.ts";
import type { WebSocketConstructorLike } from "../socket/types.ts";
import type { ConversationExecutionStatus, Schemas } from "../types.ts";
import type { RemoteWorkspace } from "../workspace/remote_workspace.ts";

/**
 * Sort order of a conversation search.
 *
 * @example
 * ```ts
 * import type { ConversationSortOrder } from "@remote-hands/client/manager";
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
 * import { ConversationManager } from "@remote-hands/client/manager";
 * import type { ConversationManagerOptions } from "@remote-hands/client/manager";
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
 * import { ConversationManager } from "@remote-hands/client/manager";
 * import type { SearchConversationsOptions } from "@remote-hands/client/manager";
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
  /**
   * The most conversations to return (a whole number from 1): the search stops there. Without
   * it every page is read.
   */
  limit?: number;
  /** Conversations per request (1 to 100); it does not cap the results (see `limit`). @default {100} */
  pageSize?: number;
  /** Include each conversation's skills (omitted by default to keep pages small). @default {false} */
  includeSkills?: boolean;
}

/**
 * Options of {@linkcode ConversationManager.searchPage}.
 *
 * @example Read page by page (here against a stand-in fetch with two pages)
 * ```ts
 * import { ConversationManager } from "@remote-hands/client/manager";
 * import type { SearchPageOptions } from "@remote-hands/client/manager";
 * const manager = new ConversationManager({
 *   host: "http://agent.test",
 *   fetch: async (request) =>
 *     Response.json({
 *       items: [],
 *       next_page_id: new URL(request.url).searchParams.has("page_id") ? null : "p2",
 *     }),
 * });
 * const options: SearchPageOptions = { pageSize: 10 };
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
export interface SearchPageOptions extends Omit<SearchConversationsOptions, "limit"> {
  /** `next_page_id` of the previous page; omit for the first page. */
  pageId?: string;
}

/**
 * Options of {@linkcode ConversationManager.count}.
 *
 * @example Here against a stand-in fetch that answers `5`
 * ```ts
 * import { ConversationManager } from "@remote-hands/client/manager";
 * import type { CountConversationsOptions } from "@remote-hands/client/manager";
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
 * import type { AttachOptions } from "@remote-hands/client/manager";
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
