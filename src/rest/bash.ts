/**
 * The shell command resources of the agent server (`/api/bash/...`): start a command, read its
 * stored output, stop it.
 *
 * @module
 */

import { nextPage, pageItems, shown, UUID } from "../_checks.ts";
import { NotFoundError, ProtocolError, type UnsupportedByServerError } from "../errors.ts";
import type { Schemas } from "../types.ts";
import { nextPageId } from "./_answers.ts";
import { COMMAND_STOP_TIMEOUT_MS, STOP_ROUTE, stopRouteMissing } from "./_quirks.ts";
import { callInit, type CallOptions } from "./client.ts";
import type { Connection } from "./connection.ts";

/**
 * What `POST /api/bash/start_bash_command` runs: the command, its directory on the server and its
 * time limit in whole seconds.
 *
 * @example
 * ```ts
 * import type { StartCommandRequest } from "./bash.ts";
 * const request: StartCommandRequest = { command: "ls", cwd: "/work", timeout: 30 };
 * if (request.timeout !== 30) throw new Error();
 * ```
 */
export type StartCommandRequest = Schemas["ExecuteBashRequest"];

/**
 * One stored chunk of a command's output (`kind: "BashOutput"`).
 *
 * @example
 * ```ts
 * import type { CommandOutput } from "./bash.ts";
 * const chunk: CommandOutput = { kind: "BashOutput", command_id: "c1", order: 0, stdout: "hi\n" };
 * if (chunk.stdout !== "hi\n") throw new Error();
 * ```
 */
export type CommandOutput = Schemas["BashOutput"];

/**
 * `POST /api/bash/start_bash_command`: starts a command.
 *
 * @param connection The server.
 * @param request The command, its directory and time limit.
 * @param options Signal and time limit of the request.
 * @returns The command's id (a UUID).
 * @throws {ProtocolError} When the answer's id is not a UUID (an id like `..` would send the stop
 * request to another route).
 *
 * @example
 * ```ts
 * import { startCommand } from "./bash.ts";
 * import { createConnection } from "./connection.ts";
 * const id = "0b6e2f1a-5c3d-4e8f-9a1b-2c3d4e5f6a7b";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => Response.json({ id }) });
 * if (await startCommand(connection, { command: "ls", cwd: "/w", timeout: 30 }) !== id) throw new Error();
 * ```
 */
export async function startCommand(
  connection: Connection,
  request: StartCommandRequest,
  options?: CallOptions,
): Promise<string> {
  const { data } = await connection.rest.POST("/api/bash/start_bash_command", {
    body: request,
    ...callInit(options),
  });
  const answer: unknown = data;
  const id = answer !== null && typeof answer === "object" ? Reflect.get(answer, "id") : undefined;
  if (typeof id !== "string" || !UUID.test(id)) {
    throw new ProtocolError(
      "POST /api/bash/start_bash_command",
      `the command id is ${shown(id)}, not a UUID`,
    );
  }
  return id;
}

function isOutput(item: unknown): item is CommandOutput {
  return item !== null && typeof item === "object" && "kind" in item && item.kind === "BashOutput";
}

/**
 * Every stored output chunk of one command (`GET /api/bash/bash_events/search`, 100 a page), in
 * the server's timestamp order.
 *
 * @param connection The server.
 * @param commandId The command's id.
 * @param options Signal and time limit (of each page).
 * @returns The chunks.
 * @throws {ProtocolError} When a page is not a page, or a page token comes back (the pages would
 * never end).
 *
 * @example
 * ```ts
 * import { commandOutputs } from "./bash.ts";
 * import { createConnection } from "./connection.ts";
 * const connection = createConnection({
 *   host: "http://agent.test",
 *   fetch: async () =>
 *     Response.json({ items: [{ kind: "BashOutput", command_id: "c1", order: 0, stdout: "hi" }], next_page_id: null }),
 * });
 * const [chunk] = await commandOutputs(connection, "0b6e2f1a-5c3d-4e8f-9a1b-2c3d4e5f6a7b");
 * if (chunk?.stdout !== "hi") throw new Error();
 * ```
 */
export async function commandOutputs(
  connection: Connection,
  commandId: string,
  options?: CallOptions,
): Promise<CommandOutput[]> {
  const what = "GET /api/bash/bash_events/search";
  const outputs: CommandOutput[] = [];
  // Every page token so far: one that comes back means the pages would never end.
  const seen = new Set<string>();
  let pageId: string | undefined;
  do {
    const { data } = await connection.rest.GET("/api/bash/bash_events/search", {
      params: {
        query: {
          kind__eq: "BashOutput",
          command_id__eq: commandId,
          sort_order: "TIMESTAMP",
          limit: 100,
          ...(pageId ? { page_id: pageId } : {}),
        },
      },
      ...callInit(options),
    });
    for (const item of pageItems(data, what, "output")) if (isOutput(item)) outputs.push(item);
    pageId = nextPage(nextPageId(data, what), seen, what);
  } while (pageId);
  return outputs;
}

/**
 * Stops a command on the server, best effort: the command may have ended already, or the server
 * may be gone (then its own time limit ends the command). Never rejects.
 *
 * @param connection The server.
 * @param commandId The command's id.
 * @returns An `UnsupportedByServerError` when the server has no stop route (before 1.52.0), else
 * `undefined`.
 *
 * @example
 * ```ts
 * import { stopCommand } from "./bash.ts";
 * import { createConnection } from "./connection.ts";
 * const connection = createConnection({ host: "http://agent.test", fetch: async () => Response.json({ success: true }) });
 * if (await stopCommand(connection, "0b6e2f1a-5c3d-4e8f-9a1b-2c3d4e5f6a7b") !== undefined) throw new Error();
 * ```
 */
export async function stopCommand(
  connection: Connection,
  commandId: string,
): Promise<UnsupportedByServerError | undefined> {
  try {
    await connection.rest.POST(STOP_ROUTE, {
      params: { path: { command_id: commandId } },
      ...callInit({ timeoutMs: COMMAND_STOP_TIMEOUT_MS }),
    });
    return undefined;
  } catch (err) {
    if (err instanceof NotFoundError) return await stopRouteMissing(connection, commandId, err);
    return undefined;
  }
}
