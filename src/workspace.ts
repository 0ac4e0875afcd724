/**
 * Moved to `src/workspace/`: this re-export keeps the old path working.
 *
 * @module
 */

export * from "./workspace/remote_workspace.ts";
export * from "./workspace/types.ts";
