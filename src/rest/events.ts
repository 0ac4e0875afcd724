/**
 * The event resources of a conversation (`/api/conversations/{id}/events...`): search and page
 * the stored log, count it, send a message, answer a confirmation. Events come back as unchecked
 * JSON: the event layer validates them.
 *
 * @module
 */

import { nextPage, pageItems } from "../_checks.ts";
import type { SendMessageRequest } from "../types.ts";
import { nextPageId } from "./_answers.ts";
import { callInit, type CallOptions } from "./client.ts";
import type { Connection } from "./connection.ts";
import type { RestOperation, RestParams } from "./types.ts";

/**
 * Which events {@linkcode searchEvents} asks for.
 *
 * @example
 * ```ts
 * import type { EventSearchQuery } from "./events.ts";
 * const query: EventSearchQuery = { limit: 100, timestampGte: "2026-01-01T00:00:00" };
 * if (query.limit !== 100) throw new Error();
 * ```
 */
export interface EventSearchQuery {
  /** Page size (the server allows 1 to 100). */
  limit?: number;
  /** `next_page_id` of the previous page. */
  pageId?: string;
  /** Only events stamped at or after this time (the server's timestamp format). */
  timestampGte?: string;
}

/**
 * One page of stored events: the items as the server sent them (unchecked JSON) and the next
 * page's token.
 *
 * @example
 * ```ts
 * import type { EventPage } from "./events.ts";
 * const last: EventPage = { items: [], nextPageId: undefined };
 * if (last.nextPageId !== undefined) throw new Error();
 * ```
 */
export interface EventPage {
  /** The events, unchecked. */
  items: unknown[];
  /** The next page's token; undefined on the last page. */
  nextPageId: string | undefined;
}

/**
 * Which part of the log {@linkcode readEventLog} reads.
 *
 * @example
 * ```ts
 * import type { EventLogRange } from "./events.ts";
 * const firstTen: EventLogRange = { max: 10 };
 * if (firstTen.max !== 10) throw new Error();
 * ```
 */
export interface EventLogRange {
  /** From this timestamp on (inclusive); the start of the log without it. */
  since?: string | undefined;
  /** At most this many events. @default {Infinity} */
  max?: number | undefined;
}

type SearchQuery = NonNullable<
  RestParams<RestOperation<"get", "/api/conversations/{conversation_id}/events/search">>["query"]
>;

/**
 * `GET /api/conversations/{id}/events/search`: one page of the stored log, in storage order.
 *
 * @param connection The server.
 * @param id The conversation's id.
 * @param query Page size, page token, start time.
 * @param options Signal and time limit.
 * @returns The page.
 * @throws {ProtocolError} When the answer is not a page (or its `next_page_id` not a string).
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { searchEvents } from "./events.ts";
 * const connection = createConnection({
 *   host: "http://agent.test",
 *   fetch: async () => Response.json({ items: [{ id: "e1" }], next_page_id: "p2" }),
 * });
 * const page = await searchEvents(connection, "6c1b5b1e-0000-4000-8000-000000000000", { limit: 1 });
 * if (page.items.length !== 1 || page.nextPageId !== "p2") throw new Error();
 * ```
 */
export async function searchEvents(
  connection: Connection,
  id: string,
  query: EventSearchQuery,
  options?: CallOptions,
): Promise<EventPage> {
  const params: SearchQuery = {};
  if (query.limit !== undefined) params.limit = query.limit;
  if (query.pageId) params.page_id = query.pageId;
  if (query.timestampGte) params.timestamp__gte = query.timestampGte;
  const { data } = await connection.rest.GET(
    "/api/conversations/{conversation_id}/events/search",
    { params: { path: { conversation_id: id }, query: params }, ...callInit(options) },
  );
  const what = `GET /api/conversations/${id}/events/search`;
  const items = pageItems(data, what, "events");
  return { items, nextPageId: nextPageId(data, what) };
}

/**
 * The stored log from `range.since` (inclusive; the start without it), at most `range.max`
 * events, as the server pages it (100 a page, in storage order), unchecked.
 *
 * @param connection The server.
 * @param id The conversation's id.
 * @param range Where to start and how many events at most.
 * @param options Signal and time limit (of each page).
 * @returns The events.
 * @throws {ProtocolError} When a page is not a page, or a page token comes back (the pages would
 * never end).
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { readEventLog } from "./events.ts";
 * const connection = createConnection({
 *   host: "http://agent.test",
 *   fetch: async (request) => {
 *     const second = new URL(request.url).searchParams.get("page_id") === "p2";
 *     return Response.json({ items: [{ id: second ? "e2" : "e1" }], next_page_id: second ? null : "p2" });
 *   },
 * });
 * const events = await readEventLog(connection, "6c1b5b1e-0000-4000-8000-000000000000", {});
 * if (events.length !== 2) throw new Error();
 * ```
 */
export async function readEventLog(
  connection: Connection,
  id: string,
  range: EventLogRange,
  options?: CallOptions,
): Promise<unknown[]> {
  const what = `GET /api/conversations/${id}/events/search`;
  const max = range.max ?? Infinity;
  const items: unknown[] = [];
  // Every page token so far: one that comes back means the pages would never end.
  const seen = new Set<string>();
  let pageId: string | undefined;
  while (items.length < max) {
    const page = await searchEvents(connection, id, {
      limit: Math.min(100, max - items.length),
      ...(pageId ? { pageId } : {}),
      ...(range.since ? { timestampGte: range.since } : {}),
    }, options);
    for (const item of page.items) items.push(item);
    pageId = nextPage(page.nextPageId, seen, what);
    if (!pageId) break;
  }
  return items;
}

/**
 * `GET /api/conversations/{id}/events/count`: how many events the log holds.
 *
 * @param connection The server.
 * @param id The conversation's id.
 * @param options Signal and time limit.
 * @returns The count, or undefined when the answer is not a number (a proxy, say).
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { countEvents } from "./events.ts";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => Response.json(7) });
 * if (await countEvents(connection, "6c1b5b1e-0000-4000-8000-000000000000") !== 7) throw new Error();
 * ```
 */
export async function countEvents(
  connection: Connection,
  id: string,
  options?: CallOptions,
): Promise<number | undefined> {
  const { data } = await connection.rest.GET(
    "/api/conversations/{conversation_id}/events/count",
    { params: { path: { conversation_id: id } }, ...callInit(options) },
  );
  const count: unknown = data;
  return typeof count === "number" ? count : undefined;
}

/**
 * `POST /api/conversations/{id}/events`: sends a message (it starts a run only with `run: true`).
 *
 * @param connection The server.
 * @param id The conversation's id.
 * @param request The message.
 * @param options Signal and time limit.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { sendMessage } from "./events.ts";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => Response.json({ success: true }) });
 * await sendMessage(connection, "6c1b5b1e-0000-4000-8000-000000000000", {
 *   role: "user",
 *   content: [{ type: "text", text: "Go on" }],
 *   run: false,
 * });
 * ```
 */
export async function sendMessage(
  connection: Connection,
  id: string,
  request: SendMessageRequest,
  options?: CallOptions,
): Promise<void> {
  await connection.rest.POST("/api/conversations/{conversation_id}/events", {
    params: { path: { conversation_id: id } },
    body: request,
    ...callInit(options),
  });
}

/**
 * `POST /api/conversations/{id}/events/respond_to_confirmation`: accepts or rejects the actions
 * waiting for confirmation.
 *
 * @param connection The server.
 * @param id The conversation's id.
 * @param request Whether to accept, and why.
 * @param options Signal and time limit.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { respondToConfirmation } from "./events.ts";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => Response.json({ success: true }) });
 * await respondToConfirmation(connection, "6c1b5b1e-0000-4000-8000-000000000000", {
 *   accept: false,
 *   reason: "not now",
 * });
 * ```
 */
export async function respondToConfirmation(
  connection: Connection,
  id: string,
  request: { accept: boolean; reason: string },
  options?: CallOptions,
): Promise<void> {
  await connection.rest.POST(
    "/api/conversations/{conversation_id}/events/respond_to_confirmation",
    { params: { path: { conversation_id: id } }, body: request, ...callInit(options) },
  );
}
