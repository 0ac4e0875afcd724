/**
 * The fetch the REST client runs on: a per-attempt timeout combined with the caller's signal,
 * typed connection and timeout errors, and capped retries of idempotent requests.
 *
 * @module
 */

import { delay, exponentialBackoffWithJitter } from "./_async.ts";
import { ConnectionError, TimeoutError } from "./errors.ts";

/**
 * A fetch that takes a Request, as openapi-fetch calls it.
 *
 * @example Log every request
 * ```ts
 * import type { FetchLike } from "./_transport.ts";
 * import { createAgentServerClient } from "./client.ts";
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

/** Builds the transport fetch. */
export function createTransport(options: TransportOptions): FetchLike {
  const { fetch, maxRetries } = options;
  const base = options.retryBaseMs ?? 500;
  const cap = options.retryMaxMs ?? 8_000;

  async function attempt(request: Request, timeoutMs: number): Promise<Response> {
    const callerSignal = request.signal;
    callerSignal.throwIfAborted();
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
    let response: Response;
    try {
      response = await fetch(new Request(request, { signal: controller.signal }));
    } catch (err) {
      cleanup();
      if (timedOut) throw new TimeoutError(describe(request), timeoutMs, { cause: err });
      if (callerSignal.aborted) throw callerSignal.reason;
      throw new ConnectionError(new URL(request.url).origin, err);
    }
    // No body to wait for (openapi-fetch does not read one it knows is empty).
    if (
      response.body === null || response.status === 204 || response.status === 304 ||
      response.headers.get("content-length") === "0"
    ) {
      cleanup();
      return response;
    }
    // The timeout and the caller's signal cover the body too. A JSON answer (every API call) is
    // read here in one native call, which is faster than passing it on chunk by chunk; anything
    // else (file downloads) streams through, and the timer is cleared when it ends.
    if (response.headers.get("content-type")?.includes("json")) {
      try {
        const bytes = await response.arrayBuffer();
        return new Response(bytes, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        });
      } catch (err) {
        throw timedOut
          ? new TimeoutError(describe(request), timeoutMs, { cause: err })
          : callerSignal.aborted
          ? callerSignal.reason
          : err;
      } finally {
        cleanup();
      }
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
          stream.error(
            timedOut
              ? new TimeoutError(describe(request), timeoutMs, { cause: err })
              : callerSignal.aborted
              ? callerSignal.reason
              : err,
          );
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
    let request = input;
    if (override !== null) {
      request = new Request(input);
      request.headers.delete(TIMEOUT_HEADER);
    }
    const timeoutMs = override !== null ? Number(override) : options.timeoutMs;
    const retries = IDEMPOTENT.has(request.method) ? maxRetries : 0;
    for (let n = 0;; n++) {
      const current = n < retries ? request.clone() : request;
      let wait: number;
      try {
        const response = await attempt(current, timeoutMs);
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
