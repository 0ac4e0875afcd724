/**
 * The REST calls the library itself makes (the resource modules): the same typed `RestClient`
 * shape as the public openapi-fetch client, on the same {@linkcode Sender} (timeouts, retries of
 * idempotent calls, bounded reads, same-origin redirects, typed errors), without openapi-fetch's
 * per-call work. One `Request` per attempt (openapi-fetch builds one, the fetch adapter a copy
 * kept for retries and one more for the signal), and a JSON answer is parsed once from the bytes
 * the transport read (not wrapped in a second `Response` and read again). The URL is built as
 * openapi-fetch builds it: path parameters percent-encoded, query values percent-encoded (arrays
 * repeated, `undefined` and `null` left out).
 *
 * @module
 */

import { redactStrings, redactText, secretStrings } from "../_redact.ts";
import { APIError, ProtocolError } from "../errors.ts";
import { type Sender, TIMEOUT_HEADER } from "./_transport.ts";
import type { RestCall, RestClient, RestParseAs } from "./types.ts";

/** The init of one call, as the resource modules pass it (a subset of openapi-fetch's). */
interface CallInit {
  params?: { path?: Record<string, unknown>; query?: Record<string, unknown> };
  body?: unknown;
  parseAs?: RestParseAs;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/**
 * What {@linkcode createCalls} needs: the server, the key, the default timeout and the sender.
 *
 * @example
 * ```ts
 * import type { CallsOptions } from "./_calls.ts";
 * import { createSender } from "./_transport.ts";
 * const options: CallsOptions = {
 *   baseUrl: "http://agent.test", apiKey: undefined, timeoutMs: 5_000,
 *   send: createSender({ fetch: async () => Response.json(1), timeoutMs: 5_000, maxRetries: 0 }),
 * };
 * if (options.timeoutMs !== 5_000) throw new Error();
 * ```
 */
export interface CallsOptions {
  /** The normalized server URL, without a trailing slash. */
  baseUrl: string;
  /** The session key, sent as `X-Session-API-Key`. */
  apiKey: string | undefined;
  /** The default per-attempt timeout in milliseconds. */
  timeoutMs: number;
  /** The sender. */
  send: Sender;
}

const decoder = new TextDecoder();

/**
 * An error answer's body for an {@linkcode APIError}: the text with the key and the secrets the
 * request sent taken out (also JSON-escaped), parsed when it is JSON.
 *
 * @param text The body (the transport cut it to 64 KiB).
 * @param secrets The strings to take out.
 * @returns The body, or `undefined` for an empty one.
 * @example
 * ```ts
 * import { errorBody } from "./_calls.ts";
 * const body = errorBody('{"detail":"bad key sk-1"}', ["sk-1"]);
 * if (JSON.stringify(body).includes("sk-1")) throw new Error();
 * ```
 */
export function errorBody(text: string, secrets: readonly string[]): unknown {
  const redacted = redactText(text, secrets);
  if (redacted === "") return undefined;
  try {
    return redactStrings(JSON.parse(redacted), secrets);
  } catch {
    return redacted;
  }
}

/** `path` with its `{name}` parameters filled in and the query appended, as openapi-fetch does. */
function urlOf(baseUrl: string, path: string, params: CallInit["params"]): string {
  let url = baseUrl + path;
  const values = params?.path;
  if (values) {
    url = url.replace(/\{([^{}]+)\}/g, (match, name: string) => {
      const value = values[name];
      return value === undefined || value === null ? match : encodeURIComponent(String(value));
    });
  }
  const query = params?.query;
  if (!query) return url;
  const parts: string[] = [];
  for (const name in query) {
    const value = query[name];
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      parts.push(`${name}=${encodeURIComponent(String(item))}`);
    }
  }
  return parts.length === 0 ? url : `${url}?${parts.join("&")}`;
}

/**
 * The library's REST client over `options.send`.
 *
 * @param options The server, the key, the default timeout and the sender.
 * @returns A {@linkcode RestClient}.
 * @example
 * ```ts
 * import { createCalls } from "./_calls.ts";
 * import { createSender } from "./_transport.ts";
 * const seen: string[] = [];
 * const send = createSender({
 *   fetch: async (request) => (seen.push(request.url), Response.json(3)),
 *   timeoutMs: 5_000,
 *   maxRetries: 0,
 * });
 * const rest = createCalls({ baseUrl: "http://agent.test", apiKey: undefined, timeoutMs: 5_000, send });
 * const { data } = await rest.GET("/api/conversations/count", { params: { query: { status: "idle" } } });
 * if (data !== 3 || seen[0] !== "http://agent.test/api/conversations/count?status=idle") throw new Error();
 * ```
 */
export function createCalls(options: CallsOptions): RestClient {
  const { baseUrl, apiKey, send } = options;
  const origin = new URL(baseUrl).origin;
  const prefix = baseUrl.slice(origin.length);

  async function call(
    method: string,
    path: string,
    init: CallInit = {},
  ): Promise<{ data: unknown; response: Response }> {
    const url = urlOf(baseUrl, path, init.params);
    const headers: Record<string, string> = {};
    if (apiKey) headers["x-session-api-key"] = apiKey;
    let body: string | FormData | null = null;
    if (init.body instanceof FormData) body = init.body;
    else if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers["content-type"] = "application/json";
    }
    const override = init.headers?.[TIMEOUT_HEADER];
    const parseAs = init.parseAs ?? "json";
    const pathname = prefix + url.slice(baseUrl.length).split("?", 1)[0];
    const what = `${method} ${pathname}`;
    // Manual redirects: the sender follows them itself, within the origin.
    const make = (signal: AbortSignal) =>
      new Request(url, { method, headers, body, signal, redirect: "manual" });
    const { response, bytes, json } = await send(make, {
      method,
      origin,
      what,
      signal: init.signal,
      timeoutMs: override !== undefined ? Number(override) : options.timeoutMs,
      raw: parseAs !== "json",
      json: parseAs === "json",
    });
    if (!response.ok) {
      const secrets = typeof body === "string" ? secretStrings(init.body) : [];
      if (apiKey) secrets.push(apiKey);
      const answer = bytes === undefined ? "" : decoder.decode(bytes);
      throw APIError.from(response.status, errorBody(answer, secrets), { method, path: pathname });
    }
    if (parseAs === "stream") return { data: response.body, response };
    if (parseAs !== "json") return { data: await response[parseAs](), response };
    if (json) return { data: json.data, response };
    if (bytes === undefined) return { data: undefined, response };
    try {
      return { data: JSON.parse(decoder.decode(bytes)), response };
    } catch (err) {
      throw new ProtocolError(what, "the answer is not JSON", { cause: err });
    }
  }

  return {
    GET: ((path: string, init?: CallInit) => call("GET", path, init)) as RestCall<"get">,
    POST: ((path: string, init?: CallInit) => call("POST", path, init)) as RestCall<"post">,
    PUT: ((path: string, init?: CallInit) => call("PUT", path, init)) as RestCall<"put">,
    PATCH: ((path: string, init?: CallInit) => call("PATCH", path, init)) as RestCall<"patch">,
    DELETE: ((path: string, init?: CallInit) => call("DELETE", path, init)) as RestCall<"delete">,
  };
}
