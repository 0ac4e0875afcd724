/**
 * History sync, the server's floor: how fast the real server hands out a conversation's whole
 * history to a client that does nothing but `JSON.parse`, by each way there is:
 *
 * - `rest`: `GET .../events/search?limit=100` page after page (what the official client and the
 *   Python SDK do, and our events-socket fallback);
 * - `session`: `/sockets/session/{id}?after_seq=-1` until the replay's last `seq` (what ours does).
 *
 * `deno run -A scripts/bench/sync_floor.ts --host H --key K --id ID --via rest|session`. Prints
 * one JSON line (seconds from the first request to the last event, events received).
 *
 * @module
 */

import process from "node:process";
import { requiredArg } from "./_args.ts";

const get = requiredArg;
const host = get("host");
const key = get("key");
const id = get("id");
const via = get("via");

async function rest(): Promise<number> {
  let n = 0;
  let page: string | undefined;
  do {
    const query = new URLSearchParams({ limit: "100" });
    if (page) query.set("page_id", page);
    const res = await fetch(`${host}/api/conversations/${id}/events/search?${query}`, {
      headers: { "X-Session-API-Key": key },
    });
    const data = await res.json() as { items: unknown[]; next_page_id?: string | null };
    n += data.items.length;
    page = data.next_page_id ?? undefined;
  } while (page);
  return n;
}

function session(): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    let through = -1;
    const ws = new WebSocket(`${host.replace(/^http/, "ws")}/sockets/session/${id}?after_seq=-1`);
    ws.onopen = () => ws.send(JSON.stringify({ type: "auth", session_api_key: key }));
    ws.onmessage = (e) => {
      const frame = JSON.parse(e.data as string) as {
        type: string;
        seq?: number;
        through_seq?: number;
      };
      if (frame.type === "sync") through = frame.through_seq ?? -1;
      if (frame.type === "durable") n++;
      if (frame.type === "durable" && (frame.seq ?? -1) >= through) {
        ws.close();
        resolve(n);
      }
    };
    ws.onclose = (e) => reject(new Error(`closed ${e.code} after ${n} events`));
  });
}

const t0 = performance.now();
const events = via === "rest" ? await rest() : await session();
const seconds = (performance.now() - t0) / 1000;
const g = globalThis as { Deno?: { version: { deno: string } } };
console.log(JSON.stringify({
  runtime: g.Deno ? `deno ${g.Deno.version.deno}` : "other",
  seconds,
  events,
  via,
}));
process.exit(0);
