/**
 * The replay server of the fan-in scale benchmark: N conversations on loopback, each with a short
 * stored history, plus one conversation with a big history, served as the agent server 1.58.2
 * serves them; then, on a trigger, live events spread round-robin over the N conversations at a
 * fixed total rate. Runs under Bun (`Bun.serve`, like `replay_server.ts`).
 *
 * `bun scripts/bench/scale_server.ts --conversations N --history 10 --events 4000 --rate 1000
 * --big 20000 [--key K]` prints one JSON line (`{"port", ...}`) once it listens, then serves
 * until killed. The events are the recorded corpus's stored frames cycled (`_scale_frames.ts`);
 * ids and the live send stamp follow `_scale_live.ts`.
 *
 * - `GET /api/conversations/{id}`: the `ConversationInfo`; `.../events/search` (`limit` ≤ 100,
 *   `page_id` = the id that starts the page, `timestamp__gte`), `.../events/count`: the stored
 *   log, as `event_service.py` pages it. 401 without the key, 404 for another id.
 * - `WS /sockets/session/{id}` (`session_socket.py`): auth by the first frame (or the deprecated
 *   query key, as the real one), then `sync{from_seq?, through_seq}`, the stored events after
 *   `after_seq` as `durable` frames when it is given, the subscribe-time `full_state` snapshot
 *   as a `transient` frame, then each live event as `durable` with its seq.
 * - `WS /sockets/events/{id}` (`sockets.py`): same auth, the snapshot, then `resend_mode=all`
 *   (every stored event) or `since` (`after_timestamp` ≤ timestamp), then each live event.
 * - `GET /health`, `/ready`: 200.
 * - `POST /_bench/live`: starts the live phase (once). `GET /_bench/stats`: requests answered,
 *   socket messages and pings received from clients, sockets open, live events sent. Neither is
 *   counted as a request.
 *
 * Every live event is appended to its conversation's log before it is sent, as the real server
 * persists before it publishes; its `timestamp` is the send time. A route the server does not
 * know is logged once on stderr (a client calling something this replay lacks shows up there).
 *
 * @module
 */

import process from "node:process";
import { durableFrame, ScaleFrames, syncFrame, transientFrame } from "./_scale_frames.ts";
import {
  BIG_ID,
  conversationId,
  historyEventId,
  liveEventId,
  liveTarget,
  MAX_CONVERSATIONS,
  nowMs,
  stampOf,
} from "./_scale_live.ts";
import { Corpus } from "./corpus.ts";

declare const Bun: {
  serve(options: Record<string, unknown>): { port: number };
};

interface Conversation {
  id: string;
  /** Its index (-1: the big history). */
  index: number;
  /** The stored log: event JSON, timestamps, and index by id. */
  events: string[];
  stamps: string[];
  byId: Map<string, number>;
  subscribers: Set<Socket>;
  snapshots: number;
}

interface SocketData {
  conversation: Conversation | undefined;
  protocol: "session" | "events";
  authed: boolean;
  afterSeq: number | undefined;
  resend: string | null;
  after: string | null;
}

interface Socket {
  data: SocketData;
  sendText(text: string): number;
  close(code?: number, reason?: string): void;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const n = Number(arg("conversations", "1000"));
const historyLength = Number(arg("history", "10"));
const liveEvents = Number(arg("events", "4000"));
const rate = Number(arg("rate", "1000"));
const bigLength = Number(arg("big", "20000"));
const apiKey = arg("key", "bench-key");
if (!(n >= 1 && n <= MAX_CONVERSATIONS)) throw new Error(`--conversations 1..${MAX_CONVERSATIONS}`);

const frames = new ScaleFrames(Corpus.load());
const started = nowMs();
const conversations = new Map<string, Conversation>();

function addConversation(id: string, index: number, length: number): void {
  const c: Conversation = {
    id,
    index,
    events: [],
    stamps: [],
    byId: new Map(),
    subscribers: new Set(),
    snapshots: 0,
  };
  // History stamped in the past, a millisecond apart, so timestamps grow along the log.
  for (let k = 0; k < length; k++) append(c, historyEventId(index, k), k, started - length + k);
  conversations.set(id, c);
}

function append(c: Conversation, id: string, k: number, ms: number): string {
  const stamp = stampOf(ms);
  const event = frames.stored(k, id, stamp);
  c.byId.set(id, c.events.length);
  c.events.push(event);
  c.stamps.push(stamp);
  return event;
}

for (let i = 0; i < n; i++) addConversation(conversationId(i), i, historyLength);
addConversation(BIG_ID, -1, bigLength);

// --- live phase --------------------------------------------------------------------------------

const stats = { requests: 0, messages: 0, pings: 0, open: 0, liveSent: 0, dropped: 0 };
let liveStartedAt: number | undefined;
let liveEndedAt: number | undefined;

function send(ws: Socket, text: string): void {
  if (ws.sendText(text) === 0) stats.dropped++;
}

function emit(j: number): void {
  const { conversation, index } = liveTarget(j, n);
  const c = conversations.get(conversationId(conversation))!;
  const seq = c.events.length;
  const event = append(c, liveEventId(conversation, index), historyLength + j, nowMs());
  for (const ws of c.subscribers) {
    send(ws, ws.data.protocol === "session" ? durableFrame(seq, event) : event);
  }
  stats.liveSent++;
}

function startLive(): void {
  if (liveStartedAt !== undefined) return;
  const t0 = nowMs();
  liveStartedAt = t0;
  let j = 0;
  const tick = (): void => {
    const due = Math.min(liveEvents, Math.floor(((nowMs() - t0) * rate) / 1000) + 1);
    while (j < due) emit(j++);
    if (j < liveEvents) setTimeout(tick, 1);
    else liveEndedAt = nowMs();
  };
  tick();
}

// --- sockets -----------------------------------------------------------------------------------

function start(ws: Socket): void {
  const d = ws.data;
  d.authed = true;
  const c = d.conversation;
  if (!c) {
    ws.close(4004, "Conversation not found");
    return;
  }
  const snapshot = frames.snapshot(c.id, snapshotId(c), stampOf(nowMs()));
  if (d.protocol === "session") {
    const through = c.events.length ? c.events.length - 1 : undefined;
    send(ws, syncFrame(d.afterSeq, through));
    if (d.afterSeq !== undefined && through !== undefined) {
      for (let seq = Math.max(d.afterSeq + 1, 0); seq <= through; seq++) {
        send(ws, durableFrame(seq, c.events[seq]!));
      }
    }
    send(ws, transientFrame(snapshot));
  } else {
    send(ws, snapshot);
    if (d.resend === "all" || (d.resend === "since" && d.after)) {
      const after = d.resend === "since" ? naive(d.after!) : "";
      for (let k = 0; k < c.events.length; k++) {
        if (c.stamps[k]! >= after) send(ws, c.events[k]!);
      }
    }
  }
  c.subscribers.add(ws);
}

/** A fresh id for each subscribe-time snapshot (the real server makes a new event each time). */
function snapshotId(c: Conversation): string {
  const k = c.snapshots++;
  return `5ca1e5a9-${(c.index & 0xffff).toString(16).padStart(4, "0")}-4000-8000-${
    k.toString(16).padStart(12, "0")
  }`;
}

/** An ISO timestamp as the server's naive local (UTC here) time, for string comparison. */
function naive(iso: string): string {
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  if (Number.isNaN(d.getTime())) return iso;
  const micros = /\.(\d+)/.exec(iso)?.[1]?.padEnd(6, "0").slice(3, 6) ?? "000";
  return `${d.toISOString().slice(0, 23)}${micros}`;
}

// --- REST --------------------------------------------------------------------------------------

const json = (body: string, status = 200): Response =>
  new Response(body, { status, headers: { "content-type": "application/json" } });

function searchPage(c: Conversation, q: URLSearchParams): Response {
  const limit = Number(q.get("limit") ?? "100");
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    return json(JSON.stringify({ detail: [{ loc: ["query", "limit"], msg: "1..100" }] }), 422);
  }
  const pageId = q.get("page_id");
  const gte = q.get("timestamp__gte");
  const after = gte ? naive(gte) : "";
  let k = pageId ? c.byId.get(pageId) ?? 0 : 0;
  const items: string[] = [];
  let next: string | null = null;
  for (; k < c.events.length; k++) {
    if (c.stamps[k]! < after) continue;
    if (items.length === limit) {
      next = /"id":"([^"]+)"/.exec(c.events[k]!)![1]!;
      break;
    }
    items.push(c.events[k]!);
  }
  return json(`{"items":[${items.join(",")}],"next_page_id":${next ? `"${next}"` : "null"}}`);
}

const unknownRoutes = new Set<string>();
const ROUTE = /^\/api\/conversations\/([^/]+)(\/events\/search|\/events\/count)?\/?$/;

function rest(req: Request, url: URL): Response {
  if (url.pathname === "/health" || url.pathname === "/ready") return json('{"status":"ok"}');
  const m = ROUTE.exec(url.pathname);
  if (!m || req.method !== "GET") {
    const route = `${req.method} ${url.pathname.replace(/[0-9a-f-]{36}/g, "{id}")}`;
    if (!unknownRoutes.has(route)) {
      unknownRoutes.add(route);
      process.stderr.write(`[scale server] not served: ${route}\n`);
    }
    return json('{"detail":"Not Found"}', 404);
  }
  if ((req.headers.get("x-session-api-key") ?? "") !== apiKey) {
    return json('{"detail":"Unauthorized"}', 401);
  }
  const c = conversations.get(m[1]!);
  if (!c) return json('{"detail":"Not Found"}', 404);
  if (m[2] === "/events/search") return searchPage(c, url.searchParams);
  if (m[2] === "/events/count") return json(String(c.events.length));
  return json(frames.info(c.id));
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(arg("port", "0")),
  fetch(req: Request, srv: { upgrade(req: Request, o: unknown): boolean }): Response | undefined {
    const url = new URL(req.url);
    if (url.pathname === "/_bench/live" && req.method === "POST") {
      startLive();
      return json(JSON.stringify({ events: liveEvents, rate }));
    }
    if (url.pathname === "/_bench/stats") {
      return json(JSON.stringify({ ...stats, liveStartedAt, liveEndedAt }));
    }
    stats.requests++;
    const ws = /^\/sockets\/(session|events)\/([^/]+)$/.exec(url.pathname);
    if (ws) {
      const key = url.searchParams.get("session_api_key") ?? req.headers.get("x-session-api-key");
      if (key !== null && key !== apiKey) return new Response("Forbidden", { status: 403 });
      const after = url.searchParams.get("after_seq");
      const data: SocketData = {
        conversation: conversations.get(decodeURIComponent(ws[2]!)),
        protocol: ws[1] as "session" | "events",
        authed: key === apiKey,
        afterSeq: after === null ? undefined : Number(after),
        resend: url.searchParams.get("resend_mode"),
        after: url.searchParams.get("after_timestamp"),
      };
      return srv.upgrade(req, { data })
        ? undefined
        : new Response("Upgrade failed", { status: 400 });
    }
    return rest(req, url);
  },
  websocket: {
    perMessageDeflate: false,
    backpressureLimit: 64 * 1024 * 1024,
    maxPayloadLength: 64 * 1024 * 1024,
    idleTimeout: 0,
    open(ws: Socket): void {
      stats.open++;
      if (ws.data.authed) start(ws);
    },
    message(ws: Socket, message: string | Uint8Array): void {
      stats.messages++;
      if (ws.data.authed) return; // the real server reads inbound frames as messages; none here
      try {
        const frame = JSON.parse(String(message)) as { type?: string; session_api_key?: string };
        if (frame.type === "auth" && frame.session_api_key === apiKey) {
          stats.messages--; // the auth frame is part of connecting, not traffic
          start(ws);
          return;
        }
      } catch { /* not JSON */ }
      ws.close(4001, "Authentication failed");
    },
    ping(): void {
      stats.pings++;
    },
    close(ws: Socket): void {
      stats.open--;
      ws.data.conversation?.subscribers.delete(ws);
    },
  },
});

console.log(JSON.stringify({
  port: server.port,
  conversations: n,
  history: historyLength,
  events: liveEvents,
  rate,
  big: bigLength,
  bigId: BIG_ID,
  cycle: frames.cycle,
}));
