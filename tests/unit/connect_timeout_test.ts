import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { WebSocketCallbackClient, WebSocketConnectionError } from "../../mod.ts";
import { test } from "../support/test.ts";

/** A TCP server that accepts and never answers: a black hole for the WebSocket handshake. */
async function blackHole(): Promise<
  { url: string; accepted: () => number; close: () => Promise<void> }
> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    accepted: () => accepted,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

test("`WebSocketCallbackClient` abandons a handshake that never completes and retries", async () => {
  const hole = await blackHole();
  const client = new WebSocketCallbackClient({
    host: hole.url,
    conversationId: "00000000-0000-4000-8000-000000000001",
    callback: () => {},
    reconnect: { connectTimeoutMs: 150, initialDelayMs: 10, maxDelayMs: 20, jitter: 0 },
  });
  try {
    client.start();
    const err = await client.waitUntilReady({ timeoutMs: 1_000 }).then(() => undefined, (e) => e);
    assert.ok(err instanceof WebSocketConnectionError);
    assert.equal(err.message, "WebSocket: no state event within 1000 ms");
    assert.equal(err.closeCode, 1006);
    // 1000 ms / (150 ms timeout + ~20 ms backoff) → several bounded attempts, not a storm.
    assert.ok(hole.accepted() >= 3 && hole.accepted() <= 8, `attempts: ${hole.accepted()}`);
    assert.equal(client.connectionCount, 0);
  } finally {
    await client.stop();
    await hole.close();
  }
});

test("`WebSocketCallbackClient` rejects a connectTimeoutMs that is not positive", () => {
  assert.throws(
    () =>
      new WebSocketCallbackClient({
        host: "http://127.0.0.1:1",
        conversationId: "x",
        callback: () => {},
        reconnect: { connectTimeoutMs: 0 },
      }),
    {
      name: "RangeError",
      message:
        "Cannot reconnect as 'connectTimeoutMs' must be a positive number: current value is 0",
    },
  );
});
