/**
 * Moved to `src/conversation/remote_conversation.ts`: this re-export keeps the old path working.
 *
 * @module
 */

export * from "./conversation/remote_conversation.ts";
export type {
  ConversationCallback,
  ConversationVisualizerLike,
  EventsOptions,
  GenerateTitleOptions,
  RemoteConversationOptions,
  RunOptions,
  TitleLLM,
} from "./conversation/types.ts";
