/**
 * The ANSI colours of the visualizer.
 *
 * @module
 */

/** The escape character that starts every ANSI sequence. */
export const ESC = "\u001b";

const CODES = {
  bold: 1,
  dim: 2,
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  gray: 90,
} as const;

/**
 * A style the visualizer paints with.
 *
 * @example
 * ```ts
 * import type { Style } from "./_style.ts";
 * const styles: Style[] = ["bold", "red"];
 * ```
 */
export type Style = keyof typeof CODES;

/**
 * `text` in `styles` (one SGR sequence, then a reset), or as is when colour is off, no style is
 * given or the text is empty.
 *
 * @param text The text to paint; it must already be terminal-safe.
 * @param color Whether colours are on.
 * @param styles The styles, applied together.
 * @returns The painted text.
 * @example
 * ```ts
 * import { paint } from "./_style.ts";
 * if (paint("hi", true, "bold", "red") !== "\u001b[1;31mhi\u001b[0m") throw new Error();
 * if (paint("hi", false, "bold") !== "hi") throw new Error();
 * ```
 */
export function paint(text: string, color: boolean, ...styles: Style[]): string {
  if (!color || styles.length === 0 || text === "") return text;
  return `${ESC}[${styles.map((s) => CODES[s]).join(";")}m${text}${ESC}[0m`;
}
