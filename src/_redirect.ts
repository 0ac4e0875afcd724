/**
 * Moved to `src/rest/_redirect.ts`: this re-export keeps the old path working.
 *
 * @module
 */

export * from "./rest/_redirect.ts";
