/**
 * {@linkcode RemoteWorkspace}: where an agent server lives and which directory the agent works in.
 *
 * @module
 */

import type { FetchLike } from "./_transport.ts";
import { type AgentServerClient, createAgentServerClient, normalizeHost } from "./client.ts";

/** Options of {@linkcode RemoteWorkspace}. */
export interface RemoteWorkspaceOptions {
  /** Agent server URL, e.g. `http://127.0.0.1:8000` (a path prefix is kept). */
  host: string | URL;
  /** Session API key of the server (sent in a header or the socket's first frame only). */
  apiKey?: string | undefined;
  /** Working directory of the agent, as a path on the server's machine. */
  workingDir: string;
  /**
   * Per-attempt HTTP timeout in milliseconds.
   * @default {60000}
   */
  timeoutMs?: number;
  /**
   * Retries of idempotent HTTP requests.
   * @default {2}
   */
  maxRetries?: number;
  /** A fetch to use instead of `globalThis.fetch`. */
  fetch?: FetchLike;
  /** A WebSocket constructor to use instead of `globalThis.WebSocket`. */
  WebSocket?: typeof WebSocket;
}

const inspectSymbols = [Symbol.for("Deno.customInspect"), Symbol.for("nodejs.util.inspect.custom")];

/**
 * A remote workspace: the agent server's URL and key, and the agent's working directory.
 *
 * The key is kept private: `JSON.stringify` and `console.log` show `hasApiKey`, never the key.
 *
 * @example
 * ```ts
 * import { RemoteWorkspace } from "./workspace.ts";
 * const ws = new RemoteWorkspace({ host: "http://127.0.0.1:8000", apiKey: "k", workingDir: "/work" });
 * if (JSON.stringify(ws).includes('"k"')) throw new Error("the key must not leak");
 * ```
 */
export class RemoteWorkspace {
  /** Normalized server URL (no trailing slash). */
  readonly host: string;
  /** Working directory of the agent on the server. */
  readonly workingDir: string;
  /** The WebSocket constructor in use. */
  readonly WebSocket: typeof WebSocket | undefined;
  #apiKey: string | undefined;
  #client: AgentServerClient;

  /** Creates the workspace; validates the host and working directory before any request. */
  constructor(options: RemoteWorkspaceOptions) {
    if (options === null || typeof options !== "object") {
      throw new TypeError("Cannot create RemoteWorkspace as the options are missing");
    }
    this.host = normalizeHost(options.host);
    if (typeof options.workingDir !== "string" || options.workingDir === "") {
      throw new TypeError(
        "Cannot create RemoteWorkspace as 'workingDir' must be a non-empty path on the server",
      );
    }
    if (options.apiKey !== undefined && typeof options.apiKey !== "string") {
      throw new TypeError("Cannot create RemoteWorkspace as 'apiKey' must be a string");
    }
    this.workingDir = options.workingDir;
    this.#apiKey = options.apiKey || undefined;
    this.WebSocket = options.WebSocket;
    this.#client = createAgentServerClient({
      host: this.host,
      apiKey: this.#apiKey,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    for (const s of inspectSymbols) {
      Object.defineProperty(this, s, {
        value: () => `RemoteWorkspace(${this.host}, ${this.workingDir})`,
      });
    }
  }

  /** The session API key (undefined when the server needs none). */
  get apiKey(): string | undefined {
    return this.#apiKey;
  }

  /** Whether an API key is set. */
  get hasApiKey(): boolean {
    return this.#apiKey !== undefined;
  }

  /** The typed REST client for this server. */
  get client(): AgentServerClient {
    return this.#client;
  }

  /** JSON without the key. */
  toJSON(): Record<string, unknown> {
    return { host: this.host, workingDir: this.workingDir, hasApiKey: this.hasApiKey };
  }
}
