/**
 * What the agent server says about itself (`GET /server_info`): its release and capabilities.
 *
 * @module
 */

import { shown } from "../_checks.ts";
import { ProtocolError } from "../errors.ts";
import { callInit, type CallOptions } from "./client.ts";
import type { Connection } from "./connection.ts";
import type { ServerInfo } from "./server_paths.ts";

/**
 * `GET /server_info`: the server's release (`version`) and what it can do.
 *
 * @param connection The server.
 * @param options Signal and time limit.
 * @returns The server's info.
 * @throws {ProtocolError} When the answer is not an object with a string `version`.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { serverInfo } from "./server.ts";
 * const connection = createConnection({
 *   host: "http://agent.test",
 *   fetch: async () => Response.json({ version: "1.58.2", uptime: 3 }),
 * });
 * if ((await serverInfo(connection)).version !== "1.58.2") throw new Error();
 * ```
 */
export async function serverInfo(
  connection: Connection,
  options?: CallOptions,
): Promise<ServerInfo> {
  const { data } = await connection.rest.GET("/server_info", { ...callInit(options) });
  const answer: unknown = data;
  if (answer === null || typeof answer !== "object" || Array.isArray(answer)) {
    throw new ProtocolError("GET /server_info", `the answer is ${shown(answer)}, not server info`);
  }
  const version: unknown = Reflect.get(answer, "version");
  if (typeof version !== "string") {
    throw new ProtocolError("GET /server_info", `the version is ${shown(version)}, not a string`);
  }
  return data;
}
