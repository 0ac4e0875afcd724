/**
 * Conversation titles, as the Python SDK's `title_utils` makes them: the first user message,
 * either summarized by one OpenAI-compatible chat call or truncated. The prompt asks for the same
 * thing as Python's (a concise title starting with one emoji from the same list) in fewer words:
 * it ships in every browser and edge bundle.
 *
 * @module
 */

import { contentText, type Event } from "./events.ts";
import { fetchWithinOrigin } from "./_redirect.ts";
import { readBounded } from "./_transport.ts";
import { ProtocolError, RemoteHandsError } from "./errors.ts";

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
 * The LLM settings `generateTitle` uses for its one chat call.
 *
 * @example
 * ```ts
 * import type { TitleLLM } from "./_title.ts";
 * const llm: TitleLLM = {
 *   model: "openai/gpt-4o-mini",
 *   base_url: "https://api.openai.com/v1",
 *   api_key: "sk-...",
 * };
 * // const title = await conversation.generateTitle({ llm });
 * if (llm.model !== "openai/gpt-4o-mini") throw new Error();
 * ```
 */
export interface TitleLLM {
  /** Model name; a provider prefix such as `openai/` is dropped. */
  model: string;
  /** OpenAI-compatible base URL, e.g. `https://api.example.com/v1`. */
  base_url?: string | null | undefined;
  /** Bearer key for that endpoint (never logged). */
  api_key?: string | null | undefined;
}

/** The text of the first user message with text, or undefined. */
export function firstUserMessage(events: Iterable<Event>): string | undefined {
  for (const event of events) {
    if (event.kind !== "MessageEvent" || event.source !== "user") continue;
    const message = (event as { llm_message?: { content?: unknown } }).llm_message;
    const text = contentText(message?.content).trim();
    if (text) return text;
  }
  return undefined;
}

/** Truncates like the Python SDK: `maxLength - 3` characters and `...`. */
export function truncateTitle(text: string, maxLength: number): string {
  // Code points, as Python counts: an emoji is never cut in half.
  const chars = Array.from(text.trim());
  return chars.length > maxLength ? `${chars.slice(0, maxLength - 3).join("")}...` : chars.join("");
}

/**
 * One chat call that asks the LLM for a title; undefined when it answers nothing usable. The
 * `Authorization` header never leaves the LLM's origin: a redirect elsewhere is a
 * `RedirectError`. An answer over 1 MiB is a `ResponseTooLargeError`, one that is not JSON a
 * `ProtocolError`.
 */
export async function titleFromLLM(
  message: string,
  llm: TitleLLM,
  maxLength: number,
  fetchFn: (request: Request) => Promise<Response>,
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
