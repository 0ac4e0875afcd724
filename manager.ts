/**
 * `@remote-hands/client/manager`: {@linkcode ConversationManager} lists, counts, reads, deletes and
 * attaches to the conversations of an agent server, like the Python SDK's conversation service.
 *
 * It has its own entry point so that what imports only the main module (`@remote-hands/client`),
 * such as a browser or edge bundle that drives one conversation, does not carry it.
 *
 * @example List the finished conversations and attach to the newest
 * ```ts ignore
 * import { ConversationManager } from "@remote-hands/client/manager";
 *
 * const manager = new ConversationManager({ host: "http://127.0.0.1:8000", apiKey: "key" });
 * for await (const info of manager.search({ status: "finished", sortOrder: "CREATED_AT_DESC" })) {
 *   await using conversation = await manager.attach(info.id);
 *   await conversation.sendMessage("Carry on");
 *   await conversation.run();
 *   break;
 * }
 * ```
 *
 * @example Count conversations (here with a stand-in fetch that answers every request with `3`)
 * ```ts
 * import { ConversationManager } from "@remote-hands/client/manager";
 *
 * const manager = new ConversationManager({ host: "http://agent.test", fetch: async () => Response.json(3) });
 * if (await manager.count() !== 3) throw new Error();
 * ```
 *
 * @module
 */

export { ConversationManager } from "./src/manager/conversation_manager.ts";
export type {
  AttachOptions,
  ConversationManagerOptions,
  ConversationSortOrder,
  CountConversationsOptions,
  SearchConversationsOptions,
  SearchPageOptions,
} from "./src/manager/types.ts";
