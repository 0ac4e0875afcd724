/**
 * Redirects that never leave the origin: the one rule for every request that carries the session
 * key, a secret or an LLM key (the REST transport, file transfers, the title LLM call, the
 * `/ready` probe). The request is sent with `redirect: "manual"`; a redirect (301, 302, 303, 307,
 * 308) to the same origin (scheme, host and port) is followed with the fetch semantics, at most
 * {@linkcode MAX_REDIRECTS} times; a redirect anywhere else is refused with a
 * {@linkcode RedirectError} naming the target origin, before anything is sent there.
 *
 * @module
 */

import { RedirectError } from "../errors.ts";

/**
 * The most redirects followed for one request.
 *
 * @example
 * ```ts
 * import { MAX_REDIRECTS } from "./_redirect.ts";
 * if (MAX_REDIRECTS !== 5) throw new Error();
 * ```
 */
export const MAX_REDIRECTS = 5;

const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
const BODY_HEADERS = ["content-type", "content-encoding", "content-language", "content-location"];

/**
 * Options of {@linkcode fetchWithinOrigin}.
 *
 * @example
 * ```ts
 * import type { WithinOriginOptions } from "./_redirect.ts";
 * const options: WithinOriginOptions = { maxRedirects: 2, what: "GET /ready" };
 * if (options.maxRedirects !== 2) throw new Error();
 * ```
 */
export interface WithinOriginOptions {
  /**
   * Redirects to follow at most; one more is a {@linkcode RedirectError}.
   * @default {5}
   */
  maxRedirects?: number;
  /** What the request is, for errors. Default: its method and path, e.g. `GET /api/x`. */
  what?: string;
}

/**
 * Sends `request` with `fetch`, following redirects only within its origin.
 *
 * 303 (and 301/302 of a POST) go on as a GET without a body; 307 and 308 re-send the method and
 * body (the body is read once, up front, to be able to). Headers go along unchanged, which is
 * safe as they never leave the origin. A redirect to another origin, one past `maxRedirects`, a
 * `Location` that is not a URL, and the opaque redirect browsers return for `redirect: "manual"`
 * (they hide the target: `targetOrigin` is `"unknown"`) reject with {@linkcode RedirectError};
 * the refused response's body is cancelled. A 3xx without `Location` is returned as it is.
 *
 * @example A path prefix that moved is followed; another origin is refused
 * ```ts
 * import { fetchWithinOrigin } from "./_redirect.ts";
 * import { RedirectError } from "@remote-hands/client";
 * const fetch = async (request: Request): Promise<Response> => {
 *   const { pathname } = new URL(request.url);
 *   if (pathname === "/old") return new Response(null, { status: 308, headers: { location: "/new" } });
 *   if (pathname === "/new") return Response.json({ at: pathname });
 *   return new Response(null, { status: 302, headers: { location: "http://other.test/" } });
 * };
 * const moved = await fetchWithinOrigin(fetch, new Request("http://agent.test/old"));
 * if ((await moved.json()).at !== "/new") throw new Error();
 * try {
 *   await fetchWithinOrigin(fetch, new Request("http://agent.test/away"));
 *   throw new Error("not refused");
 * } catch (err) {
 *   if (!(err instanceof RedirectError) || err.targetOrigin !== "http://other.test") throw err;
 * }
 * ```
 */
export async function fetchWithinOrigin(
  fetch: (request: Request) => Promise<Response>,
  request: Request,
  options: WithinOriginOptions = {},
): Promise<Response> {
  const maxRedirects = options.maxRedirects ?? MAX_REDIRECTS;
  let url = new URL(request.url);
  const origin = url.origin;
  const what = options.what ?? `${request.method} ${url.pathname}`;
  let method = request.method;
  // Copied only when a redirect needs them (the request's own may be immutable).
  let headers: Headers | undefined;
  // Kept to re-send on 307/308; a request without one is passed on untouched (a new one only to
  // make its redirects manual).
  let body: ArrayBuffer | null = request.body === null ? null : await request.arrayBuffer();
  let next = body === null
    ? request.redirect === "manual" ? request : new Request(request, { redirect: "manual" })
    : new Request(url, {
      method,
      headers: headers = new Headers(request.headers),
      body,
      signal: request.signal,
      redirect: "manual",
    });
  for (let hops = 0; hops <= maxRedirects; hops++) {
    const response = await fetch(next);
    if (response.type === "opaqueredirect") {
      throw new RedirectError(
        what,
        response.status,
        "unknown",
        "refused, as this runtime hides where it leads",
      );
    }
    const location = REDIRECT_STATUS.has(response.status) ? response.headers.get("location") : null;
    if (location === null) return response;
    await response.body?.cancel().catch(() => {});
    let target: URL;
    try {
      target = new URL(location, url);
    } catch {
      throw new RedirectError(
        what,
        response.status,
        "unknown",
        "refused, as Location is not a URL",
      );
    }
    if (target.origin !== origin) {
      throw new RedirectError(
        what,
        response.status,
        target.origin === "null" ? target.protocol : target.origin,
      );
    }
    if (hops === maxRedirects) {
      throw new RedirectError(
        what,
        response.status,
        target.origin,
        `refused, as at most ${maxRedirects} redirects are followed`,
      );
    }
    if (
      (response.status === 303 && method !== "GET" && method !== "HEAD") ||
      ((response.status === 301 || response.status === 302) && method === "POST")
    ) {
      method = "GET";
      body = null;
      headers ??= new Headers(request.headers);
      for (const name of BODY_HEADERS) headers.delete(name);
    }
    headers ??= new Headers(request.headers);
    url = target;
    next = new Request(url, { method, headers, body, signal: request.signal, redirect: "manual" });
  }
  // Reached only with a maxRedirects below 0: the last pass through the loop returns or throws.
  throw new RedirectError(what, 0, "unknown");
}
