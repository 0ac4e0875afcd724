/**
 * Text helpers of the visualizer: server text made terminal-safe, trimmed and shortened.
 *
 * @module
 */

import { safeString, terminalText } from "../_terminal_safe.ts";
import { ESC } from "./_style.ts";

/** CSI (`ESC [ … final`), OSC (`ESC ] … BEL|ST`) and two-byte escapes. */
const ANSI = new RegExp(
  `${ESC}\\[[0-?]*[ -/]*[@-~]|${ESC}\\][^\\u0007${ESC}]*(?:\\u0007|${ESC}\\\\)|${ESC}[@-Z\\\\-_]`,
  "g",
);

/**
 * Makes server text safe for a terminal: escape sequences removed, `\r` resolved per line, and
 * every other control character (C0 but `\n` and `\t`, DEL, C1 such as CSI U+009B) and bidi
 * override shown as a visible escape (`\x07`, `\u202e`). Any value is accepted (never throws).
 *
 * @param value Any value; not a string is shown as JSON.
 * @returns The terminal-safe text.
 * @example
 * ```ts
 * import { clean } from "./_text.ts";
 * if (clean("\u001b[31mred\u001b[0m\u0007") !== "red\\x07") throw new Error(clean("\u001b[31mred\u0007"));
 * if (clean("50%\r100%") !== "100%") throw new Error();
 * ```
 */
export function clean(value: unknown): string {
  return safeString(value)
    .replace(ANSI, "")
    .replaceAll("\r\n", "\n")
    .split("\n")
    .map((line) => {
      // A carriage return overwrites the line, as in a terminal: keep what was written last.
      const body = line.replace(/\r+$/, "");
      return terminalText(body.slice(body.lastIndexOf("\r") + 1));
    })
    .join("\n");
}

/**
 * Removes blank lines at the start and trailing white space at the end.
 *
 * @param text The text.
 * @returns The trimmed text.
 * @example
 * ```ts
 * import { trimBlock } from "./_text.ts";
 * if (trimBlock("\n  \n  a\nb  \n") !== "  a\nb") throw new Error();
 * ```
 */
export function trimBlock(text: string): string {
  return text.replace(/^(?:[ \t]*\n)+/, "").trimEnd();
}

/**
 * `value` if it is a string.
 *
 * @param value Any value.
 * @returns The string, or `undefined`.
 * @example
 * ```ts
 * import { str } from "./_text.ts";
 * if (str(1) !== undefined || str("a") !== "a") throw new Error();
 * ```
 */
export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/**
 * `value` as text (JSON when not a string), cut to `max` characters with "…" marking the cut.
 *
 * @param value Any value.
 * @param max The most characters, "…" included.
 * @returns The text.
 * @example
 * ```ts
 * import { compact } from "./_text.ts";
 * if (compact("abcdef", 4) !== "abc…") throw new Error();
 * ```
 */
export function compact(value: unknown, max = 200): string {
  const text = safeString(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
