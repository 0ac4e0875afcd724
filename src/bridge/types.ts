/**
 * The types shared by the event stream bridge's modules.
 *
 * @module
 */

/**
 * The wire form of an event stream: `"sse"` (`text/event-stream`, what `EventSource` reads) or
 * `"ndjson"` (`application/x-ndjson`, one JSON object per line, for `fetch` readers).
 *
 * @example
 * ```ts
 * import type { EventStreamFormat } from "@remote-hands/client";
 * const format: EventStreamFormat = "sse";
 * if (format !== "sse") throw new Error();
 * ```
 */
export type EventStreamFormat = "sse" | "ndjson";
