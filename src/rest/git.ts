/**
 * The git resources of the agent server (`/api/git/...`): changed files and one file's diff.
 *
 * @module
 */

import type { Schemas } from "../types.ts";
import { callInit, type CallOptions } from "./client.ts";
import type { Connection } from "./connection.ts";

/**
 * Which changes {@linkcode gitChanges} and {@linkcode gitDiff} compare with.
 *
 * @example
 * ```ts
 * import type { GitQuery } from "./git.ts";
 * const query: GitQuery = { path: "/work/repo", ref: "HEAD" };
 * if (query.ref !== "HEAD") throw new Error();
 * ```
 */
export interface GitQuery {
  /** The absolute path on the server (a repository, or a file in one). */
  path: string;
  /** The ref to compare with; default: the upstream branch. */
  ref?: string;
  /** A commit SHA: the diff that commit introduced (diffs only). */
  commit?: string;
}

/**
 * `GET /api/git/changes`: the changed files of the repository at `query.path`; `[]` when it is
 * not a repository.
 *
 * @param connection The server.
 * @param query The repository and the ref.
 * @param options Signal and time limit.
 * @returns The changes.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { gitChanges } from "./git.ts";
 * const connection = createConnection({
 *   host: "http://agent.test",
 *   fetch: async () => Response.json([{ path: "a.ts", status: "ADDED" }]),
 * });
 * if ((await gitChanges(connection, { path: "/w" }))[0]?.status !== "ADDED") throw new Error();
 * ```
 */
export async function gitChanges(
  connection: Connection,
  query: Omit<GitQuery, "commit">,
  options?: CallOptions,
): Promise<Schemas["GitChange"][]> {
  const { data } = await connection.rest.GET("/api/git/changes", {
    params: { query: { path: query.path, ...(query.ref !== undefined ? { ref: query.ref } : {}) } },
    ...callInit(options),
  });
  return data ?? [];
}

/**
 * `GET /api/git/diff`: the two sides of one file's diff.
 *
 * @param connection The server.
 * @param query The file, and the ref or commit.
 * @param options Signal and time limit.
 * @returns `original` and `modified`.
 *
 * @example
 * ```ts
 * import { createConnection } from "./connection.ts";
 * import { gitDiff } from "./git.ts";
 * const connection = createConnection({
 *   host: "http://agent.test",
 *   fetch: async () => Response.json({ original: "a", modified: "b" }),
 * });
 * if ((await gitDiff(connection, { path: "/w/a.ts" })).modified !== "b") throw new Error();
 * ```
 */
export async function gitDiff(
  connection: Connection,
  query: GitQuery,
  options?: CallOptions,
): Promise<Schemas["GitDiff"]> {
  const { data } = await connection.rest.GET("/api/git/diff", {
    params: {
      query: {
        path: query.path,
        ...(query.ref !== undefined ? { ref: query.ref } : {}),
        ...(query.commit !== undefined ? { commit: query.commit } : {}),
      },
    },
    ...callInit(options),
  });
  return data;
}
