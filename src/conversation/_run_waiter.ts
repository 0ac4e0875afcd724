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
 * @module
 */

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
 * The decision logic, without timers or I/O (those live in the run controller).
 *
 * @example A run armed by `running`, ended by the post-run snapshot
 * ```ts
 * import { RunWaiter } from "./_run_waiter.ts";
 * const waiter = new RunWaiter();
 * waiter.postReturned();
 * const update = (value: unknown) => ({
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
    if (typeof status !== "string" || !END_STATUSES.has(status) || !this.#armed) return undefined;
    return this.#end(status as RunEndStatus);
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
