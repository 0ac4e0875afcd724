/**
 * Moved to `src/rest/_transport.ts`: this re-export keeps the old path working.
 *
 * @module
 */

export * from "./rest/_transport.ts";
