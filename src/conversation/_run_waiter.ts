/**
 * Decides when a `run()` is over, from socket events and REST polls (the server publishes a
 * `full_state` snapshot after every run: `event_service.py`, `_publish_state_update`).
 *
 * - A per-field `execution_status` of `error` or `stuck` ends the run at once.
 * - A `full_state` snapshot with a status other than `running` ends it once the run is armed:
 *   once a `running` status was seen since the POST was sent, or at once when the POST answered
 *   409 (a run was already going). Arming on the POST's answer alone, as the Python SDK does,
 *   lets a late snapshot from before the run (say, the `paused` one `pause()` publishes) end
 *   the new run at once; arming on `running` also catches a run that ends before the POST's
 *   answer is processed.
 * - A per-field `finished` alone does not end it (a Stop hook can set the status back).
 * - REST polls: `error`/`stuck` end it; another non-running status ends it once armed, or after
 *   it held for `hardFallbackMs` with `running` never seen (the safety net).
 * - A status that is not a {@linkcode RunEndStatus} (say, a value a broken server made up) never
 *   ends a run: the run's time limit does.
 *
 * {@linkcode Reachability} decides when to stop waiting because the server is gone: no open
 * socket and no REST answer for a window (`RunOptions.unreachableTimeoutMs`).
 * {@linkcode RunWait} is one wait: both deciders, its timers and its stop signal.
 *
 * @module
 */

import { ConnectionError, ServerError, TimeoutError } from "../errors.ts";
import type { Event } from "../events/kinds.ts";

/**
 * Statuses a run can end in.
 *
 * @example
 * ```ts
 * import type { RunEndStatus } from "./_run_waiter.ts";
 * const status: RunEndStatus = "finished";
 * if (status !== "finished") throw new Error();
 * ```
 */
export type RunEndStatus =
  | "finished"
  | "idle"
  | "paused"
  | "waiting_for_confirmation"
  | "error"
  | "stuck";

const END_STATUSES: ReadonlySet<string> = new Set<RunEndStatus>([
  "finished",
  "idle",
  "paused",
  "waiting_for_confirmation",
  "error",
  "stuck",
]);

/**
 * Whether `status` ends a run (every status but `running` and `deleting`).
 *
 * @param status A status from the server (untrusted).
 * @returns Whether it is a {@linkcode RunEndStatus}.
 *
 * @example
 * ```ts
 * import { isRunEndStatus } from "./_run_waiter.ts";
 * if (!isRunEndStatus("paused") || isRunEndStatus("running")) throw new Error();
 * ```
 */
export function isRunEndStatus(status: unknown): status is RunEndStatus {
  return typeof status === "string" && END_STATUSES.has(status);
}

/**
 * The decision logic, without timers or I/O (those live in {@linkcode RunWait}).
 *
 * @example A run armed by `running`, ended by the post-run snapshot
 * ```ts
 * import { RunWaiter } from "./_run_waiter.ts";
 * import type { Event } from "@remote-hands/client";
 * const waiter = new RunWaiter();
 * waiter.postReturned();
 * const update = (value: unknown): Event => ({
 *   kind: "ConversationStateUpdateEvent", id: "u", timestamp: "t", source: "environment", key: "full_state", value,
 * });
 * waiter.onEvent(update({ execution_status: "running" }));
 * if (waiter.onEvent(update({ execution_status: "finished" })) !== "finished") throw new Error();
 * ```
 */
export class RunWaiter {
  #postReturned = false;
  #alreadyRunning = false;
  #sawRunning = false;
  #restTerminalSince: number | undefined;
  #ended: RunEndStatus | undefined;
  readonly #hardFallbackMs: number;

  /** Creates a waiter; REST-only completion without a seen `running` waits `hardFallbackMs`. */
  constructor(hardFallbackMs = 30_000) {
    this.#hardFallbackMs = hardFallbackMs;
  }

  /** The status the run ended in, once decided. */
  get ended(): RunEndStatus | undefined {
    return this.#ended;
  }

  /** Marks the `POST /run` as answered: 200, or 409 when a run was already going. */
  postReturned(alreadyRunning = false): void {
    this.#postReturned = true;
    this.#alreadyRunning = alreadyRunning;
  }

  get #armed(): boolean {
    return this.#sawRunning || this.#alreadyRunning;
  }

  /** Feeds a socket event; returns the end status when this event ends the run. */
  onEvent(event: Event): RunEndStatus | undefined {
    if (this.#ended || event.kind !== "ConversationStateUpdateEvent") return undefined;
    const { key, value } = event as { key?: unknown; value?: unknown };
    if (key === "execution_status") {
      if (value === "running") this.#sawRunning = true;
      if (value === "error" || value === "stuck") return this.#end(value);
      return undefined;
    }
    if (key !== "full_state" || !value || typeof value !== "object") return undefined;
    const status = (value as { execution_status?: unknown }).execution_status;
    if (status === "running") {
      this.#sawRunning = true;
      return undefined;
    }
    if (!isRunEndStatus(status) || !this.#armed) return undefined;
    return this.#end(status);
  }

  /** Feeds a REST status poll taken at `now`; returns the end status when it ends the run. */
  onPoll(status: string, now: number): RunEndStatus | undefined {
    if (this.#ended) return this.#ended;
    if (status === "running") {
      this.#sawRunning = true;
      this.#restTerminalSince = undefined;
      return undefined;
    }
    if (!END_STATUSES.has(status)) return undefined;
    if (status === "error" || status === "stuck") return this.#end(status);
    if (!this.#postReturned) return undefined;
    if (this.#armed) return this.#end(status as RunEndStatus);
    this.#restTerminalSince ??= now;
    if (now - this.#restTerminalSince >= this.#hardFallbackMs) {
      return this.#end(status as RunEndStatus);
    }
    return undefined;
  }

  #end(status: RunEndStatus): RunEndStatus {
    this.#ended = status;
    return status;
  }
}

/** Whether a failed REST call says nothing of the server: refused or reset (`ConnectionError`),
 * no answer in time (`TimeoutError`), or a proxy's 502, 503 or 504. Other answers came from it. */
function isUnreachableFailure(error: unknown): boolean {
  if (error instanceof ConnectionError || error instanceof TimeoutError) return true;
  return error instanceof ServerError && [502, 503, 504].includes(error.status);
}

/**
 * Decides when a wait gives up on an unreachable server, without timers: the server is
 * unreachable once, for `windowMs`, there was no sign of it (an open event socket, an answer to a
 * REST call) and a REST call was tried since the last sign (failed, or still unanswered). When
 * none was tried (a long poll interval), the verdict is `"poll"`: make one now, its outcome decides.
 *
 * @example
 * ```ts
 * import { Reachability } from "./_run_waiter.ts";
 * import { ConnectionError } from "@remote-hands/client";
 * const reach = new Reachability(30_000, 0);
 * reach.failed(new ConnectionError("http://h"), 1_000);
 * if (reach.check(29_000, false) !== "wait") throw new Error();
 * if (reach.check(30_000, false) !== "unreachable") throw new Error();
 * if (reach.check(30_000, true) !== "wait") throw new Error(); // the socket is back
 * ```
 */
export class Reachability {
  /** How long without a sign of the server counts as unreachable. */
  readonly windowMs: number;
  #lastContact: number;
  #tried = false;
  #failure: unknown = undefined;

  /** Starts counting at `now` (the wait's start counts as a sign). */
  constructor(windowMs: number, now: number) {
    this.windowMs = windowMs;
    this.#lastContact = now;
  }

  /** The last REST failure since the last sign of the server, if any. */
  get failure(): unknown {
    return this.#failure;
  }

  /** A sign of the server at `now`: the window starts again. */
  contact(now: number): void {
    this.#lastContact = now;
    this.#tried = false;
    this.#failure = undefined;
  }

  /** A REST call was sent. */
  tried(): void {
    this.#tried = true;
  }

  /** A REST call failed at `now`: a sign of the server unless the failure says otherwise. */
  failed(error: unknown, now: number): void {
    if (!isUnreachableFailure(error)) return this.contact(now);
    this.#tried = true;
    this.#failure = error;
  }

  /** The verdict at `now`, given whether the event socket is open (itself a sign): keep
   * waiting, make a REST call now (none since the last sign), or give up. */
  check(now: number, socketUp: boolean): "wait" | "poll" | "unreachable" {
    if (socketUp) this.contact(now);
    if (now - this.#lastContact < this.windowMs) return "wait";
    return this.#tried ? "unreachable" : "poll";
  }

  /** Milliseconds from `now` until the window ends (at least 1). */
  dueIn(now: number): number {
    return Math.max(1, this.#lastContact + this.windowMs - now);
  }
}

/**
 * What a {@linkcode RunWait} is told when it starts.
 *
 * @example
 * ```ts
 * import type { WaitSetup } from "./_run_waiter.ts";
 * const pollMs: WaitSetup["pollMs"] = 1000;
 * if (pollMs !== 1000) throw new Error();
 * ```
 */
export interface WaitSetup {
  timeoutMs: number;
  pollMs: number;
  unreachableMs: number;
  signal: AbortSignal | undefined;
  since: string | undefined;
  socketUp: () => boolean;
  timedOut: () => Error;
  unreachable: (cause: unknown) => Error;
}

/**
 * One wait for the end of a run: its {@linkcode RunWaiter}, and every reason to stop waiting (the
 * caller's signal, the time limit, `close()`, an unreachable server) as one signal whose reason is
 * what the wait rejects with. Owns its timers; {@linkcode RunWait.dispose} clears them.
 *
 * @example
 * ```ts
 * import { RunWait } from "./_run_waiter.ts";
 * const wait = new RunWait({
 *   timeoutMs: 60_000, pollMs: 1000, unreachableMs: 30_000, signal: undefined, since: undefined,
 *   socketUp: () => true, timedOut: () => new Error("timeout"), unreachable: () => new Error("gone"),
 * });
 * wait.stop(new Error("closed"));
 * const reason = await wait.sleep(10).catch((err: Error) => err.message);
 * wait.dispose();
 * if (reason !== "closed") throw new Error(String(reason));
 * ```
 */
export class RunWait {
  readonly waiter: RunWaiter = new RunWaiter();
  readonly since: string | undefined;
  readonly pollMs: number;
  /** The promises handed to the caller, made "handled" when `close()` rejects them. */
  readonly outer: Promise<unknown>[] = [];
  readonly #stop = new AbortController();
  readonly #reach: Reachability;
  readonly #setup: WaitSetup;
  readonly #limit: ReturnType<typeof setTimeout>;
  #watchdog: ReturnType<typeof setTimeout> | undefined;
  #watching = true;
  #timedOut = false;
  #wake: (() => void) | undefined;
  readonly #onAbort = (): void => this.stop(this.#setup.signal?.reason);

  constructor(setup: WaitSetup) {
    this.#setup = setup;
    this.since = setup.since;
    this.pollMs = setup.pollMs;
    this.#reach = new Reachability(setup.unreachableMs, Date.now());
    this.#limit = setTimeout(() => {
      this.#timedOut = true;
      this.stop(setup.timedOut());
    }, setup.timeoutMs);
    setup.signal?.addEventListener("abort", this.#onAbort, { once: true });
    this.#check();
  }

  /** Aborted when the wait must stop; its reason is what the wait rejects with. */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** Whether the time limit stopped the wait. */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** Stops the wait with `reason` (the first reason wins). */
  stop(reason: unknown): void {
    if (!this.#stop.signal.aborted) this.#stop.abort(reason);
  }

  /** Feeds a delivered event; wakes the wait when it ends the run. */
  onEvent(event: Event): void {
    if (this.waiter.onEvent(event)) this.#wake?.();
  }

  /** Resolves after `ms`, or at once when woken; rejects with the reason when the wait stops. */
  sleep(ms: number): Promise<void> {
    if (this.signal.aborted) return Promise.reject(this.signal.reason);
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: { reason: unknown }): void => {
        clearTimeout(timer);
        this.signal.removeEventListener("abort", onAbort);
        this.#wake = undefined;
        if (error) reject(error.reason);
        else resolve();
      };
      const onAbort = (): void => settle({ reason: this.signal.reason });
      const timer = setTimeout(() => settle(), ms);
      this.signal.addEventListener("abort", onAbort, { once: true });
      this.#wake = () => settle();
    });
  }

  /** A REST call goes out. */
  sent(): void {
    this.#reach.tried();
  }

  /** A REST call got an answer: the server is there. */
  answered(): void {
    this.#reach.contact(Date.now());
    this.#check();
  }

  /** A REST call failed with `error`; gives up when the server has been unreachable too long. */
  failed(error: unknown): void {
    this.#reach.failed(error, Date.now());
    this.#check();
  }

  /** The end is decided: an unreachable server no longer stops the wait. */
  stopWatching(): void {
    this.#watching = false;
    clearTimeout(this.#watchdog);
  }

  /** Clears the timers and the listener. */
  dispose(): void {
    this.stopWatching();
    clearTimeout(this.#limit);
    this.#setup.signal?.removeEventListener("abort", this.#onAbort);
  }

  /** The watchdog: re-armed for the end of the current window until the wait ends. */
  #check(): void {
    clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
    if (!this.#watching || this.signal.aborted) return;
    const now = Date.now();
    const verdict = this.#reach.check(now, this.#setup.socketUp());
    if (verdict === "unreachable") return this.stop(this.#setup.unreachable(this.#reach.failure));
    // "poll": no REST call since the last sign of the server; the one made now decides.
    if (verdict === "poll") this.#wake?.();
    const next = verdict === "poll" ? this.#reach.windowMs : this.#reach.dueIn(now);
    this.#watchdog = setTimeout(() => this.#check(), next);
  }
}
