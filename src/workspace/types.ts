/**
 * The option and result types of {@linkcode RemoteWorkspace}: command runs, file transfers, git.
 *
 * @module
 */

import type { WebSocketConstructorLike } from "../socket/types.ts";
import type { FetchLike } from "../rest/_transport.ts";
import type { CallOptions } from "../rest/client.ts";
import type { Schemas } from "../types.ts";

/**
 * One chunk of a command's output as the server stores it (`kind: "BashOutput"`).
 *
 * @example
 * ```ts
 * import type { BashOutput } from "@remote-hands/client";
 * const chunk: BashOutput = { kind: "BashOutput", command_id: "0b6e2f1a-5c3d-4e8f-9a1b-2c3d4e5f6a7b", order: 0, stdout: "hi\n", exit_code: 0 };
 * if (chunk.exit_code !== 0) throw new Error();
 * ```
 */
export type BashOutput = Schemas["BashOutput"];
/**
 * What {@linkcode RemoteWorkspace.fileUpload} resolves with: `{ success, file_size }`.
 *
 * `file_size` is the number of bytes written on the server. Servers from 1.56.0 on send it; for
 * older servers, which answer only `{ success: true }`, the client fills in the size of the content
 * it sent, which is exact: those servers answer 2xx only after writing every byte they received.
 *
 * @example
 * ```ts
 * import type { FileUploadResult } from "@remote-hands/client";
 * import { RemoteWorkspace } from "@remote-hands/client";
 * // A stand-in server that accepts every upload.
 * const workspace = new RemoteWorkspace({
 *   host: "http://agent.test",
 *   workingDir: "/work",
 *   fetch: async () => Response.json({ success: true, file_size: 3 }),
 * });
 * const result: FileUploadResult = await workspace.fileUpload("notes.txt", "abc");
 * if (result.file_size !== 3) throw new Error();
 * ```
 *
 * @example A server before 1.56.0: `file_size` is the byte size sent
 * ```ts
 * import { RemoteWorkspace } from "@remote-hands/client";
 * const workspace = new RemoteWorkspace({
 *   host: "http://agent.test",
 *   workingDir: "/work",
 *   fetch: async () => Response.json({ success: true }),
 * });
 * const { file_size } = await workspace.fileUpload("notes.txt", "día"); // 4 bytes in UTF-8
 * if (file_size !== 4) throw new Error(String(file_size));
 * ```
 */
export type FileUploadResult = Schemas["FileUploadResult"];
/**
 * A changed file in a git repository: `{ path, status }`.
 *
 * @example
 * ```ts
 * import type { GitChange } from "@remote-hands/client";
 * import { RemoteWorkspace } from "@remote-hands/client";
 * // A stand-in server with one added file.
 * const workspace = new RemoteWorkspace({
 *   host: "http://agent.test",
 *   workingDir: "/work",
 *   fetch: async () => Response.json([{ path: "src/new.ts", status: "ADDED" }]),
 * });
 * const changes: GitChange[] = await workspace.gitChanges(".");
 * if (changes[0]?.path !== "src/new.ts") throw new Error();
 * ```
 */
export type GitChange = Schemas["GitChange"];
/**
 * How a file changed: `ADDED`, `UPDATED`, `DELETED` or `MOVED`.
 *
 * @example
 * ```ts
 * import type { GitChangeStatus } from "@remote-hands/client";
 * const letter: Record<GitChangeStatus, string> = { ADDED: "A", UPDATED: "M", DELETED: "D", MOVED: "R" };
 * if (letter.UPDATED !== "M") throw new Error();
 * ```
 */
export type GitChangeStatus = Schemas["GitChangeStatus"];
/**
 * The two sides of one file's diff: `original` (at the ref) and `modified` (working tree).
 *
 * @example
 * ```ts
 * import type { GitDiff } from "@remote-hands/client";
 * import { RemoteWorkspace } from "@remote-hands/client";
 * // A stand-in server where one line changed.
 * const workspace = new RemoteWorkspace({
 *   host: "http://agent.test",
 *   workingDir: "/work",
 *   fetch: async () => Response.json({ original: "a = 1", modified: "a = 2" }),
 * });
 * const diff: GitDiff = await workspace.gitDiff("src/app.ts", { ref: "HEAD" });
 * if (diff.original === diff.modified) throw new Error();
 * ```
 */
export type GitDiff = Schemas["GitDiff"];

/**
 * Options of {@linkcode RemoteWorkspace.executeCommand}.
 *
 * @example
 * ```ts
 * import type { ExecuteCommandOptions } from "@remote-hands/client";
 * import { RemoteWorkspace } from "@remote-hands/client";
 * // A stand-in server: the command starts, then its output and exit code arrive.
 * const workspace = new RemoteWorkspace({
 *   host: "http://agent.test",
 *   workingDir: "/work",
 *   fetch: async (request) =>
 *     request.method === "POST"
 *       ? Response.json({ id: "0b6e2f1a-5c3d-4e8f-9a1b-2c3d4e5f6a7b" })
 *       : Response.json({
 *         items: [{ kind: "BashOutput", command_id: "0b6e2f1a-5c3d-4e8f-9a1b-2c3d4e5f6a7b", order: 0, stdout: "hi\n", exit_code: 0 }],
 *         next_page_id: null,
 *       }),
 * });
 * const options: ExecuteCommandOptions = { cwd: "repo", timeoutMs: 120_000 };
 * const { exitCode } = await workspace.executeCommand("echo hi", options);
 * if (exitCode !== 0) throw new Error();
 * ```
 */
export interface ExecuteCommandOptions {
  /** Directory to run in: absolute, or relative to `workingDir`. @default {workingDir} */
  cwd?: string;
  /**
   * Time limit of the command. The server kills it then (exit code -1, `timedOut: true`); sent
   * in whole seconds, rounded up.
   * @default {30000}
   */
  timeoutMs?: number;
  /**
   * Stops waiting and stops the command on the server; the promise rejects with the signal's
   * reason. A server before 1.52.0 cannot stop a command: see
   * {@linkcode RemoteWorkspace.executeCommand} for the error then.
   */
  signal?: AbortSignal;
}

/**
 * Result of {@linkcode RemoteWorkspace.executeCommand}.
 *
 * @example
 * ```ts
 * import type { CommandResult } from "@remote-hands/client";
 * import { RemoteWorkspace } from "@remote-hands/client";
 * // A stand-in server: the command starts, then its output and exit code arrive.
 * const workspace = new RemoteWorkspace({
 *   host: "http://agent.test",
 *   workingDir: "/work",
 *   fetch: async (request) =>
 *     request.method === "POST"
 *       ? Response.json({ id: "0b6e2f1a-5c3d-4e8f-9a1b-2c3d4e5f6a7b" })
 *       : Response.json({
 *         items: [{ kind: "BashOutput", command_id: "0b6e2f1a-5c3d-4e8f-9a1b-2c3d4e5f6a7b", order: 0, stdout: "hi\n", exit_code: 0 }],
 *         next_page_id: null,
 *       }),
 * });
 * const result: CommandResult = await workspace.executeCommand("echo hi");
 * if (result.output !== "hi" || result.stdout !== "hi\n" || result.timedOut) throw new Error();
 * ```
 */
export interface CommandResult {
  /** The command as sent. */
  command: string;
  /** The server's id of the command (its `BashCommand` event). */
  commandId: string;
  /** Exit code; -1 when the server killed the command at the time limit or could not start it. */
  exitCode: number;
  /** Everything the command wrote to stdout. */
  stdout: string;
  /** Everything the command wrote to stderr. */
  stderr: string;
  /**
   * stdout followed by stderr (the server captures them apart, so they are not interleaved),
   * without trailing line breaks, like a shell's `$(...)`.
   */
  output: string;
  /** Whether the server killed the command at the time limit. */
  timedOut: boolean;
}

/**
 * Options of {@linkcode RemoteWorkspace.gitChanges}.
 *
 * @example `git status`-style changes (here against a stand-in fetch)
 * ```ts
 * import type { GitChangesOptions } from "@remote-hands/client";
 * import { RemoteWorkspace } from "@remote-hands/client";
 * const urls: URL[] = [];
 * const workspace = new RemoteWorkspace({
 *   host: "http://agent.test",
 *   workingDir: "/work",
 *   fetch: async (request) => {
 *     urls.push(new URL(request.url));
 *     return Response.json([]);
 *   },
 * });
 * const options: GitChangesOptions = { ref: "HEAD", timeoutMs: 10_000 };
 * await workspace.gitChanges("repo", options);
 * if (urls[0]?.searchParams.get("path") !== "/work/repo") throw new Error();
 * if (urls[0]?.searchParams.get("ref") !== "HEAD") throw new Error();
 * ```
 */
export interface GitChangesOptions extends CallOptions {
  /** Ref to compare with (`HEAD` for `git status`-style changes); default: the upstream branch. */
  ref?: string;
}

/**
 * Options of {@linkcode RemoteWorkspace.gitDiff}.
 *
 * @example What one commit changed (here against a stand-in fetch)
 * ```ts
 * import type { GitDiffOptions } from "@remote-hands/client";
 * import { RemoteWorkspace } from "@remote-hands/client";
 * const workspace = new RemoteWorkspace({
 *   host: "http://agent.test",
 *   workingDir: "/work",
 *   fetch: async () => Response.json({ original: "", modified: "new file" }),
 * });
 * const options: GitDiffOptions = { commit: "3f2a9c1" };
 * const { modified } = await workspace.gitDiff("README.md", options);
 * if (modified !== "new file") throw new Error();
 * ```
 */
export interface GitDiffOptions extends GitChangesOptions {
  /** A commit SHA: the diff that commit introduced (cannot be combined with `ref`). */
  commit?: string;
}

/**
 * What {@linkcode RemoteWorkspace.fileUpload} accepts as content.
 *
 * @example Here against a stand-in fetch
 * ```ts
 * import type { FileContent } from "@remote-hands/client";
 * import { RemoteWorkspace } from "@remote-hands/client";
 * const workspace = new RemoteWorkspace({
 *   host: "http://agent.test",
 *   workingDir: "/work",
 *   fetch: async () => Response.json({ success: true, file_size: 3 }),
 * });
 * const contents: FileContent[] = ["abc", new Uint8Array([1, 2, 3]), new Blob(["abc"])];
 * for (const content of contents) await workspace.fileUpload("data.bin", content);
 * ```
 */
export type FileContent = Blob | Uint8Array | ArrayBuffer | string | ReadableStream<Uint8Array>;

/**
 * Options of {@linkcode RemoteWorkspace}.
 *
 * @example
 * ```ts
 * import type { RemoteWorkspaceOptions } from "@remote-hands/client";
 * import { RemoteWorkspace } from "@remote-hands/client";
 * const options: RemoteWorkspaceOptions = {
 *   host: "https://agents.example.com/runtime/abc/",
 *   apiKey: "session-key",
 *   workingDir: "/workspace/project",
 *   timeoutMs: 30_000,
 *   maxRetries: 3,
 * };
 * const workspace = new RemoteWorkspace(options);
 * if (workspace.host !== "https://agents.example.com/runtime/abc") throw new Error(workspace.host);
 * ```
 */
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
  /**
   * Largest JSON answer read, in bytes; a larger one is a `ResponseTooLargeError` and is not
   * read. File downloads are not limited. `Infinity` lifts the limit.
   * @default {67108864}
   */
  maxResponseBytes?: number;
  /** A fetch to use instead of `globalThis.fetch`. */
  fetch?: FetchLike;
  /** A WebSocket constructor to use instead of `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructorLike;
}
