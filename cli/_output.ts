/**
 * What the CLI prints of the server's values: one safe line, a shortened cell, the exit code of a
 * status, the status an event announces.
 *
 * @module
 */

import type { Event } from "../mod.ts";
import { safeString, terminalLine } from "../src/_terminal_safe.ts";

/**
 * One line safe to print, for errors and table cells: any value (never throws), line breaks and
 * tabs as spaces, every other control character, escape and bidi override as a visible escape.
 *
 * @param value Any value; not a string is shown as JSON.
 * @returns The line.
 * @example
 * ```ts
 * import { oneLine } from "./_output.ts";
 * if (oneLine(" a\nb\t") !== "a b") throw new Error();
 * ```
 */
export function oneLine(value: unknown): string {
  return terminalLine(safeString(value).replace(/[\r\n\t]+/g, " ").trim());
}

/**
 * `text` cut to `max` characters, "…" marking the cut.
 *
 * @param text The text.
 * @param max The most characters, "…" included.
 * @returns The text, shortened if it was longer.
 * @example
 * ```ts
 * import { shorten } from "./_output.ts";
 * if (shorten("abcdef", 4) !== "abc…" || shorten("ab", 4) !== "ab") throw new Error();
 * ```
 */
export function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Exit code for a final status: 0 done, 2 needs a person, 1 failed.
 *
 * @param status The conversation's execution status, if known.
 * @returns The exit code.
 * @example
 * ```ts
 * import { exitCodeFor } from "./_output.ts";
 * if (exitCodeFor("finished") !== 0 || exitCodeFor("paused") !== 2 || exitCodeFor(undefined) !== 1) {
 *   throw new Error();
 * }
 * ```
 */
export function exitCodeFor(status: string | undefined): number {
  if (status === "finished" || status === "idle") return 0;
  if (status === "waiting_for_confirmation" || status === "paused") return 2;
  return 1;
}

/**
 * The execution status an event announces, if it announces one.
 *
 * @param event Any event.
 * @returns The status of an `execution_status` update or a full-state snapshot, else `undefined`.
 * @example
 * ```ts
 * import { statusOf } from "./_output.ts";
 * const status = statusOf({
 *   kind: "ConversationStateUpdateEvent", id: "s", timestamp: "t", source: "environment",
 *   key: "execution_status", value: "finished",
 * });
 * if (status !== "finished") throw new Error();
 * ```
 */
export function statusOf(event: Event): string | undefined {
  if (event.kind !== "ConversationStateUpdateEvent") return undefined;
  const e = event as { key?: unknown; value?: unknown };
  if (e.key === "execution_status" && typeof e.value === "string") return e.value;
  if (e.key === "full_state" && e.value && typeof e.value === "object") {
    const status = (e.value as { execution_status?: unknown }).execution_status;
    return typeof status === "string" ? status : undefined;
  }
  return undefined;
}
