/**
 * Cursors and the event stream bridge against the real 1.58.2 server, on both sockets: a
 * conversation attached `after` a cursor gets exactly the stored events after it (none lost,
 * none twice); `toEventStream` hands a reader the state, the history and the live events with
 * their cursors; `eventStreamResponse` resumes after `Last-Event-ID`, ends a slow reader's stream
 * without losing anything (it resumes from its last cursor), closes the conversation when the
 * reader goes away, and sends nothing that holds the session key.
 */

import assert from "node:assert/strict";
import {
  eventStreamResponse,
  RemoteConversation,
  RemoteWorkspace,
  toEventStream,
} from "../../mod.ts";
import { marker } from "../support/scripted_llm.ts";
import { scriptedAgent, stack, uniqueId } from "../support/stack.ts";
import { test } from "../support/test.ts";

const workspace = new RemoteWorkspace({
  host: stack.serverUrl,
  apiKey: stack.apiKey,
  workingDir: stack.workspaceDir,
});

/** The ids the server stores for the conversation, in log order. */
async function serverIds(id: string): Promise<string[]> {
  const ids: string[] = [];
  let page: string | null = null;
  for (let n = 0; n < 50; n++) {
    const { data } = await workspace.client.rest.GET(
      "/api/conversations/{conversation_id}/events/search",
      { params: { path: { conversation_id: id }, query: { limit: 100, page_id: page } } },
    );
    const answer = data as { items: { id: string }[]; next_page_id?: string | null };
    ids.push(...answer.items.map((event) => event.id));
    if (!answer.next_page_id) return ids;
    page = answer.next_page_id;
  }
  throw new Error("too many pages");
}

/** A conversation with one finished run; returns its id. */
async function conversationWithARun(tag: string): Promise<string> {
  await using conversation = await RemoteConversation.create({
    agent: scriptedAgent(),
    workspace,
    autotitle: false,
    stuckDetection: false,
  });
  await conversation.sendMessage(`${marker("terminal", { id: uniqueId(tag) })} run it`);
  assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");
  return conversation.id;
}

/** One more finished run on conversation `id` (from another client). */
async function anotherRun(id: string, tag: string): Promise<void> {
  await using conversation = await RemoteConversation.attach({ conversationId: id, workspace });
  await conversation.sendMessage(`${marker("terminal", { id: uniqueId(tag) })} again`);
  assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");
}

interface Line {
  cursor?: string;
  event: { id: string; kind: string; key?: string };
}

/** Reads NDJSON lines (heartbeats skipped) until `enough` says so or the stream ends. */
async function readLines(
  body: ReadableStream<Uint8Array>,
  enough: (lines: Line[]) => boolean,
): Promise<{ lines: Line[]; text: string; ended: boolean }> {
  // The body's own reader: its cancel() settles once the stream's side has closed everything.
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const lines: Line[] = [];
  let text = "";
  let rest = "";
  try {
    while (!enough(lines)) {
      const { done, value } = await reader.read();
      if (done) return { lines, text, ended: true };
      const piece = decoder.decode(value, { stream: true });
      text += piece;
      rest += piece;
      const parts = rest.split("\n");
      rest = parts.pop()!;
      for (const part of parts) {
        const line = JSON.parse(part) as Partial<Line>;
        if (line.event) lines.push(line as Line);
      }
    }
    return { lines, text, ended: false };
  } finally {
    await reader.cancel();
  }
}

/** The stored events' lines (they carry a cursor; the first line, the state snapshot, too). */
const stored = (lines: Line[]): Line[] =>
  lines.filter((line) => line.cursor !== undefined && line.event.key !== "full_state");

for (const socketProtocol of ["session", "events"] as const) {
  test(`attach after a cursor (${socketProtocol} socket): exactly the stored events after it, once`, async () => {
    const id = await conversationWithARun(`rc-${socketProtocol}`);
    let cursor: string;
    let before: string[];
    {
      await using first = await RemoteConversation.attach({
        conversationId: id,
        workspace,
        socketProtocol,
      });
      cursor = first.cursor!;
      before = [...first.state.events].map((event) => event.id);
      assert.match(cursor, socketProtocol === "session" ? /^s:\d+$/ : /^t:.+\/.+$/);
    }
    await anotherRun(id, `rc2-${socketProtocol}`);
    const all = await serverIds(id);
    assert.deepEqual(all.slice(0, before.length), before);
    const delivered: string[] = [];
    await using resumed = await RemoteConversation.attach({
      conversationId: id,
      workspace,
      socketProtocol,
      after: cursor,
      callbacks: [(event) => void delivered.push(event.id)],
    });
    const after = all.slice(before.length);
    assert.ok(after.length >= 4, after.join());
    assert.deepEqual([...resumed.state.events].map((event) => event.id), after);
    assert.deepEqual(delivered.filter((eventId) => after.includes(eventId)), after);
    assert.equal(new Set(delivered).size, delivered.length);
    if (socketProtocol === "session") assert.equal(resumed.cursor, `s:${all.length - 1}`);
  });
}

test("toEventStream (NDJSON): the state first, then the history and a live run, each stored event with its cursor", async () => {
  const id = await conversationWithARun("ts");
  await using conversation = await RemoteConversation.attach({ conversationId: id, workspace });
  const history = conversation.state.events.length;
  const reading = readLines(
    toEventStream(conversation, { format: "ndjson", heartbeatMs: 0 }),
    (lines) =>
      lines.some((line) =>
        line.event.kind === "ConversationStateUpdateEvent" &&
        line.event.key === "execution_status" && stored(lines).length > history + 3
      ),
  );
  await conversation.sendMessage(`${marker("terminal", { id: uniqueId("ts2") })} live`);
  assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");
  const { lines, text } = await reading;
  assert.equal(lines[0]!.event.key, "full_state");
  const all = await serverIds(id);
  const streamed = stored(lines).map((line) => line.event.id);
  assert.deepEqual(streamed, all.slice(0, streamed.length));
  assert.deepEqual(stored(lines).map((line) => line.cursor), streamed.map((_, i) => `s:${i}`));
  assert.ok(!text.includes(stack.apiKey), "the session key is not in the stream");
});

test("eventStreamResponse: resumes after Last-Event-ID with nothing lost or repeated; SSE framing", async () => {
  const id = await conversationWithARun("sr");
  const all = await serverIds(id);
  const cut = 3;
  const response = await eventStreamResponse({
    workspace,
    conversationId: id,
    request: new Request("http://edge.test/events", {
      headers: { "last-event-id": `s:${cut - 1}` },
    }),
    heartbeatMs: 0,
  });
  assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while ((text.match(/^id: /gm)?.length ?? 0) < all.length - cut + 1) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  const frames = text.split("\n\n").filter((frame) => frame.includes("data: "));
  const ids = frames.filter((frame) => frame.startsWith("id: s:") && !frame.includes("full_state"))
    .map((frame) => (JSON.parse(frame.split("data: ")[1]!) as { id: string }).id);
  assert.deepEqual(ids, all.slice(cut));
  // The snapshot's cursor is where the events after it start: the one the reader came back with.
  assert.match(
    frames[0]!,
    new RegExp(`^id: s:${cut - 1}\ndata: \\{"kind":"ConversationStateUpdateEvent"`),
  );
  assert.ok(!text.includes(stack.apiKey), "the session key is not in the stream");
});

test("eventStreamResponse: a slow reader's stream ends after what it holds; resuming from its last cursor loses nothing", async () => {
  const id = await conversationWithARun("slow");
  const all = await serverIds(id);
  const first = await eventStreamResponse({
    workspace,
    conversationId: id,
    format: "ndjson",
    heartbeatMs: 0,
    maxBuffer: 2,
  });
  // Wait before reading: the live events pile up past maxBuffer while the reader is away.
  await anotherRun(id, "slow2");
  const part = await readLines(first.body!, () => false);
  assert.equal(part.ended, true);
  const last = stored(part.lines).at(-1)!.cursor!;
  const second = await eventStreamResponse({
    workspace,
    conversationId: id,
    format: "ndjson",
    heartbeatMs: 0,
    request: new Request(`http://edge.test/events?after=${encodeURIComponent(last)}`),
  });
  const now = await serverIds(id);
  assert.ok(now.length > all.length);
  const rest = await readLines(
    second.body!,
    (lines) => stored(lines).at(-1)?.event.id === now.at(-1),
  );
  const ids = [...stored(part.lines), ...stored(rest.lines)].map((line) => line.event.id);
  assert.deepEqual(ids, now);
});

test("eventStreamResponse: a reader that goes away closes the conversation; a bad cursor is a 400 that does not echo it", async () => {
  const id = await conversationWithARun("gone");
  const response = await eventStreamResponse({ workspace, conversationId: id, heartbeatMs: 20 });
  const reader = response.body!.getReader();
  const { value } = await reader.read();
  assert.ok(value && value.byteLength > 0);
  await reader.cancel(); // the page closed: the socket and the timer go (sanitizers check)
  const bad = await eventStreamResponse({
    workspace,
    conversationId: id,
    request: new Request("http://edge.test/events", { headers: { "last-event-id": "s:../x" } }),
  });
  assert.equal(bad.status, 400);
  const body = await bad.text();
  assert.match(body, /not an event cursor of this client/);
  assert.ok(!body.includes("s:../x"));
});

test("toEventStream: heartbeats keep an idle stream open; bad options are typed errors; cancel ends the subscription", async () => {
  const id = await conversationWithARun("hb");
  await using conversation = await RemoteConversation.attach({ conversationId: id, workspace });
  assert.throws(() => toEventStream({} as RemoteConversation), TypeError);
  assert.throws(() => toEventStream(conversation, { format: "xml" as "sse" }), TypeError);
  assert.throws(() => toEventStream(conversation, { heartbeatMs: -1 }), RangeError);
  assert.throws(() => toEventStream(conversation, { maxBuffer: 0 }), RangeError);
  const reader = toEventStream(conversation, { heartbeatMs: 20 }).getReader();
  const decoder = new TextDecoder();
  const chunks: string[] = [];
  while (chunks.filter((chunk) => chunk === ": keep-alive\n\n").length < 2) {
    const { done, value } = await reader.read();
    assert.equal(done, false);
    chunks.push(decoder.decode(value));
  }
  // The whole history follows the snapshot: it names no cursor (a reader cut there starts over).
  assert.match(chunks[0]!, /^data: \{"kind":"ConversationStateUpdateEvent"/);
  await reader.cancel();
  assert.equal(conversation.closed, false); // the stream ends; the conversation is the caller's
});

for (const socketProtocol of ["session", "events"] as const) {
  test(`events({ after }) (${socketProtocol} socket): the held events after the cursor, then the live ones`, async () => {
    const id = await conversationWithARun(`ea-${socketProtocol}`);
    await using conversation = await RemoteConversation.attach({
      conversationId: id,
      workspace,
      socketProtocol,
    });
    const held = [...conversation.state.events];
    const third = held[2]!;
    const cursor = socketProtocol === "session" ? "s:2" : `t:${third.timestamp}/${third.id}`;
    const iterator = conversation.events({ after: cursor });
    const got: string[] = [];
    for (let i = 3; i < held.length; i++) got.push((await iterator.next()).value!.id);
    assert.deepEqual(got, held.slice(3).map((event) => event.id));
    await conversation.sendMessage(`${marker("terminal", { id: uniqueId("ea2") })} live`);
    const live = (await iterator.next()).value!;
    assert.ok(!held.some((event) => event.id === live.id), "then a live event");
    assert.equal(conversation.cursor === undefined, false);
    await iterator.return!();
    assert.throws(() => conversation.events({ after: "s:x" }), TypeError);
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");
  });
}
