/**
 * Moved to `src/conversation/event_stream.ts`: this re-export keeps the old path working.
 *
 * @module
 */

export * from "./conversation/event_stream.ts";
