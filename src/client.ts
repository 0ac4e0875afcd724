/**
 * Moved to `src/rest/client.ts`: this re-export keeps the old path working.
 *
 * @module
 */

export * from "./rest/client.ts";
