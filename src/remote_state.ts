/**
 * Moved to `src/conversation/remote_state.ts`: this re-export keeps the old path working.
 *
 * @module
 */

export * from "./conversation/remote_state.ts";
