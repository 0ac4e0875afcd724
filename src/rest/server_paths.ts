/**
 * The routes every agent server has that its public OpenAPI document leaves out
 * (`server_details_router.py`), typed in the generated paths' shape.
 *
 * @module
 */

/**
 * What `GET /server_info` answers (`ServerInfo` in the server's `server_details_router.py`).
 * `version` is the agent server's release; the other fields depend on the release, so all but
 * `version` may be missing.
 *
 * @example
 * ```ts
 * import type { ServerInfo } from "./server_paths.ts";
 * const info: ServerInfo = { version: "1.58.2", uptime: 12, usable_tools: ["terminal"] };
 * if (info.version !== "1.58.2") throw new Error();
 * ```
 */
export interface ServerInfo {
  /** The agent server's release, e.g. `1.58.2`. */
  version: string;
  /** Seconds since the server started. */
  uptime?: number;
  /** Seconds since the last conversation event. */
  idle_time?: number;
  /** The server's title. */
  title?: string;
  /** The `openhands-sdk` release. */
  sdk_version?: string;
  /** The `openhands-tools` release. */
  tools_version?: string;
  /** The `openhands-workspace` release. */
  workspace_version?: string;
  /** The build's git commit. */
  build_git_sha?: string;
  /** The build's git ref. */
  build_git_ref?: string;
  /** The server's Python version. */
  python_version?: string;
  /** The tools an agent can use on this server. */
  usable_tools?: string[];
  /** Idle seconds after which the runtime stops, if it does. */
  runtime_idle_timeout_seconds?: number | null;
  /** Where conversations run: `local` or `docker`. */
  conversation_runtime?: string;
  /** The runtimes a start request may select. */
  available_conversation_runtimes?: string[];
  /** Feature flags, e.g. `idempotent_conversation_create_v1`. */
  capabilities?: string[];
  /** The longest foreground terminal command, in seconds, if limited. */
  max_foreground_terminal_timeout_seconds?: number | null;
  /** Any other field a release adds. */
  [field: string]: unknown;
}

/** A GET-only route with a JSON answer, in the generated paths' shape. */
interface JsonGetRoute<Answer> {
  parameters: { query?: never; header?: never; path?: never; cookie?: never };
  get: {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    requestBody?: never;
    responses: {
      200: { headers: { [name: string]: unknown }; content: { "application/json": Answer } };
    };
  };
  put?: never;
  post?: never;
  delete?: never;
  options?: never;
  head?: never;
  patch?: never;
  trace?: never;
}

/**
 * Routes every agent server has that its public OpenAPI document leaves out
 * (`server_details_router.py`).
 *
 * @example
 * ```ts
 * import type { ServerDetailsPaths } from "./server_paths.ts";
 * type Version = ServerDetailsPaths["/server_info"]["get"]["responses"][200]["content"]["application/json"]["version"];
 * const version: Version = "1.58.2";
 * if (!version) throw new Error();
 * ```
 */
export interface ServerDetailsPaths {
  /** The server's release and capabilities. */
  "/server_info": JsonGetRoute<ServerInfo>;
}
