/**
 * The tool registry of the agent server (`tool_router.py`): the names an agent's `tools` may use.
 *
 * @module
 */

import { shown } from "../_checks.ts";
import { ProtocolError } from "../errors.ts";
import { callInit, type CallOptions } from "./client.ts";
import type { Connection } from "./connection.ts";

/**
 * `GET /api/tools/`: the names of the tools registered on the server, the ones an agent's
 * `tools: [{ name }]` may name (the 1.58.2 server answers a create with another name with a 500
 * when it first builds the agent).
 *
 * @param connection The server.
 * @param options Signal and time limit.
 * @returns The tool names, in the server's order.
 * @throws {ProtocolError} When the answer is not an array of strings.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { listTools } from "./tools.ts";
 * const connection = createConnection({
 *   host: "http://agent.test",
 *   fetch: async () => Response.json(["terminal", "file_editor"]),
 * });
 * if (!(await listTools(connection)).includes("terminal")) throw new Error();
 * ```
 */
export async function listTools(connection: Connection, options?: CallOptions): Promise<string[]> {
  const { data } = await connection.rest.GET("/api/tools/", callInit(options));
  const answer: unknown = data;
  if (!Array.isArray(answer)) {
    throw new ProtocolError("GET /api/tools/", `the answer is ${shown(answer)}, not an array`);
  }
  const names: string[] = [];
  for (const name of answer) {
    if (typeof name !== "string") {
      throw new ProtocolError("GET /api/tools/", `a tool name is ${shown(name)}, not a string`);
    }
    names.push(name);
  }
  return names;
}
