/**
 * {@linkcode RemoteWorkspace}: where an agent server lives and which directory the agent works in.
 *
 * @module
 */

import type { Schemas } from "./types.ts";
import { delay } from "./_async.ts";
import { checkMs, inspectAs, nextPage, pageItems, shown, UUID } from "./_checks.ts";
import type { FetchLike } from "./_transport.ts";
import type { WebSocketConstructorLike } from "./websocket_client.ts";
import {
  type AgentServerClient,
  callInit,
  type CallOptions,
  createAgentServerClient,
  normalizeHost,
} from "./client.ts";
import { NotFoundError, ProtocolError, TimeoutError, UnsupportedByServerError } from "./errors.ts";

/**
 * One chunk of a command's output as the server stores it (`kind: "BashOutput"`).
 *
 * @example
 * ```ts
 * import type { BashOutput } from "./workspace.ts";
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
 * import { type FileUploadResult, RemoteWorkspace } from "./workspace.ts";
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
 * import { RemoteWorkspace } from "./workspace.ts";
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
 * import { type GitChange, RemoteWorkspace } from "./workspace.ts";
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
 * import type { GitChangeStatus } from "./workspace.ts";
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
 * import { type GitDiff, RemoteWorkspace } from "./workspace.ts";
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
 * import { type ExecuteCommandOptions, RemoteWorkspace } from "./workspace.ts";
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
 * import { type CommandResult, RemoteWorkspace } from "./workspace.ts";
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
 * import { type GitChangesOptions, RemoteWorkspace } from "./workspace.ts";
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
 * import { type GitDiffOptions, RemoteWorkspace } from "./workspace.ts";
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
 * import { type FileContent, RemoteWorkspace } from "./workspace.ts";
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

const COMMAND_POLL_MIN_MS = 20;
const COMMAND_POLL_MAX_MS = 250;
/** How long past the command's time limit to wait for its final output before giving up. */
const COMMAND_GRACE_MS = 15_000;
/** Time limit of each request that stops a command (and of the probe after a 404). */
const COMMAND_STOP_TIMEOUT_MS = 5_000;
/** The route that stops one command; servers before 1.52.0 do not have it. */
const STOP_ROUTE = "/api/bash/bash_commands/{command_id}/stop";
/** The first agent server release with {@linkcode STOP_ROUTE}. */
const STOP_SINCE = "1.52.0";

/**
 * Options of {@linkcode RemoteWorkspace}.
 *
 * @example
 * ```ts
 * import { RemoteWorkspace, type RemoteWorkspaceOptions } from "./workspace.ts";
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
  readonly WebSocket: WebSocketConstructorLike | undefined;
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
      ...(options.maxResponseBytes !== undefined
        ? { maxResponseBytes: options.maxResponseBytes }
        : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    inspectAs(this, () => `RemoteWorkspace(${this.host}, ${this.workingDir})`);
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

  /**
   * Resolves a server path: absolute paths (`/x`, `C:\\x`) as given, others relative to
   * `workingDir`.
   */
  #path(path: unknown, what: string, name = "path"): string {
    if (typeof path !== "string" || path === "") {
      throw new TypeError(`Cannot ${what} as '${name}' must be a non-empty path on the server`);
    }
    if (path.includes("\0")) {
      throw new TypeError(`Cannot ${what} as '${name}' contains a NUL character`);
    }
    if (path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path)) return path;
    const base = this.workingDir.replace(/[\\/]+$/, "");
    return `${base}/${path.replace(/^\.\//, "")}`;
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
      : this.#path(options.cwd, "execute the command", "cwd");
    const { signal } = options;
    signal?.throwIfAborted();
    const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
    const started = Date.now();
    // One deadline for the whole call: it aborts the request in flight, not only the wait.
    const expired = new AbortController();
    const disarm = new AbortController();
    let commandId: string | undefined;
    delay(seconds * 1000 + COMMAND_GRACE_MS, { signal: disarm.signal }).then(() => {
      const what = commandId === undefined
        ? "Starting the command"
        : `Waiting for the command ${commandId}`;
      expired.abort(new TimeoutError(what, timeoutMs));
    }, () => {});
    const active = signal ? AbortSignal.any([signal, expired.signal]) : expired.signal;
    try {
      const { data } = await this.#client.rest.POST("/api/bash/start_bash_command", {
        body: { command, cwd, timeout: seconds },
        ...callInit({ signal: active }),
      });
      const id = (data as { id?: unknown } | null | undefined)?.id;
      if (typeof id !== "string" || !UUID.test(id)) {
        // An id like `..` would send the stop request to another route.
        throw new ProtocolError(
          "POST /api/bash/start_bash_command",
          `the command id is ${shown(id)}, not a UUID`,
        );
      }
      commandId = id;
      return await this.#followCommand(command, id, seconds, started, active, signal);
    } catch (err) {
      if (expired.signal.aborted && !signal?.aborted) throw expired.signal.reason;
      throw err;
    } finally {
      disarm.abort();
    }
  }

  /** Polls the output of a started command until its exit code arrives; on any failure (an
   * abort, the deadline, a broken answer) stops the command before rejecting. */
  async #followCommand(
    command: string,
    commandId: string,
    seconds: number,
    started: number,
    active: AbortSignal,
    signal: AbortSignal | undefined,
  ): Promise<CommandResult> {
    let wait = COMMAND_POLL_MIN_MS;
    try {
      for (;;) {
        const outputs = await this.#commandOutputs(commandId, active);
        const final = outputs.find((o) => typeof o.exit_code === "number");
        if (final) {
          const sorted = outputs.map((o, i) => ({ o, i }))
            .sort((a, b) => order(a.o) - order(b.o) || a.i - b.i)
            .map(({ o }) => o);
          const text = (o: BashOutput, field: "stdout" | "stderr"): string => {
            const value = o[field];
            return typeof value === "string" ? value : "";
          };
          const stdout = sorted.map((o) => text(o, "stdout")).join("");
          const stderr = sorted.map((o) => text(o, "stderr")).join("");
          const exitCode = final.exit_code as number;
          return {
            command,
            commandId,
            exitCode,
            stdout,
            stderr,
            output: (stdout + stderr).replace(/(?:\r?\n)+$/, ""),
            timedOut: exitCode === -1 && Date.now() - started >= seconds * 1000,
          };
        }
        await delay(wait, { signal: active });
        wait = Math.min(wait * 2, COMMAND_POLL_MAX_MS);
      }
    } catch (err) {
      const unsupported = await this.#stopCommand(commandId);
      if (unsupported && signal?.aborted) {
        throw abortedButRunning(signal.reason, commandId, seconds, unsupported);
      }
      throw err;
    }
  }

  /** Every stored output chunk of one command, in the server's timestamp order. */
  async #commandOutputs(
    commandId: string,
    signal: AbortSignal | undefined,
  ): Promise<BashOutput[]> {
    const what = "GET /api/bash/bash_events/search";
    const outputs: BashOutput[] = [];
    // Every page token so far: one that comes back means the pages would never end.
    const seen = new Set<string>();
    let pageId: string | undefined;
    do {
      const { data } = await this.#client.rest.GET("/api/bash/bash_events/search", {
        params: {
          query: {
            kind__eq: "BashOutput",
            command_id__eq: commandId,
            sort_order: "TIMESTAMP",
            limit: 100,
            ...(pageId ? { page_id: pageId } : {}),
          },
        },
        ...callInit({ signal }),
      });
      for (const item of pageItems(data, what, "output")) {
        if (
          item !== null && typeof item === "object" &&
          (item as { kind?: unknown }).kind === "BashOutput"
        ) outputs.push(item as BashOutput);
      }
      pageId = nextPage((data as { next_page_id?: unknown }).next_page_id, seen, what);
    } while (pageId);
    return outputs;
  }

  /**
   * Stops the command on the server, best effort: the command may have ended already, or the
   * server may be gone. Resolves with an {@linkcode UnsupportedByServerError} when the server has
   * no stop route (before 1.52.0), else with `undefined`.
   */
  async #stopCommand(commandId: string): Promise<UnsupportedByServerError | undefined> {
    try {
      await this.#client.rest.POST(STOP_ROUTE, {
        params: { path: { command_id: commandId } },
        ...callInit({ timeoutMs: COMMAND_STOP_TIMEOUT_MS }),
      });
      return undefined;
    } catch (err) {
      // A 404 is either "no such route" (before 1.52.0) or "no such command" (the route's own
      // answer): both say only `Not Found`. The route exists when GET on it answers 405.
      if (err instanceof NotFoundError && await this.#stopRouteMissing(commandId)) {
        return new UnsupportedByServerError(
          `stopping a running command (POST ${STOP_ROUTE})`,
          STOP_SINCE,
          undefined,
          { cause: err },
        );
      }
      // nothing more to do: the server's own time limit ends the command
      return undefined;
    }
  }

  /** Whether GET on the stop route answers 404 (no such route) rather than 405 (POST only). */
  async #stopRouteMissing(commandId: string): Promise<boolean> {
    try {
      // deno-lint-ignore no-explicit-any
      await (this.#client.rest as any).GET(STOP_ROUTE, {
        params: { path: { command_id: commandId } },
        ...callInit({ timeoutMs: COMMAND_STOP_TIMEOUT_MS }),
      });
      return false;
    } catch (err) {
      return err instanceof NotFoundError;
    }
  }

  /**
   * Writes a file on the server (`POST /api/file/upload`, multipart field `file`), creating its
   * parent directories. `path` is absolute or relative to `workingDir`. Strings are sent as
   * UTF-8; a stream is read into memory first. Resolves with the server's `{ success, file_size }`;
   * servers before 1.56.0 send no `file_size`, and then it is the byte size of what was sent (see
   * {@linkcode FileUploadResult}).
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
    const target = this.#path(path, "upload the file");
    let blob: Blob;
    if (content instanceof Blob) blob = content;
    else if (typeof content === "string") blob = new Blob([content]);
    else if (content instanceof Uint8Array) {
      blob = new Blob([content.slice() as Uint8Array<ArrayBuffer>]);
    } else if (content instanceof ArrayBuffer) blob = new Blob([content]);
    else if (content instanceof ReadableStream) {
      options.signal?.throwIfAborted();
      blob = await new Response(content).blob();
    } else {
      throw new TypeError(
        "Cannot upload the file as 'content' must be a Blob, Uint8Array, ArrayBuffer, string or ReadableStream",
      );
    }
    const form = new FormData();
    form.append("file", blob, target.split(/[\\/]/).pop() || "upload");
    const { data } = await this.#client.rest.POST("/api/file/upload", {
      params: { query: { path: target } },
      body: form as never,
      ...callInit(options),
    });
    const answer = (data ?? {}) as Partial<FileUploadResult>;
    // Servers before 1.56.0 answer `{ success: true }` once they have written every byte.
    return {
      ...answer,
      file_size: typeof answer.file_size === "number" ? answer.file_size : blob.size,
    };
  }

  /**
   * Reads a file from the server (`GET /api/file/download`) into a `Blob`. A missing file is a
   * `NotFoundError`; a directory is a `BadRequestError`.
   *
   * @example
   * ```ts ignore
   * const blob = await workspace.fileDownload("/workspace/report.txt");
   * console.log(await blob.text());
   * ```
   */
  async fileDownload(path: string, options: CallOptions = {}): Promise<Blob> {
    const target = this.#path(path, "download the file");
    const { data, response } = await this.#client.rest.GET("/api/file/download", {
      params: { query: { path: target } },
      parseAs: "blob",
      ...callInit(options),
    });
    if (data === undefined) {
      // An empty file (Content-Length: 0): the client skips the body, so release it here.
      await response.body?.cancel();
      return new Blob([]);
    }
    return data as Blob;
  }

  /**
   * Like {@linkcode RemoteWorkspace.fileDownload}, as a byte stream: read it to the end or
   * `cancel()` it (that releases the connection). `signal` and `timeoutMs` cover the whole body.
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
    const target = this.#path(path, "download the file");
    const { data, response } = await this.#client.rest.GET("/api/file/download", {
      params: { query: { path: target } },
      parseAs: "stream",
      ...callInit(options),
    });
    if (data === undefined || data === null) {
      // An empty file (Content-Length: 0): the client skips the body, so release it here.
      await response.body?.cancel();
      return new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
    }
    return data as ReadableStream<Uint8Array>;
  }

  /**
   * The changed files of the git repository at `path` (absolute or relative to `workingDir`)
   * (`GET /api/git/changes`); `[]` when it is not a repository. Untracked files count as added.
   *
   * @example
   * ```ts ignore
   * for (const change of await workspace.gitChanges(workspace.workingDir, { ref: "HEAD" })) {
   *   console.log(change.status, change.path);
   * }
   * ```
   */
  async gitChanges(path: string, options: GitChangesOptions = {}): Promise<GitChange[]> {
    const target = this.#path(path, "list git changes");
    const ref = checkRef(options.ref, "list git changes", "ref");
    const { data } = await this.#client.rest.GET("/api/git/changes", {
      params: { query: { path: target, ...(ref !== undefined ? { ref } : {}) } },
      ...callInit(options),
    });
    return (data ?? []) as GitChange[];
  }

  /**
   * The two sides of one file's diff (`GET /api/git/diff`): `original` is its text at the ref
   * (`""` if it did not exist there), `modified` its text now (`""` if deleted), each without the
   * final line break. Both `null` outside a repository. `path` is absolute or relative to
   * `workingDir`.
   *
   * @example
   * ```ts ignore
   * const { original, modified } = await workspace.gitDiff("src/app.ts", { ref: "HEAD" });
   * ```
   */
  async gitDiff(path: string, options: GitDiffOptions = {}): Promise<GitDiff> {
    const target = this.#path(path, "diff the file");
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
    const query = {
      path: target,
      ...(ref !== undefined ? { ref } : {}),
      ...(commit !== undefined ? { commit } : {}),
    };
    const { data } = await this.#client.rest.GET("/api/git/diff", {
      params: { query },
      ...callInit(options),
    });
    return data as GitDiff;
  }

  /** JSON without the key. */
  toJSON(): Record<string, unknown> {
    return { host: this.host, workingDir: this.workingDir, hasApiKey: this.hasApiKey };
  }
}

/**
 * The rejection of an aborted command that the server cannot stop: the reason's kind, a message
 * that says the command runs on, and the server's shortcoming as `cause`.
 */
function abortedButRunning(
  reason: unknown,
  commandId: string,
  seconds: number,
  unsupported: UnsupportedByServerError,
): DOMException {
  const name = (reason as { name?: unknown } | null)?.name === "TimeoutError"
    ? "TimeoutError"
    : "AbortError";
  const why = reason instanceof Error && reason.message ? ` (${reason.message})` : "";
  const err = new DOMException(
    `The command ${commandId} was aborted${why}, but this agent server cannot stop it: it runs ` +
      `on until its time limit of ${seconds} s (upgrade the server to ${STOP_SINCE})`,
    name,
  );
  Object.defineProperty(err, "cause", {
    value: unsupported,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  return err;
}

/** A chunk's place in the command's output (`order`; 0 when missing or not a number). */
function order(output: BashOutput): number {
  const value = (output as { order?: unknown }).order;
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function checkRef(value: unknown, what: string, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") {
    throw new TypeError(`Cannot ${what} as '${name}' must be a non-empty string`);
  }
  return value;
}
