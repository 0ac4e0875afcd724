/**
 * Moved to `visualizer/conversation_visualizer.ts`; this module re-exports it.
 *
 * @module
 */

export {
  ConversationVisualizer,
  type ConversationVisualizerOptions,
} from "./visualizer/conversation_visualizer.ts";
