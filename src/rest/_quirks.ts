/**
 * What older agent servers do differently, in one place (see `docs/` for the server versions):
 *
 * - before 1.52.0 there is no `POST /api/bash/bash_commands/{id}/stop` (it answers 404);
 * - before 1.56.0 `POST /api/file/upload` answers `{ success: true }` without `file_size`;
 * - before 1.58.0 `DELETE /api/conversations/{id}` answers an unknown id with a bare 400
 *   (`{"detail": "Bad Request"}`) while `GET` answers 404.
 *
 * @module
 */

import { type BadRequestError, NotFoundError, UnsupportedByServerError } from "../errors.ts";
import { fetchWithinOrigin } from "./_redirect.ts";
import { callInit, type CallOptions } from "./client.ts";
import type { Connection } from "./connection.ts";

/** The route that stops one command; servers before 1.52.0 do not have it. */
export const STOP_ROUTE = "/api/bash/bash_commands/{command_id}/stop";

/** The first agent server release with {@linkcode STOP_ROUTE}. */
export const STOP_SINCE = "1.52.0";

/** Time limit of each request that stops a command (and of the probe after a 404). */
export const COMMAND_STOP_TIMEOUT_MS = 5_000;

/**
 * The answer to a 404 from {@linkcode STOP_ROUTE}: a 404 is either "no such route" (before
 * 1.52.0) or "no such command" (the route's own answer), both saying only `Not Found`. The route
 * exists when GET on it answers 405 (POST only); when GET answers 404 too, the server is older
 * and this resolves with an {@linkcode UnsupportedByServerError} (its `cause` the 404), else with
 * `undefined`.
 *
 * @param connection The server.
 * @param commandId The command the stop was for.
 * @param notFound The 404 of the stop request.
 * @returns The server's shortcoming, or undefined when it has the route.
 *
 * @example
 * ```ts ignore
 * const unsupported = await stopRouteMissing(connection, commandId, err);
 * ```
 */
export async function stopRouteMissing(
  connection: Connection,
  commandId: string,
  notFound: NotFoundError,
): Promise<UnsupportedByServerError | undefined> {
  const path = STOP_ROUTE.replace("{command_id}", encodeURIComponent(commandId));
  const headers = new Headers();
  if (connection.apiKey) headers.set("X-Session-API-Key", connection.apiKey);
  let status: number;
  try {
    const response = await fetchWithinOrigin(
      connection.fetch,
      new Request(`${connection.baseUrl}${path}`, {
        headers,
        signal: AbortSignal.timeout(COMMAND_STOP_TIMEOUT_MS),
      }),
    );
    status = response.status;
    await response.body?.cancel().catch(() => {});
  } catch {
    return undefined; // no answer: nothing more to learn
  }
  if (status !== 404) return undefined;
  return new UnsupportedByServerError(
    `stopping a running command (POST ${STOP_ROUTE})`,
    STOP_SINCE,
    undefined,
    { cause: notFound },
  );
}

/**
 * What `file_size` an upload reports: the server's, or, from servers before 1.56.0 (which answer
 * `{ success: true }` only after writing every byte they received), the byte size sent.
 *
 * @param answered The server's `file_size`, if any.
 * @param sentBytes The byte size of the content sent.
 * @returns The file size.
 *
 * @example
 * ```ts
 * import { uploadedSize } from "./_quirks.ts";
 * if (uploadedSize(undefined, 4) !== 4 || uploadedSize(3, 4) !== 3) throw new Error();
 * ```
 */
export function uploadedSize(answered: unknown, sentBytes: number): number {
  return typeof answered === "number" ? answered : sentBytes;
}

/**
 * The error for a 400 from `DELETE /api/conversations/{id}`. Before 1.58.0 the server answers a
 * bare 400 (detail `Bad Request`) when the id is unknown: such a 400, or one whose detail says
 * "not found", confirmed by a 404 on `GET /api/conversations/{id}`, becomes a
 * {@linkcode NotFoundError} (`status` 404, as newer servers answer; `cause` the 400). Anything
 * else keeps the 400.
 *
 * @param connection The server.
 * @param id The conversation's id.
 * @param err The 400.
 * @param options Signal and time limit of the GET.
 * @returns The error to throw.
 * @throws The signal's reason when it aborts during the GET.
 *
 * @example
 * ```ts ignore
 * throw await deleteOfUnknownId(connection, id, err, options);
 * ```
 */
export async function deleteOfUnknownId(
  connection: Connection,
  id: string,
  err: BadRequestError,
  options: CallOptions,
): Promise<Error> {
  const detail = typeof err.detail === "string" ? err.detail.trim() : "";
  if (detail !== "Bad Request" && !/\bnot found\b/i.test(detail)) return err;
  try {
    await connection.rest.GET("/api/conversations/{conversation_id}", {
      params: { path: { conversation_id: id } },
      ...callInit(options),
    });
    return err; // it exists: the 400 meant something else
  } catch (getErr) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (!(getErr instanceof NotFoundError)) return err;
    return new NotFoundError(
      404,
      err.body,
      { method: err.method, path: err.path },
      `${err.method} ${err.path} failed with 400: ${detail} (the conversation does not exist: ` +
        `GET answered 404; servers before 1.58.0 answer 400 here). Check the id and the host`,
      { cause: err },
    );
  }
}
