/**
 * Checks several modules share: timer options, UUIDs, page tokens, and how a value a server sent
 * is shown in an error. One home each, so the bundle carries one copy.
 *
 * @module
 */

import { ProtocolError } from "./errors/protocol.ts";

/**
 * The longest delay timers keep (2^31 - 1 ms, about 24.8 days); a longer one fires at once.
 *
 * @example
 * ```ts
 * import { MAX_TIMER_MS } from "./_checks.ts";
 * if (MAX_TIMER_MS !== 2147483647) throw new Error();
 * ```
 */
export const MAX_TIMER_MS: number = 2 ** 31 - 1;

/**
 * A UUID as the agent server makes them, with or without dashes, in any case.
 *
 * @example
 * ```ts
 * import { UUID } from "./_checks.ts";
 * if (!UUID.test("0123456789ABCDEF0123456789abcdef") || UUID.test("..")) throw new Error();
 * ```
 */
export const UUID: RegExp = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * Makes Deno's and Node's `inspect` (and so `console.log`) show `target` as `show` returns it;
 * `show` gets the runtime's arguments (Node's and Deno's pass an `inspect` function among them).
 *
 * @example
 * ```ts
 * import { inspectAs } from "./_checks.ts";
 * const secret = {};
 * inspectAs(secret, () => "Secret(***)");
 * const show = (secret as Record<symbol, () => string>)[Symbol.for("Deno.customInspect")]!;
 * if (show() !== "Secret(***)") throw new Error();
 * ```
 */
export function inspectAs(target: object, show: (...args: unknown[]) => string): void {
  for (
    const symbol of [Symbol.for("Deno.customInspect"), Symbol.for("nodejs.util.inspect.custom")]
  ) {
    Object.defineProperty(target, symbol, { value: show });
  }
}

/**
 * Throws a RangeError unless `value` is undefined or a timer delay the runtimes honour: a number
 * of milliseconds above 0 and at most {@linkcode MAX_TIMER_MS}.
 *
 * @example
 * ```ts
 * import { checkMs } from "./_checks.ts";
 * checkMs("timeoutMs", 5_000);
 * checkMs("timeoutMs", undefined);
 * try {
 *   checkMs("timeoutMs", 2 ** 31);
 *   throw new Error("accepted");
 * } catch (err) {
 *   if (!(err instanceof RangeError)) throw err;
 * }
 * ```
 */
export function checkMs(name: string, value: unknown): void {
  if (value !== undefined && !(typeof value === "number" && value > 0 && value <= MAX_TIMER_MS)) {
    throw new RangeError(
      `Cannot use '${name}' as it must be a positive number of milliseconds up to ${MAX_TIMER_MS}: current value is ${
        typeof value === "number" ? value : typeof value
      }`,
    );
  }
}

/**
 * A short, printable description of a value a server sent, for error messages: a string quoted
 * and cut at 40 characters, else its JSON type.
 *
 * @example
 * ```ts
 * import { shown } from "./_checks.ts";
 * if (shown("..") !== '".."' || shown(undefined) !== "missing" || shown([]) !== "an array") {
 *   throw new Error();
 * }
 * ```
 */
export function shown(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  }
  if (value === null) return "null";
  if (value === undefined) return "missing";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * The next page token of a paged answer, or undefined on the last page (none, null or `""`). A
 * token that is not a string, one `seen` already (the pages would never end), or the one that
 * would make `maxPages` pages is a {@linkcode ProtocolError} for `what`; else it is added to
 * `seen`.
 *
 * @example
 * ```ts
 * import { nextPage } from "./_checks.ts";
 * const seen = new Set<string>();
 * if (nextPage("p2", seen, "GET /x") !== "p2" || nextPage(null, seen, "GET /x") !== undefined) {
 *   throw new Error();
 * }
 * try {
 *   nextPage("p2", seen, "GET /x");
 *   throw new Error("accepted a token that came back");
 * } catch (err) {
 *   if (!(err instanceof Error) || err.name !== "ProtocolError") throw err;
 * }
 * ```
 */
export function nextPage(
  value: unknown,
  seen: Set<string>,
  what: string,
  maxPages = 100_000,
): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") {
    throw new ProtocolError(what, `next_page_id is ${shown(value)}, not a string`);
  }
  if (seen.has(value)) {
    throw new ProtocolError(
      what,
      `next_page_id ${shown(value)} came back after ${seen.size} page${
        seen.size === 1 ? "" : "s"
      }: the pages never end`,
    );
  }
  if (seen.size + 1 >= maxPages) throw new ProtocolError(what, `more than ${maxPages} pages`);
  seen.add(value);
  return value;
}

/**
 * The items of a paged answer: an object whose `items`, when present, is an array. Else a
 * {@linkcode ProtocolError} for `what` saying it is not a page `of` what was asked for.
 *
 * @example
 * ```ts
 * import { pageItems } from "./_checks.ts";
 * if (pageItems({ items: [1] }, "GET /x", "events").length !== 1) throw new Error();
 * if (pageItems({}, "GET /x", "events").length !== 0) throw new Error();
 * ```
 */
export function pageItems(data: unknown, what: string, of: string): unknown[] {
  const items = (data as { items?: unknown } | null)?.items;
  if (
    data === null || typeof data !== "object" || Array.isArray(data) ||
    (items !== undefined && !Array.isArray(items))
  ) {
    throw new ProtocolError(what, `the answer is ${shown(data)}, not a page of ${of}`);
  }
  return (items as unknown[] | undefined) ?? [];
}

/**
 * Sets `target[key]` as an own, plain data field, whatever the key (`__proto__` included: no
 * setter runs and no prototype changes). For plain objects and prototype-free ones (whose
 * prototype chain has no setter but Object.prototype's `__proto__`).
 *
 * @example
 * ```ts
 * import { setOwn } from "./_checks.ts";
 * const out: Record<string, unknown> = {};
 * setOwn(out, "__proto__", { polluted: true });
 * if (Object.getPrototypeOf(out) !== Object.prototype || !Object.hasOwn(out, "__proto__")) {
 *   throw new Error();
 * }
 * ```
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // On the plain and prototype-free objects this is given, only `__proto__` runs a setter when
  // assigned (Object.prototype's); any other key becomes an own data field by plain assignment,
  // which keeps the object's fast layout.
  if (key !== "__proto__") {
    target[key] = value;
    return;
  }
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}
