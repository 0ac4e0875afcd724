/**
 * {@linkcode toEventStream}: a conversation's events as a byte stream for an HTTP response, in
 * Server-Sent Events or NDJSON, each stored event with its cursor, so that a page (or anything
 * that reads HTTP) can watch a conversation without the server's session key, and resume where it
 * stopped.
 *
 * @module
 */

import { checkPositive } from "../conversation/_options.ts";
import { partsOf } from "../conversation/_parts.ts";
import type { EventCursor } from "../conversation/cursor.ts";
import { EventBufferOverflowError } from "../conversation/event_stream.ts";
import type { RemoteConversation } from "../conversation/remote_conversation.ts";
import type { Event } from "../events/kinds.ts";
import { encodeEvent, heartbeat } from "./_encode.ts";
import type { EventStreamFormat } from "./types.ts";

/**
 * Options of {@linkcode toEventStream}.
 *
 * @example
 * ```ts
 * import type { ToEventStreamOptions } from "@remote-hands/client";
 * const options: ToEventStreamOptions = { format: "ndjson", heartbeatMs: 10_000 };
 * if (options.format !== "ndjson") throw new Error();
 * ```
 */
export interface ToEventStreamOptions {
  /** `"sse"` (`id:` the cursor, `data:` the event JSON) or `"ndjson"` (`{"cursor","event"}`
   * lines). @default {"sse"} */
  format?: EventStreamFormat | undefined;
  /**
   * First a `full_state` snapshot of the cached state (a `ConversationStateUpdateEvent`, its id
   * `state-<conversation id>`), so that a reader starts with the whole state. Its cursor is where
   * the events that follow start (none for a whole history). @default {true}
   */
  state?: boolean | undefined;
  /** Then the events already in `state.events`, each with its cursor. @default {true} */
  history?: boolean | undefined;
  /** Milliseconds without an event after which a heartbeat is sent (an SSE comment, an NDJSON
   * `{}` line), so that proxies keep an idle stream open; 0: none. @default {15000} */
  heartbeatMs?: number | undefined;
  /**
   * Most events held for a reader that reads slower than they come. Past it the stream ends
   * after what it holds (nothing is lost: the reader resumes from the last cursor it got, which
   * `EventSource` does on its own). @default {10000}
   */
  maxBuffer?: number | undefined;
  /** Ends the stream (what it holds is dropped). */
  signal?: AbortSignal | undefined;
}

const encoder = new TextEncoder();

/**
 * The conversation's events from now on as a `ReadableStream` of UTF-8 bytes: a `full_state`
 * snapshot, the events already held, then each live event as it is delivered, once and in
 * delivery order. A stored event carries the cursor after it (SSE `id:`, NDJSON `cursor`); hand
 * it back as `after` to {@linkcode RemoteConversation.attach} (or send it as `Last-Event-ID` to
 * {@linkcode eventStreamResponse}) to go on after it, in this process or another.
 *
 * Backpressure: the stream hands the reader what it asks for; the rest waits (up to
 * `maxBuffer`). A reader that cancels (a closed page) ends the subscription and its timer; the
 * conversation stays open (close it, or let {@linkcode eventStreamResponse} do it). The stream
 * ends when the conversation is closed or `signal` aborts.
 *
 * @param conversation The conversation to watch.
 * @param options Format, snapshot, history, heartbeat, buffer and signal.
 * @returns The stream.
 * @throws {TypeError} For a conversation that is not a `RemoteConversation` or an unknown format.
 * @throws {RangeError} For a `heartbeatMs` or `maxBuffer` that is not a whole number in range.
 * @example
 * ```ts ignore
 * Deno.serve(async () => {
 *   const conversation = await RemoteConversation.attach({ conversationId, workspace });
 *   return new Response(toEventStream(conversation), {
 *     headers: { "content-type": "text/event-stream" },
 *   });
 * });
 * ```
 */
export function toEventStream(
  conversation: RemoteConversation,
  options: ToEventStreamOptions = {},
): ReadableStream<Uint8Array> {
  const parts = partsOf(conversation);
  const format = options.format ?? "sse";
  if (format !== "sse" && format !== "ndjson") {
    throw new TypeError("Cannot stream the events as 'format' must be sse or ndjson");
  }
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  if (heartbeatMs !== 0) checkPositive("heartbeatMs", heartbeatMs);
  const maxBuffer = options.maxBuffer ?? 10_000;
  checkPositive("maxBuffer", maxBuffer);
  const { history, delivery, events: list, state, id, after } = parts;
  /** The cursor of each delivered stored event, taken when it was delivered. */
  const cursors = new WeakMap<Event, EventCursor>();
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let held = "";
  let iterator: AsyncIterableIterator<Event> | undefined;
  let next: Promise<IteratorResult<Event> | Error> | undefined;
  let off = (): void => {};
  let cancelled = false;
  const end = (): void => {
    off();
    stop.abort();
  };
  return new ReadableStream<Uint8Array>({
    start(): void {
      // One synchronous step: the snapshot, the history and the subscription see the same list.
      if (options.state !== false) {
        const snapshot = {
          kind: "ConversationStateUpdateEvent",
          id: `state-${id}`,
          timestamp: new Date().toISOString(),
          source: "environment",
          key: "full_state",
          value: state.modelDump(),
        } as Event;
        // Its cursor says what the reader has once it got it: with the history still to come,
        // only what the list starts after (a reader cut here must not skip that history).
        held += encodeEvent(format, snapshot, options.history === false ? history.cursor : after);
      }
      if (options.history !== false) {
        const seen = list.slice();
        for (let i = 0; i < seen.length; i++) {
          held += encodeEvent(format, seen[i]!, history.cursorAt(i));
        }
      }
      if (signal.aborted) return;
      off = delivery.listenAll((event) => {
        const cursor = history.cursorOf(event);
        if (cursor !== undefined) cursors.set(event, cursor);
      });
      iterator = conversation.events({ maxBuffer, signal });
    },
    async pull(controller): Promise<void> {
      if (held !== "") {
        controller.enqueue(encoder.encode(held));
        held = "";
        return;
      }
      if (!iterator || signal.aborted) {
        end();
        controller.close();
        return;
      }
      next ??= iterator.next().catch(asError);
      const result = heartbeatMs === 0 ? await next : await withHeartbeat(next, heartbeatMs);
      if (cancelled) return;
      if (result === "heartbeat") {
        controller.enqueue(encoder.encode(heartbeat(format)));
        return;
      }
      next = undefined;
      if (result instanceof Error) {
        end();
        // A slow reader: end after what was sent; it resumes from its last cursor.
        if (result instanceof EventBufferOverflowError) controller.close();
        else controller.error(result);
        return;
      }
      if (result.done) {
        end();
        controller.close();
        return;
      }
      controller.enqueue(
        encoder.encode(encodeEvent(format, result.value, cursors.get(result.value))),
      );
    },
    cancel(): void {
      cancelled = true;
      end();
    },
  }, { highWaterMark: 1 });
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** What `next` settles to, or "heartbeat" when it has not in `ms` (its timer then cleared). */
async function withHeartbeat<T>(next: Promise<T>, ms: number): Promise<T | "heartbeat"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = new Promise<"heartbeat">((resolve) => {
    timer = setTimeout(() => resolve("heartbeat"), ms);
  });
  try {
    return await Promise.race([next, tick]);
  } finally {
    clearTimeout(timer);
  }
}
