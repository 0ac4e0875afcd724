/**
 * Conversation titles, as the Python SDK's `title_utils` makes them: the first user message,
 * either summarized by one OpenAI-compatible chat call or truncated. The prompt asks for the same
 * thing as Python's (a concise title starting with one emoji from the same list) in fewer words:
 * it ships in every browser and edge bundle.
 *
 * @module
 */

import { ProtocolError, RemoteHandsError } from "../errors.ts";
import { contentText } from "../events/helpers.ts";
import type { Event } from "../events/kinds.ts";
import { fetchWithinOrigin } from "../rest/_redirect.ts";
import type { FetchLike } from "../rest/_transport.ts";
import { readBounded } from "../rest/_read_bounded.ts";
import type { Connection } from "../rest/connection.ts";
import { getConversation } from "../rest/conversations.ts";
import { checkPositive } from "./_options.ts";
import type { GenerateTitleOptions, TitleLLM } from "./types.ts";

/** The largest title answer read, in bytes (a title is a few hundred). */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** The emoji a title starts with, one per kind of work (the Python SDK's list). */
const EMOJIS = "💄 frontend, 👔 backend, ✅ test, 👷 devops, 🚀 deployment, 📦️ dependencies, " +
  "🗃️ database, 🔧 chores, ✨ features, 🐛 bugfix, ⚡️ performance, 🔒️ security, " +
  "📝 documentation, ♻️ refactor";

const SYSTEM_PROMPT = "You write concise, descriptive titles for conversations with OpenHands, " +
  "an AI agent that solves tasks with a terminal, a file editor and a browser. Return only the " +
  "title, with no quotes or explanations.";

/**
 * The text of the first user message with text.
 *
 * @param events The conversation's events, in order.
 * @returns That text, trimmed, or undefined when no user message has text.
 *
 * @example
 * ```ts
 * import { firstUserMessage } from "./_title.ts";
 * const text = firstUserMessage([{
 *   kind: "MessageEvent", id: "m1", timestamp: "2026-01-01T00:00:00", source: "user",
 *   llm_message: { role: "user", content: [{ type: "text", text: " Fix the tests " }] },
 * }]);
 * if (text !== "Fix the tests") throw new Error(text);
 * ```
 */
export function firstUserMessage(events: Iterable<Event>): string | undefined {
  for (const event of events) {
    if (event.kind !== "MessageEvent" || event.source !== "user") continue;
    const message = (event as { llm_message?: { content?: unknown } }).llm_message;
    const text = contentText(message?.content).trim();
    if (text) return text;
  }
  return undefined;
}

/**
 * Truncates like the Python SDK: `maxLength - 3` characters and `...` (code points, so an emoji is
 * never cut in half).
 *
 * @param text The title, trimmed first.
 * @param maxLength The longest title, in code points.
 * @returns `text` when it fits, else its start and `...`.
 *
 * @example
 * ```ts
 * import { truncateTitle } from "./_title.ts";
 * if (truncateTitle("Add a README to the repo", 10) !== "Add a R...") throw new Error();
 * ```
 */
export function truncateTitle(text: string, maxLength: number): string {
  // Code points, as Python counts: an emoji is never cut in half.
  const chars = Array.from(text.trim());
  return chars.length > maxLength ? `${chars.slice(0, maxLength - 3).join("")}...` : chars.join("");
}

/**
 * One chat call that asks the LLM for a title. The `Authorization` header never leaves the LLM's
 * origin.
 *
 * @param message The first user message.
 * @param llm The OpenAI-compatible LLM to ask.
 * @param maxLength The longest title, in code points.
 * @param fetchFn The fetch for the call (the workspace's).
 * @param signal Cancels the call.
 * @returns The title, or undefined when the LLM answers nothing usable.
 * @throws {TypeError} When `llm.base_url` is not set.
 * @throws {RedirectError} When the LLM redirects to another origin.
 * @throws {ResponseTooLargeError} When the answer is over 1 MiB.
 * @throws {ProtocolError} When the answer is not JSON.
 * @throws {RemoteHandsError} When the LLM answers with an HTTP error.
 *
 * @example
 * ```ts
 * import { titleFromLLM } from "./_title.ts";
 * const fetchFn = async () => Response.json({ choices: [{ message: { content: "✨ Add a README" } }] });
 * const title = await titleFromLLM("Add a README", { model: "m", base_url: "http://llm.test/v1" }, 50, fetchFn);
 * if (title !== "✨ Add a README") throw new Error(title);
 * ```
 */
export async function titleFromLLM(
  message: string,
  llm: TitleLLM,
  maxLength: number,
  fetchFn: FetchLike,
  signal?: AbortSignal,
): Promise<string | undefined> {
  if (!llm.base_url) {
    throw new TypeError("Cannot generate a title with the LLM as its base_url is not set");
  }
  const chars = Array.from(message);
  const truncated = chars.length > 1000
    ? `${chars.slice(0, 1000).join("")}...(truncated)`
    : message;
  const user = `Write a title of at most ${maxLength} characters for a conversation that starts ` +
    `with this message:\n\n${truncated}\n\nStart it with ONE fitting emoji: ${EMOJIS}.`;
  const headers = new Headers({ "content-type": "application/json" });
  if (llm.api_key) headers.set("authorization", `Bearer ${llm.api_key}`);
  const response = await fetchWithinOrigin(
    fetchFn,
    new Request(`${llm.base_url.replace(/\/+$/, "")}/chat/completions`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        model: llm.model.includes("/") ? llm.model.slice(llm.model.indexOf("/") + 1) : llm.model,
        messages: [{ role: "system", content: SYSTEM_PROMPT }, { role: "user", content: user }],
      }),
      ...(signal ? { signal } : {}),
    }),
  );
  if (!response.ok) {
    await response.body?.cancel();
    throw new RemoteHandsError(`The title LLM answered ${response.status}`);
  }
  const what = "POST /chat/completions (title LLM)";
  const text = new TextDecoder().decode(
    await readBounded(response, MAX_ANSWER_BYTES, what, false),
  );
  let body: { choices?: Array<{ message?: { content?: unknown } }> } | null;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new ProtocolError(what, "the answer is not JSON", { cause: err });
  }
  const content = contentText(body?.choices?.[0]?.message?.content);
  const title = content.replace(/<think>[\s\S]*?<\/think>/gi, "").replace(/<think>[\s\S]*/i, "")
    .trim();
  return title ? truncateTitle(title, maxLength) : undefined;
}

/**
 * What {@linkcode generateTitle} reads: the conversation on the server, and its history.
 *
 * @example
 * ```ts
 * import type { TitleSource } from "./_title.ts";
 * const readLog: TitleSource["readLog"] = async () => {};
 * await readLog(undefined);
 * ```
 */
export interface TitleSource {
  /** The server (its fetch makes the LLM call too). */
  connection: Connection;
  /** The conversation. */
  conversationId: string;
  /** The conversation's events, in order. */
  events: Iterable<Event>;
  /** Brings the events up to date with the server's log. */
  readLog: (signal: AbortSignal | undefined) => Promise<void>;
  /** Receives an LLM failure (the title then falls back to truncation). */
  report: (error: RemoteHandsError) => void;
}

/**
 * A title for the conversation: the server's own title when it has one (and no `llm` is given),
 * else one chat call to `llm` (with the connection's fetch) on the first user message, else that
 * message truncated to `maxLength` (ending in `...`).
 *
 * @param source The conversation.
 * @param options The LLM, the longest title, a signal.
 * @returns The title.
 * @throws {RangeError} When `maxLength` is not a positive whole number.
 * @throws {RemoteHandsError} When the conversation has no user message yet.
 *
 * @example
 * ```ts
 * import { createConnection } from "../rest/connection.ts";
 * import { generateTitle } from "./_title.ts";
 * const id = "6c1b5b1e-0000-4000-8000-000000000000";
 * const connection = createConnection({
 *   host: "http://agent.test",
 *   fetch: async () => Response.json({ id, title: "Fix the flaky test" }),
 * });
 * const source = { connection, conversationId: id, events: [], readLog: async () => {}, report: () => {} };
 * if (await generateTitle(source, { maxLength: 10 }) !== "Fix the...") throw new Error();
 * ```
 */
export async function generateTitle(
  source: TitleSource,
  options: GenerateTitleOptions,
): Promise<string> {
  const maxLength = options.maxLength ?? 50;
  checkPositive("maxLength", maxLength);
  const { signal } = options;
  const info = await getConversation(source.connection, source.conversationId, { signal });
  const serverTitle: unknown = info.title;
  if (!options.llm && typeof serverTitle === "string" && serverTitle.trim()) {
    return truncateTitle(serverTitle, maxLength);
  }
  await source.readLog(signal);
  const message = firstUserMessage(source.events);
  if (message === undefined) {
    throw new RemoteHandsError(
      "Cannot generate a title as the conversation has no user message yet",
    );
  }
  if (options.llm) {
    try {
      const title = await titleFromLLM(
        message,
        options.llm,
        maxLength,
        source.connection.fetch,
        signal,
      );
      if (title) return title;
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      source.report(
        new RemoteHandsError("The title LLM failed; the title falls back to truncation", {
          cause: err,
        }),
      );
    }
  }
  return truncateTitle(message, maxLength);
}
