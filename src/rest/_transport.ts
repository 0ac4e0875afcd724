/**
 * The fetch the REST client runs on: a per-attempt timeout combined with the caller's signal,
 * typed connection and timeout errors, and capped retries of idempotent requests.
 *
 * @module
 */

import { delay, exponentialBackoffWithJitter } from "../_async.ts";
import { checkMs } from "../_checks.ts";
import { fetchWithinOrigin } from "./_redirect.ts";
import { fitsAsDeclared, readBounded } from "./_read_bounded.ts";
import { unreachable } from "../errors/_unreachable.ts";
import { ConnectionError, ProtocolError, RemoteHandsError, TimeoutError } from "../errors.ts";

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
 * One answer of a {@linkcode Sender}: the response and, for a body the transport read (a 2xx
 * answer to parse, up to `maxResponseBytes`; an error body, cut at {@linkcode ERROR_BODY_CAP}),
 * its bytes. `bytes` is undefined when the body streams through (raw reads) or there is none.
 *
 * @example
 * ```ts
 * import type { Answer } from "./_transport.ts";
 * const answer: Answer = { response: new Response(null, { status: 204 }), bytes: undefined };
 * if (answer.response.status !== 204) throw new Error();
 * ```
 */
export interface Answer {
  /** The response (its body already read when `bytes` is set). */
  response: Response;
  /** The body the transport read, if it read one as bytes. */
  bytes: Uint8Array | undefined;
  /** The 2xx body parsed, when the call asked for it ({@linkcode SendOptions.json}) and the
   * transport read it so. */
  json?: { data: unknown };
}

/**
 * How a {@linkcode Sender} sends one call.
 *
 * @example
 * ```ts
 * import type { SendOptions } from "./_transport.ts";
 * const how: SendOptions = {
 *   method: "GET", origin: "http://agent.test", what: "GET /ready",
 *   signal: undefined, timeoutMs: 5_000, raw: false,
 * };
 * if (how.what !== "GET /ready") throw new Error();
 * ```
 */
export interface SendOptions {
  /** The HTTP method (retries are for idempotent ones only). */
  method: string;
  /** The server's origin (redirects stay in it). */
  origin: string;
  /** The call for errors, e.g. `GET /api/conversations/count`. */
  what: string;
  /** The caller's signal. */
  signal: AbortSignal | undefined;
  /** Time limit of one attempt, in milliseconds. */
  timeoutMs: number;
  /** Whether a 2xx body streams through unread (file downloads). */
  raw: boolean;
  /**
   * Whether a 2xx body that says it fits (`content-length` at most `maxResponseBytes`, not
   * compressed) comes back parsed as JSON (`json`: one native read and parse, no string of the
   * whole body in between) rather than as bytes.
   */
  json?: boolean;
}

/**
 * Sends one call, attempt by attempt: `make` builds each attempt's request around the signal that
 * ends it (the caller's, or the attempt's timeout), so a retry needs no copy kept of the first.
 *
 * @example
 * ```ts
 * import { createSender } from "./_transport.ts";
 * const send = createSender({ fetch: async () => Response.json(7), timeoutMs: 5_000, maxRetries: 0 });
 * const url = "http://agent.test/api/conversations/count";
 * const { bytes } = await send((signal) => new Request(url, { signal }), {
 *   method: "GET", origin: "http://agent.test", what: "GET /api/conversations/count",
 *   signal: undefined, timeoutMs: 5_000, raw: false,
 * });
 * if (new TextDecoder().decode(bytes) !== "7") throw new Error();
 * ```
 */
export type Sender = (make: (signal: AbortSignal) => Request, how: SendOptions) => Promise<Answer>;

/**
 * Builds the sender: per-attempt timeouts combined with the caller's signal, typed connection and
 * timeout errors, bounded body reads and capped retries of idempotent calls.
 *
 * @param options The fetch, timeouts, retries and the body limit.
 * @returns The sender.
 * @example
 * ```ts
 * import { createSender } from "./_transport.ts";
 * const send = createSender({ fetch: async () => new Response("no", { status: 404 }), timeoutMs: 1_000, maxRetries: 2 });
 * const { response, bytes } = await send((signal) => new Request("http://agent.test/x", { signal }), {
 *   method: "GET", origin: "http://agent.test", what: "GET /x", signal: undefined, timeoutMs: 1_000, raw: false,
 * });
 * if (response.status !== 404 || new TextDecoder().decode(bytes) !== "no") throw new Error();
 * ```
 */
export function createSender(options: TransportOptions): Sender {
  const { fetch, maxRetries } = options;
  const base = options.retryBaseMs ?? 500;
  const cap = options.retryMaxMs ?? 8_000;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

  async function attempt(
    make: (signal: AbortSignal) => Request,
    how: SendOptions,
    mayRetry: boolean,
  ): Promise<Answer> {
    const { what, timeoutMs, raw } = how;
    const callerSignal = how.signal;
    callerSignal?.throwIfAborted();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException("Signal timed out.", "TimeoutError"));
    }, timeoutMs);
    const onAbort = () => controller.abort(callerSignal?.reason);
    callerSignal?.addEventListener("abort", onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      callerSignal?.removeEventListener("abort", onAbort);
    };
    const failure = (err: unknown): unknown =>
      err instanceof RemoteHandsError
        ? err
        : timedOut
        ? new TimeoutError(what, timeoutMs, { cause: err })
        : callerSignal?.aborted
        ? callerSignal.reason
        : err;
    let response: Response;
    try {
      response = await fetchWithinOrigin(fetch, make(controller.signal), { what });
    } catch (err) {
      cleanup();
      throw err instanceof RemoteHandsError || timedOut || callerSignal?.aborted
        ? failure(err)
        : unreachable(how.origin, err);
    }
    const headers = response.headers;
    const json = headers.get("content-type")?.includes("json") ?? false;
    // No body to wait for (openapi-fetch does not read one it knows is empty), or an answer that
    // is retried (the loop cancels its body).
    if (
      (mayRetry && RETRY_STATUS.has(response.status)) || response.body === null ||
      NULL_BODY_STATUS.has(response.status) ||
      how.method === "HEAD" || headers.get("content-length") === "0"
    ) {
      cleanup();
      if (
        response.ok && json && !raw && how.method !== "HEAD" &&
        !NULL_BODY_STATUS.has(response.status)
      ) {
        await response.body?.cancel().catch(() => {});
        throw new ProtocolError(what, `a ${response.status} answer with a JSON type has no body`);
      }
      return { response, bytes: undefined };
    }
    // An error body is read up to a small cap (the rest is dropped); a 2xx answer to be parsed
    // is read whole up to maxResponseBytes. Both are covered by the timeout and the caller's
    // signal. Raw answers (file downloads) stream through unlimited, and the timer is cleared
    // when they end.
    if (response.ok && !raw && how.json && fitsAsDeclared(headers, maxResponseBytes)) {
      // The declared length is not 0 (see above): a body that does not parse is not JSON.
      let data: unknown;
      try {
        data = await response.json();
      } catch (err) {
        throw err instanceof SyntaxError
          ? new ProtocolError(what, "the answer is not JSON", { cause: err })
          : failure(err);
      } finally {
        cleanup();
      }
      return { response, bytes: undefined, json: { data } };
    }
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
      if (response.ok && bytes.byteLength === 0 && json) {
        throw new ProtocolError(what, `a ${response.status} answer with a JSON type has no body`);
      }
      return { response, bytes };
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
    const streamed = new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    return { response: streamed, bytes: undefined };
  }

  return async (make, how) => {
    checkMs("timeoutMs", how.timeoutMs);
    const retries = IDEMPOTENT.has(how.method) ? maxRetries : 0;
    for (let n = 0;; n++) {
      let wait: number;
      try {
        const answer = await attempt(make, how, n < retries);
        const { response } = answer;
        if (n >= retries || !RETRY_STATUS.has(response.status)) return answer;
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
      await delay(wait, how.signal ? { signal: how.signal } : {});
    }
  };
}

/**
 * Builds the transport fetch openapi-fetch runs on (the public `AgentServerClient.rest`): the
 * {@linkcode Sender} behind a `(request) => Response` function. A per-call timeout comes in
 * {@linkcode TIMEOUT_HEADER}, a raw read is marked with {@linkcode RAW_HEADER}; a body it read
 * comes back buffered, with its exact `content-length`.
 *
 * @param options The fetch, timeouts, retries and the body limit.
 * @returns The fetch.
 * @example
 * ```ts
 * import { createTransport } from "./_transport.ts";
 * const fetch = createTransport({ fetch: async () => Response.json([1]), timeoutMs: 5_000, maxRetries: 0 });
 * const response = await fetch(new Request("http://agent.test/x"));
 * if (response.headers.get("content-length") !== "3") throw new Error();
 * ```
 */
export function createTransport(options: TransportOptions): FetchLike {
  const send = createSender(options);
  return async (input: Request): Promise<Response> => {
    const override = input.headers.get(TIMEOUT_HEADER);
    const raw = input.headers.has(RAW_HEADER);
    let request = input;
    if (override !== null || raw) {
      request = new Request(input);
      request.headers.delete(TIMEOUT_HEADER);
      request.headers.delete(RAW_HEADER);
    }
    const url = new URL(request.url);
    const how: SendOptions = {
      method: request.method,
      origin: url.origin,
      what: `${request.method} ${url.pathname}`,
      signal: request.signal,
      timeoutMs: override !== null ? Number(override) : options.timeoutMs,
      raw,
    };
    // Every attempt but the last sends a copy, so that the body is there for the next one.
    let copies = IDEMPOTENT.has(request.method) ? options.maxRetries : 0;
    const make = (signal: AbortSignal) =>
      new Request(copies-- > 0 ? request.clone() : request, { signal });
    const { response, bytes } = await send(make, how);
    if (bytes === undefined) return response;
    const headers = new Headers(response.headers);
    headers.delete("transfer-encoding");
    headers.set("content-length", String(bytes.byteLength));
    const init = { status: response.status, statusText: response.statusText, headers };
    if (!response.ok) return new Response(bytes as Uint8Array<ArrayBuffer>, init);
    return new CheckedResponse(bytes, init, how.what);
  };
}
