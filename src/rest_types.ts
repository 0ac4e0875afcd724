/**
 * Moved to `src/rest/types.ts`: this re-export keeps the old path working.
 *
 * @module
 */

export * from "./rest/types.ts";
