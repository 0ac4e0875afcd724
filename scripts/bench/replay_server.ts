/**
 * A replay server on loopback that speaks the agent server's events socket, for the ingest
 * benchmark. Runs under Bun (`Bun.serve`, whose native WebSocket server keeps up with any client
 * here, so the client is what is measured).
 *
 * `bun scripts/bench/replay_server.ts --events N [--key K]` prints one JSON line
 * (`{"port", "events", "bytes", "conversationId"}`) once it listens, then serves until killed:
 *
 * - `WS /sockets/events/{id}`: auth as the real server (`?session_api_key=` or a first frame
 *   `{"type":"auth","session_api_key":K}`; a wrong key closes 4001), then one `full_state`
 *   `ConversationStateUpdateEvent`, then the first `N` frames of the cycled corpus as fast as the
 *   socket takes them (it waits for `drain` under backpressure), then nothing; the client closes.
 * - `GET /api/conversations/{id}`: a `ConversationInfo` (the snapshot's value);
 *   `GET /api/conversations/{id}/events/search`: an empty page (clients that sync history over
 *   REST before the socket find none); `GET /health`, `GET /ready`: 200.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import process from "node:process";
import { Corpus } from "./corpus.ts";

declare const Bun: {
  serve(options: Record<string, unknown>): { port: number };
};

interface Socket {
  data: { authed: boolean; next: number; path: string };
  sendText(text: string): number;
  close(code?: number, reason?: string): void;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const total = Number(arg("events", "100000"));
const apiKey = arg("key", "bench-key");
const conversationId = "0b5e4c1a-0000-4000-8000-00000000be0c";
const corpus = Corpus.load();
const frames = corpus.take(total);
const first = corpus.firstState();
const info = {
  ...(JSON.parse(first) as { value: Record<string, unknown> }).value,
  id: conversationId,
};
let bytes = 0;
for (const f of frames) bytes += Buffer.byteLength(f);

function pump(ws: Socket): void {
  const d = ws.data;
  while (d.next < frames.length) {
    const sent = ws.sendText(frames[d.next]!);
    if (sent === 0) return; // dropped: the socket is closing
    d.next++;
    if (sent === -1) return; // queued under backpressure: go on in drain()
  }
}

function start(ws: Socket): void {
  ws.data.authed = true;
  ws.sendText(first);
  pump(ws);
}

const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(arg("port", "0")),
  fetch(req: Request, srv: { upgrade(req: Request, o: unknown): boolean }): Response | undefined {
    const url = new URL(req.url);
    if (url.pathname.startsWith("/sockets/events/")) {
      const key = url.searchParams.get("session_api_key") ?? req.headers.get("x-session-api-key");
      if (key !== null && key !== apiKey) return new Response("Forbidden", { status: 403 });
      const ok = srv.upgrade(req, {
        data: { authed: key === apiKey, next: 0, path: url.pathname },
      });
      return ok ? undefined : new Response("Upgrade failed", { status: 400 });
    }
    if (url.pathname === "/health" || url.pathname === "/ready") return json({ status: "ok" });
    const m = /^\/api\/conversations\/([^/]+)(\/events\/search|\/events\/count)?$/.exec(
      url.pathname,
    );
    if (m && req.method === "GET") {
      if ((req.headers.get("x-session-api-key") ?? "") !== apiKey) {
        return json({ detail: "Unauthorized" }, 401);
      }
      if (m[2] === "/events/search") return json({ items: [], next_page_id: null });
      if (m[2] === "/events/count") return json(0);
      return json({ ...info, id: m[1] });
    }
    return json({ detail: "Not Found" }, 404);
  },
  websocket: {
    perMessageDeflate: false,
    backpressureLimit: 4 * 1024 * 1024,
    maxPayloadLength: 64 * 1024 * 1024,
    idleTimeout: 0,
    open(ws: Socket): void {
      if (ws.data.authed) start(ws);
    },
    message(ws: Socket, message: string | Uint8Array): void {
      if (ws.data.authed) return; // the real server reads inbound frames as messages; none here
      try {
        const frame = JSON.parse(String(message)) as { type?: string; session_api_key?: string };
        if (frame.type === "auth" && frame.session_api_key === apiKey) {
          start(ws);
          return;
        }
      } catch { /* not JSON */ }
      ws.close(4001, "Authentication failed");
    },
    drain(ws: Socket): void {
      if (ws.data.authed) pump(ws);
    },
  },
});

console.log(JSON.stringify({ port: server.port, events: total, bytes, conversationId }));
