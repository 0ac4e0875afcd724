/**
 * Moved to `src/conversation/_run_waiter.ts`: this re-export keeps the old path working.
 *
 * @module
 */

export * from "./conversation/_run_waiter.ts";
