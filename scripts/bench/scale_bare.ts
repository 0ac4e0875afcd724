/**
 * Fan-in scale, the bare limit: per conversation, plain `fetch` of its info and its history
 * pages, then the runtime's own `WebSocket` on the session socket (first-frame auth, ready at the
 * `sync` frame, as ours), `JSON.parse` of every frame, stored events kept in an array and
 * deduplicated by id, the last state snapshot kept. No validation, no reconnects, no ordering:
 * the least any client that follows N conversations and keeps their events must do. All
 * conversations at once (`Promise.all`).
 *
 * `deno run -A --v8-flags=--expose-gc scripts/bench/scale_bare.ts <scale args>` (or
 * `bun scripts/bench/scale_bare.ts ...`); see `_scale_client.ts`. Prints one JSON line last.
 *
 * @module
 */

import { runHistory, runScale, type ScaleArgs, scaleArgs } from "./_scale_client.ts";

interface Event {
  id: string;
  timestamp: string;
}

interface Bare {
  info: unknown;
  events: Event[];
  ids: Set<string>;
  state: unknown;
  ws: WebSocket;
}

const args: ScaleArgs = scaleArgs();
const headers = { "X-Session-API-Key": args.apiKey };
const wsBase = args.host.replace(/^http/, "ws");

async function getJson(path: string): Promise<unknown> {
  const res = await fetch(`${args.host}${path}`, { headers });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return await res.json();
}

async function attach(
  id: string,
  deliver: (id: string, timestamp: string) => void,
): Promise<Bare> {
  const info = await getJson(`/api/conversations/${id}`);
  const events: Event[] = [];
  let pageId: string | null = null;
  do {
    const page = await getJson(
      `/api/conversations/${id}/events/search?limit=100${pageId ? `&page_id=${pageId}` : ""}`,
    ) as { items: Event[]; next_page_id: string | null };
    for (const e of page.items) events.push(e);
    pageId = page.next_page_id;
  } while (pageId);
  const ids = new Set(events.map((e) => e.id));
  const ws = new WebSocket(`${wsBase}/sockets/session/${id}`);
  const bare: Bare = { info, events, ids, state: undefined, ws };
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => ws.send(JSON.stringify({ type: "auth", session_api_key: args.apiKey }));
    ws.onerror = () => reject(new Error(`socket of ${id} failed`));
    ws.onmessage = (m: MessageEvent) => {
      const frame = JSON.parse(m.data as string) as { type: string; event?: Event };
      const event = frame.event;
      if (frame.type === "durable" && event) {
        if (ids.has(event.id)) return;
        ids.add(event.id);
        events.push(event);
        deliver(event.id, event.timestamp);
      } else if (frame.type === "transient" && event) {
        bare.state = event;
        deliver(event.id, event.timestamp);
      } else if (frame.type === "sync") resolve();
    };
  });
  return bare;
}

if (args.historyOnly) {
  await runHistory(async (id) => {
    const bare = await attach(id, () => {});
    return {
      held: bare.events.length,
      close: () => Promise.resolve(bare.ws.close()),
    };
  }, args);
}

let all: Bare[] = [];
await runScale({
  pipeline: "fetch + WebSocket (session socket) + JSON.parse, kept in arrays",
  async attachAll(ids, deliver): Promise<void> {
    all = await Promise.all(ids.map((id) => attach(id, deliver)));
  },
  held: (i) => all[i]!.events.length,
  close(): Promise<void> {
    for (const b of all) b.ws.close();
    return Promise.resolve();
  },
}, args);
