/**
 * Failures that speak, against the real 1.58.2 server: the connection state of the event socket
 * (`onConnectionChange`) over a cut and a wrong key, and a 500 whose body names its cause.
 */

import assert from "node:assert/strict";
import {
  AuthenticationError,
  type ConnectionChange,
  createAgentServerClient,
  RemoteConversation,
  RemoteWorkspace,
  ServerError,
  WebSocketCallbackClient,
} from "../../mod.ts";
import { scriptedAgent, stack } from "../support/stack.ts";
import { startTcpProxy } from "../support/tcp_proxy.ts";
import { test } from "../support/test.ts";
import { FAST, waitFor } from "../support/wait.ts";

function workspace(host: string = stack.serverUrl): RemoteWorkspace {
  return new RemoteWorkspace({ host, apiKey: stack.apiKey, workingDir: stack.workspaceDir });
}

const CONNECTING = { state: "connecting" } as const;
const OPEN = { state: "open" } as const;
const STOPPED = { state: "closed", code: 1000, reason: "client stopped" } as const;

test("RemoteConversation onConnectionChange: connecting, open, a cut, reconnecting, open, closed", async () => {
  const proxy = await startTcpProxy(stack.serverUrl);
  const changes: ConnectionChange[] = [];
  let conversation: RemoteConversation | undefined;
  try {
    conversation = await RemoteConversation.create({
      agent: scriptedAgent(),
      workspace: workspace(proxy.url),
      autotitle: false,
      onConnectionChange: (change) => changes.push(change),
    });
    assert.equal(conversation.socketProtocol, "session");
    assert.deepEqual(changes.slice(), [CONNECTING, OPEN]); // (a copy: no type narrowing)
    assert.ok(proxy.cut({ websocketsOnly: true }) >= 1);
    await waitFor(() => changes.length === 5, "the reconnect to open", 20_000);
    await conversation.close();
    const reconnecting = changes[2];
    assert.ok(reconnecting?.state === "reconnecting", JSON.stringify(changes));
    // The default backoff: 1 s less up to 25 % jitter.
    assert.ok(
      reconnecting.delayMs >= 750 && reconnecting.delayMs <= 1_000,
      `${reconnecting.delayMs}`,
    );
    assert.deepEqual(changes, [
      CONNECTING,
      OPEN,
      { state: "reconnecting", attempt: 1, delayMs: reconnecting.delayMs, code: 1006, reason: "" },
      CONNECTING,
      OPEN,
      STOPPED,
    ]);
  } finally {
    await conversation?.close();
    await proxy.close();
  }
});

test("WebSocketCallbackClient onConnectionChange on the real server: a cut, then a wrong key", async () => {
  const conversation = await RemoteConversation.create({
    agent: scriptedAgent(),
    workspace: workspace(),
    autotitle: false,
  });
  const proxy = await startTcpProxy(stack.serverUrl);
  try {
    const changes: ConnectionChange[] = [];
    const client = new WebSocketCallbackClient({
      host: proxy.url,
      conversationId: conversation.id,
      apiKey: stack.apiKey,
      reconnect: FAST,
      callback: () => {},
      onConnectionChange: (change) => changes.push(change),
    });
    client.start();
    await client.waitUntilReady({ timeoutMs: 20_000 });
    assert.ok(proxy.cut({ websocketsOnly: true }) >= 1);
    await waitFor(() => changes.length === 5, "the reconnect to open", 20_000);
    await client.stop();
    assert.deepEqual(changes, [
      CONNECTING,
      OPEN,
      { state: "reconnecting", attempt: 1, delayMs: 10, code: 1006, reason: "" },
      CONNECTING,
      OPEN,
      STOPPED,
    ]);

    const refused: ConnectionChange[] = [];
    const errors: unknown[] = [];
    const wrongKey = new WebSocketCallbackClient({
      host: stack.serverUrl,
      conversationId: conversation.id,
      apiKey: "not-the-key",
      reconnect: FAST,
      callback: () => {},
      onError: (error) => errors.push(error),
      onConnectionChange: (change) => refused.push(change),
    });
    wrongKey.start();
    await assert.rejects(wrongKey.waitUntilReady({ timeoutMs: 20_000 }), AuthenticationError);
    await wrongKey.stop();
    const closed = refused[2];
    assert.ok(closed?.state === "closed" && closed.error instanceof AuthenticationError);
    assert.equal(closed.error, errors[0]);
    assert.deepEqual(refused, [
      CONNECTING,
      OPEN,
      { state: "closed", code: 4001, reason: "Authentication failed", error: closed.error },
    ]);
  } finally {
    await proxy.close();
    await conversation.close();
  }
});

/** The message of the 1.58.2 server's 500 for an agent whose tool does not exist. */
function unknownToolMessage(method: string, path: string): RegExp {
  const escaped = `${method} ${path}`.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(
    `^${escaped} failed with 500: Internal Server Error: "ToolDefinition 'terminl' is not registered" \\(the server log has the traceback under error_id [0-9a-f]{32}\\)$`,
  );
}

// RemoteConversation.create checks tool names against the server's before creating (a TypeError),
// so the server's own answer is asked for over REST: a create with a first message runs the agent
// setup, which fails on the unknown tool with the catch-all 500 (api.py).
test("an unknown tool: the 500's message names it (create with a first message, over REST)", async () => {
  const client = createAgentServerClient({ host: stack.serverUrl, apiKey: stack.apiKey });
  const err = await client.rest.POST("/api/conversations", {
    body: {
      agent: scriptedAgent(["terminl"]),
      workspace: { kind: "LocalWorkspace", working_dir: stack.workspaceDir },
      initial_message: { role: "user", content: [{ type: "text", text: "hi" }] },
    },
  }).catch((e: unknown) => e);
  assert.ok(err instanceof ServerError, String(err));
  assert.match(err.message, unknownToolMessage("POST", "/api/conversations"));
});
