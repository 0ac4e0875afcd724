/**
 * Token streaming against the real 1.58.2 server: an agent whose LLM has `stream: true` gets the
 * scripted LLM's answer as server-sent events; the server publishes each piece as a delta
 * (`event_service.py` `_publish_stream_delta` on the events socket, `StreamContext` delta frames
 * on the session socket), and `tokenCallbacks` receive them in order. The concatenated deltas
 * equal the final message's text (and reasoning); a throwing token callback is reported and the
 * run still finishes; a streamed tool call (its arguments in pieces) runs as usual. A stream the
 * scripted LLM breaks off is retried by the server's LLM as attempt 2 of the same item: the
 * session socket's discard voids attempt 1's text.
 */

import assert from "node:assert/strict";
import {
  type AgentConfig,
  contentText,
  type Event,
  type MessageEvent,
  RemoteConversation,
  type RemoteConversationOptions,
  type RemoteHandsError,
  RemoteWorkspace,
  type StreamingDeltaEvent,
} from "../../mod.ts";
import { marker, scriptedLlmConfig, streamPieces } from "../support/scripted_llm.ts";
import { llmRequests, stack, uniqueId } from "../support/stack.ts";
import { test } from "../support/test.ts";

/** The scripted agent with a streaming LLM; `llm` overrides fields of its LLM. */
function streamingAgent(llm: Record<string, unknown> = {}): AgentConfig {
  return {
    kind: "Agent",
    llm: { ...scriptedLlmConfig(stack.llmUrl), stream: true, ...llm },
    tools: [{ name: "terminal", params: { terminal_type: "subprocess" } }],
  };
}

interface Recorded {
  conversation: RemoteConversation;
  /** What the token callbacks got, in order. */
  tokens: StreamingDeltaEvent[];
  /** What the callbacks got, in order. */
  events: Event[];
  errors: RemoteHandsError[];
}

async function open(extra: Partial<RemoteConversationOptions> = {}): Promise<Recorded> {
  const tokens: StreamingDeltaEvent[] = [];
  const events: Event[] = [];
  const errors: RemoteHandsError[] = [];
  const conversation = await RemoteConversation.create({
    agent: streamingAgent(),
    workspace: new RemoteWorkspace({
      host: stack.serverUrl,
      apiKey: stack.apiKey,
      workingDir: stack.workspaceDir,
    }),
    autotitle: false,
    stuckDetection: false,
    callbacks: [(event) => void events.push(event)],
    tokenCallbacks: [(delta) => void tokens.push(delta)],
    onError: (error) => void errors.push(error),
    ...extra,
  });
  return { conversation, tokens, events, errors };
}

/** The text of the last agent message the callbacks got. */
function lastAgentText(events: Event[]): string {
  const messages = events.filter((e): e is MessageEvent =>
    e.kind === "MessageEvent" && e.source === "agent"
  );
  assert.ok(messages.length > 0, "an agent message");
  return contentText(messages.at(-1)!.llm_message.content);
}

const joined = (tokens: StreamingDeltaEvent[], field: "content" | "reasoning_content"): string =>
  tokens.map((t) => t[field] ?? "").join("");

/** The text per item a token consumer keeps: deltas appended, a discard drops what it had. */
function streamed(tokens: StreamingDeltaEvent[]): Map<string, string> {
  const texts = new Map<string, string>();
  for (const token of tokens) {
    const item = token.item_id ?? "";
    if (token.discard) texts.delete(item);
    else texts.set(item, (texts.get(item) ?? "") + (token.content ?? ""));
  }
  return texts;
}

for (const protocol of ["session", "events"] as const) {
  test(
    `${protocol} socket: the deltas of a streamed answer arrive in order and add up to the final message`,
    async () => {
      const text = "Streaming works: ünïcode 👋, then some more words.";
      const id = uniqueId("stream");
      const rec = await open({ socketProtocol: protocol });
      try {
        assert.equal(rec.conversation.socketProtocol, protocol);
        await rec.conversation.sendMessage(`${marker("reply", { id, text, chunk: 3 })} answer`);
        assert.equal(await rec.conversation.run({ timeoutMs: 60_000 }), "finished");
        const final = lastAgentText(rec.events);
        assert.equal(final, text);
        // The events socket also forwards the empty `content` of the first chunk; the session
        // socket drops empty pieces (stream_context.py `_split_chunk`).
        const pieces = rec.tokens.map((t) => t.content).filter((c) => c !== "" && c != null);
        assert.deepEqual(pieces, streamPieces(text, 3), "every piece, in order");
        assert.equal(joined(rec.tokens, "content"), final);
        // The same deltas reached the callbacks, before the message, and never the list.
        const delivered = rec.events.filter((e) => e.kind === "StreamingDeltaEvent");
        assert.deepEqual(delivered, rec.tokens);
        const firstDelta = rec.events.indexOf(rec.tokens[0]!);
        const message = rec.events.findIndex((e) =>
          e.kind === "MessageEvent" && e.source === "agent"
        );
        assert.ok(firstDelta >= 0 && firstDelta < message, "the deltas come before the message");
        assert.ok(
          ![...rec.conversation.state.events].some((e) => e.kind === "StreamingDeltaEvent"),
        );
        assert.deepEqual(rec.errors, []);
        const requests = (await llmRequests(id)).filter((r) => !r.title);
        assert.ok(requests.length > 0 && requests.every((r) => r.body.stream === true));
      } finally {
        await rec.conversation.close();
      }
    },
    { timeoutMs: 120_000 },
  );
}

test(
  "reasoning streams as reasoning_content; a throwing token callback is reported and the run finishes",
  async () => {
    const text = "The answer is 42.";
    const reasoning = "First, recall the question. Then answer it.";
    const id = uniqueId("streamr");
    const after: StreamingDeltaEvent[] = [];
    const rec = await open({
      tokenCallbacks: [
        () => {
          throw new Error("token callback failed");
        },
        (delta) => void after.push(delta),
      ],
    });
    try {
      await rec.conversation.sendMessage(`${marker("reasoning", { id, text, reasoning })} think`);
      assert.equal(await rec.conversation.run({ timeoutMs: 60_000 }), "finished");
      assert.equal(lastAgentText(rec.events), text);
      assert.equal(joined(after, "content"), text);
      assert.equal(joined(after, "reasoning_content"), reasoning);
      // Reasoning first, then the text, as the scripted stream sends them.
      const lastReasoning = after.findLastIndex((d) => !!d.reasoning_content);
      const firstText = after.findIndex((d) => !!d.content);
      assert.ok(lastReasoning >= 0 && lastReasoning < firstText);
      assert.ok(after.length > 2);
      assert.equal(rec.errors.length, after.length, "one report per delta");
      for (const error of rec.errors) {
        assert.equal(error.message, "A token callback threw; delivery goes on");
      }
      assert.equal(rec.conversation.state.agentStatus, "finished");
    } finally {
      await rec.conversation.close();
    }
  },
  { timeoutMs: 120_000 },
);

test(
  "a streamed tool call (arguments in pieces) runs the command; no text delta carries the arguments",
  async () => {
    const id = uniqueId("streamt");
    const rec = await open();
    try {
      await rec.conversation.sendMessage(
        `${marker("terminal", { id, cmd: "echo streamed-tool", done: "all done" })} run it`,
      );
      assert.equal(await rec.conversation.run({ timeoutMs: 60_000 }), "finished");
      const actions = rec.events.filter((e) => e.kind === "ActionEvent");
      assert.deepEqual(actions.map((a) => a.tool_name), ["terminal", "finish"]);
      const observation = rec.events.find((e) =>
        e.kind === "ObservationEvent" && JSON.stringify(e.observation).includes("streamed-tool")
      );
      assert.ok(observation, "the command ran");
      // Tool-call arguments are not text: no content delta carries them.
      assert.equal(joined(rec.tokens, "content"), "");
      assert.deepEqual(rec.errors, []);
    } finally {
      await rec.conversation.close();
    }
  },
  { timeoutMs: 120_000 },
);

test(
  "session socket: a stream broken off mid-way is retried by the server's LLM; one discard voids the first attempt and the text per item is the final message",
  async () => {
    const text = "A retried answer: the first attempt broke off, this one is whole.";
    const id = uniqueId("streamretry");
    // llm.py: tenacity retries the call, stream included (`_one_attempt`), without waiting.
    const llm = { num_retries: 3, retry_min_wait: 0, retry_max_wait: 0, retry_multiplier: 0 };
    const rec = await open({ socketProtocol: "session", agent: streamingAgent(llm) });
    try {
      // The first answer stops after the role frame and 3 pieces; the retry gets it whole.
      await rec.conversation.sendMessage(
        `${marker("reply", { id, text, chunk: 4, break_once: 4 })} answer`,
      );
      assert.equal(await rec.conversation.run({ timeoutMs: 60_000 }), "finished");
      const requests = (await llmRequests(id)).filter((r) => !r.title);
      assert.equal(requests.length, 2, "the broken stream was asked again, once");
      const final = lastAgentText(rec.events);
      assert.equal(final, text);
      const message = rec.events.findLast((e) => e.kind === "MessageEvent" && e.source === "agent");
      const item = message!.id;
      // stream_context.py: the retry's new chunk id starts attempt 2 of the same item.
      const tokens = rec.tokens.filter((t) => t.item_id === item);
      assert.deepEqual(tokens, rec.tokens, "one item, named by the final message's id");
      const discards = tokens.filter((t) => t.discard);
      assert.deepEqual(discards, [{
        kind: "StreamingDeltaEvent",
        id: `${item}:2:restart`,
        timestamp: "",
        source: "agent",
        item_id: item,
        attempt: 2,
        discard: true,
      }]);
      const at = tokens.indexOf(discards[0]!);
      const first = tokens.slice(0, at);
      const second = tokens.slice(at + 1);
      assert.deepEqual(first.map((t) => t.content), streamPieces(text, 4).slice(0, 3));
      assert.ok(first.every((t) => t.attempt === 1));
      assert.ok(second.every((t) => t.attempt === 2 && !t.discard));
      assert.equal(joined(second, "content"), final);
      // With the discard honoured the streamed text is the message; without it, it is not.
      assert.deepEqual(streamed(rec.tokens), new Map([[item, final]]));
      assert.notEqual(joined(rec.tokens, "content"), final);
      // The discard reached the callbacks like the deltas, and never the history.
      assert.deepEqual(rec.events.filter((e) => e.kind === "StreamingDeltaEvent"), rec.tokens);
      assert.ok(![...rec.conversation.state.events].some((e) => e.kind === "StreamingDeltaEvent"));
      assert.deepEqual(rec.errors, []);
    } finally {
      await rec.conversation.close();
    }
  },
  { timeoutMs: 120_000 },
);
