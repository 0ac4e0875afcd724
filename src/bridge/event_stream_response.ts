/**
 * {@linkcode eventStreamResponse}: the whole server side of a live web view in one call, for an
 * edge or serverless function: attach to a conversation (resuming after the reader's
 * `Last-Event-ID`), stream its events as a standard `Response`, and close the conversation when
 * the reader goes away. The session key stays in the function.
 *
 * @module
 */

import { parseCursor } from "../conversation/cursor.ts";
import { RemoteConversation } from "../conversation/remote_conversation.ts";
import type { RemoteConversationAttachOptions } from "../conversation/operation_types.ts";
import { CONTENT_TYPES } from "./_encode.ts";
import { toEventStream, type ToEventStreamOptions } from "./to_event_stream.ts";

/**
 * Options of {@linkcode eventStreamResponse}: the attach options, the stream's, and the request.
 *
 * @example
 * ```ts
 * import { type EventStreamResponseOptions, RemoteWorkspace } from "@remote-hands/client";
 * const workspace = new RemoteWorkspace({ host: "http://127.0.0.1:8000", apiKey: "key", workingDir: "/w" });
 * const options: EventStreamResponseOptions = { workspace, conversationId: "6c1b5b1e-0000-4000-8000-000000000000" };
 * if (options.workspace !== workspace) throw new Error();
 * ```
 */
export interface EventStreamResponseOptions
  extends
    Omit<RemoteConversationAttachOptions, "after" | "signal">,
    Pick<ToEventStreamOptions, "format" | "heartbeatMs" | "maxBuffer"> {
  /**
   * The reader's request: where to resume comes from its `Last-Event-ID` header (what
   * `EventSource` sends when it reconnects) or its `after` query parameter, and its signal ends
   * the stream.
   */
  request?: Request | undefined;
  /** Where to resume when the request does not say: a cursor from an earlier stream. */
  after?: string | undefined;
}

/**
 * Attaches to the conversation and answers with its event stream ({@linkcode toEventStream}):
 * `200` with `text/event-stream` (or NDJSON), no caching, no proxy buffering. Without a cursor
 * the stream starts with the state and the whole history; with one (`Last-Event-ID`, `?after=`
 * or `after`) with the state and every stored event after it, exactly once, then live events. The
 * conversation is closed when the stream ends: the reader went away, the request's signal
 * aborted, or the server side closed.
 *
 * A cursor that is not one of this client's is a `400` whose body says so (and does not echo
 * it); a failed attach rejects as `RemoteConversation.attach` does.
 *
 * @param options The workspace, the conversation, the request and the stream's form.
 * @returns The response.
 * @throws {NotFoundError} When the server has no such conversation (and the errors of attach).
 * @example
 * ```ts ignore
 * // An edge function: the page's EventSource("/events") watches the conversation.
 * export default {
 *   fetch: (request: Request) =>
 *     eventStreamResponse({ workspace, conversationId, request }),
 * };
 * ```
 */
export async function eventStreamResponse(options: EventStreamResponseOptions): Promise<Response> {
  const { request, format = "sse", heartbeatMs, maxBuffer, after: fallback, ...attach } = options;
  const given = request?.headers.get("last-event-id") ||
    (request ? new URL(request.url).searchParams.get("after") : null) || fallback;
  let after: string | undefined;
  if (given) {
    try {
      parseCursor(given);
      after = given;
    } catch (err) {
      return Response.json({ error: (err as Error).message }, { status: 400 });
    }
  }
  const conversation = await RemoteConversation.attach({
    ...attach,
    ...(after === undefined ? {} : { after }),
    ...(request ? { signal: request.signal } : {}),
  });
  let inner: ReadableStream<Uint8Array>;
  try {
    inner = toEventStream(conversation, {
      format,
      heartbeatMs,
      maxBuffer,
      signal: request?.signal,
    });
  } catch (err) {
    await conversation.close();
    throw err;
  }
  const reader = inner.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller): Promise<void> {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (err) {
        await conversation.close();
        return controller.error(err);
      }
      if (!result.done) return controller.enqueue(result.value);
      // Closed before the reader hears the end: nothing of the conversation outlives the stream.
      await conversation.close();
      controller.close();
    },
    async cancel(reason): Promise<void> {
      await reader.cancel(reason);
      await conversation.close();
    },
  }, { highWaterMark: 0 });
  return new Response(body, {
    headers: {
      "content-type": CONTENT_TYPES[format],
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    },
  });
}
