/**
 * {@linkcode RemoteWorkspace}: where an agent server lives and which directory the agent works in.
 *
 * @module
 */

import { checkMs, inspectAs } from "../_checks.ts";
import type { AgentServerClient, CallOptions } from "../rest/client.ts";
import { normalizeHost } from "../rest/client.ts";
import { type Connection, createConnection, registerConnection } from "../rest/connection.ts";
import { downloadFile, downloadFileStream, uploadFile } from "../rest/files.ts";
import { gitChanges, gitDiff } from "../rest/git.ts";
import type { WebSocketConstructorLike } from "../socket/types.ts";
import { runCommand } from "./_command_runner.ts";
import { checkRef, resolvePath } from "./_paths.ts";
import type {
  CommandResult,
  ExecuteCommandOptions,
  FileContent,
  FileUploadResult,
  GitChange,
  GitChangesOptions,
  GitDiff,
  GitDiffOptions,
  RemoteWorkspaceOptions,
} from "./types.ts";

/**
 * A remote workspace: the agent server's URL and key, and the agent's working directory.
 *
 * The key is kept private: `JSON.stringify` and `console.log` show `hasApiKey`, never the key.
 *
 * @example
 * ```ts
 * import { RemoteWorkspace } from "@remote-hands/client";
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
  readonly WebSocket: WebSocketConstructorLike | undefined;
  #connection: Connection;

  /**
   * Creates the workspace; validates the host and working directory before any request.
   *
   * @param options The server, its key, the working directory and HTTP settings.
   * @throws {TypeError} When the host, working directory or key is not usable.
   * @throws {RangeError} When a number option is out of range.
   */
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
    this.WebSocket = options.WebSocket;
    this.#connection = createConnection({
      host: this.host,
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs,
      maxRetries: options.maxRetries,
      maxResponseBytes: options.maxResponseBytes,
      fetch: options.fetch,
      WebSocket: options.WebSocket,
    });
    registerConnection(this, this.#connection);
    inspectAs(this, () => `RemoteWorkspace(${this.host}, ${this.workingDir})`);
  }

  /** The session API key (undefined when the server needs none). */
  get apiKey(): string | undefined {
    return this.#connection.apiKey;
  }

  /** Whether an API key is set. */
  get hasApiKey(): boolean {
    return this.#connection.apiKey !== undefined;
  }

  /** The typed REST client for this server. */
  get client(): AgentServerClient {
    return this.#connection.client;
  }

  /**
   * Runs a shell command on the server (`POST /api/bash/start_bash_command`, then its output from
   * `/api/bash/bash_events/search` until the exit code arrives) and returns its output.
   * Aborting `signal` stops the command on the server and rejects with the signal's reason. The
   * whole call has one deadline, `timeoutMs` plus 15 s for the final output to arrive: when the
   * server has not reported an end by then, the request in flight is aborted, the command is
   * stopped and the call rejects with a {@linkcode TimeoutError}. A server whose output pages
   * never end (a `next_page_id` that comes back) or that answers with a command id that is not a
   * UUID is a {@linkcode ProtocolError}. No request is made after the call has settled.
   *
   * Servers before 1.52.0 have no route to stop a command (`POST
   * /api/bash/bash_commands/{id}/stop` answers 404). Aborting still rejects as soon as the server
   * has answered that, but not with the signal's reason: with a `DOMException` of the same kind
   * (`name` `"AbortError"`, or `"TimeoutError"` for an `AbortSignal.timeout()` signal) whose
   * message says the command runs on until its time limit, and whose `cause` is an
   * {@linkcode UnsupportedByServerError} (`feature`: `"stopping a running command (POST
   * /api/bash/bash_commands/{command_id}/stop)"`, `since`: `"1.52.0"`). `signal.reason` still
   * holds the reason. A 404 from a server that has the route (the command is unknown to it, so
   * nothing runs) is not reported: the call rejects with the reason.
   *
   * @param command The shell command.
   * @param options Directory, time limit, signal.
   * @returns The command's output and exit code.
   * @throws {TypeError} When the command is empty or `cwd` is not a path.
   * @throws {RangeError} When `timeoutMs` is out of range.
   * @throws {ProtocolError} When the server's command id is not a UUID or its pages never end.
   *
   * @example
   * ```ts ignore
   * const { exitCode, output } = await workspace.executeCommand("git status --short", { cwd: "repo" });
   * if (exitCode !== 0) throw new Error(output);
   * ```
   */
  async executeCommand(
    command: string,
    options: ExecuteCommandOptions = {},
  ): Promise<CommandResult> {
    if (typeof command !== "string" || command.trim() === "") {
      throw new TypeError("Cannot execute the command as it must be a non-empty string");
    }
    const timeoutMs = options.timeoutMs ?? 30_000;
    checkMs("timeoutMs", timeoutMs);
    const cwd = options.cwd === undefined
      ? this.workingDir
      : resolvePath(this.workingDir, options.cwd, "execute the command", "cwd");
    return await runCommand(this.#connection, { command, cwd, timeoutMs, signal: options.signal });
  }

  /**
   * Writes a file on the server (`POST /api/file/upload`, multipart field `file`), creating its
   * parent directories. `path` is absolute or relative to `workingDir`. Strings are sent as
   * UTF-8; a stream is read into memory first. Resolves with the server's `{ success, file_size }`;
   * servers before 1.56.0 send no `file_size`, and then it is the byte size of what was sent (see
   * {@linkcode FileUploadResult}).
   *
   * @param path The file's path: absolute, or relative to `workingDir`.
   * @param content The bytes.
   * @param options Signal and time limit.
   * @returns The server's `{ success, file_size }`.
   * @throws {TypeError} When `path` or `content` is not usable.
   *
   * @example
   * ```ts ignore
   * await workspace.fileUpload("/workspace/data.bin", new Uint8Array([0, 1, 2, 255]));
   * await workspace.fileUpload("notes/todo.md", "- write tests\n");
   * ```
   */
  async fileUpload(
    path: string,
    content: FileContent,
    options: CallOptions = {},
  ): Promise<FileUploadResult> {
    const target = resolvePath(this.workingDir, path, "upload the file");
    let blob: Blob;
    if (content instanceof Blob) blob = content;
    else if (typeof content === "string") blob = new Blob([content]);
    else if (content instanceof Uint8Array) {
      blob = new Blob([content.slice()]);
    } else if (content instanceof ArrayBuffer) blob = new Blob([content]);
    else if (content instanceof ReadableStream) {
      options.signal?.throwIfAborted();
      blob = await new Response(content).blob();
    } else {
      throw new TypeError(
        "Cannot upload the file as 'content' must be a Blob, Uint8Array, ArrayBuffer, string or ReadableStream",
      );
    }
    const filename = target.split(/[\\/]/).pop() || "upload";
    return await uploadFile(this.#connection, target, blob, filename, options);
  }

  /**
   * Reads a file from the server (`GET /api/file/download`) into a `Blob`. A missing file is a
   * `NotFoundError`; a directory is a `BadRequestError`.
   *
   * @param path The file's path: absolute, or relative to `workingDir`.
   * @param options Signal and time limit.
   * @returns The file's bytes.
   * @throws {NotFoundError} When there is no such file.
   *
   * @example
   * ```ts ignore
   * const blob = await workspace.fileDownload("/workspace/report.txt");
   * console.log(await blob.text());
   * ```
   */
  async fileDownload(path: string, options: CallOptions = {}): Promise<Blob> {
    const target = resolvePath(this.workingDir, path, "download the file");
    return await downloadFile(this.#connection, target, options);
  }

  /**
   * Like {@linkcode RemoteWorkspace.fileDownload}, as a byte stream: read it to the end or
   * `cancel()` it (that releases the connection). `signal` and `timeoutMs` cover the whole body.
   *
   * @param path The file's path: absolute, or relative to `workingDir`.
   * @param options Signal and time limit.
   * @returns The file's bytes as a stream.
   * @throws {NotFoundError} When there is no such file.
   *
   * @example
   * ```ts ignore
   * const stream = await workspace.fileDownloadStream("/workspace/big.log");
   * for await (const chunk of stream) total += chunk.length;
   * ```
   */
  async fileDownloadStream(
    path: string,
    options: CallOptions = {},
  ): Promise<ReadableStream<Uint8Array>> {
    const target = resolvePath(this.workingDir, path, "download the file");
    return await downloadFileStream(this.#connection, target, options);
  }

  /**
   * The changed files of the git repository at `path` (absolute or relative to `workingDir`)
   * (`GET /api/git/changes`); `[]` when it is not a repository. Untracked files count as added.
   *
   * @param path The repository's path: absolute, or relative to `workingDir`.
   * @param options The ref, signal and time limit.
   * @returns The changes.
   *
   * @example
   * ```ts ignore
   * for (const change of await workspace.gitChanges(workspace.workingDir, { ref: "HEAD" })) {
   *   console.log(change.status, change.path);
   * }
   * ```
   */
  async gitChanges(path: string, options: GitChangesOptions = {}): Promise<GitChange[]> {
    const target = resolvePath(this.workingDir, path, "list git changes");
    const ref = checkRef(options.ref, "list git changes", "ref");
    return await gitChanges(
      this.#connection,
      { path: target, ...(ref !== undefined ? { ref } : {}) },
      options,
    );
  }

  /**
   * The two sides of one file's diff (`GET /api/git/diff`): `original` is its text at the ref
   * (`""` if it did not exist there), `modified` its text now (`""` if deleted), each without the
   * final line break. Both `null` outside a repository. `path` is absolute or relative to
   * `workingDir`.
   *
   * @param path The file's path: absolute, or relative to `workingDir`.
   * @param options The ref or commit, signal and time limit.
   * @returns `original` and `modified`.
   * @throws {TypeError} When `ref` and `commit` are both given, or `commit` is not a hex SHA.
   *
   * @example
   * ```ts ignore
   * const { original, modified } = await workspace.gitDiff("src/app.ts", { ref: "HEAD" });
   * ```
   */
  async gitDiff(path: string, options: GitDiffOptions = {}): Promise<GitDiff> {
    const target = resolvePath(this.workingDir, path, "diff the file");
    const ref = checkRef(options.ref, "diff the file", "ref");
    const commit = checkRef(options.commit, "diff the file", "commit");
    if (ref !== undefined && commit !== undefined) {
      throw new TypeError(
        "Cannot diff the file as 'ref' and 'commit' exclude each other: pass one",
      );
    }
    if (commit !== undefined && !/^[0-9a-fA-F]{4,64}$/.test(commit)) {
      throw new TypeError(
        `Cannot diff the file as 'commit' must be a hex SHA: current value is '${commit}'`,
      );
    }
    return await gitDiff(this.#connection, {
      path: target,
      ...(ref !== undefined ? { ref } : {}),
      ...(commit !== undefined ? { commit } : {}),
    }, options);
  }

  /**
   * The workspace as JSON, without the key.
   *
   * @returns `{ host, workingDir, hasApiKey }`.
   *
   * @example
   * ```ts
   * import { RemoteWorkspace } from "@remote-hands/client";
   * const ws = new RemoteWorkspace({ host: "http://agent.test", apiKey: "k", workingDir: "/w" });
   * if (!ws.toJSON().hasApiKey) throw new Error();
   * ```
   */
  toJSON(): Record<string, unknown> {
    return { host: this.host, workingDir: this.workingDir, hasApiKey: this.hasApiKey };
  }
}
