/**
 * `@remote-hands/client/browser`: {@linkcode EventStreamReader} watches a conversation from a web
 * page through your own server-side function (`eventStreamResponse` or `toEventStream` of the
 * main module), so the page never holds the agent server's key. It keeps the events and the state,
 * each stored event once, across dropped connections and reloads.
 *
 * It has its own entry point and imports nothing of the main module, so a page's bundle carries
 * only the reader.
 *
 * @example Show a conversation's events as they come
 * ```ts ignore
 * import { EventStreamReader } from "@remote-hands/client/browser";
 *
 * const reader = new EventStreamReader({
 *   url: "/api/watch",
 *   storage: sessionStorage,
 *   onChange: () => {
 *     document.querySelector("#status")!.textContent = String(reader.state.execution_status);
 *     document.querySelector("#count")!.textContent = String(reader.events.length);
 *   },
 * });
 * reader.start();
 * ```
 *
 * @module
 */

export {
  type EventSourceLike,
  EventStreamReader,
  type EventStreamReaderOptions,
  type ReaderStorage,
  type StreamedEvent,
} from "./src/browser/event_stream_reader.ts";
