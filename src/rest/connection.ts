/**
 * {@linkcode Connection}: everything needed to talk to one agent server (its URL, key, typed REST
 * client, raw fetch and WebSocket constructor, limits), made once from the user's options and
 * shared by the workspace, its conversations and the manager.
 *
 * @module
 */

import { inspectAs } from "../_checks.ts";
import type { WebSocketConstructorLike } from "../socket/types.ts";
import type { FetchLike } from "./_transport.ts";
import { createSender, DEFAULT_MAX_RESPONSE_BYTES } from "./_transport.ts";
import { createCalls } from "./_calls.ts";
import type { RestClient } from "./types.ts";
import { type AgentServerClient, createAgentServerClient, normalizeHost } from "./client.ts";

/**
 * Options of {@linkcode createConnection}: the server and how to reach it.
 *
 * @example
 * ```ts
 * import { type ConnectionOptions, createConnection } from "./connection.ts";
 * const options: ConnectionOptions = { host: "http://agent.test/", apiKey: "key", timeoutMs: 5_000 };
 * if (createConnection(options).baseUrl !== "http://agent.test") throw new Error();
 * ```
 */
export interface ConnectionOptions {
  /** Agent server URL, e.g. `http://127.0.0.1:8000` (a path prefix is kept). */
  host: string | URL;
  /** Session API key; `""` counts as none. */
  apiKey?: string | undefined;
  /** Per-attempt HTTP timeout in milliseconds. @default {60000} */
  timeoutMs?: number | undefined;
  /** Retries of idempotent HTTP requests. @default {2} */
  maxRetries?: number | undefined;
  /** Largest JSON answer read, in bytes (`Infinity`: no limit). @default {67108864} */
  maxResponseBytes?: number | undefined;
  /** The fetch for every HTTP request. @default {globalThis.fetch} */
  fetch?: FetchLike | undefined;
  /** The WebSocket constructor for event sockets. @default {globalThis.WebSocket} */
  WebSocket?: WebSocketConstructorLike | undefined;
}

/**
 * One agent server as the library reaches it. Internal plumbing: `apiKey` is not enumerable and
 * `console.log`/`JSON.stringify` show only the URL, so the key is never logged.
 *
 * @example
 * ```ts
 * import { type Connection, createConnection } from "./connection.ts";
 * const connection: Connection = createConnection({ host: "http://agent.test", apiKey: "key" });
 * if (JSON.stringify(connection).includes("key")) throw new Error("the key must not leak");
 * if (connection.apiKey !== "key" || !connection.client.hasApiKey) throw new Error();
 * ```
 */
export interface Connection {
  /** The normalized server URL, without a trailing slash. */
  readonly baseUrl: string;
  /** The session API key (internal only, never logged); undefined when the server needs none. */
  readonly apiKey: string | undefined;
  /** The public typed REST client (openapi-fetch over the transport), for `workspace.client`. */
  readonly client: AgentServerClient;
  /**
   * The library's own REST calls: the same typed shape and the same transport (timeouts,
   * retries, typed errors), without openapi-fetch's per-call work.
   */
  readonly rest: RestClient;
  /** The user's fetch (default `globalThis.fetch`), raw: for the socket probes and the title LLM. */
  readonly fetch: FetchLike;
  /** The user's WebSocket constructor, if given. */
  readonly WebSocket: WebSocketConstructorLike | undefined;
  /** The default per-attempt timeout in milliseconds. */
  readonly timeoutMs: number;
  /** The largest JSON answer read, in bytes. */
  readonly maxResponseBytes: number;
}

/**
 * Makes the {@linkcode Connection} for `options`, checking them before any request.
 *
 * @param options The server and how to reach it.
 * @returns The connection.
 * @throws {TypeError} When the host is not an http(s) URL without credentials, query or fragment.
 * @throws {RangeError} When a number option is out of range.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => Response.json(1) });
 * const { data } = await connection.client.rest.GET("/api/conversations/count");
 * if (data !== 1 || connection.timeoutMs !== 60_000) throw new Error();
 * ```
 */
export function createConnection(options: ConnectionOptions): Connection {
  const baseUrl = normalizeHost(options.host);
  const apiKey = options.apiKey || undefined;
  const fetch: FetchLike = options.fetch ?? ((request) => globalThis.fetch(request));
  const client = createAgentServerClient({
    host: baseUrl,
    apiKey,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
    ...(options.maxResponseBytes !== undefined
      ? { maxResponseBytes: options.maxResponseBytes }
      : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const send = createSender({
    fetch,
    timeoutMs: client.timeoutMs,
    maxRetries: options.maxRetries ?? 2,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
  });
  const connection: Connection = {
    baseUrl,
    apiKey,
    client,
    rest: createCalls({ baseUrl, apiKey, timeoutMs: client.timeoutMs, send }),
    fetch,
    WebSocket: options.WebSocket,
    timeoutMs: client.timeoutMs,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
  };
  Object.defineProperty(connection, "apiKey", { enumerable: false });
  inspectAs(connection, () => `Connection(${baseUrl})`);
  return Object.freeze(connection);
}

const registry = new WeakMap<object, Connection>();

/**
 * Records `connection` as the one `owner` (a `RemoteWorkspace`) uses, for
 * {@linkcode connectionOf}.
 *
 * @param owner The object the connection belongs to.
 * @param connection Its connection.
 *
 * @example
 * ```ts
 * import { connectionOf, createConnection, registerConnection } from "./connection.ts";
 * const owner = {};
 * const connection = createConnection({ host: "http://agent.test" });
 * registerConnection(owner, connection);
 * if (connectionOf(owner) !== connection) throw new Error();
 * ```
 */
export function registerConnection(owner: object, connection: Connection): void {
  registry.set(owner, connection);
}

/**
 * The {@linkcode Connection} registered for `workspace`.
 *
 * @param workspace A `RemoteWorkspace`.
 * @returns Its connection.
 * @throws {TypeError} When no connection is registered for it (it is not a `RemoteWorkspace`).
 *
 * @example
 * ```ts
 * import { connectionOf } from "./connection.ts";
 * try {
 *   connectionOf({});
 *   throw new Error("accepted");
 * } catch (err) {
 *   if (!(err instanceof TypeError)) throw err;
 * }
 * ```
 */
export function connectionOf(workspace: object): Connection {
  const connection = workspace !== null && typeof workspace === "object"
    ? registry.get(workspace)
    : undefined;
  if (!connection) {
    throw new TypeError(
      "Cannot reach the agent server as the workspace is not a RemoteWorkspace: create one with new RemoteWorkspace()",
    );
  }
  return connection;
}
