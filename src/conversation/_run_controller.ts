/**
 * {@linkcode RunController}: `run()` of a conversation: start the run (`POST /run`, with its 409
 * rules), wait until it is over (socket events first, REST polls as the fallback, a time limit),
 * catch up over REST what the socket has not delivered, and turn an `error` or `stuck` end into
 * a {@linkcode ConversationRunError}.
 *
 * @module
 */

import { delay } from "../_async.ts";
import { checkMs } from "../_checks.ts";
import {
  ConflictError,
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
import { RunWaiter } from "./_run_waiter.ts";
import type { RunOptions } from "./types.ts";

/** How long a 409 while the cached status is not `running` is retried (a run winding down). */
const WIND_DOWN_MS = 10_000;

/** One waiting `run()`. */
interface WaitingRun {
  waiter: RunWaiter;
  wake: () => void;
  fail: (err: unknown) => void;
}

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
}

/**
 * Runs a conversation and waits for the end. The conversation feeds it every delivered event
 * ({@linkcode RunController.onEvent}) and fails waiting runs when it closes or the socket stops
 * for good ({@linkcode RunController.failAll}).
 *
 * @example
 * ```ts ignore
 * const runs = new RunController({ connection, conversationId, events, state, history, report });
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
  readonly #runs = new Set<WaitingRun>();

  /** Creates the controller of one conversation. */
  constructor(options: RunControllerOptions) {
    this.#connection = options.connection;
    this.#id = options.conversationId;
    this.#events = options.events;
    this.#state = options.state;
    this.#history = options.history;
    this.#report = options.report;
  }

  /** Feeds a delivered event to every waiting run. */
  onEvent(event: Event): void {
    for (const run of this.#runs) if (run.waiter.onEvent(event)) run.wake();
  }

  /** Makes every waiting run reject with `error`. */
  failAll(error: unknown): void {
    for (const run of this.#runs) run.fail(error);
  }

  /**
   * Starts (or resumes) the agent and waits until the run is over.
   *
   * @param options Signal, time limit, poll interval.
   * @returns The final status: `finished`, `idle`, `paused` or `waiting_for_confirmation`.
   * @throws {RangeError} For a bad `timeoutMs` or `pollIntervalMs`.
   * @throws {ConversationRunError} When the run ends in `error` or `stuck`, or cannot be started
   * or awaited (a timeout: its cause is a `TimeoutError`).
   */
  async run(options: RunOptions): Promise<ConversationExecutionStatus> {
    checkMs("timeoutMs", options.timeoutMs);
    checkMs("pollIntervalMs", options.pollIntervalMs);
    const { signal } = options;
    signal?.throwIfAborted();
    const timeoutMs = options.timeoutMs ?? 3_600_000;
    const pollMs = options.pollIntervalMs ?? 1000;
    const since = this.#events.lastTimestamp;
    const waiter = new RunWaiter();
    let wake!: () => void;
    let fail!: (err: unknown) => void;
    const woken = new Promise<void>((resolve, reject) => {
      wake = resolve;
      fail = reject;
    });
    const entry: WaitingRun = { waiter, wake, fail };
    this.#runs.add(entry);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const stopWaiting = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
    const timedOut = (): ConversationRunError =>
      new ConversationRunError({
        conversationId: this.#id,
        cause: new TimeoutError(`Waiting for the run of ${this.#id}`, timeoutMs),
      });
    try {
      try {
        waiter.postReturned(await this.#start(signal, stopWaiting));
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (timeout.signal.aborted) throw timedOut();
        throw err;
      }
      // Wait for the socket to say the run is over; poll REST as a fallback.
      while (!waiter.ended) {
        const tick = delay(pollMs, { signal: stopWaiting });
        await Promise.race([woken, tick]).catch((err) => {
          if (signal?.aborted) throw signal.reason;
          if (timeout.signal.aborted) return;
          throw err;
        });
        if (waiter.ended) break;
        if (timeout.signal.aborted) throw timedOut();
        try {
          const info = await getConversation(this.#connection, this.#id, {
            signal: stopWaiting,
            timeoutMs: 30_000,
          });
          const polled: unknown = info.execution_status;
          waiter.onPoll(typeof polled === "string" ? polled : "", Date.now());
        } catch (err) {
          if (signal?.aborted) throw signal.reason;
          if (timeout.signal.aborted) continue;
          if (err instanceof NotFoundError) {
            throw new ConversationRunError({ conversationId: this.#id, cause: err });
          }
          // 429, 5xx, connection problems, an answer about nothing: keep waiting
        }
      }
      const status = waiter.ended!;
      // Post-run catch-up: whatever the socket has not delivered yet comes from REST, once. It is
      // a safety net, bounded by the run's time limit: if REST fails or runs out of time, the
      // run still ends with its status (the socket saw it end) and the failure is reported.
      try {
        await this.#history.catchUp(since, stopWaiting);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        this.#report(
          new RemoteHandsError("The post-run REST reconcile failed; the socket catches up later", {
            cause: err,
          }),
        );
      }
      if (status === "error" || status === "stuck") {
        const error = this.#lastErrorEvent(since);
        throw new ConversationRunError({
          conversationId: this.#id,
          status,
          code: error?.code,
          detail: error?.detail,
        });
      }
      return status;
    } finally {
      clearTimeout(timer);
      this.#runs.delete(entry);
      timeout.abort();
    }
  }

  /**
   * `POST /run`. Returns true when a run was already going (409). A 409 while the cached status
   * is not `running` means the previous run is still winding down (after `pause()`, say): the
   * POST is retried for up to 10 s so that this call starts a new run instead of waiting for the
   * old one to end.
   */
  async #start(signal: AbortSignal | undefined, stopWaiting: AbortSignal): Promise<boolean> {
    const started = Date.now();
    for (let attempt = 0;; attempt++) {
      try {
        await runConversation(this.#connection, this.#id, { signal: stopWaiting });
        return false;
      } catch (err) {
        if (!(err instanceof ConflictError)) {
          if (signal?.aborted && err === signal.reason) throw err;
          throw new ConversationRunError({ conversationId: this.#id, cause: err });
        }
        if (this.#state.agentStatus === "running" || Date.now() - started > WIND_DOWN_MS) {
          return true;
        }
      }
      await delay(Math.min(50 * 2 ** attempt, 1000), { signal: stopWaiting });
    }
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
