/**
 * The agent server's socket routes: the URL of a conversation's event socket, and the two REST
 * probes that explain a socket that never opened (`GET /ready` and
 * `GET /api/conversations/{id}`). Only the request and the answer live here; when to probe, the
 * timeout and the cancelling on stop are the socket's (`src/socket/`).
 *
 * @module
 */

import type { FetchLike } from "./_transport.ts";

/**
 * What a probe learned: the status and whether the body is JSON (the body itself is not read).
 *
 * @example
 * ```ts
 * import type { ProbeAnswer } from "./sockets.ts";
 * const answer: ProbeAnswer = { status: 503, json: true };
 * if (answer.status < 500) throw new Error();
 * ```
 */
export interface ProbeAnswer {
  /** The HTTP status (never a 3xx: a redirect is no answer). */
  readonly status: number;
  /** Whether the `content-type` names JSON. */
  readonly json: boolean;
}

/**
 * What the conversation probe learned, with the request it made (for an error message).
 *
 * @example
 * ```ts
 * import type { ConversationProbeAnswer } from "./sockets.ts";
 * const answer: ConversationProbeAnswer = {
 *   status: 404,
 *   json: true,
 *   request: { method: "GET", path: "/api/conversations/x" },
 * };
 * if (answer.request.method !== "GET") throw new Error();
 * ```
 */
export interface ConversationProbeAnswer extends ProbeAnswer {
  /** The method and URL path of the probe. */
  readonly request: { readonly method: "GET"; readonly path: string };
}

/**
 * The URL of a conversation's event socket: `/sockets/events/{id}` (every server) or
 * `/sockets/session/{id}` (servers since 1.45.0) under the base URL, `https` as `wss`, anything
 * else as `ws`.
 *
 * @param baseUrl The normalized server URL (no trailing slash; a path prefix is kept).
 * @param protocol Which socket.
 * @param conversationId The conversation (percent-encoded into the path).
 * @param query Query parameters to add, in order (`after_seq`, `resend_mode`, ...).
 * @returns The socket URL.
 * @example
 * ```ts
 * import { socketUrl } from "./sockets.ts";
 * const url = socketUrl("https://agent.test/rt", "session", "c 1", new URLSearchParams({ after_seq: "-1" }));
 * if (url.href !== "wss://agent.test/rt/sockets/session/c%201?after_seq=-1") throw new Error(url.href);
 * ```
 */
export function socketUrl(
  baseUrl: string,
  protocol: "events" | "session",
  conversationId: string,
  query: URLSearchParams = new URLSearchParams(),
): URL {
  const url = new URL(`${baseUrl}/sockets/${protocol}/${encodeURIComponent(conversationId)}`);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  for (const [name, value] of query) url.searchParams.append(name, value);
  return url;
}

/**
 * `GET {baseUrl}/ready`, without the key: whether the server is up (an older server without
 * the session socket answers 200; one still starting, 503).
 *
 * @param fetch The user's fetch.
 * @param baseUrl The normalized server URL.
 * @param signal Aborts the request.
 * @returns The answer, or `undefined` when there is none: a redirect (not followed), a network
 * failure, an abort.
 * @example
 * ```ts
 * import { probeReady } from "./sockets.ts";
 * const fetch = (request: Request) => {
 *   if (request.headers.has("X-Session-API-Key")) throw new Error("no key for /ready");
 *   return Promise.resolve(Response.json({ status: "ready" }));
 * };
 * const answer = await probeReady(fetch, "http://agent.test", new AbortController().signal);
 * if (answer?.status !== 200 || !answer.json) throw new Error();
 * ```
 */
export function probeReady(
  fetch: FetchLike,
  baseUrl: string,
  signal: AbortSignal,
): Promise<ProbeAnswer | undefined> {
  return probe(fetch, `${baseUrl}/ready`, new Headers(), signal);
}

/**
 * `GET {baseUrl}/api/conversations/{id}` with the key in `X-Session-API-Key`: on the agent
 * server every `/api` route checks the key first (401), then the conversation (a JSON 404).
 *
 * @param fetch The user's fetch.
 * @param baseUrl The normalized server URL.
 * @param apiKey The session API key, if any.
 * @param conversationId The conversation.
 * @param signal Aborts the request.
 * @returns The answer and the request, or `undefined` when there is none: a redirect (not
 * followed), a network failure, an abort.
 * @example
 * ```ts
 * import { probeConversation } from "./sockets.ts";
 * const fetch = () => Promise.resolve(Response.json({ detail: "Not Found" }, { status: 404 }));
 * const answer = await probeConversation(fetch, "http://agent.test", "key", "c1", new AbortController().signal);
 * if (answer?.status !== 404 || answer.request.path !== "/api/conversations/c1") throw new Error();
 * ```
 */
export async function probeConversation(
  fetch: FetchLike,
  baseUrl: string,
  apiKey: string | undefined,
  conversationId: string,
  signal: AbortSignal,
): Promise<ConversationProbeAnswer | undefined> {
  const url = `${baseUrl}/api/conversations/${encodeURIComponent(conversationId)}`;
  const headers = new Headers();
  if (apiKey !== undefined) headers.set("X-Session-API-Key", apiKey);
  const answer = await probe(fetch, url, headers, signal);
  return answer && { ...answer, request: { method: "GET", path: new URL(url).pathname } };
}

/** GETs `url` without following a redirect (a 3xx or an opaque redirect is no answer) and
 * cancels the body; any failure is no answer. */
async function probe(
  fetch: FetchLike,
  url: string,
  headers: Headers,
  signal: AbortSignal,
): Promise<ProbeAnswer | undefined> {
  try {
    const response = await fetch(new Request(url, { headers, redirect: "manual", signal }));
    try {
      const status = response.status;
      if (
        response.type === "opaqueredirect" || typeof status !== "number" ||
        (status >= 300 && status < 400)
      ) {
        return undefined;
      }
      return { status, json: /\bjson\b/i.test(response.headers.get("content-type") ?? "") };
    } finally {
      await response.body?.cancel().catch(() => {});
    }
  } catch {
    return undefined;
  }
}
