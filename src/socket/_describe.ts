/**
 * How the event socket shows a value it did not make (a thrown value, an option) in an error
 * message, without ever throwing itself.
 *
 * @module
 */

import { shown } from "../_checks.ts";

/**
 * A thrown value as text: an `Error`'s message, else {@linkcode describeValue}. Never throws (a
 * thrown `{"toString": 1}` or a hostile `message` getter included).
 *
 * @param err The thrown value.
 * @returns The text to put in a message.
 * @example
 * ```ts
 * import { describeError } from "./_describe.ts";
 * if (describeError(new Error("boom")) !== "boom") throw new Error();
 * if (describeError(Object.create(null)) !== "a value that cannot be shown (an object)") {
 *   throw new Error();
 * }
 * ```
 */
export function describeError(err: unknown): string {
  try {
    if (err instanceof Error) return String(err.message);
  } catch {
    // A hostile `message` getter: fall through.
  }
  return describeValue(err);
}

/**
 * `String(value)`, or a description of its type when that throws.
 *
 * @param value Any value.
 * @returns The text to put in a message.
 * @example
 * ```ts
 * import { describeValue } from "./_describe.ts";
 * if (describeValue(42) !== "42") throw new Error();
 * if (describeValue({ toString: 1 }) !== "a value that cannot be shown (an object)") {
 *   throw new Error();
 * }
 * ```
 */
export function describeValue(value: unknown): string {
  try {
    return String(value);
  } catch {
    return `a value that cannot be shown (${shown(value)})`;
  }
}

/**
 * The size of a binary frame's data, in bytes (0 for what is not binary data).
 *
 * @param data A frame's data: an `ArrayBuffer`, a view of one or a `Blob`.
 * @returns Its size in bytes.
 * @example
 * ```ts
 * import { byteLength } from "./_describe.ts";
 * if (byteLength(new Uint8Array(3)) !== 3 || byteLength("abc") !== 0) throw new Error();
 * ```
 */
export function byteLength(data: unknown): number {
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  if (typeof Blob !== "undefined" && data instanceof Blob) return data.size;
  return 0;
}
