/**
 * Records real events from the pinned agent server into `tests/fixtures/events/`.
 *
 * Starts the scripted LLM and the real server, runs one short conversation per script (`reply`,
 * `terminal`, `reasoning`, `think`, `error`, and `confirm` under `AlwaysConfirm`, rejected with
 * `respond_to_confirmation`), reads every persisted event over REST (`events/search`) and every
 * frame of the event WebSocket (`resend_mode=all`, first-message auth, about 2 s per
 * conversation; this is where `full_state` snapshots and a `ServerErrorEvent` for a bad inbound
 * frame come from).
 *
 * Writes, for each event kind, the first example seen as `<Kind>.json`; the full-state snapshot as
 * `ConversationStateUpdateEvent.full_state.json`; and one file per variant of the kinds that have
 * them: `ActionEvent.<action.kind>.json`, `ObservationEvent.<observation.kind>.json`,
 * `ConversationStateUpdateEvent.<key>.json`, `MessageEvent.<source>.json` and
 * `MessageEvent.reasoning.json`. The API key, the temporary server root, the loopback ports and the
 * host name are replaced with stable placeholders.
 *
 * Run with `deno run -A scripts/record_events.ts` (takes about half a minute once installed).
 *
 * @module
 */

import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { marker, scriptedLlmConfig, startScriptedLlm } from "../tests/support/scripted_llm.ts";
import { AGENT_SERVER_VERSION, AgentServer } from "./agent_server.ts";
import { REPO_ROOT } from "./_agent_server_install.ts";
import { parseEvent } from "../src/events/parse.ts";

type Json = Record<string, unknown>;

const OUT_DIR = join(REPO_ROOT, "tests", "fixtures", "events");
const TERMINAL_STATUSES = new Set(["finished", "error", "stuck"]);

const log = (line: string): void => console.error(`[record] ${line}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const llm = await startScriptedLlm();
const server = await AgentServer.start({ log });
log(
  `agent server ${AGENT_SERVER_VERSION} at ${server.url} (${server.lastStartSeconds.toFixed(1)} s)`,
);

async function api(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      "X-Session-API-Key": server.apiKey,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} failed with ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function createConversation(text: string, extra: Json = {}): Promise<string> {
  const created = await api("POST", "/api/conversations", {
    agent: {
      kind: "Agent",
      llm: scriptedLlmConfig(llm.url),
      tools: [{ name: "terminal", params: { terminal_type: "subprocess" } }],
    },
    workspace: { kind: "LocalWorkspace", working_dir: server.workspaceDir },
    autotitle: false,
    stuck_detection: false,
    max_iterations: 10,
    initial_message: { role: "user", content: [{ type: "text", text }] },
    ...extra,
  }) as Json;
  return String(created.id);
}

async function waitForStatus(id: string, done: (status: string) => boolean): Promise<string> {
  const until = Date.now() + 90_000;
  while (true) {
    const info = await api("GET", `/api/conversations/${id}`) as Json;
    const status = String(info.execution_status);
    if (done(status)) return status;
    if (Date.now() > until) throw new Error(`conversation ${id} stuck in ${status}`);
    await sleep(150);
  }
}

async function restEvents(id: string): Promise<Json[]> {
  const out: Json[] = [];
  let pageId: string | undefined;
  do {
    const query = new URLSearchParams({ limit: "100" });
    if (pageId) query.set("page_id", pageId);
    const page = await api("GET", `/api/conversations/${id}/events/search?${query}`) as {
      items: Json[];
      next_page_id?: string | null;
    };
    out.push(...page.items);
    pageId = page.next_page_id ?? undefined;
  } while (pageId);
  return out;
}

/** Connects with first-message auth, replays everything, optionally sends `extra` frames. */
function socketFrames(id: string, extra: unknown[] = [], ms = 2000): Promise<Json[]> {
  const frames: Json[] = [];
  const url = `${server.url.replace(/^http/, "ws")}/sockets/events/${id}?resend_mode=all`;
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: "auth", session_api_key: server.apiKey }));
      setTimeout(() => {
        for (const frame of extra) ws.send(JSON.stringify(frame));
      }, 500);
      timer = setTimeout(() => ws.close(1000), ms);
    };
    ws.onmessage = (e) => frames.push(JSON.parse(String(e.data)) as Json);
    ws.onerror = () => {
      clearTimeout(timer);
      reject(new Error(`WebSocket ${url} failed`));
    };
    ws.onclose = (e) => {
      clearTimeout(timer);
      if (e.code !== 1000 && e.code !== 1005) {
        reject(new Error(`WebSocket closed with ${e.code} ${e.reason}`));
      } else resolve(frames);
    };
  });
}

interface Run {
  name: string;
  id: string;
  rest: Json[];
  socket: Json[];
}

async function record(name: string, text: string, extra: Json = {}): Promise<Run> {
  const id = await createConversation(text, extra);
  const status = await waitForStatus(id, (s) => TERMINAL_STATUSES.has(s));
  log(`${name}: ${id} ${status}`);
  const socket = await socketFrames(id);
  return { name, id, rest: await restEvents(id), socket };
}

async function recordConfirm(): Promise<Run> {
  const id = await createConversation(`${marker("confirm", { cmd: "echo confirmed" })} go`, {
    confirmation_policy: { kind: "AlwaysConfirm" },
  });
  await waitForStatus(id, (s) => s === "waiting_for_confirmation" || TERMINAL_STATUSES.has(s));
  await api("POST", `/api/conversations/${id}/events/respond_to_confirmation`, {
    accept: false,
    reason: "no",
  });
  const until = Date.now() + 30_000;
  while (!(await restEvents(id)).some((e) => e.kind === "UserRejectObservation")) {
    if (Date.now() > until) throw new Error("no UserRejectObservation after rejecting");
    await sleep(150);
  }
  const status = await waitForStatus(id, (s) => s !== "running");
  log(`confirm: ${id} ${status}`);
  // A frame that is not a valid message: the server answers with a ServerErrorEvent.
  const socket = await socketFrames(id, [{ role: "not-a-role", content: [] }]);
  return { name: "confirm", id, rest: await restEvents(id), socket };
}

let runs: Run[];
try {
  runs = [
    await record("reply", `${marker("reply", { text: "Hi from the script" })} say hi`),
    await record("terminal", `${marker("terminal", { cmd: "printf 'hello\\nworld\\n'" })} run`),
    await record("reasoning", `${marker("reasoning")} think aloud`),
    await record("think", `${marker("think")} plan first`),
    await record("error", `${marker("error", { status: 500 })} fail`),
    await recordConfirm(),
  ];
} finally {
  await server.dispose();
  await llm.close();
}

// --- placeholders ------------------------------------------------------------------------------

const replacements: Array<[string, string]> = [
  [server.apiKey, "<SESSION_API_KEY>"],
  [server.root, "<SERVER_ROOT>"],
  [server.url, "http://127.0.0.1:<SERVER_PORT>"],
  [llm.url, "http://127.0.0.1:<LLM_PORT>"],
];

function scrub(value: unknown, key = ""): unknown {
  if (key === "hostname" && typeof value === "string") return "<HOSTNAME>";
  if (typeof value === "string") {
    let s = value;
    for (const [from, to] of replacements) s = s.replaceAll(from, to);
    return s;
  }
  if (Array.isArray(value)) return value.map((item) => scrub(item));
  if (value && typeof value === "object") {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrub(v, k);
    return out;
  }
  return value;
}

// --- pick and write ----------------------------------------------------------------------------

// Every real event must pass the client's own validation; report the ones that do not.
const socketKinds = new Map<string, number>();
let rejected = 0;
for (const run of runs) {
  for (const event of run.socket) {
    const name = event.kind === "ConversationStateUpdateEvent"
      ? `${event.kind}.${String(event.key)}`
      : String(event.kind);
    socketKinds.set(name, (socketKinds.get(name) ?? 0) + 1);
  }
  for (const event of [...run.rest, ...run.socket]) {
    const parsed = parseEvent(event);
    if (!parsed.success) {
      rejected++;
      log(`parseEvent rejected a real ${String(event.kind)}: ${parsed.error.message}`);
    }
  }
}
log(`socket frames by kind: ${JSON.stringify(Object.fromEntries(socketKinds))}`);
log(`parseEvent rejected ${rejected} real events`);

const files = new Map<string, Json>();
const keep = (file: string, event: Json): void => {
  if (!files.has(file)) files.set(file, event);
};

for (const run of runs) {
  for (const event of [...run.rest, ...run.socket]) {
    const kind = String(event.kind);
    if (kind === "ConversationStateUpdateEvent") {
      const key = String(event.key);
      if (key === "full_state") {
        keep(`${kind}.full_state.json`, event);
        continue;
      }
      keep(`${kind}.json`, event);
      keep(`${kind}.${key}.json`, event);
      continue;
    }
    keep(`${kind}.json`, event);
    if (kind === "ActionEvent") {
      keep(`${kind}.${String((event.action as Json | undefined)?.kind ?? "none")}.json`, event);
    } else if (kind === "ObservationEvent") {
      keep(`${kind}.${String((event.observation as Json).kind)}.json`, event);
    } else if (kind === "MessageEvent") {
      keep(`${kind}.${String(event.source)}.json`, event);
      const message = event.llm_message as Json;
      if (message.reasoning_content) keep(`${kind}.reasoning.json`, event);
    }
  }
}

mkdirSync(OUT_DIR, { recursive: true });
for (const old of readdirSync(OUT_DIR)) {
  if (old.endsWith(".json")) rmSync(join(OUT_DIR, old));
}
for (const [file, event] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
  writeFileSync(join(OUT_DIR, file), JSON.stringify(scrub(event), null, 2) + "\n");
}
/** Greedy wrap at 100 columns without breaking code spans, as `deno fmt` lays out Markdown. */
function wrap(text: string, width = 100): string {
  const words = text.match(/(?:`[^`]*`|[^\s`])+/g) ?? [];
  const lines: string[] = [];
  let line = "";
  for (const word of words) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join("\n");
}

const readme = "# Recorded events\n\n" + wrap(
  `Recorded by \`deno run -A scripts/record_events.ts\` from the real agent server ` +
    `${AGENT_SERVER_VERSION} with the scripted LLM (scripts: ${
      runs.map((r) => r.name).join(", ")
    }), over REST (\`events/search\`) and the event WebSocket (\`resend_mode=all\`). ` +
    "`<Kind>.json` is the first event of each kind seen; `<Kind>.<variant>.json` is one per " +
    "action kind, observation kind, state key and message source (plus " +
    "`MessageEvent.reasoning.json`); `ConversationStateUpdateEvent.full_state.json` is a " +
    "snapshot. The API key, the temporary server root, the loopback ports and the host name are " +
    "the placeholders `<SESSION_API_KEY>`, `<SERVER_ROOT>`, `<SERVER_PORT>`, `<LLM_PORT>` and " +
    "`<HOSTNAME>`; ids and timestamps are as recorded.",
) + "\n";
writeFileSync(join(OUT_DIR, "README.md"), readme);
const leaks = [...files.values()].map((e) => JSON.stringify(e)).filter((s) =>
  s.includes(server.apiKey)
);
log(`wrote ${files.size} fixtures to ${OUT_DIR} (${leaks.length} before scrubbing had the key)`);
