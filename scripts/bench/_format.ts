/**
 * Number formatting shared by the reports.
 *
 * @module
 */

/**
 * A number with `digits` decimals, `–` when missing or not finite.
 *
 * @param n The number.
 * @param digits Decimals.
 * @returns The text.
 */
export function fmt(n: number | null | undefined, digits = 2): string {
  return n === null || n === undefined || !Number.isFinite(n) ? "–" : n.toFixed(digits);
}

/**
 * A rounded integer with thousands separators: `12,345`.
 *
 * @param n The number.
 * @returns The text.
 */
export function int(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/**
 * A ratio: `1.23×`, `–` when missing.
 *
 * @param n The ratio.
 * @returns The text.
 */
export function x(n: number | null): string {
  return n === null ? "–" : `${n.toFixed(2)}×`;
}

/**
 * Whether a target is met: `yes`, `**no**`, or `–` when it has none.
 *
 * @param ok Met, not met, or no target.
 * @returns The text.
 */
export function met(ok: boolean | null): string {
  return ok === null ? "–" : ok ? "yes" : "**no**";
}
