/**
 * How {@linkcode runCommand} runs one shell command on the server: start it, poll its stored
 * output until the exit code arrives, and stop it on any failure (an abort, the deadline, a
 * broken answer). One deadline covers the whole call.
 *
 * @module
 */

import { delay } from "../_async.ts";
import { TimeoutError, type UnsupportedByServerError } from "../errors.ts";
import { type CommandOutput, commandOutputs, startCommand, stopCommand } from "../rest/bash.ts";
import type { Connection } from "../rest/connection.ts";
import type { CommandResult } from "./types.ts";

const COMMAND_POLL_MIN_MS = 20;
const COMMAND_POLL_MAX_MS = 250;
/** How long past the command's time limit to wait for its final output before giving up. */
const COMMAND_GRACE_MS = 15_000;

/**
 * What {@linkcode runCommand} runs.
 *
 * @example
 * ```ts
 * import type { CommandRun } from "./_command_runner.ts";
 * const run: CommandRun = { command: "ls", cwd: "/work", timeoutMs: 30_000 };
 * if (run.cwd !== "/work") throw new Error();
 * ```
 */
export interface CommandRun {
  /** The command as sent. */
  command: string;
  /** Its directory on the server (absolute). */
  cwd: string;
  /** Its time limit in milliseconds (checked by the caller). */
  timeoutMs: number;
  /** Stops waiting and stops the command. */
  signal?: AbortSignal | undefined;
}

/**
 * Runs `run.command` and resolves with its result. The whole call has one deadline, the time
 * limit plus 15 s for the final output: past it the request in flight is aborted, the command
 * stopped, and the call rejects with a `TimeoutError`. Aborting `run.signal` stops the command
 * and rejects with the signal's reason, or, when the server cannot stop commands (before 1.52.0),
 * with a `DOMException` of the same kind that says the command runs on.
 *
 * @param connection The server.
 * @param run The command, its directory, time limit and signal.
 * @returns The command's output and exit code.
 * @throws {ProtocolError} When the server's command id is not a UUID or its pages never end.
 *
 * @example
 * ```ts
 * import { runCommand } from "./_command_runner.ts";
 * import { createConnection } from "../rest/connection.ts";
 * const id = "0b6e2f1a-5c3d-4e8f-9a1b-2c3d4e5f6a7b";
 * const connection = createConnection({
 *   host: "http://agent.test",
 *   fetch: async (request) =>
 *     request.method === "POST"
 *       ? Response.json({ id })
 *       : Response.json({ items: [{ kind: "BashOutput", command_id: id, order: 0, stdout: "hi\n", exit_code: 0 }] }),
 * });
 * const result = await runCommand(connection, { command: "echo hi", cwd: "/w", timeoutMs: 5_000 });
 * if (result.output !== "hi" || result.exitCode !== 0) throw new Error();
 * ```
 */
export async function runCommand(connection: Connection, run: CommandRun): Promise<CommandResult> {
  const { command, cwd, timeoutMs, signal } = run;
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
    commandId = await startCommand(connection, { command, cwd, timeout: seconds }, {
      signal: active,
    });
    const followed = { command, commandId, seconds, started };
    return await follow(connection, followed, active, signal);
  } catch (err) {
    if (expired.signal.aborted && !signal?.aborted) throw expired.signal.reason;
    throw err;
  } finally {
    disarm.abort();
  }
}

/** A started command. */
interface Started {
  command: string;
  commandId: string;
  seconds: number;
  started: number;
}

/** Polls the output of a started command until its exit code arrives; on any failure stops the
 * command before rejecting. */
async function follow(
  connection: Connection,
  run: Started,
  active: AbortSignal,
  signal: AbortSignal | undefined,
): Promise<CommandResult> {
  let wait = COMMAND_POLL_MIN_MS;
  try {
    for (;;) {
      const outputs = await commandOutputs(connection, run.commandId, { signal: active });
      const result = resultOf(run, outputs);
      if (result) return result;
      await delay(wait, { signal: active });
      wait = Math.min(wait * 2, COMMAND_POLL_MAX_MS);
    }
  } catch (err) {
    const unsupported = await stopCommand(connection, run.commandId);
    if (unsupported && signal?.aborted) {
      throw abortedButRunning(signal.reason, run.commandId, run.seconds, unsupported);
    }
    throw err;
  }
}

/** The result once a chunk has the exit code; undefined before. */
function resultOf(run: Started, outputs: CommandOutput[]): CommandResult | undefined {
  const final = outputs.find((o) => typeof o.exit_code === "number");
  if (!final || typeof final.exit_code !== "number") return undefined;
  const sorted = outputs.map((o, i) => ({ o, i }))
    .sort((a, b) => order(a.o) - order(b.o) || a.i - b.i)
    .map(({ o }) => o);
  const text = (o: CommandOutput, field: "stdout" | "stderr"): string => {
    const value = o[field];
    return typeof value === "string" ? value : "";
  };
  const stdout = sorted.map((o) => text(o, "stdout")).join("");
  const stderr = sorted.map((o) => text(o, "stderr")).join("");
  const exitCode = final.exit_code;
  return {
    command: run.command,
    commandId: run.commandId,
    exitCode,
    stdout,
    stderr,
    output: (stdout + stderr).replace(/(?:\r?\n)+$/, ""),
    timedOut: exitCode === -1 && Date.now() - run.started >= run.seconds * 1000,
  };
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
  const name = nameOf(reason) === "TimeoutError" ? "TimeoutError" : "AbortError";
  const why = reason instanceof Error && reason.message ? ` (${reason.message})` : "";
  const err = new DOMException(
    `The command ${commandId} was aborted${why}, but this agent server cannot stop it: it runs ` +
      `on until its time limit of ${seconds} s (upgrade the server to ${unsupported.since})`,
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

/** The `name` of an abort reason (an error, usually). */
function nameOf(value: unknown): unknown {
  return (value !== null && typeof value === "object") || typeof value === "function"
    ? Reflect.get(value, "name")
    : undefined;
}

/** A chunk's place in the command's output (`order`; 0 when missing or not a number). */
function order(output: CommandOutput): number {
  const value: unknown = output.order;
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}
