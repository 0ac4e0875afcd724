/**
 * The parts of a conversation (connection, list, history, delivery, state), for the library's
 * own modules that build on a conversation without being part of its class (the event stream
 * bridge): registered by the conversation when it is made, looked up by the conversation object.
 *
 * @module
 */

import type { Connection } from "../rest/connection.ts";
import type { Delivery } from "./_delivery.ts";
import type { EventCursor } from "./cursor.ts";
import type { History } from "./_history.ts";
import type { RemoteEventsList } from "./events_list.ts";
import type { RemoteState } from "./remote_state.ts";

/**
 * What the operations of a conversation work with.
 *
 * @example
 * ```ts ignore
 * const { history, delivery } = partsOf(conversation);
 * ```
 */
export interface ConversationParts {
  /** The server connection (REST, socket, fetch). */
  readonly connection: Connection;
  /** The conversation id. */
  readonly id: string;
  /** The events list the conversation fills. */
  readonly events: RemoteEventsList;
  /** History, catch-up and the cursor. */
  readonly history: History;
  /** Callbacks, visualizer, iterators and error reports. */
  readonly delivery: Delivery;
  /** The cached state. */
  readonly state: RemoteState;
  /** The cursor it was attached after, if any: where its list starts. */
  readonly after: EventCursor | undefined;
}

const registry = new WeakMap<object, ConversationParts>();

/**
 * Records the parts of `conversation` (its constructor calls this).
 *
 * @param conversation The conversation.
 * @param parts Its parts.
 * @example
 * ```ts ignore
 * registerParts(this, parts);
 * ```
 */
export function registerParts(conversation: object, parts: ConversationParts): void {
  registry.set(conversation, parts);
}

/**
 * The parts of a conversation.
 *
 * @param conversation A `RemoteConversation`.
 * @returns Its parts.
 * @throws {TypeError} For anything else.
 * @example
 * ```ts ignore
 * const { history } = partsOf(conversation);
 * ```
 */
export function partsOf(conversation: object): ConversationParts {
  const parts = registry.get(conversation);
  if (!parts) throw new TypeError("Cannot stream the events as this is not a RemoteConversation");
  return parts;
}
