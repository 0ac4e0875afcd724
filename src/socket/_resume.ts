/**
 * Where a new connection of the event socket starts: the session socket resumes after the last
 * stored event received (`after_seq`), or on its first connect replays everything
 * (`sessionReplay: "all"`, `after_seq=-1`) or nothing; the events socket asks for a resend when
 * `resumeAfter` is given (`resend_mode=since&after_timestamp=...` or `resend_mode=all`).
 *
 * @module
 */

import { RemoteHandsError } from "../errors.ts";
import { describeError } from "./_describe.ts";

/**
 * What is known when a connection is about to be made.
 *
 * @example
 * ```ts
 * import type { ResumeFacts } from "./_resume.ts";
 * const facts: ResumeFacts = {
 *   protocol: "session",
 *   lastSeq: undefined,
 *   sessionReplay: "all",
 *   resumeAfter: undefined,
 *   report: () => {},
 * };
 * if (facts.protocol !== "session") throw new Error();
 * ```
 */
export interface ResumeFacts {
  /** The protocol of the new connection. */
  readonly protocol: "events" | "session";
  /** The resume cursor (session socket), if any. */
  readonly lastSeq: number | undefined;
  /** What the first session connection replays. */
  readonly sessionReplay: "all" | "live" | number;
  /** The user's `resumeAfter` option (events socket). */
  readonly resumeAfter: (() => string | undefined | null) | undefined;
  /** Reports a throw of `resumeAfter` (then all events are resent). */
  readonly report: (error: RemoteHandsError) => void;
}

/**
 * The query of a new connection, and the `after_seq` it carries (session socket).
 *
 * @param facts What is known.
 * @returns The query parameters, in order, and the `after_seq` (undefined: none).
 * @example
 * ```ts
 * import { resumeQuery } from "./_resume.ts";
 * const { query, afterSeq } = resumeQuery({
 *   protocol: "events",
 *   lastSeq: undefined,
 *   sessionReplay: "live",
 *   resumeAfter: () => "2026-01-01T00:00:00",
 *   report: () => {},
 * });
 * if (afterSeq !== undefined || query.toString() !== "resend_mode=since&after_timestamp=2026-01-01T00%3A00%3A00") {
 *   throw new Error(query.toString());
 * }
 * ```
 */
export function resumeQuery(
  facts: ResumeFacts,
): { query: URLSearchParams; afterSeq: number | undefined } {
  const query = new URLSearchParams();
  const afterSeq = facts.protocol === "session"
    ? facts.lastSeq ??
      (facts.sessionReplay === "all"
        ? -1
        : typeof facts.sessionReplay === "number"
        ? facts.sessionReplay
        : undefined)
    : undefined;
  if (afterSeq !== undefined) {
    query.set("after_seq", String(afterSeq));
  } else if (facts.protocol === "events" && facts.resumeAfter) {
    let after: string | undefined | null;
    try {
      after = facts.resumeAfter();
    } catch (err) {
      facts.report(
        new RemoteHandsError(
          `resumeAfter threw, so all events are resent: ${describeError(err)}`,
          { cause: err },
        ),
      );
    }
    if (after === undefined) {
      query.set("resend_mode", "all");
    } else if (after !== null) {
      query.set("resend_mode", "since");
      query.set("after_timestamp", after);
    }
  }
  return { query, afterSeq };
}
