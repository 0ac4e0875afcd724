/**
 * Moved to `src/conversation/events_list.ts`: this re-export keeps the old path working.
 *
 * @module
 */

export * from "./conversation/events_list.ts";
