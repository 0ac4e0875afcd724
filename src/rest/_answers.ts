/**
 * Checks of the server's answers before the library uses them: conversations (an id that is a
 * UUID, the one asked for), pages of conversations, counts, page tokens. A bad answer is a
 * {@linkcode ProtocolError} naming the request.
 *
 * @module
 */

import { shown, UUID } from "../_checks.ts";
import { ProtocolError } from "../errors.ts";
import type { ConversationPage } from "../types.ts";

/**
 * Whether two UUIDs are the same, with or without dashes, in any case.
 *
 * @param a One UUID.
 * @param b The other.
 * @returns Whether they name the same id.
 *
 * @example
 * ```ts
 * import { sameId } from "./_answers.ts";
 * if (!sameId("6C1B5B1E-0000-4000-8000-000000000000", "6c1b5b1e000040008000000000000000")) {
 *   throw new Error();
 * }
 * ```
 */
export function sameId(a: string, b: string): boolean {
  return a.replaceAll("-", "").toLowerCase() === b.replaceAll("-", "").toLowerCase();
}

/** The field `key` of a JSON value; undefined for anything but an object. */
function fieldOf(value: unknown, key: string): unknown {
  return value !== null && typeof value === "object" ? Reflect.get(value, key) : undefined;
}

/**
 * A conversation a server answered with (`POST /api/conversations`, `GET
 * /api/conversations/{id}`), checked before its id is used again: an object whose `id` (or, from
 * a server that names it so, `conversation_id`) is a UUID, and `expected` when the request named
 * one. An id like `..` would send later requests to other routes.
 *
 * @param data The answer.
 * @param what The request, for errors, e.g. `POST /api/conversations`.
 * @param expected The id the request named, if any.
 * @returns A copy of the conversation, with `id` set.
 * @throws {ProtocolError} When the answer is not such a conversation.
 *
 * @example
 * ```ts
 * import { checkConversation } from "./_answers.ts";
 * const id = "6c1b5b1e-0000-4000-8000-000000000000";
 * if (checkConversation({ id }, "GET /x", id).id !== id) throw new Error();
 * ```
 */
export function checkConversation<Info extends object>(
  data: Info,
  what: string,
  expected?: string,
): Info & { id: string } {
  const answer: unknown = data;
  if (answer === null || typeof answer !== "object" || Array.isArray(answer)) {
    throw new ProtocolError(what, `the answer is ${shown(answer)}, not a conversation`);
  }
  const id = fieldOf(answer, "id") ?? fieldOf(answer, "conversation_id");
  if (typeof id !== "string" || !UUID.test(id)) {
    throw new ProtocolError(what, `the conversation id is ${shown(id)}, not a UUID`);
  }
  if (expected !== undefined && !sameId(id, expected)) {
    throw new ProtocolError(what, `the answer is about conversation ${id}, not ${expected}`);
  }
  return { ...data, id };
}

/**
 * A page of `GET /api/conversations/search` as a server answered it: an object with an `items`
 * array of conversations with UUID ids and a string (or absent) `next_page_id`.
 *
 * @param data The answer.
 * @param what The request, for errors.
 * @returns The page.
 * @throws {ProtocolError} When the answer is not such a page.
 *
 * @example
 * ```ts
 * import { checkConversationPage } from "./_answers.ts";
 * const page = checkConversationPage({ items: [], next_page_id: null }, "GET /x");
 * if (page.items.length !== 0) throw new Error();
 * ```
 */
export function checkConversationPage(data: ConversationPage, what: string): ConversationPage {
  const answer: unknown = data;
  if (answer === null || typeof answer !== "object" || Array.isArray(answer)) {
    throw new ProtocolError(what, `the answer is ${shown(answer)}, not a page of conversations`);
  }
  const items = fieldOf(answer, "items");
  if (items !== undefined && !Array.isArray(items)) {
    throw new ProtocolError(what, `items is ${shown(items)}, not an array`);
  }
  for (const item of items ?? []) {
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      throw new ProtocolError(what, `the answer is ${shown(item)}, not a conversation`);
    }
    const id = fieldOf(item, "id");
    if (typeof id !== "string" || !UUID.test(id)) {
      throw new ProtocolError(what, `a conversation id is ${shown(id)}, not a UUID`);
    }
  }
  checkPageToken(fieldOf(answer, "next_page_id"), what);
  return data;
}

/**
 * The `next_page_id` of a page, checked: a string, or undefined on the last page (none, null or
 * `""`).
 *
 * @param value The answer's `next_page_id`.
 * @param what The request, for errors.
 * @returns The token, or undefined.
 * @throws {ProtocolError} When it is neither.
 *
 * @example
 * ```ts
 * import { checkPageToken } from "./_answers.ts";
 * if (checkPageToken("p2", "GET /x") !== "p2" || checkPageToken(null, "GET /x") !== undefined) {
 *   throw new Error();
 * }
 * ```
 */
export function checkPageToken(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") {
    throw new ProtocolError(what, `next_page_id is ${shown(value)}, not a string`);
  }
  return value;
}

/**
 * The `next_page_id` of a page whose `items` {@linkcode pageItems} accepted.
 *
 * @param data The page.
 * @param what The request, for errors.
 * @returns The token, or undefined on the last page.
 * @throws {ProtocolError} When it is not a string.
 *
 * @example
 * ```ts
 * import { nextPageId } from "./_answers.ts";
 * if (nextPageId({ items: [], next_page_id: "p2" }, "GET /x") !== "p2") throw new Error();
 * ```
 */
export function nextPageId(data: unknown, what: string): string | undefined {
  return checkPageToken(fieldOf(data, "next_page_id"), what);
}

/**
 * A count a server answered with: a whole number of at least 0.
 *
 * @param data The answer.
 * @param what The request, for errors.
 * @returns The count.
 * @throws {ProtocolError} When it is not such a number.
 *
 * @example
 * ```ts
 * import { checkCount } from "./_answers.ts";
 * if (checkCount(3, "GET /api/conversations/count") !== 3) throw new Error();
 * ```
 */
export function checkCount(data: number, what: string): number {
  const answer: unknown = data;
  if (typeof answer !== "number" || !Number.isSafeInteger(answer) || answer < 0) {
    throw new ProtocolError(
      what,
      `the count is ${typeof answer === "number" ? answer : shown(answer)}, not a whole number`,
    );
  }
  return answer;
}
