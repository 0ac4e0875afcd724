/**
 * Moved to `src/conversation/_title.ts` (and `TitleLLM` to `src/conversation/types.ts`): this
 * re-export keeps the old path working.
 *
 * @module
 */

export * from "./conversation/_title.ts";
export type { TitleLLM } from "./conversation/types.ts";
