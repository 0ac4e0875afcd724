/**
 * The error of a request that got no answer at all, worded for where it runs: in a browser a
 * failed `fetch` may be a CORS refusal, and the message says how to allow the page's origin.
 *
 * @module
 */

import { ConnectionError } from "./transport.ts";

/**
 * Where a request runs, as far as a failed `fetch` can mean a CORS refusal: `undefined` outside
 * a browser (Deno, Bun, Node, an edge worker: no CORS there), else the page's origin
 * (`undefined` when the page has none, such as a `file:` page).
 */
export interface BrowserPage {
  /** The origin of the page (or worker) making the request, if it has an http(s) one. */
  readonly origin: string | undefined;
}

/**
 * Whether this runs in a browser page or worker: no `Deno` or `Bun` global, no Node `process`
 * (one with `versions.node`; bundlers may add a bare `process` to a page), and a `location`, as
 * pages and workers have and server runtimes do not.
 *
 * @param g The global object to look at.
 * @returns The page, or `undefined` outside a browser.
 * @example
 * ```ts
 * import { browserPage } from "./_unreachable.ts";
 * if (browserPage() !== undefined) throw new Error("Deno is not a browser");
 * const page = browserPage({ location: { origin: "https://app.example.com" } });
 * if (page?.origin !== "https://app.example.com") throw new Error();
 * ```
 */
export function browserPage(g: object = globalThis): BrowserPage | undefined {
  if ("Deno" in g || "Bun" in g || !("location" in g)) return undefined;
  const process: unknown = "process" in g ? g.process : undefined;
  const versions: unknown = process && typeof process === "object" && "versions" in process
    ? process.versions
    : undefined;
  if (versions && typeof versions === "object" && "node" in versions) return undefined;
  const location: unknown = g.location;
  const origin = location && typeof location === "object" && "origin" in location
    ? location.origin
    : undefined;
  return { origin: typeof origin === "string" && /^https?:\/\//.test(origin) ? origin : undefined };
}

/**
 * The error of a `fetch` that failed before any answer. In a browser, a `TypeError` from a
 * cross-origin request is also what a CORS refusal looks like (the browser tells the page
 * nothing more), so there the message says so and names the server setting that allows an
 * origin, `OH_ALLOW_CORS_ORIGINS` (a JSON list; the agent server's `config.py`,
 * `allow_cors_origins`). Elsewhere, for a page on the server's own origin, and for a page on
 * localhost or 127.0.0.1 (which the server always allows: `middleware.py`), it is the plain
 * "check the host" message.
 *
 * @param origin The server's origin.
 * @param cause What `fetch` threw.
 * @param page Where this runs (default: {@linkcode browserPage}).
 * @returns The `ConnectionError` to throw.
 * @example
 * ```ts
 * import { unreachable } from "./_unreachable.ts";
 * const page = { origin: "https://app.example.com" };
 * const err = unreachable("https://agent.example.com", new TypeError("Failed to fetch"), page);
 * if (!err.message.includes(`OH_ALLOW_CORS_ORIGINS='["https://app.example.com"]'`)) {
 *   throw new Error(err.message);
 * }
 * ```
 */
export function unreachable(
  origin: string,
  cause: unknown,
  page: BrowserPage | undefined = browserPage(),
): ConnectionError {
  if (!page || !(cause instanceof TypeError) || page.origin === origin || alwaysAllowed(page)) {
    return new ConnectionError(origin, cause);
  }
  const allow = page.origin === undefined
    ? "allow it with the server setting OH_ALLOW_CORS_ORIGINS (a JSON list of origins)"
    : `allow it with the server setting OH_ALLOW_CORS_ORIGINS='${JSON.stringify([page.origin])}'`;
  return new ConnectionError(
    origin,
    cause,
    `Cannot reach the agent server at ${origin}${
      cause.message ? `: ${cause.message}` : ""
    }. In a browser this is also how a CORS refusal looks: the server may refuse this page's origin${
      page.origin === undefined ? "" : ` (${page.origin})`
    }; ${allow}. Otherwise check the host and that the server is running`,
  );
}

/** The agent server allows these page hosts whatever its settings (`LocalhostCORSMiddleware`). */
function alwaysAllowed(page: BrowserPage): boolean {
  return /^https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(page.origin ?? "");
}
