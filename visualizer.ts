/**
 * `@remote-hands/client/visualizer`: {@linkcode ConversationVisualizer}, a readable, coloured
 * terminal view of a conversation's events, like the Python SDK's `DefaultConversationVisualizer`.
 *
 * It has its own entry point so that what imports only the main module (`@remote-hands/client`),
 * such as a browser or edge bundle, does not carry terminal rendering. Pass it to
 * `RemoteConversation.create({ visualizer })` (any object with an `onEvent(event)` method will do,
 * see `ConversationVisualizerLike`), or call it yourself.
 *
 * @example Show a conversation's events in the terminal
 * ```ts ignore
 * import { RemoteConversation, RemoteWorkspace } from "@remote-hands/client";
 * import { ConversationVisualizer } from "@remote-hands/client/visualizer";
 *
 * await using conversation = await RemoteConversation.create({
 *   agent: { llm: { model: "openai/gpt-4o-mini", api_key: "sk-..." }, tools: [{ name: "terminal" }] },
 *   workspace: new RemoteWorkspace({ host: "http://127.0.0.1:8000", workingDir: "/workspace" }),
 *   visualizer: new ConversationVisualizer({ name: "worker-1" }),
 * });
 * ```
 *
 * @example Format an event without printing it
 * ```ts
 * import { ConversationVisualizer } from "@remote-hands/client/visualizer";
 *
 * const viz = new ConversationVisualizer({ name: "bot", color: false });
 * const text = viz.format({ kind: "PauseEvent", id: "p1", timestamp: "2026-01-01T00:00:00", source: "user" });
 * if (text !== "[bot] ── PauseEvent (user)") throw new Error(text);
 * ```
 *
 * @module
 */

export {
  ConversationVisualizer,
  type ConversationVisualizerOptions,
} from "./src/visualizer/conversation_visualizer.ts";
export type { ConversationVisualizerLike } from "./src/conversation/types.ts";
