/**
 * The fetch the REST client runs on: a per-attempt timeout combined with the caller's signal,
 * typed connection and timeout errors, and capped retries of idempotent requests.
 *
 * @module
 */

import { delay, exponentialBackoffWithJitter } from "../_async.ts";
import { checkMs } from "../_checks.ts";
import { fetchWithinOrigin } from "./_redirect.ts";
import { unreachable } from "../errors/_unreachable.ts";
import {
  ConnectionError,
  ProtocolError,
  RemoteHandsError,
  ResponseTooLargeError,
  TimeoutError,
} from "../errors.ts";

/**
 * A fetch that takes a Request, as openapi-fetch calls it.
 *
 * @example Log every request
 * ```ts
 * import type { FetchLike } from "@remote-hands/client";
 * import { createAgentServerClient } from "@remote-hands/client";
 * const seen: string[] = [];
 * const fetch: FetchLike = (request) => {
 *   seen.push(`${request.method} ${new URL(request.url).pathname}`);
 *   return Promise.resolve(Response.json(0)); // or: globalThis.fetch(request)
 * };
 * const client = createAgentServerClient({ host: "http://agent.test", fetch });
 * await client.rest.GET("/api/conversations/count");
 * if (seen[0] !== "GET /api/conversations/count") throw new Error(seen.join());
 * ```
 */
export type FetchLike = (request: Request) => Promise<Response>;

/** Header through which a single call overrides the timeout; stripped before sending. */
export const TIMEOUT_HEADER = "x-remote-hands-timeout-ms";

/**
 * Header that marks a call whose 2xx body is read raw (`parseAs` other than `json`: file
 * downloads): it streams through, without the `maxResponseBytes` limit. Stripped before sending.
 */
export const RAW_HEADER = "x-remote-hands-raw-body";

/** Transport settings. */
export interface TransportOptions {
  /** The underlying fetch. */
  fetch: FetchLike;
  /** Per-attempt timeout in milliseconds. */
  timeoutMs: number;
  /** Retries after the first attempt, for idempotent methods only. */
  maxRetries: number;
  /** Backoff base in milliseconds. */
  retryBaseMs?: number;
  /** Backoff cap in milliseconds (Retry-After is capped at 60 s). */
  retryMaxMs?: number;
  /**
   * Largest 2xx body read for parsing, in bytes; a larger one is a `ResponseTooLargeError`.
   * Raw reads ({@linkcode RAW_HEADER}) are not limited; error bodies are cut at
   * {@linkcode ERROR_BODY_CAP}.
   * @default {67108864}
   */
  maxResponseBytes?: number;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
const RETRY_STATUS = new Set([408, 429, 502, 503, 504]);
const RETRY_AFTER_CAP_MS = 60_000;

/** Milliseconds a `Retry-After` (or `retry-after-ms`) header asks for, if any. */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "" && Number.isFinite(Number(ms)) && Number(ms) >= 0) {
    return Number(ms);
  }
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  const seconds = Number(value);
  if (value.trim() !== "" && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function describe(request: Request): string {
  return `${request.method} ${new URL(request.url).pathname}`;
}

/** Bytes of an error (non-2xx) body the transport reads; the rest is dropped. */
export const ERROR_BODY_CAP = 64 * 1024;

/** The default of {@linkcode TransportOptions.maxResponseBytes}: 64 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 * A buffered 2xx answer whose `json()` turns a body that is not JSON into a
 * {@linkcode ProtocolError} (openapi-fetch parses with `json()` when Content-Length is set).
 */
class CheckedResponse extends Response {
  readonly #what: string;
  constructor(body: Uint8Array, init: ResponseInit, what: string) {
    super(body as Uint8Array<ArrayBuffer>, init);
    this.#what = what;
  }
  override async json(): Promise<unknown> {
    try {
      return await super.json();
    } catch (err) {
      throw new ProtocolError(this.#what, "the answer is not JSON", { cause: err });
    }
  }
}

/**
 * Reads a body, at most `limit` bytes. Content-Length is checked first; an answer that is not
 * compressed and says it fits is read in one native call, anything else chunk by chunk with a
 * count, so memory never grows past the limit. Past the limit the read stops and the body is
 * cancelled: `truncate` keeps the first `limit` bytes, otherwise it throws
 * {@linkcode ResponseTooLargeError} for `what`.
 *
 * @example
 * ```ts
 * import { readBounded } from "./_transport.ts";
 * const cut = await readBounded(new Response("abcdef"), 4, "GET /x", true);
 * if (new TextDecoder().decode(cut) !== "abcd") throw new Error();
 * const refused = await readBounded(new Response("abcdef"), 4, "GET /x", false).catch((e) => e);
 * if (refused.name !== "ResponseTooLargeError") throw new Error();
 * ```
 */
export async function readBounded(
  response: Response,
  limit: number,
  what: string,
  truncate: boolean,
): Promise<Uint8Array> {
  const body = response.body;
  if (body === null) return new Uint8Array(0);
  const length = response.headers.get("content-length");
  const declared = length === null || !/^\d+$/.test(length.trim()) ? undefined : Number(length);
  const encoding = response.headers.get("content-encoding");
  const plain = encoding === null || encoding.trim().toLowerCase() === "identity";
  if (declared !== undefined && declared > limit && !truncate) {
    await body.cancel().catch(() => {});
    throw new ResponseTooLargeError(what, limit);
  }
  if (declared !== undefined && declared <= limit && plain) {
    return new Uint8Array(await response.arrayBuffer());
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > limit) {
      await reader.cancel().catch(() => {});
      if (!truncate) throw new ResponseTooLargeError(what, limit);
      chunks.push(value.subarray(0, limit - size));
      size = limit;
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Builds the transport fetch. */
export function createTransport(options: TransportOptions): FetchLike {
  const { fetch, maxRetries } = options;
  const base = options.retryBaseMs ?? 500;
  const cap = options.retryMaxMs ?? 8_000;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

  async function attempt(
    request: Request,
    timeoutMs: number,
    raw: boolean,
    mayRetry: boolean,
  ): Promise<Response> {
    const callerSignal = request.signal;
    callerSignal.throwIfAborted();
    const what = describe(request);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException("Signal timed out.", "TimeoutError"));
    }, timeoutMs);
    const onAbort = () => controller.abort(callerSignal.reason);
    callerSignal.addEventListener("abort", onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      callerSignal.removeEventListener("abort", onAbort);
    };
    const failure = (err: unknown): unknown =>
      err instanceof RemoteHandsError
        ? err
        : timedOut
        ? new TimeoutError(what, timeoutMs, { cause: err })
        : callerSignal.aborted
        ? callerSignal.reason
        : err;
    let response: Response;
    try {
      response = await fetchWithinOrigin(
        fetch,
        new Request(request, { signal: controller.signal }),
        { what },
      );
    } catch (err) {
      cleanup();
      throw err instanceof RemoteHandsError || timedOut || callerSignal.aborted
        ? failure(err)
        : unreachable(new URL(request.url).origin, err);
    }
    const json = response.headers.get("content-type")?.includes("json") ?? false;
    // No body to wait for (openapi-fetch does not read one it knows is empty), or an answer that
    // is retried (the loop cancels its body).
    if (
      (mayRetry && RETRY_STATUS.has(response.status)) || response.body === null ||
      NULL_BODY_STATUS.has(response.status) ||
      request.method === "HEAD" || response.headers.get("content-length") === "0"
    ) {
      cleanup();
      if (
        response.ok && json && !raw && request.method !== "HEAD" &&
        !NULL_BODY_STATUS.has(response.status)
      ) {
        await response.body?.cancel().catch(() => {});
        throw new ProtocolError(what, `a ${response.status} answer with a JSON type has no body`);
      }
      return response;
    }
    // An error body is read up to a small cap (the rest is dropped); a 2xx answer to be parsed
    // is read whole up to maxResponseBytes. Both are covered by the timeout and the caller's
    // signal. Raw answers (file downloads) stream through unlimited, and the timer is cleared
    // when they end.
    if (!response.ok || !raw) {
      let bytes: Uint8Array;
      try {
        bytes = await readBounded(
          response,
          response.ok ? maxResponseBytes : ERROR_BODY_CAP,
          what,
          !response.ok,
        );
      } catch (err) {
        throw failure(err);
      } finally {
        cleanup();
      }
      const headers = new Headers(response.headers);
      headers.delete("transfer-encoding");
      headers.set("content-length", String(bytes.byteLength));
      const init = { status: response.status, statusText: response.statusText, headers };
      if (!response.ok) return new Response(bytes as Uint8Array<ArrayBuffer>, init);
      if (bytes.byteLength === 0 && json) {
        throw new ProtocolError(what, `a ${response.status} answer with a JSON type has no body`);
      }
      return new CheckedResponse(bytes, init, what);
    }
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(stream): Promise<void> {
        try {
          const { done, value } = await reader.read();
          if (done) {
            cleanup();
            stream.close();
          } else stream.enqueue(value);
        } catch (err) {
          cleanup();
          stream.error(failure(err));
        }
      },
      async cancel(reason): Promise<void> {
        cleanup();
        await reader.cancel(reason);
      },
    }, { highWaterMark: 0 });
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }

  return async (input: Request): Promise<Response> => {
    const override = input.headers.get(TIMEOUT_HEADER);
    const raw = input.headers.has(RAW_HEADER);
    let request = input;
    if (override !== null || raw) {
      request = new Request(input);
      request.headers.delete(TIMEOUT_HEADER);
      request.headers.delete(RAW_HEADER);
    }
    const timeoutMs = override !== null ? Number(override) : options.timeoutMs;
    checkMs("timeoutMs", timeoutMs);
    const retries = IDEMPOTENT.has(request.method) ? maxRetries : 0;
    for (let n = 0;; n++) {
      const current = n < retries ? request.clone() : request;
      let wait: number;
      try {
        const response = await attempt(current, timeoutMs, raw, n < retries);
        if (n >= retries || !RETRY_STATUS.has(response.status)) return response;
        const asked = retryAfterMs(response.headers);
        await response.body?.cancel();
        wait = asked !== undefined
          ? Math.min(asked, RETRY_AFTER_CAP_MS)
          : exponentialBackoffWithJitter(cap, base, n, 2, 0.25);
      } catch (err) {
        const retriable = err instanceof ConnectionError || err instanceof TimeoutError;
        if (n >= retries || !retriable) throw err;
        wait = exponentialBackoffWithJitter(cap, base, n, 2, 0.25);
      }
      await delay(wait, { signal: request.signal });
    }
  };
}
