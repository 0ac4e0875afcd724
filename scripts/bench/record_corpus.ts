/**
 * Records the event-ingest corpus of the benchmarks into `tests/bench_corpus/` (run once; the
 * result is committed): real frames of the pinned agent server's events socket
 * (`/sockets/events/{id}?resend_mode=all`, first-frame auth), byte for byte as the server sent them.
 *
 * Starts the scripted LLM (with one extra script, `benchmix`) and the real server, and runs these
 * conversations, each watched from its creation to the end of its run:
 *
 * - `benchmix`: terminal commands with small, medium and large (truncated) output, a `think`
 *   call, a call to a tool that does not exist (an `AgentErrorEvent`), a reasoning answer;
 * - `long n=60`: the common case, many small action/observation/stats triples;
 * - `reasoning`, `error` (a `ConversationErrorEvent`), `confirm` under `AlwaysConfirm` then
 *   rejected (a `UserRejectObservation`), and a paused `long` run (a `PauseEvent`) that also gets
 *   an invalid inbound frame (a `ServerErrorEvent`).
 *
 * Writes `frames.jsonl` (one frame per line, in arrival order, conversations one after another)
 * and `README.md` (what it holds, kinds and sizes). The API key, the temporary server root, the
 * loopback ports and the host name are replaced with placeholders.
 *
 * `deno run -A scripts/bench/record_corpus.ts` (about a minute once the server is installed).
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  marker,
  type Reply,
  scriptedLlmConfig,
  startScriptedLlm,
} from "../../tests/support/scripted_llm.ts";
import { AGENT_SERVER_VERSION, AgentServer } from "../agent_server.ts";
import { api, CORPUS_DIR, log, sleep, TERMINAL_STATUSES, waitForStatus } from "./_common.ts";

const terminal = (command: string): Reply => ({
  tool: { name: "terminal", args: { command, security_risk: "LOW", summary: command } },
});

/** A mix of event shapes, one step each; the text answer at the end finishes the run. */
const benchmix = (step: number): Reply => {
  switch (step) {
    case 0:
      return terminal("echo hello");
    case 1:
      return { tool: { name: "think", args: { thought: "Plan: inspect, then summarize." } } };
    case 2:
      return terminal("seq 1 40000"); // large output: the terminal tool truncates it
    case 3:
      return { tool: { name: "no_such_tool", args: { x: 1 } } }; // AgentErrorEvent
    case 4:
      return terminal("ls -la /usr/lib");
    case 5:
      return terminal("seq -w 1 1500");
    case 6:
      return terminal("printf 'a\\tb\\n\\u00e9\\u4e2d\\n'; echo done >&2");
    default:
      return {
        text: "All steps are done: printed, counted and listed.",
        reasoning: "The outputs look right; I can summarize now.",
      };
  }
};

const llm = await startScriptedLlm({ scripts: { benchmix } });
const server = await AgentServer.start({ log });
log(`agent server ${AGENT_SERVER_VERSION} at ${server.url}`);
const call = (method: string, path: string, body?: unknown): Promise<unknown> =>
  api(server.url, server.apiKey, method, path, body);

async function create(extra: Record<string, unknown> = {}, maxIterations = 100): Promise<string> {
  const created = await call("POST", "/api/conversations", {
    agent: {
      kind: "Agent",
      llm: scriptedLlmConfig(llm.url),
      tools: [{ name: "terminal", params: { terminal_type: "subprocess" } }],
    },
    workspace: { kind: "LocalWorkspace", working_dir: server.workspaceDir },
    autotitle: false,
    stuck_detection: false,
    max_iterations: maxIterations,
    ...extra,
  }) as { id: string };
  return created.id;
}

/** Opens the events socket (replay all, then live) and collects raw text frames. */
function watch(id: string): { frames: string[]; ready: Promise<void>; close: () => Promise<void> } {
  const frames: string[] = [];
  const ws = new WebSocket(
    `${server.url.replace(/^http/, "ws")}/sockets/events/${id}?resend_mode=all`,
  );
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  const closed = new Promise<void>((r) => ws.addEventListener("close", () => r()));
  ws.addEventListener("open", () => {
    ws.send(JSON.stringify({ type: "auth", session_api_key: server.apiKey }));
  });
  ws.addEventListener("message", (e) => {
    frames.push(String(e.data));
    readyResolve();
  });
  return {
    frames,
    ready,
    close: async () => {
      ws.close(1000);
      await closed;
    },
  };
}

async function say(id: string, text: string, run = true): Promise<void> {
  await call("POST", `/api/conversations/${id}/events`, {
    role: "user",
    content: [{ type: "text", text }],
    run,
  });
}

async function conversation(
  name: string,
  text: string,
  extra: Record<string, unknown> = {},
): Promise<string[]> {
  const id = await create(extra);
  const w = watch(id);
  await w.ready;
  await say(id, text);
  const status = await waitForStatus(
    server.url,
    server.apiKey,
    id,
    (s) => TERMINAL_STATUSES.has(s),
  );
  await sleep(700); // the post-run snapshot
  await w.close();
  log(`${name}: ${status}, ${w.frames.length} frames`);
  return w.frames;
}

const all: string[] = [];
try {
  all.push(...await conversation("benchmix", `${marker("benchmix")} inspect the machine`));
  all.push(...await conversation("long", `${marker("long", { n: 60 })} count`));
  all.push(...await conversation("reasoning", `${marker("reasoning")} think aloud`));
  all.push(...await conversation("error", `${marker("error", { status: 500 })} fail`));

  // confirm: AlwaysConfirm, then reject the held action.
  {
    const id = await create({ confirmation_policy: { kind: "AlwaysConfirm" } });
    const w = watch(id);
    await w.ready;
    await say(id, `${marker("confirm", { cmd: "echo confirmed" })} go`);
    await waitForStatus(
      server.url,
      server.apiKey,
      id,
      (s) => s === "waiting_for_confirmation" || TERMINAL_STATUSES.has(s),
    );
    await call("POST", `/api/conversations/${id}/events/respond_to_confirmation`, {
      accept: false,
      reason: "not now",
    });
    await waitForStatus(
      server.url,
      server.apiKey,
      id,
      (s) => s !== "running" && s !== "waiting_for_confirmation",
    );
    await sleep(700);
    await w.close();
    log(`confirm: ${w.frames.length} frames`);
    all.push(...w.frames);
  }

  // pause: a slow long run, paused mid-way; a bad inbound frame gets a ServerErrorEvent.
  {
    const id = await create();
    const w = watch(id);
    await w.ready;
    await say(id, `${marker("long", { n: 30, delay: 150 })} slowly`);
    await sleep(1500);
    await call("POST", `/api/conversations/${id}/pause`);
    await waitForStatus(
      server.url,
      server.apiKey,
      id,
      (s) => s === "paused" || TERMINAL_STATUSES.has(s),
    );
    const bad = new WebSocket(`${server.url.replace(/^http/, "ws")}/sockets/events/${id}`);
    await new Promise<void>((resolve) => {
      bad.onopen = () => {
        bad.send(JSON.stringify({ type: "auth", session_api_key: server.apiKey }));
        setTimeout(() => bad.send(JSON.stringify({ role: "not-a-role", content: [] })), 300);
        setTimeout(() => bad.close(1000), 1200);
      };
      bad.onmessage = (e) => {
        const frame = String(e.data);
        if (frame.includes('"ServerErrorEvent"')) w.frames.push(frame);
      };
      bad.onclose = () => resolve();
    });
    await sleep(500);
    await w.close();
    log(`pause: ${w.frames.length} frames`);
    all.push(...w.frames);
  }
} finally {
  await server.dispose();
  await llm.close();
}

// --- placeholders ------------------------------------------------------------------------------

const replacements: Array<[string | RegExp, string]> = [
  [server.apiKey, "<SESSION_API_KEY>"],
  [server.root, "<SERVER_ROOT>"],
  [server.url, "http://127.0.0.1:<SERVER_PORT>"],
  [llm.url, "http://127.0.0.1:<LLM_PORT>"],
  [/"hostname":"[^"]*"/g, '"hostname":"<HOSTNAME>"'],
  [`@${hostname()}:`, "@<HOSTNAME>:"],
];
const scrubbed = all.map((frame) => {
  let s = frame;
  for (const [from, to] of replacements) {
    s = typeof from === "string" ? s.replaceAll(from, to) : s.replace(from, to);
  }
  JSON.parse(s); // still JSON
  if (s.includes("\n")) throw new Error("a frame has a raw newline");
  return s;
});

// --- write ---------------------------------------------------------------------------------

const kinds = new Map<string, { count: number; bytes: number; max: number }>();
let bytes = 0;
for (const frame of scrubbed) {
  const e = JSON.parse(frame) as { kind: string; key?: string };
  const name = e.kind === "ConversationStateUpdateEvent" ? `${e.kind}.${e.key}` : e.kind;
  const size = new TextEncoder().encode(frame).byteLength;
  bytes += size;
  const k = kinds.get(name) ?? { count: 0, bytes: 0, max: 0 };
  k.count++;
  k.bytes += size;
  k.max = Math.max(k.max, size);
  kinds.set(name, k);
}
mkdirSync(CORPUS_DIR, { recursive: true });
writeFileSync(join(CORPUS_DIR, "frames.jsonl"), scrubbed.join("\n") + "\n");
const table = [...kinds].sort((a, b) => b[1].bytes - a[1].bytes).map(([name, k]) =>
  `| ${name} | ${k.count} | ${k.bytes} | ${k.max} |`
);
writeFileSync(
  join(CORPUS_DIR, "README.md"),
  `# Event-ingest corpus

Recorded by \`deno run -A scripts/bench/record_corpus.ts\` from the real agent server
${AGENT_SERVER_VERSION} with the scripted LLM: the frames of the events socket
(\`/sockets/events/{id}?resend_mode=all\`, first-frame auth) of six conversations, each watched
from its creation to the end of its run (scripts \`benchmix\`, \`long n=60\`, \`reasoning\`, \`error\`,
\`confirm\` rejected under \`AlwaysConfirm\`, and a paused \`long\` run that also got an invalid
inbound frame). \`frames.jsonl\` holds one frame per line, byte for byte as the server sent it,
in arrival order. The API key, the temporary server root, the loopback ports and the host name
are the placeholders \`<SESSION_API_KEY>\`, \`<SERVER_ROOT>\`, \`<SERVER_PORT>\`, \`<LLM_PORT>\` and
\`<HOSTNAME>\`.

\`deno task bench\` cycles it to 100,000 events (each copy gets fresh ids and increasing
timestamps, see \`scripts/bench/corpus.ts\`).

${scrubbed.length} frames, ${bytes} bytes (mean ${Math.round(bytes / scrubbed.length)} bytes).

| kind | frames | bytes | largest |
| ---- | -----: | ----: | ------: |
${table.join("\n")}
`,
);
// The repository's formatter owns Markdown layout (`deno fmt --check` runs in CI).
spawnSync(process.execPath, ["fmt", join(CORPUS_DIR, "README.md")], { stdio: "ignore" });
log(`wrote ${scrubbed.length} frames (${bytes} bytes) to ${CORPUS_DIR}`);
