/**
 * Printing what a server sent, safely: {@linkcode safeString} turns any value into text without
 * throwing, {@linkcode terminalLine} and {@linkcode terminalText} make text harmless on a terminal
 * (control characters, escapes and bidi overrides become visible `\xNN` / `\uNNNN` escapes).
 * Used by the CLI and the visualizer for every server-provided string they print. Not public.
 *
 * @module
 */

/**
 * Any value as text, never throwing: strings as they are, numbers, booleans and bigints through
 * `String`, `undefined` as `"undefined"`, anything else as JSON, and `"[unprintable]"` when even
 * that fails (a cycle, a throwing getter, nesting too deep) or gives nothing (a function).
 *
 * @example
 * ```ts
 * import { safeString } from "./_terminal_safe.ts";
 * if (safeString({ toString: 1 }) !== '{"toString":1}') throw new Error();
 * if (safeString(7) !== "7" || safeString("a") !== "a") throw new Error();
 * ```
 */
export function safeString(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "boolean":
    case "bigint":
      return String(value);
    case "undefined":
      return "undefined";
    case "symbol":
      return value.description === undefined ? "Symbol()" : `Symbol(${value.description})`;
  }
  try {
    const json = JSON.stringify(value);
    if (typeof json === "string") return json;
  } catch {
    // A cycle, a throwing getter or toJSON, or nesting too deep: nothing sensible to print.
  }
  return "[unprintable]";
}

/** C0 controls, DEL, C1 controls (CSI U+009B among them), bidi embeddings, overrides, isolates. */
// deno-lint-ignore no-control-regex
const UNSAFE_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** The same, but line feeds and tabs are kept (multi-line content). */
// deno-lint-ignore no-control-regex
const UNSAFE_IN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** Characters JSON.stringify leaves raw that a terminal acts on. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function visible(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * One line safe to print: `value` through {@linkcode safeString}, then every control character
 * (line breaks and tabs too), DEL, C1 control and bidi override or isolate replaced by a visible
 * escape such as `\x1b` or `\u202e`.
 *
 * @example
 * ```ts
 * import { terminalLine } from "./_terminal_safe.ts";
 * const line = terminalLine("\u001b]0;owned\u0007id\u009b2J\u202e");
 * if (line !== "\\x1b]0;owned\\x07id\\x9b2J\\u202e") throw new Error(line);
 * ```
 */
export function terminalLine(value: unknown): string {
  return safeString(value).replace(UNSAFE_IN_LINE, visible);
}

/**
 * Multi-line text safe to print: as {@linkcode terminalLine}, but line feeds (`\n`) and tabs are
 * kept.
 *
 * @example
 * ```ts
 * import { terminalText } from "./_terminal_safe.ts";
 * if (terminalText("a\n\tb\u001b[2J") !== "a\n\tb\\x1b[2J") throw new Error();
 * ```
 */
export function terminalText(value: unknown): string {
  return safeString(value).replace(UNSAFE_IN_TEXT, visible);
}

/**
 * JSON text (from `JSON.stringify`, which escapes C0 controls itself) with DEL, C1 controls and
 * bidi overrides escaped as `\uNNNN` too: the same JSON value, safe to print.
 *
 * @example
 * ```ts
 * import { terminalJson } from "./_terminal_safe.ts";
 * const json = terminalJson(JSON.stringify({ id: "\u009b2J" }));
 * if (json !== '{"id":"\\u009b2J"}' || JSON.parse(json).id !== "\u009b2J") throw new Error(json);
 * ```
 */
export function terminalJson(json: string): string {
  return json.replace(
    UNSAFE_IN_JSON,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
