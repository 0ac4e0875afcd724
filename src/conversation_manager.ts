/**
 * Moved to `src/manager/`: this re-export keeps the old path working.
 *
 * @module
 */

export * from "./manager/conversation_manager.ts";
export * from "./manager/types.ts";
