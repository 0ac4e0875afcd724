/**
 * `tokenCallbacks` of `RemoteConversation` against the loopback fake agent server: each streamed
 * delta reaches them in order, after `callbacks`, from the session socket's `delta` frames and
 * from the events socket's `StreamingDeltaEvent`s alike; the deltas still reach `callbacks`,
 * `events()` and `onEvent` but never `state.events`; a throwing token callback is reported to
 * `onError` and delivery goes on. Runs under `deno test` and `bun test`.
 */

import assert from "node:assert/strict";
import { RemoteConversation } from "../../../src/conversation/remote_conversation.ts";
import type { RemoteConversationOptions } from "../../../src/conversation/types.ts";
import type { RemoteHandsError } from "../../../src/errors.ts";
import type { Event } from "../../../src/events/kinds.ts";
import type { StreamingDeltaEvent } from "../../../src/events/types.ts";
import { RemoteWorkspace } from "../../../src/workspace/remote_workspace.ts";
import { type FakeAgentServer, startFakeAgentServer } from "../../support/fake_agent_server.ts";
import { test } from "../../support/test.ts";
import { waitFor } from "../../support/wait.ts";

const KEY = "sk-fake-agent-0123456789abcdef";
const AGENT = { llm: { model: "openai/gpt-4o-mini", stream: true }, tools: [] };

/** One streamed piece: text (`content`) or reasoning. */
type Piece = { text: string } | { reasoning: string };

const PIECES: Piece[] = [
  { reasoning: "Let me " },
  { reasoning: "think." },
  { text: "Hel" },
  { text: "lo, " },
  { text: "wörld 👋" },
];

/** Streams `pieces` the way 1.58.2 does on the socket the conversation uses. */
function stream(server: FakeAgentServer, protocol: "session" | "events", pieces: Piece[]): void {
  if (protocol === "events") {
    // sockets.py `_WebSocketSubscriber`: the StreamingDeltaEvent itself, never stored.
    pieces.forEach((piece, i) =>
      server.publishTransient({
        kind: "StreamingDeltaEvent",
        id: `delta-${i}`,
        timestamp: "2026-01-01T00:00:00.000000",
        source: "agent",
        content: "text" in piece ? piece.text : null,
        reasoning_content: "reasoning" in piece ? piece.reasoning : null,
      })
    );
    return;
  }
  // session_socket.py `_ProgressSubscriber`: item_started, then delta frames ordered per kind.
  const conn = server.ws.connections.at(-1)!;
  conn.sendJson({ type: "item_started", item_id: "item-1", attempt: 1, anchor_seq: 0 });
  pieces.forEach((piece, order) =>
    conn.sendJson({
      type: "delta",
      item_id: "item-1",
      attempt: 1,
      order,
      kind: "text" in piece ? "text" : "reasoning",
      content: "text" in piece ? piece.text : piece.reasoning,
      chunk_id: "chatcmpl-1",
      choice_index: 0,
    })
  );
}

/** A conversation on `server` over `protocol`, recording everything it is told, in order. */
async function open(
  server: FakeAgentServer,
  protocol: "session" | "events",
  options: Partial<RemoteConversationOptions> = {},
): Promise<{ conversation: RemoteConversation; log: string[]; errors: RemoteHandsError[] }> {
  const log: string[] = [];
  const errors: RemoteHandsError[] = [];
  const conversation = await RemoteConversation.create({
    agent: AGENT,
    conversationId: server.id,
    socketProtocol: protocol,
    workspace: new RemoteWorkspace({
      host: server.url,
      apiKey: KEY,
      workingDir: "/w",
      maxRetries: 0,
      fetch: server.fetch,
    }),
    callbacks: [(event: Event) => {
      if (event.kind !== "ConversationStateUpdateEvent") log.push(`callback:${event.id}`);
    }],
    onError: (error) => void errors.push(error),
    ...options,
  });
  return { conversation, log, errors };
}

const text = (d: StreamingDeltaEvent): string =>
  d.content ? `text:${d.content}` : `reasoning:${d.reasoning_content}`;

for (const protocol of ["session", "events"] as const) {
  test(`${protocol} socket: tokenCallbacks get each delta in order, after callbacks; deltas stay out of state.events`, async () => {
    await using server = await startFakeAgentServer({
      apiKey: KEY,
      session: protocol === "session",
    });
    const deltas: StreamingDeltaEvent[] = [];
    const { conversation, log, errors } = await open(server, protocol, {
      tokenCallbacks: [(delta) => {
        deltas.push(delta);
        log.push(`token:${delta.id}`);
      }],
    });
    try {
      const iterated: string[] = [];
      const iterating = (async () => {
        for await (const event of conversation.events()) {
          if (event.kind === "StreamingDeltaEvent") iterated.push(event.id);
        }
      })();
      const handled: string[] = [];
      conversation.onEvent("StreamingDeltaEvent", (delta) => void handled.push(text(delta)));
      stream(server, protocol, PIECES);
      server.append(server.message("m1", "Hello, wörld 👋"));
      await waitFor(() => log.includes("callback:m1"), "the final message");

      const expected = PIECES.map((
        p,
      ) => ("text" in p ? `text:${p.text}` : `reasoning:${p.reasoning}`));
      assert.deepEqual(deltas.map(text), expected);
      const ids = deltas.map((d) => d.id);
      assert.deepEqual(
        ids,
        protocol === "session"
          ? PIECES.map((_, i) => `item-1:1:${i}`)
          : PIECES.map((_, i) => `delta-${i}`),
      );
      // Each delta: callbacks first, then the token callback; the message after them all.
      assert.deepEqual(log, [
        ...ids.flatMap((id) => [`callback:${id}`, `token:${id}`]),
        "callback:m1",
      ]);
      assert.deepEqual(handled, expected, "onEvent gets the deltas too");
      assert.equal(deltas.map((d) => d.content ?? "").join(""), "Hello, wörld 👋");
      assert.deepEqual([...conversation.state.events].map((e) => e.id), ["m1"]);
      assert.deepEqual(errors, []);
      await conversation.close();
      await iterating;
      assert.deepEqual(iterated, ids, "events() yields the deltas");
    } finally {
      await conversation.close();
    }
  });

  test(`${protocol} socket: a throwing token callback is reported to onError; the others and delivery go on`, async () => {
    await using server = await startFakeAgentServer({
      apiKey: KEY,
      session: protocol === "session",
    });
    const second: string[] = [];
    const { conversation, log, errors } = await open(server, protocol, {
      tokenCallbacks: [
        () => {
          throw new Error("token boom");
        },
        (delta) => void second.push(delta.content ?? ""),
      ],
    });
    try {
      stream(server, protocol, [{ text: "a" }, { text: "b" }]);
      server.append(server.message("m1", "ab"));
      await waitFor(() => log.includes("callback:m1"), "the final message");
      assert.deepEqual(second, ["a", "b"]);
      assert.equal(errors.length, 2);
      for (const error of errors) {
        assert.equal(error.message, "A token callback threw; delivery goes on");
        assert.equal((error.cause as Error).message, "token boom");
      }
      assert.deepEqual([...conversation.state.events].map((e) => e.id), ["m1"]);
    } finally {
      await conversation.close();
    }
  });
}

test("tokenCallbacks are not called for other events", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY });
  const tokens: string[] = [];
  const { conversation, log } = await open(server, "session", {
    tokenCallbacks: [(delta) => {
      tokens.push(delta.id);
      log.push(`token:${delta.id}`);
    }],
  });
  try {
    server.setStatus("running", "field");
    server.append(server.message("m1"));
    server.publishTransient({ kind: "PauseEvent", id: "p1", timestamp: "t", source: "user" });
    stream(server, "session", [{ text: "x" }]);
    server.append(server.message("m2"));
    await waitFor(() => log.includes("callback:m2"), "m2");
    assert.deepEqual(log, [
      "callback:m1",
      "callback:p1",
      "callback:item-1:1:0",
      "token:item-1:1:0",
      "callback:m2",
    ]);
    assert.deepEqual(tokens, ["item-1:1:0"]);
  } finally {
    await conversation.close();
  }
});
