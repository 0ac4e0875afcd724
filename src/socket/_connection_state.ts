/**
 * The event socket's user hooks, called so that they can never break it: a throw is reported,
 * and the connection-state hook is told each change at most once after `"closed"`.
 *
 * @module
 */

import { RemoteHandsError } from "../errors.ts";
import { describeError } from "./_describe.ts";
import type { CloseInfo, ConnectionChange } from "./types.ts";

/** How a connection closed, when nothing better is known: 1006, no reason. */
const ABNORMAL: CloseInfo = { code: 1006, reason: "" };

/**
 * Calls a user hook; a throw becomes a `RemoteHandsError` (`"<name> threw: <message>"`, the
 * thrown value as `cause`) passed to `report`.
 *
 * @param name The hook's option name, for the message.
 * @param call Calls the hook.
 * @param report Receives the error; must not throw.
 * @example
 * ```ts
 * import { callHook } from "./_connection_state.ts";
 * const reported: string[] = [];
 * callHook("onReady", () => {
 *   throw new Error("boom");
 * }, (error) => reported.push(error.message));
 * if (reported[0] !== "onReady threw: boom") throw new Error(reported[0]);
 * ```
 */
export function callHook(
  name: string,
  call: () => void,
  report: (error: RemoteHandsError) => void,
): void {
  try {
    call();
  } catch (err) {
    report(new RemoteHandsError(`${name} threw: ${describeError(err)}`, { cause: err }));
  }
}

/**
 * Tells `onConnectionChange` about each change; `"closed"` is the last one it passes on.
 *
 * @example
 * ```ts
 * import { ConnectionStates } from "./_connection_state.ts";
 * const seen: string[] = [];
 * const states = new ConnectionStates((change) => seen.push(change.state), () => {});
 * states.tell({ state: "connecting" });
 * states.tell({ state: "closed", code: 1000, reason: "client stopped" });
 * states.tell({ state: "open" });
 * if (seen.join() !== "connecting,closed") throw new Error(seen.join());
 * ```
 */
export class ConnectionStates {
  readonly #listener: ((change: ConnectionChange) => void) | undefined;
  readonly #report: (error: RemoteHandsError) => void;
  #closed = false;

  /**
   * @param listener The `onConnectionChange` option, if given.
   * @param report Receives a throw of the listener; must not throw.
   */
  constructor(
    listener: ((change: ConnectionChange) => void) | undefined,
    report: (error: RemoteHandsError) => void,
  ) {
    this.#listener = listener;
    this.#report = report;
  }

  /**
   * Tells `"reconnecting"`.
   *
   * @param attempt Consecutive failed connections so far.
   * @param delayMs The wait before the next connection.
   * @param close How the last connection closed (none: 1006).
   */
  reconnecting(attempt: number, delayMs: number, close: CloseInfo | undefined): void {
    const { code, reason } = close ?? ABNORMAL;
    this.tell({ state: "reconnecting", attempt, delayMs, code, reason });
  }

  /**
   * Tells `"closed"`, the last change.
   *
   * @param close The close to show (none: 1006).
   * @param error Why the client stopped by itself, if it did.
   */
  closed(close: CloseInfo | undefined, error?: RemoteHandsError): void {
    const { code, reason } = close ?? ABNORMAL;
    this.tell({ state: "closed", code, reason, ...(error ? { error } : {}) });
  }

  /**
   * Tells the listener about `change`, unless `"closed"` came before.
   *
   * @param change The new state.
   */
  tell(change: ConnectionChange): void {
    if (this.#closed) return;
    if (change.state === "closed") this.#closed = true;
    const listener = this.#listener;
    if (listener) callHook("onConnectionChange", () => listener(change), this.#report);
  }
}

/**
 * The `closeCode` and `closeReason` of a `WebSocketConnectionError` about the last close.
 *
 * @param close The last close, if any.
 * @returns The fields (none without a close).
 * @example
 * ```ts
 * import { closeDetails } from "./_connection_state.ts";
 * const details = closeDetails({ code: 1013, reason: "try again later" });
 * if (details.closeCode !== 1013 || Object.keys(closeDetails(undefined)).length) throw new Error();
 * ```
 */
export function closeDetails(
  close: CloseInfo | undefined,
): { closeCode?: number; closeReason?: string } {
  return close ? { closeCode: close.code, closeReason: close.reason } : {};
}
