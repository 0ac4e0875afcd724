/**
 * Who is measured: the clients of the ingest and history-sync measurements (cold start reuses the
 * history ones), and the server's own floor for history sync.
 *
 * @module
 */

import { PYTHON_ENV } from "./_common.ts";
import { BUN, type Contestant, DENO, script } from "./_run.ts";

export type { Contestant };

/** Event ingest: the bare runtime, ours, the Python SDK and the official client. */
export const INGEST: readonly Contestant[] = [
  {
    key: "bare_deno",
    label: "bare WebSocket + JSON.parse",
    runtime: "Deno",
    cmd: DENO,
    args: (a) => ["run", "-A", script("ingest_bare.ts"), ...a],
  },
  {
    key: "bare_keep_deno",
    label: "bare WebSocket + JSON.parse, objects kept in an array",
    runtime: "Deno",
    cmd: DENO,
    args: (a) => ["run", "-A", script("ingest_bare.ts"), ...a, "--keep"],
  },
  {
    key: "ours_deno",
    label: "ours: WebSocketCallbackClient → RemoteEventsList + RemoteState",
    runtime: "Deno",
    ours: true,
    cmd: DENO,
    args: (a) => ["run", "-A", script("ingest_ours.ts"), ...a],
  },
  {
    key: "ours_conversation_deno",
    label: "ours: whole RemoteConversation",
    runtime: "Deno",
    ours: true,
    cmd: DENO,
    args: (a) => ["run", "-A", script("ingest_ours.ts"), ...a, "--conversation"],
  },
  {
    key: "python",
    label: "Python SDK: WebSocketCallbackClient → RemoteEventsList + RemoteState",
    runtime: "Python",
    cmd: "",
    args: (a) => [script("sdk_bench.py"), "ingest", ...a],
    env: PYTHON_ENV,
  },
  {
    key: "official_bun",
    label: "official client: startWebSocketClient()",
    runtime: "Bun",
    cmd: BUN,
    args: (a) => [script("ingest_official.ts"), ...a],
  },
  {
    key: "bare_bun",
    label: "bare WebSocket + JSON.parse",
    runtime: "Bun",
    cmd: BUN,
    args: (a) => [script("ingest_bare.ts"), ...a],
  },
  {
    key: "bare_keep_bun",
    label: "bare WebSocket + JSON.parse, objects kept in an array",
    runtime: "Bun",
    cmd: BUN,
    args: (a) => [script("ingest_bare.ts"), ...a, "--keep"],
  },
  {
    key: "ours_bun",
    label: "ours: WebSocketCallbackClient → RemoteEventsList + RemoteState",
    runtime: "Bun",
    ours: true,
    cmd: BUN,
    args: (a) => [script("ingest_ours.ts"), ...a],
  },
];

/** History sync and cold start: ours, the Python SDK and the official client. */
export const ATTACH: readonly Contestant[] = [
  {
    key: "ours_deno",
    label: "ours: RemoteConversation.create (REST history + session socket)",
    runtime: "Deno",
    ours: true,
    cmd: DENO,
    args: (a) => ["run", "-A", script("attach_ours.ts"), ...a],
  },
  {
    key: "ours_bun",
    label: "ours: RemoteConversation.create (REST history + session socket)",
    runtime: "Bun",
    ours: true,
    cmd: BUN,
    args: (a) => [script("attach_ours.ts"), ...a],
  },
  {
    key: "python",
    label: "Python SDK: RemoteConversation(conversation_id=...)",
    runtime: "Python",
    cmd: "",
    args: (a) => [script("sdk_bench.py"), "attach", ...a],
    env: PYTHON_ENV,
  },
  {
    key: "official_bun",
    label: "official client: start() + socket + getEvents()",
    runtime: "Bun",
    cmd: BUN,
    args: (a) => [script("attach_official.ts"), ...a],
  },
];

/** Reference rows for history sync: the server's own floor, per transport, for a bare client. */
export const FLOORS: readonly Contestant[] = [
  {
    key: "floor_rest",
    label: "floor: bare REST paging (fetch + JSON.parse)",
    runtime: "Deno",
    cmd: DENO,
    args: (a) => ["run", "-A", script("sync_floor.ts"), ...a, "--via", "rest"],
  },
  {
    key: "floor_session",
    label: "floor: bare session-socket replay (JSON.parse)",
    runtime: "Deno",
    cmd: DENO,
    args: (a) => ["run", "-A", script("sync_floor.ts"), ...a, "--via", "session"],
  },
];
