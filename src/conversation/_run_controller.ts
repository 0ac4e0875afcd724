/**
 * {@linkcode RunController}: `run()` and `waitUntilIdle()` of a conversation: start the run
 * (`POST /run`, with its 409 rules), wait until it is over (socket events first, REST polls as the
 * fallback, a time limit, a window for an unreachable server), catch up over REST what the socket
 * has not delivered, and turn an `error` or `stuck` end into a {@linkcode ConversationRunError}.
 *
 * @module
 */

import { delay } from "../_async.ts";
import { checkMs } from "../_checks.ts";
import {
  ConflictError,
  ConnectionError,
  ConversationRunError,
  NotFoundError,
  RemoteHandsError,
  TimeoutError,
} from "../errors.ts";
import type { Event } from "../events/kinds.ts";
import type { Connection } from "../rest/connection.ts";
import { getConversation, runConversation } from "../rest/conversations.ts";
import type { ConversationExecutionStatus } from "../types.ts";
import type { RemoteEventsList } from "./events_list.ts";
import type { History } from "./_history.ts";
import type { RemoteState } from "./remote_state.ts";
import { isRunEndStatus, type RunEndStatus, RunWait } from "./_run_waiter.ts";
import type { RunHandle, RunOptions, WaitUntilIdleOptions } from "./types.ts";

/** How long a 409 while the cached status is not `running` is retried (a run winding down). */
const WIND_DOWN_MS = 10_000;

/**
 * Options of {@linkcode RunController}.
 *
 * @example
 * ```ts
 * import type { RunControllerOptions } from "./_run_controller.ts";
 * const report: RunControllerOptions["report"] = (error) => console.error(error.message);
 * if (typeof report !== "function") throw new Error();
 * ```
 */
export interface RunControllerOptions {
  /** The server. */
  connection: Connection;
  /** The conversation. */
  conversationId: string;
  /** The conversation's list (where a run starts, and its last error event). */
  events: RemoteEventsList;
  /** The conversation's state (whether a run is going). */
  state: RemoteState;
  /** Catches up after the run. */
  history: History;
  /** Receives problems that do not stop the run. */
  report: (error: RemoteHandsError) => void;
  /** Whether the event socket is open now (a sign that the server is reachable). */
  socketUp: () => boolean;
}

/**
 * Runs a conversation and waits for the end. The conversation feeds it every delivered event
 * ({@linkcode RunController.onEvent}), fails waiting runs when the socket stops for good
 * ({@linkcode RunController.failAll}) and when it closes ({@linkcode RunController.closeAll}).
 *
 * @example
 * ```ts ignore
 * const runs = new RunController({ connection, conversationId, events, state, history, report, socketUp });
 * const status = await runs.run({ timeoutMs: 600_000 });
 * ```
 */
export class RunController {
  readonly #connection: Connection;
  readonly #id: string;
  readonly #events: RemoteEventsList;
  readonly #state: RemoteState;
  readonly #history: History;
  readonly #report: (error: RemoteHandsError) => void;
  readonly #socketUp: () => boolean;
  /** The waits going on; made at the first (a watched conversation may never run). */
  #waits: Set<RunWait> | undefined;

  /** Creates the controller of one conversation. */
  constructor(options: RunControllerOptions) {
    this.#connection = options.connection;
    this.#id = options.conversationId;
    this.#events = options.events;
    this.#state = options.state;
    this.#history = options.history;
    this.#report = options.report;
    this.#socketUp = options.socketUp;
  }

  /** Feeds a delivered event to every wait. */
  onEvent(event: Event): void {
    if (this.#waits) { for (const wait of this.#waits) wait.onEvent(event); }
  }

  /** Makes every wait reject with `error`. */
  failAll(error: unknown): void {
    if (this.#waits) { for (const wait of this.#waits) wait.stop(error); }
  }

  /**
   * Makes every wait reject with `error`, the conversation being closed: the promises they
   * handed out are marked handled first, so that a run nobody awaits does not crash the process
   * with an unhandled rejection (awaiting one still throws `error`).
   */
  closeAll(error: unknown): void {
    for (const wait of this.#waits ?? []) for (const promise of wait.outer) promise.catch(() => {});
    this.failAll(error);
  }

  /**
   * Starts (or resumes) the agent and waits until the run is over.
   *
   * @param options Signal, time limit, poll interval, unreachable window.
   * @returns The final status: `finished`, `idle`, `paused` or `waiting_for_confirmation`.
   * @throws {RangeError} For a bad `timeoutMs`, `pollIntervalMs` or `unreachableTimeoutMs`.
   * @throws {ConversationRunError} When the run ends in `error` or `stuck`, or cannot be started
   * or awaited (a timeout: its cause is a `TimeoutError`).
   * @throws {ConnectionError} When the server stays unreachable for `unreachableTimeoutMs`.
   */
  run(options: RunOptions): Promise<ConversationExecutionStatus> {
    return this.#launch(options, (wait) => this.#finish(wait));
  }

  /**
   * Starts (or resumes) the agent; resolves once the server has accepted the run, with a handle
   * whose `done` settles as {@linkcode RunController.run} does and is never an unhandled rejection.
   *
   * @param options As for {@linkcode RunController.run}.
   * @returns The handle of the run.
   * @throws {ConversationRunError} When the run cannot be started.
   */
  start(options: RunOptions): Promise<RunHandle> {
    return this.#launch(options, (wait, alreadyRunning) => {
      const done = this.#finish(wait);
      done.catch(() => {}); // a handle nobody awaits must not be an unhandled rejection
      return { done, alreadyRunning };
    });
  }

  /**
   * Waits until the conversation is not running, without starting a run: at once when the cached
   * status (kept current by the socket) is not `running`.
   *
   * @param options Signal, time limit, poll interval, unreachable window.
   * @returns The status: `finished`, `idle`, `paused` or `waiting_for_confirmation`.
   * @throws {ConversationRunError} For `error` or `stuck` (with the server's code and detail), a
   * timeout (its cause is a `TimeoutError`) or a conversation the server no longer knows.
   * @throws {ConnectionError} When the server stays unreachable for `unreachableTimeoutMs`.
   */
  waitUntilIdle(options: WaitUntilIdleOptions): Promise<ConversationExecutionStatus> {
    let wait: RunWait;
    try {
      wait = this.#open(options, `Waiting for conversation ${this.#id} to stop running`);
    } catch (err) {
      return Promise.reject(err);
    }
    const promise = (async (): Promise<ConversationExecutionStatus> => {
      const status = this.#state.agentStatus;
      if (isRunEndStatus(status)) {
        this.#close(wait);
        return this.#outcome(status, undefined);
      }
      wait.waiter.postReturned(true); // a run is going: its end is what counts
      return await this.#finish(wait);
    })();
    wait.outer.push(promise);
    return promise;
  }

  /** Opens a wait, sends `POST /run`, then hands the wait to `then`. */
  #launch<T>(
    options: RunOptions,
    then: (wait: RunWait, alreadyRunning: boolean) => Promise<T> | T,
  ): Promise<T> {
    let wait: RunWait;
    try {
      wait = this.#open(options, `Waiting for the run of ${this.#id}`);
    } catch (err) {
      return Promise.reject(err);
    }
    const promise = (async (): Promise<T> => {
      let alreadyRunning: boolean;
      try {
        alreadyRunning = await this.#start(wait);
      } catch (err) {
        this.#close(wait);
        throw err;
      }
      wait.waiter.postReturned(alreadyRunning);
      return await then(wait, alreadyRunning);
    })();
    wait.outer.push(promise);
    return promise;
  }

  /** Checks the options and opens a wait (its timers start now). */
  #open(options: WaitUntilIdleOptions, what: string): RunWait {
    checkMs("timeoutMs", options.timeoutMs);
    checkMs("pollIntervalMs", options.pollIntervalMs);
    checkMs("unreachableTimeoutMs", options.unreachableTimeoutMs);
    options.signal?.throwIfAborted();
    const timeoutMs = options.timeoutMs ?? 3_600_000;
    const unreachableMs = options.unreachableTimeoutMs ?? 30_000;
    const origin = new URL(this.#connection.baseUrl).origin;
    const wait = new RunWait({
      timeoutMs,
      pollMs: options.pollIntervalMs ?? 1000,
      unreachableMs,
      signal: options.signal,
      since: this.#events.lastTimestamp,
      socketUp: this.#socketUp,
      timedOut: () =>
        new ConversationRunError({
          conversationId: this.#id,
          cause: new TimeoutError(what, timeoutMs),
        }),
      unreachable: (cause) =>
        new ConnectionError(
          origin,
          cause,
          `Cannot reach the agent server at ${origin}: no open socket and no REST answer for ` +
            `${unreachableMs} ms while ${what.toLowerCase()} (the last failure is the cause). The ` +
            "run may go on on the server: check that the server is up, then call waitUntilIdle()",
        ),
    });
    (this.#waits ??= new Set()).add(wait);
    return wait;
  }

  #close(wait: RunWait): void {
    wait.dispose();
    this.#waits?.delete(wait);
  }

  /** Waits for the end, catches up over REST, and maps the status; closes the wait. */
  async #finish(wait: RunWait): Promise<ConversationExecutionStatus> {
    try {
      const status = await this.#untilEnded(wait);
      // Post-run catch-up: whatever the socket has not delivered yet comes from REST, once. It is
      // a safety net, bounded by the run's time limit: if REST fails or runs out of time, the
      // run still ends with its status (the socket saw it end) and the failure is reported.
      try {
        await this.#history.catchUp(wait.since, wait.signal);
      } catch (err) {
        if (wait.signal.aborted && !wait.timedOut) throw wait.signal.reason; // abort, close
        this.#report(
          new RemoteHandsError("The post-run REST reconcile failed; the socket catches up later", {
            cause: err,
          }),
        );
      }
      return this.#outcome(status, wait.since);
    } finally {
      this.#close(wait);
    }
  }

  /** Socket events first; a REST poll every `pollMs` as the fallback. */
  async #untilEnded(wait: RunWait): Promise<RunEndStatus> {
    try {
      while (!wait.waiter.ended) {
        await wait.sleep(wait.pollMs);
        if (wait.waiter.ended) break;
        await this.#poll(wait);
      }
    } catch (err) {
      if (!wait.waiter.ended) throw wait.signal.aborted ? wait.signal.reason : err;
    }
    wait.stopWatching();
    return wait.waiter.ended!;
  }

  async #poll(wait: RunWait): Promise<void> {
    wait.sent();
    let info;
    try {
      info = await getConversation(this.#connection, this.#id, {
        signal: wait.signal,
        timeoutMs: 30_000,
      });
    } catch (err) {
      if (wait.signal.aborted) throw wait.signal.reason;
      if (err instanceof NotFoundError) {
        throw new ConversationRunError({ conversationId: this.#id, cause: err });
      }
      wait.failed(err); // 429, 5xx, connection problems, an answer about nothing: keep waiting
      return;
    }
    wait.answered();
    const polled: unknown = info.execution_status;
    wait.waiter.onPoll(typeof polled === "string" ? polled : "", Date.now());
  }

  /**
   * `POST /run`. Returns true when a run was already going (409). A 409 while the cached status
   * is not `running` means the previous run is still winding down (after `pause()`, say): the
   * POST is retried for up to 10 s so that this call starts a new run instead of waiting for the
   * old one to end.
   */
  async #start(wait: RunWait): Promise<boolean> {
    const started = Date.now();
    try {
      for (let attempt = 0;; attempt++) {
        wait.sent();
        try {
          await runConversation(this.#connection, this.#id, { signal: wait.signal });
          wait.answered();
          return false;
        } catch (err) {
          if (!(err instanceof ConflictError)) {
            if (wait.signal.aborted) throw wait.signal.reason;
            throw new ConversationRunError({ conversationId: this.#id, cause: err });
          }
          wait.answered();
          if (this.#state.agentStatus === "running" || Date.now() - started > WIND_DOWN_MS) {
            return true;
          }
        }
        await delay(Math.min(50 * 2 ** attempt, 1000), { signal: wait.signal });
      }
    } catch (err) {
      throw wait.signal.aborted ? wait.signal.reason : err;
    }
  }

  /** `status`, or the `ConversationRunError` of an `error` or `stuck` end. */
  #outcome(status: RunEndStatus, since: string | undefined): ConversationExecutionStatus {
    if (status !== "error" && status !== "stuck") return status;
    const error = this.#lastErrorEvent(since);
    throw new ConversationRunError({
      conversationId: this.#id,
      status,
      code: error?.code,
      detail: error?.detail,
    });
  }

  /** The code and detail of the newest `ConversationErrorEvent` since `since`. */
  #lastErrorEvent(since: string | undefined): { code: string; detail: string } | undefined {
    const events = this.#events.slice();
    for (let i = events.length - 1; i >= 0; i--) {
      const e = events[i]!;
      if (since !== undefined && e.timestamp < since) break;
      if (e.kind === "ConversationErrorEvent") {
        return { code: String(e.code), detail: String(e.detail) };
      }
    }
    return undefined;
  }
}
