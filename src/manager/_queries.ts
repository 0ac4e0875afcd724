/**
 * Argument checks of {@linkcode ConversationManager}'s methods: ids, statuses, and the search
 * query they make.
 *
 * @module
 */

import { UUID } from "../_checks.ts";
import type { SearchConversationsQuery } from "../rest/conversations.ts";
import type { ConversationExecutionStatus } from "../types.ts";
import type {
  ConversationSortOrder,
  SearchConversationsOptions,
  SearchPageOptions,
} from "./types.ts";

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

/**
 * A conversation id given to a method: a UUID.
 *
 * @param id The id given.
 * @param what What the call does, for errors (e.g. `get the conversation`).
 * @returns The id.
 * @throws {TypeError} When it is not a UUID.
 *
 * @example
 * ```ts
 * import { checkId } from "./_queries.ts";
 * const id = "6c1b5b1e-0000-4000-8000-000000000000";
 * if (checkId(id, "get the conversation") !== id) throw new Error();
 * ```
 */
export function checkId(id: unknown, what: string): string {
  if (typeof id !== "string" || !UUID.test(id)) {
    throw new TypeError(
      `Cannot ${what} as the conversation id is not a UUID: current value is '${String(id)}'`,
    );
  }
  return id;
}

function isStatus(value: unknown): value is ConversationExecutionStatus {
  return STATUSES.some((status) => status === value);
}

function isSortOrder(value: unknown): value is ConversationSortOrder {
  return SORT_ORDERS.some((order) => order === value);
}

/**
 * A `status` option: undefined, or an execution status.
 *
 * @param status The option's value.
 * @param what What the call does, for errors.
 * @returns The status, or undefined.
 * @throws {TypeError} When it is not an execution status.
 *
 * @example
 * ```ts
 * import { checkStatus } from "./_queries.ts";
 * if (checkStatus("idle", "count conversations") !== "idle") throw new Error();
 * ```
 */
export function checkStatus(
  status: unknown,
  what: string,
): ConversationExecutionStatus | undefined {
  if (status === undefined) return undefined;
  if (!isStatus(status)) {
    throw new TypeError(
      `Cannot ${what} as 'status' must be one of ${STATUSES.join(", ")}: current value is '${
        String(status)
      }'`,
    );
  }
  return status;
}

/**
 * The query of `GET /api/conversations/search` for the search options (without a page token).
 *
 * @param options The options given.
 * @returns The query.
 * @throws {TypeError} When the options are not an object, or `status`/`sortOrder` unknown.
 * @throws {RangeError} When `pageSize` is not a whole number from 1 to 100, or `limit` not one
 * from 1.
 *
 * @example
 * ```ts
 * import { searchQuery } from "./_queries.ts";
 * const query = searchQuery({ status: "idle", sortOrder: "UPDATED_AT_DESC" });
 * if (query.limit !== 100 || query.sort_order !== "UPDATED_AT_DESC") throw new Error();
 * ```
 */
export function searchQuery(
  options: SearchConversationsOptions | SearchPageOptions,
): SearchConversationsQuery {
  if (options === null || typeof options !== "object") {
    throw new TypeError("Cannot search conversations as the options must be an object");
  }
  const pageSize = options.pageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
    throw new RangeError(
      `Cannot use 'pageSize' as it must be a whole number from 1 to 100: current value is ${pageSize}`,
    );
  }
  const cap = "limit" in options ? options.limit : undefined;
  if (cap !== undefined && (!Number.isSafeInteger(cap) || cap < 1)) {
    throw new RangeError(
      `Cannot use 'limit' as it must be a whole number from 1: current value is ${cap}`,
    );
  }
  const status = checkStatus(options.status, "search conversations");
  const sortOrder: unknown = options.sortOrder;
  if (sortOrder !== undefined && !isSortOrder(sortOrder)) {
    throw new TypeError(
      `Cannot search conversations as 'sortOrder' must be one of ${
        SORT_ORDERS.join(", ")
      }: current value is '${String(sortOrder)}'`,
    );
  }
  return {
    limit: Math.min(pageSize, cap ?? pageSize),
    ...(status !== undefined ? { status } : {}),
    ...(sortOrder !== undefined ? { sort_order: sortOrder } : {}),
    ...(options.includeSkills !== undefined ? { include_skills: options.includeSkills } : {}),
  };
}
