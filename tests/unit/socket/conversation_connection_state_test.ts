/**
 * `RemoteConversation`'s `onConnectionChange`, against the loopback fake agent server: the option
 * reaches the event socket, and a listener that throws is reported to `onError` while the
 * conversation goes on (a reconnect included).
 */

import assert from "node:assert/strict";
import { RemoteConversation } from "../../../src/conversation/remote_conversation.ts";
import type { RemoteHandsError } from "../../../src/errors.ts";
import type { Event } from "../../../src/events/kinds.ts";
import { RemoteWorkspace } from "../../../src/workspace/remote_workspace.ts";
import { startFakeAgentServer } from "../../support/fake_agent_server.ts";
import { test } from "../../support/test.ts";
import { waitFor } from "../../support/wait.ts";

const KEY = "sk-fake-agent-0123456789abcdef";

test("RemoteConversation onConnectionChange: told every change; a throw goes to onError and the socket goes on", async () => {
  await using server = await startFakeAgentServer({ apiKey: KEY, session: true });
  const states: string[] = [];
  const errors: RemoteHandsError[] = [];
  const delivered: string[] = [];
  const conversation = await RemoteConversation.create({
    agent: { llm: { model: "openai/gpt-4o-mini" }, tools: [] },
    conversationId: server.id,
    workspace: new RemoteWorkspace({
      host: server.url,
      apiKey: KEY,
      workingDir: "/w",
      maxRetries: 0,
      fetch: server.fetch,
    }),
    callbacks: [(event: Event) => void delivered.push(event.id)],
    onError: (error) => errors.push(error),
    onConnectionChange: (change) => {
      states.push(change.state);
      throw new Error(`listener failed at ${change.state}`);
    },
  });
  try {
    assert.equal(conversation.socketProtocol, "session");
    assert.deepEqual(states, ["connecting", "open"]);
    server.dropSockets();
    await waitFor(() => states.length === 5 && server.liveSockets === 1, "the reconnect");
    server.append(server.message("after-reconnect"));
    await waitFor(() => delivered.includes("after-reconnect"), "a live event after it");
  } finally {
    await conversation.close();
  }
  assert.deepEqual(states, ["connecting", "open", "reconnecting", "connecting", "open", "closed"]);
  assert.deepEqual(
    errors.map((e) => `${e.name}: ${e.message}`),
    states.map((s) => `RemoteHandsError: onConnectionChange threw: listener failed at ${s}`),
  );
});
