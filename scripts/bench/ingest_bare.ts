/**
 * Ingest, the bare limit: the runtime's native WebSocket and `JSON.parse`, nothing else. With
 * `--keep`, the parsed objects are also kept in an array (what any cache of the events costs the
 * garbage collector, without validation or bookkeeping).
 * `deno run -A scripts/bench/ingest_bare.ts --host ... --key ... --id ... --events N --bytes B`
 * (or `bun scripts/bench/ingest_bare.ts ...`). Prints one JSON line.
 *
 * @module
 */

import process from "node:process";
import { ingestArgs, IngestClock, runtimeName } from "./_ingest.ts";

const args = ingestArgs();
const clock = new IngestClock(args);
let ids = 0;
const keep: unknown[] | undefined = process.argv.includes("--keep") ? [] : undefined;
const ws = new WebSocket(
  `${args.host.replace(/^http/, "ws")}/sockets/events/${args.conversationId}`,
);
ws.onopen = () => ws.send(JSON.stringify({ type: "auth", session_api_key: args.apiKey }));
ws.onmessage = (e: MessageEvent) => {
  const event = JSON.parse(e.data as string) as { id?: unknown };
  if (typeof event.id === "string") ids++;
  keep?.push(event);
  clock.tick();
};
await clock.done;
ws.close();
clock.set({ with_id: ids, kept: keep?.length ?? 0 });
clock.report(runtimeName());
process.exit(0);
