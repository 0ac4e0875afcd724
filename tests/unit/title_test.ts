import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { firstUserMessage, titleFromLLM, truncateTitle } from "../../src/conversation/_title.ts";
import type { TitleLLM } from "../../src/conversation/types.ts";
import { RemoteHandsError } from "../../src/errors.ts";
import type { Event } from "../../src/events/kinds.ts";
import { test } from "../support/test.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/events/", import.meta.url));

function fixture(file: string): Event {
  return JSON.parse(readFileSync(join(FIXTURES, file), "utf8")) as Event;
}

function message(id: string, source: string, content: unknown[]): Event {
  return {
    kind: "MessageEvent",
    id,
    timestamp: "2026-01-01T00:00:01",
    source,
    llm_message: { role: source === "user" ? "user" : "assistant", content },
  };
}

interface Seen {
  method: string;
  url: string;
  headers: Headers;
  body: Record<string, unknown>;
  signal: AbortSignal;
}

/** An injected fetch that records each request and answers with `answer`. */
function fakeFetch(
  answer: () => Response,
): { fetch: (request: Request) => Promise<Response>; seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    seen,
    fetch: async (request) => {
      seen.push({
        method: request.method,
        url: request.url,
        headers: new Headers(request.headers),
        body: await request.json() as Record<string, unknown>,
        signal: request.signal,
      });
      return answer();
    },
  };
}

function chat(content: unknown): Response {
  return Response.json({ choices: [{ message: { role: "assistant", content } }] });
}

const LLM: TitleLLM = {
  model: "openai/gpt-4o-mini",
  base_url: "https://llm.example/v1/",
  api_key: "sk-test-key",
};

// --- firstUserMessage -----------------------------------------------------------------------------

test("`firstUserMessage()` returns the text of the recorded user message when history starts with it", () => {
  const events = [
    fixture("SystemPromptEvent.json"),
    fixture("MessageEvent.agent.json"),
    fixture("MessageEvent.user.json"),
  ];
  assert.equal(firstUserMessage(events), '[script:reply text="Hi from the script"] say hi');
});

test("`firstUserMessage()` skips agent messages and empty user text when looking for the first", () => {
  const events: Event[] = [
    message("a", "agent", [{ type: "text", text: "agent speaks first" }]),
    message("u0", "user", []),
    message("u1", "user", [{ type: "text", text: "   \n " }]),
    message("u2", "user", [{ type: "image", image_urls: ["x"] }]),
    { kind: "PauseEvent", id: "p", timestamp: "t", source: "user" },
    message("u3", "user", [{ type: "text", text: "  fix " }, { type: "text", text: "the bug  " }]),
    message("u4", "user", [{ type: "text", text: "second" }]),
  ];
  assert.equal(firstUserMessage(events), "fix the bug");
});

test("`firstUserMessage()` returns undefined when no user message has text", () => {
  assert.equal(firstUserMessage([]), undefined);
  assert.equal(
    firstUserMessage([
      message("a", "agent", [{ type: "text", text: "hello" }]),
      message("u", "user", [{ type: "text", text: "" }]),
    ]),
    undefined,
  );
});

test("`firstUserMessage()` reads a list-like iterable when given one", () => {
  const events = new Set([message("u", "user", [{ type: "text", text: "from a set" }])]);
  assert.equal(firstUserMessage(events), "from a set");
});

// --- truncateTitle --------------------------------------------------------------------------------

test("`truncateTitle()` cuts to maxLength - 3 characters plus ... when the text is too long", () => {
  assert.equal(truncateTitle("hello world", 8), "hello...");
  assert.equal(truncateTitle("hello world", 8).length, 8);
  assert.equal(truncateTitle("abcdefghijk", 10), "abcdefg...");
  assert.equal(truncateTitle("x".repeat(100), 50), `${"x".repeat(47)}...`);
});

test("`truncateTitle()` returns the trimmed text when it fits", () => {
  assert.equal(truncateTitle("hello", 5), "hello");
  assert.equal(truncateTitle("  hello  ", 5), "hello");
  assert.equal(truncateTitle("hello", 50), "hello");
  assert.equal(truncateTitle("", 5), "");
});

// --- titleFromLLM ---------------------------------------------------------------------------------

test("`titleFromLLM()` posts one chat completion when given an OpenAI-compatible LLM", async () => {
  const { fetch, seen } = fakeFetch(() => chat("🐛 Fix login bug"));
  const title = await titleFromLLM("Please fix the login bug", LLM, 50, fetch);
  assert.equal(title, "🐛 Fix login bug");
  assert.equal(seen.length, 1);
  const request = seen[0]!;
  assert.equal(request.method, "POST");
  assert.equal(request.url, "https://llm.example/v1/chat/completions");
  assert.equal(request.headers.get("authorization"), "Bearer sk-test-key");
  assert.equal(request.headers.get("content-type"), "application/json");
  assert.equal(request.body.model, "gpt-4o-mini");
  const messages = request.body.messages as Array<{ role: string; content: string }>;
  assert.deepEqual(messages.map((m) => m.role), ["system", "user"]);
  assert.equal(
    messages[0]!.content,
    "You write concise, descriptive titles for conversations with OpenHands, an AI agent that " +
      "solves tasks with a terminal, a file editor and a browser. Return only the title, with no " +
      "quotes or explanations.",
  );
  const user = messages[1]!.content;
  assert.equal(
    user,
    "Write a title of at most 50 characters for a conversation that starts with this message:" +
      "\n\nPlease fix the login bug\n\nStart it with ONE fitting emoji: 💄 frontend, 👔 backend, " +
      "✅ test, 👷 devops, 🚀 deployment, 📦️ dependencies, 🗃️ database, 🔧 chores, ✨ features, " +
      "🐛 bugfix, ⚡️ performance, 🔒️ security, 📝 documentation, ♻️ refactor.",
  );
  assert.ok(!user.includes("sk-test-key"));
  assert.deepEqual(Object.keys(request.body).sort(), ["messages", "model"]);
});

test("`titleFromLLM()` keeps the model name when it has no provider prefix", async () => {
  const { fetch, seen } = fakeFetch(() => chat("t"));
  await titleFromLLM("m", { model: "gpt-4o", base_url: "http://h/v1" }, 50, fetch);
  assert.equal(seen[0]!.body.model, "gpt-4o");
  assert.equal(seen[0]!.url, "http://h/v1/chat/completions");
});

test("`titleFromLLM()` drops only the first segment when the model has nested prefixes", async () => {
  const { fetch, seen } = fakeFetch(() => chat("t"));
  await titleFromLLM(
    "m",
    { model: "litellm_proxy/anthropic/claude", base_url: "http://h" },
    50,
    fetch,
  );
  assert.equal(seen[0]!.body.model, "anthropic/claude");
});

test("`titleFromLLM()` sends no Authorization header when no api_key is set", async () => {
  for (const api_key of [undefined, null, ""]) {
    const { fetch, seen } = fakeFetch(() => chat("t"));
    await titleFromLLM("m", { model: "x", base_url: "http://h", api_key }, 50, fetch);
    assert.equal(seen[0]!.headers.get("authorization"), null);
  }
});

test("`titleFromLLM()` strips <think> blocks when the answer has reasoning", async () => {
  const answers: Array<[unknown, string | undefined]> = [
    ["<think>the user wants a title\nabout bugs</think>\n🐛 Fix the bug", "🐛 Fix the bug"],
    ["<THINK>a</THINK>✨ Add <think>b</think>feature", "✨ Add feature"],
    ["📝 Docs <think>never closed", "📝 Docs"],
    ["<think>only reasoning</think>", undefined],
    ["<think>unclosed reasoning", undefined],
    [
      [{ type: "text", text: "<think>x</think>♻️ " }, { type: "text", text: "Refactor" }],
      "♻️ Refactor",
    ],
  ];
  for (const [content, expected] of answers) {
    const { fetch } = fakeFetch(() => chat(content));
    assert.equal(await titleFromLLM("m", LLM, 50, fetch), expected, JSON.stringify(content));
  }
});

test("`titleFromLLM()` truncates the answer when it is longer than maxLength", async () => {
  const { fetch } = fakeFetch(() => chat(`  🚀 ${"a".repeat(80)}  `));
  const title = await titleFromLLM("m", LLM, 20, fetch);
  // Code points, as Python counts them: the emoji is one character.
  assert.equal(title, `🚀 ${"a".repeat(17 - Array.from("🚀 ").length)}...`);
  assert.equal(Array.from(title ?? "").length, 20);
});

test("`titleFromLLM()` returns undefined when the answer has no usable text", async () => {
  for (
    const body of [
      { choices: [] },
      {},
      { choices: [{ message: { content: null } }] },
      { choices: [{ message: { content: "   " } }] },
    ]
  ) {
    const { fetch } = fakeFetch(() => Response.json(body));
    assert.equal(await titleFromLLM("m", LLM, 50, fetch), undefined, JSON.stringify(body));
  }
});

test("`titleFromLLM()` truncates the user message at 1000 characters when it is longer", async () => {
  const { fetch, seen } = fakeFetch(() => chat("t"));
  await titleFromLLM(`${"x".repeat(1000)}TAIL`, LLM, 50, fetch);
  const user = (seen[0]!.body.messages as Array<{ content: string }>)[1]!.content;
  assert.ok(user.includes(`\n\n${"x".repeat(1000)}...(truncated)\n\nStart`));
  assert.ok(!user.includes("TAIL"));
  const { fetch: fetch2, seen: seen2 } = fakeFetch(() => chat("t"));
  await titleFromLLM("y".repeat(1000), LLM, 50, fetch2);
  const user2 = (seen2[0]!.body.messages as Array<{ content: string }>)[1]!.content;
  assert.ok(user2.includes(`\n\n${"y".repeat(1000)}\n\nStart`));
  assert.ok(!user2.includes("(truncated)"));
});

test("`titleFromLLM()` throws a RemoteHandsError when the LLM answers non-2xx", async () => {
  for (const status of [401, 404, 500, 503]) {
    const { fetch } = fakeFetch(() =>
      new Response(JSON.stringify({ error: "nope sk-test-key" }), { status })
    );
    let caught: unknown;
    try {
      await titleFromLLM("m", LLM, 50, fetch);
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof RemoteHandsError, String(caught));
    assert.equal(caught.message, `The title LLM answered ${status}`);
  }
});

test("`titleFromLLM()` throws a TypeError before any request when base_url is missing", async () => {
  for (const base_url of [undefined, null, ""]) {
    const { fetch, seen } = fakeFetch(() => chat("t"));
    await assert.rejects(titleFromLLM("m", { model: "openai/x", base_url }, 50, fetch), {
      name: "TypeError",
      message: "Cannot generate a title with the LLM as its base_url is not set",
    });
    assert.equal(seen.length, 0);
  }
});

test("`titleFromLLM()` passes the signal on the request when given one", async () => {
  const controller = new AbortController();
  const { fetch, seen } = fakeFetch(() => chat("t"));
  await titleFromLLM("m", LLM, 50, fetch, controller.signal);
  assert.equal(seen[0]!.signal.aborted, false);
  controller.abort();
  assert.equal(seen[0]!.signal.aborted, true);
});

test("`titleFromLLM()` throws a ProtocolError when the LLM answers 200 with something that is not JSON", async () => {
  const { fetch } = fakeFetch(() => new Response("<html>gateway</html>", { status: 200 }));
  await assert.rejects(titleFromLLM("Fix the bug", LLM, 50, fetch), {
    name: "ProtocolError",
    what: "POST /chat/completions (title LLM)",
  });
});

test("`titleFromLLM()` returns undefined when the LLM answers the JSON null", async () => {
  const { fetch } = fakeFetch(() => Response.json(null));
  assert.equal(await titleFromLLM("Fix the bug", LLM, 50, fetch), undefined);
});

test("`titleFromLLM()` sends with redirect 'manual' and refuses a redirect to another origin", async () => {
  const { fetch, seen } = fakeFetch(() =>
    new Response(null, { status: 307, headers: { location: "https://elsewhere.example/v1/x" } })
  );
  const redirects: RequestRedirect[] = [];
  await assert.rejects(
    titleFromLLM("Fix the bug", LLM, 50, (request) => {
      redirects.push(request.redirect);
      return fetch(request);
    }),
    { name: "RedirectError", targetOrigin: "https://elsewhere.example", status: 307 },
  );
  assert.deepEqual(redirects, ["manual"]);
  assert.equal(seen.length, 1);
});
