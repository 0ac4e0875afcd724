/**
 * The typed REST core: an openapi-fetch client typed by the agent server's generated OpenAPI
 * paths, with the session key header, timeouts, retries and typed errors.
 *
 * @module
 */

import createClient, { type Middleware } from "openapi-fetch";
import {
  createTransport,
  DEFAULT_MAX_RESPONSE_BYTES,
  type FetchLike,
  RAW_HEADER,
  TIMEOUT_HEADER,
} from "./_transport.ts";
import { checkMs } from "../_checks.ts";
import { secretStrings } from "../_redact.ts";
import { errorBody } from "./_calls.ts";
import { APIError } from "../errors.ts";
import type { AgentServerPaths, RestClient } from "./types.ts";

export type { AgentServerPaths } from "./types.ts";
export type { FetchLike } from "./_transport.ts";

/**
 * Options for {@linkcode createAgentServerClient}.
 *
 * @example With a stand-in fetch
 * ```ts
 * import { type AgentServerClientOptions, createAgentServerClient } from "@remote-hands/client";
 * const options: AgentServerClientOptions = {
 *   host: "http://agent.test/",
 *   apiKey: "key",
 *   timeoutMs: 5_000,
 *   maxRetries: 0,
 *   fetch: async () => Response.json(0),
 * };
 * const client = createAgentServerClient(options);
 * if (client.baseUrl !== "http://agent.test" || !client.hasApiKey) throw new Error();
 * ```
 */
export interface AgentServerClientOptions {
  /** Server URL, e.g. `http://127.0.0.1:8000`; a path prefix (`https://host/runtime/x`) is kept. */
  host: string | URL;
  /** Session API key, sent as the `X-Session-API-Key` header (never in a URL). */
  apiKey?: string | undefined;
  /**
   * Time limit for one HTTP attempt, in milliseconds (above 0, at most 2^31 - 1).
   * @default {60000}
   */
  timeoutMs?: number;
  /**
   * Largest answer read for parsing (every JSON answer), in bytes: a larger one is not read and
   * the call throws `ResponseTooLargeError`. `Infinity` lifts the limit. File downloads
   * (`fileDownload`, `fileDownloadStream`, any `parseAs` other than `json`) are the user's data
   * and are not limited. Error bodies are read up to 64 KiB whatever this is, and error messages
   * quote at most 500 characters of them.
   * @default {67108864} (64 MiB)
   */
  maxResponseBytes?: number;
  /**
   * Retries of idempotent requests (GET, PUT, DELETE, ...) after connection errors, timeouts,
   * 408, 429, 502, 503 and 504, honouring `Retry-After` up to 60 s. POSTs are never retried.
   * @default {2}
   */
  maxRetries?: number;
  /** The fetch to use. Default: `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Extra headers for every request. */
  headers?: Record<string, string>;
}

/**
 * The typed REST client for the agent server ({@linkcode RestClient}), plus the settings it was
 * made with.
 *
 * Calls resolve to `{ data, response }` on 2xx and throw typed errors otherwise: an
 * {@linkcode APIError} subclass for HTTP errors, `ConnectionError` when the server cannot be
 * reached, `TimeoutError` when an attempt runs out of time, and the signal's reason on abort.
 *
 * @example Call a typed endpoint (here against a stand-in fetch)
 * ```ts
 * import { type AgentServerClient, createAgentServerClient } from "@remote-hands/client";
 * const client: AgentServerClient = createAgentServerClient({
 *   host: "http://agent.test",
 *   fetch: async () => Response.json(2),
 * });
 * const { data } = await client.rest.GET("/api/conversations/count", {
 *   params: { query: { status: "finished" } },
 * });
 * if (data !== 2) throw new Error();
 * ```
 */
export interface AgentServerClient {
  /**
   * The typed REST client (`GET`, `POST`, `PUT`, `PATCH`, `DELETE` on the generated paths); an
   * openapi-fetch client at run time.
   */
  readonly rest: RestClient;
  /** The normalized base URL, without a trailing slash. */
  readonly baseUrl: string;
  /** Whether an API key is configured. The key itself is not exposed. */
  readonly hasApiKey: boolean;
  /** The default per-attempt timeout in milliseconds. */
  readonly timeoutMs: number;
}

/**
 * Per-call options accepted by helpers built on the client.
 *
 * @example
 * ```ts
 * import { type CallOptions, callInit } from "./client.ts";
 * const controller = new AbortController();
 * const options: CallOptions = { signal: controller.signal, timeoutMs: 10_000 };
 * if (callInit(options).signal !== controller.signal) throw new Error();
 * ```
 */
export interface CallOptions {
  /** Cancels the call; the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Time limit for this call (per attempt), in milliseconds (above 0, at most 2^31 - 1). */
  timeoutMs?: number | undefined;
}

/**
 * Validates and normalizes a server URL (http or https; trailing slashes removed).
 *
 * @example
 * ```ts
 * import { normalizeHost } from "./client.ts";
 * if (normalizeHost("http://127.0.0.1:8000/") !== "http://127.0.0.1:8000") throw new Error();
 * ```
 */
export function normalizeHost(host: string | URL): string {
  let url: URL;
  try {
    url = new URL(String(host));
  } catch {
    throw new TypeError(
      `Cannot use the host as it is not a URL: current value is '${String(host)}'`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(
      `Cannot use the host as its scheme must be http or https: current value is '${url.protocol}'`,
    );
  }
  if (url.username || url.password) {
    throw new TypeError("Cannot use the host as it contains credentials: pass apiKey instead");
  }
  if (url.search || url.hash) {
    throw new TypeError("Cannot use the host as it has a query or fragment: pass the base URL");
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/**
 * Returns per-call init fields (signal and timeout header) for an openapi-fetch call.
 *
 * @example Give one call its own time limit
 * ```ts
 * import { callInit, createAgentServerClient } from "./client.ts";
 * const client = createAgentServerClient({ host: "http://agent.test", fetch: async () => Response.json(0) });
 * const { data } = await client.rest.GET("/api/conversations/count", {
 *   ...callInit({ timeoutMs: 5_000 }),
 * });
 * if (data !== 0) throw new Error();
 * ```
 */
export function callInit(
  options: CallOptions = {},
): { signal?: AbortSignal; headers?: Record<string, string> } {
  checkMs("timeoutMs", options.timeoutMs);
  const init: { signal?: AbortSignal; headers?: Record<string, string> } = {};
  if (options.signal) init.signal = options.signal;
  if (options.timeoutMs !== undefined) {
    init.headers = { [TIMEOUT_HEADER]: String(options.timeoutMs) };
  }
  return init;
}

async function readBody(response: Response, secrets: readonly string[]): Promise<unknown> {
  // A server or proxy that echoes the key or a secret, even JSON-escaped, must not put it into
  // our error. The transport has cut the body to 64 KiB.
  return errorBody(await response.text(), secrets);
}

/**
 * Creates the typed REST client.
 *
 * @example Read a conversation
 * ```ts ignore
 * import { createAgentServerClient } from "@remote-hands/client";
 * const client = createAgentServerClient({ host: "http://127.0.0.1:8000", apiKey: "key" });
 * const { data } = await client.rest.GET("/api/conversations/{conversation_id}", {
 *   params: { path: { conversation_id: "6c1b5b1e-0000-4000-8000-000000000000" } },
 * });
 * console.log(data.execution_status);
 * ```
 */
export function createAgentServerClient(options: AgentServerClientOptions): AgentServerClient {
  const baseUrl = normalizeHost(options.host);
  checkMs("timeoutMs", options.timeoutMs);
  const maxRetries = options.maxRetries ?? 2;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new RangeError(
      `Cannot use 'maxRetries' as it must be a whole number >= 0: current value is ${maxRetries}`,
    );
  }
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  if (
    !(Number.isSafeInteger(maxResponseBytes) && maxResponseBytes > 0) &&
    maxResponseBytes !== Infinity
  ) {
    throw new RangeError(
      `Cannot use 'maxResponseBytes' as it must be a whole number of bytes above 0 or Infinity: current value is ${maxResponseBytes}`,
    );
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  const baseFetch: FetchLike = options.fetch ?? ((request) => globalThis.fetch(request));
  const transport = createTransport({ fetch: baseFetch, timeoutMs, maxRetries, maxResponseBytes });
  const rest = createClient<AgentServerPaths>({
    baseUrl,
    fetch: transport,
    ...(options.headers ? { headers: options.headers } : {}),
  });
  const apiKey = options.apiKey;
  // The JSON bodies sent, kept until the answer is known: the secrets in them are redacted from
  // an error body that echoes them.
  const sent = new WeakMap<Request, Promise<string>>();
  const middleware: Middleware = {
    onRequest({ request, options }): Request {
      if (apiKey) request.headers.set("X-Session-API-Key", apiKey);
      if (options.parseAs !== "json") request.headers.set(RAW_HEADER, "1");
      if (request.body !== null && request.headers.get("content-type")?.includes("json")) {
        const text = request.clone().text();
        text.catch(() => {});
        sent.set(request, text);
      }
      return request;
    },
    async onResponse({ request, response }): Promise<Response> {
      const body = sent.get(request);
      sent.delete(request);
      if (response.ok) return response;
      const secrets = secretStrings(await body?.then(parseOrUndefined, () => undefined));
      if (apiKey) secrets.push(apiKey);
      const path = new URL(request.url).pathname;
      throw APIError.from(response.status, await readBody(response, secrets), {
        method: request.method,
        path,
      });
    },
    onError({ request }): undefined {
      sent.delete(request);
    },
  };
  rest.use(middleware);
  // The middleware throws on every non-2xx, so a call that resolves has `data`: RestClient says
  // so. The object stays the openapi-fetch client; only its type is narrowed.
  return { rest: rest as RestClient, baseUrl, hasApiKey: Boolean(apiKey), timeoutMs };
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
