/**
 * A hostile server against the CLI and the visualizer: terminal escapes, C1 controls and bidi
 * overrides in every string they print (finding 5), values whose `toString` is not a function and
 * option names from `Object.prototype` (finding 12). The CLI runs in-process through its real
 * entry (`main`) against a loopback fake of the agent server. Runs under `deno test` and
 * `bun test`.
 */

import assert from "node:assert/strict";
import { type CliIO, main } from "../../cli/main.ts";
import { parseEvent } from "../../src/events/parse.ts";
import type { Event } from "../../src/events/kinds.ts";
import { ConversationVisualizer } from "../../src/visualizer/conversation_visualizer.ts";
import {
  authenticate,
  type FakeHttpRequest,
  type FakeWsConnection,
  startFakeWsServer,
} from "../support/fake_ws_server.ts";
import { test } from "../support/test.ts";
import { recordHostile } from "./_metrics.ts";

const KEY = "sk-hostile-cli-0123456789abcdef";
const ID = "6c1b5b1e-0000-4000-8000-0000000000cc";
const ID2 = "6c1b5b1e-0000-4000-8000-0000000000cd";

/** Window title (OSC … BEL), clear screen (CSI), 8-bit CSI and OSC, a bidi override and an
 * isolate, DEL, NUL, a carriage return and a lone ESC. */
const H =
  "\u001b]0;owned\u0007\u001b[2J\u009b2J\u009d0;t\u0007\u202eevil\u2066\u007f\u0000\r\u001bX";

/** What a terminal acts on: C0 controls but `\n` and `\t`, DEL, C1 controls, bidi overrides and
 * isolates. */
// deno-lint-ignore no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** Our own colours: SGR sequences. */
// deno-lint-ignore no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;

function assertSafe(text: string, what: string): void {
  const match = UNSAFE.exec(text);
  assert.equal(
    match,
    null,
    `${what}: U+${match?.[0].charCodeAt(0).toString(16).padStart(4, "0")} at ${match?.index} in ${
      JSON.stringify(text.slice(Math.max(0, (match?.index ?? 0) - 40), (match?.index ?? 0) + 40))
    }`,
  );
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI's entry in-process; `tty` turns colours on (as on a terminal). */
async function cli(args: string[], tty = false): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    env: () => undefined,
    cwd: () => "/",
    isTTY: tty,
    onInterrupt: () => () => {},
    exit: (code) => {
      throw new Error(`exit(${code}) called`);
    },
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

function json(value: unknown): Response {
  return new Response(JSON.stringify(value), {
    headers: { "content-type": "application/json", connection: "close" },
  });
}

interface FakeAgent {
  conversations: Record<string, unknown>[];
  info: Record<string, unknown>;
  history: Record<string, unknown>[];
  /** Frames sent on the events socket after authentication. */
  live: Record<string, unknown>[];
  /** Frames sent on the open events sockets when a run starts (`POST …/run`). */
  onRun?: Record<string, unknown>[];
}

/** A loopback agent server: REST search/count/get/events and the events socket (the session
 * socket is refused, as by a server older than 1.45). */
async function fakeAgent(agent: FakeAgent) {
  const sockets: FakeWsConnection[] = [];
  const server = await startFakeWsServer({
    onUpgrade: ({ url }) => (url.pathname.startsWith("/sockets/session/") ? 404 : undefined),
    onHttp: (request: FakeHttpRequest) => {
      const path = request.url.pathname;
      if (path === "/api/conversations/search") {
        return json({ items: agent.conversations, next_page_id: null });
      }
      if (path === "/api/conversations/count") return json(agent.conversations.length);
      if (path === "/api/tools/") return json(["terminal", "file_editor", "task_tracker"]);
      if (path === `/api/conversations/${ID}`) return json(agent.info);
      if (request.method === "POST" && path === "/api/conversations") return json(agent.info);
      if (request.method === "POST" && path === `/api/conversations/${ID}/events`) {
        return json({ success: true });
      }
      if (request.method === "POST" && path === `/api/conversations/${ID}/run`) {
        for (const conn of sockets) for (const frame of agent.onRun ?? []) conn.sendJson(frame);
        if (agent.onRun) agent.info = { ...agent.info, execution_status: "finished" };
        return json({ success: true });
      }
      if (path === `/api/conversations/${ID}/events/count`) return json(agent.history.length);
      if (path === `/api/conversations/${ID}/events/search`) {
        return json({ items: agent.history, next_page_id: null });
      }
      return undefined;
    },
    onConnection: async (conn) => {
      if (!(await authenticate(conn, KEY))) return;
      sockets.push(conn);
      // The first frame of a connection: the state as a full_state snapshot.
      conn.sendJson({
        kind: "ConversationStateUpdateEvent",
        id: `state-${sockets.length}`,
        timestamp: "2026-01-01T00:00:00.000000",
        source: "environment",
        key: "full_state",
        value: { execution_status: agent.info.execution_status },
      });
      for (const frame of agent.live) conn.sendJson(frame);
    },
  });
  return { server, sockets };
}

let seq = 0;
function stored(kind: string, fields: Record<string, unknown>): Record<string, unknown> {
  seq++;
  return {
    kind,
    id: `ev-${seq}`,
    timestamp: `2026-01-01T00:00:${String(seq % 60).padStart(2, "0")}.000000`,
    source: "agent",
    ...fields,
  };
}

/** One event of every kind the visualizer shows, with `s` in every string field it prints. */
function hostileEvents(s: unknown): Record<string, unknown>[] {
  const text = [{ type: "text", text: s }];
  return [
    stored("MessageEvent", {
      llm_message: { role: s, content: text, reasoning_content: s },
      sender: s,
    }),
    stored("ActionEvent", {
      tool_name: s,
      tool_call_id: "c1",
      thought: text,
      reasoning_content: s,
      security_risk: s,
      action: { kind: "TerminalAction", command: typeof s === "string" ? `${s}\n${s}` : s },
    }),
    stored("ActionEvent", {
      tool_name: s,
      tool_call_id: "c2",
      action: { kind: s, path: s },
    }),
    stored("ActionEvent", { tool_name: "t", tool_call_id: "c3", summary: s, action: { kind: s } }),
    stored("ActionEvent", {
      tool_name: "finish",
      tool_call_id: "c4",
      action: { kind: "FinishAction", message: s },
    }),
    stored("ActionEvent", {
      tool_name: "think",
      tool_call_id: "c5",
      action: { kind: "ThinkAction", thought: s },
    }),
    stored("ObservationEvent", {
      tool_name: s,
      tool_call_id: "c1",
      action_id: "a1",
      observation: { kind: "TerminalObservation", content: text, is_error: true, exit_code: 3 },
    }),
    stored("UserRejectObservation", {
      tool_name: s,
      tool_call_id: "c1",
      action_id: "a1",
      rejection_reason: s,
      rejection_source: s,
    }),
    stored("AgentErrorEvent", { tool_name: s, tool_call_id: "c1", error: s }),
    stored("ConversationErrorEvent", { code: s, detail: s }),
    stored("HookExecutionEvent", { hook_event_type: s, reason: s, blocked: true }),
    stored("CondensationSummaryEvent", { summary: s }),
    stored("ConversationStateUpdateEvent", { key: s, value: s }),
    stored("ConversationStateUpdateEvent", { key: "agent", value: { name: s } }),
    stored(typeof s === "string" ? `Future${s}Event` : "FutureEvent", { source: s }),
    stored("PauseEvent", { source: s }),
  ];
}

// --- finding 5: escapes from the server never reach the terminal ---------------------------

test("`list` prints server ids, statuses, titles and times with every escape made visible", async () => {
  const { server } = await fakeAgent({
    conversations: [
      { id: ID, execution_status: H, title: H, updated_at: H },
      {
        id: ID2,
        execution_status: "idle",
        title: `a\tb\nc${H}`,
        updated_at: "2026-01-01T00:00:00",
      },
    ],
    info: {},
    history: [],
    live: [],
  });
  await using _server = server;
  const plain = await cli(["list", "--host", server.url, "--api-key", KEY]);
  assert.equal(plain.stderr, "");
  assert.equal(plain.code, 0);
  assertSafe(plain.stdout, "list");
  const h = "\\x1b]0;owned\\x07\\x1b[2J\\x9b2J\\x9d0;t\\x07\\u202eevil\\u2066\\x7f\\x00 \\x1bX";
  assert.equal(
    plain.stdout,
    [
      `${"ID".padEnd(36)}  STATUS${" ".repeat(h.length - 6)}  TITLE${
        " ".repeat(43)
      }  UPDATED (UTC)`,
      `${ID}  ${h}  ${h.slice(0, 47)}…  ${h.slice(0, 19)}`,
      `${ID2}  idle${" ".repeat(h.length - 4)}  ${`a b c${h}`.slice(0, 47)}…  2026-01-01 00:00:00`,
      "",
    ].join("\n"),
  );

  // --json: the same values, JSON-escaped so that nothing raw reaches the terminal.
  const asJson = await cli(["list", "--json", "--host", server.url, "--api-key", KEY]);
  assert.equal(asJson.code, 0);
  assertSafe(asJson.stdout, "list --json");
  const rows = JSON.parse(asJson.stdout) as Record<string, unknown>[];
  assert.deepEqual(rows.map((r) => [r.id, r.execution_status, r.title]), [
    [ID, H, H],
    [ID2, "idle", `a\tb\nc${H}`],
  ]);
});

test("`list` against a server that sends a bad id: the error on stderr is escaped too", async () => {
  const { server } = await fakeAgent({
    conversations: [{ id: H, execution_status: H, title: H }],
    info: {},
    history: [],
    live: [],
  });
  await using _server = server;
  const r = await cli(["list", "--host", server.url, "--api-key", KEY], true);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assertSafe(r.stderr, "stderr");
  assert.ok(r.stderr.startsWith("remote-hands: "), r.stderr);
  assert.ok(r.stderr.endsWith("\n") && r.stderr.indexOf("\n") === r.stderr.length - 1, r.stderr);
});

test("`tail --history` shows hostile events safely; with colours, only our own SGR codes", async () => {
  seq = 0;
  const history = hostileEvents(H);
  const info = { id: ID, execution_status: "finished", title: H, agent: { kind: "Agent" } };
  const { server } = await fakeAgent({ conversations: [], info, history, live: [] });
  await using _server = server;
  const args = ["tail", ID, "--history", "--until-idle", "--host", server.url, "--api-key", KEY];
  const plain = await cli(args);
  assert.equal(plain.stderr, "");
  assert.equal(plain.code, 0);
  assertSafe(plain.stdout, "tail");
  const lines = plain.stdout.split("\n");
  assert.equal(lines[0], `conversation ${ID}: finished`);
  assert.equal(lines.at(-2), `conversation ${ID}: finished`);
  // Each event's own text, escaped where it was: a few exact lines.
  // The 7-bit escapes are stripped whole; what is left is shown escaped.
  const shown = "\\x9b2J\\x9d0;t\\x07\\u202eevil\\u2066\\x7f\\x00";
  assert.ok(lines.includes(`   ${shown}`), plain.stdout);
  assert.ok(
    lines.includes(`── MessageEvent (agent) role=${escapedLine(H)} sender=${escapedLine(H)}`),
  );
  assert.ok(lines.includes(`── AgentErrorEvent (agent) ← ${escapedLine(H)}`));
  assert.ok(lines.includes(`── Future${escapedLine(H)}Event (${escapedLine(H)})`));

  const colored = await cli(args, true);
  assert.equal(colored.code, 0);
  assert.ok(SGR.test(colored.stdout), "colours are on");
  assertSafe(colored.stdout.replace(SGR, ""), "tail, colours removed");
  assert.equal(colored.stdout.replace(SGR, ""), plain.stdout, "every escape left is one of ours");
});

/** `terminalLine` as the tests expect it, for single-line fields (kind, source, tool name). */
function escapedLine(s: string): string {
  return s.replace(
    // deno-lint-ignore no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
    (c) => {
      const n = c.charCodeAt(0);
      return n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u${n.toString(16)}`;
    },
  );
}

test("`tail` shows hostile live frames safely and ends on the finished status", async () => {
  seq = 100;
  const live = [
    ...hostileEvents(H),
    stored("ConversationStateUpdateEvent", {
      source: "environment",
      key: "execution_status",
      value: "finished",
    }),
  ];
  const info = { id: ID, execution_status: "running", agent: { kind: "Agent" } };
  const { server } = await fakeAgent({ conversations: [], info, history: [], live });
  await using _server = server;
  const args = ["tail", ID, "--history", "--until-idle", "--host", server.url, "--api-key", KEY];
  const r = await cli(args, true);
  assert.equal(r.stderr, "");
  assert.equal(r.code, 0);
  assertSafe(r.stdout.replace(SGR, ""), "tail live");
  assert.ok(r.stdout.endsWith(`conversation ${ID}: finished\n`), r.stdout);
  assert.ok(r.stdout.includes(`AgentErrorEvent`), r.stdout);
});

test("`run` shows the hostile events of its run safely and ends on the finished status", async () => {
  seq = 400;
  const update = (value: unknown) =>
    stored("ConversationStateUpdateEvent", {
      source: "environment",
      key: "execution_status",
      value,
    });
  const info = { id: ID, execution_status: "idle", title: H, agent: { kind: "Agent" } };
  const { server } = await fakeAgent({
    conversations: [],
    info,
    history: [],
    live: [],
    // A finished snapshot after the events ends the run on the socket, after them.
    onRun: [
      update("running"),
      ...hostileEvents(H),
      update("finished"),
      stored("ConversationStateUpdateEvent", {
        source: "environment",
        key: "full_state",
        value: { execution_status: "finished" },
      }),
    ],
  });
  await using _server = server;
  const args = [
    "run",
    "do it",
    "--model",
    "openai/m",
    "--working-dir",
    "/w",
    "--host",
    server.url,
    "--api-key",
    KEY,
  ];
  const r = await cli(args, true);
  assert.equal(r.stderr, "");
  assert.equal(r.code, 0);
  assertSafe(r.stdout.replace(SGR, ""), "run");
  const lines = r.stdout.replace(SGR, "").split("\n");
  assert.equal(lines[0], `conversation ${ID} (working dir /w)`);
  assert.equal(lines.at(-2), `conversation ${ID}: finished`);
  assert.ok(lines.includes(`── AgentErrorEvent (agent) ← ${escapedLine(H)}`), r.stdout);
});

// --- finding 12: prototype names and values without a usable toString -------------------------

test("`--toString`, `--constructor`, `--__proto__` and other Object.prototype names are unknown options", async () => {
  for (const name of ["toString", "constructor", "__proto__", "valueOf", "hasOwnProperty"]) {
    for (
      const args of [["list", `--${name}`], ["list", `--${name}=1`], ["list", `--${name}`, "x"]]
    ) {
      const r = await cli(args);
      assert.deepEqual(r, {
        code: 1,
        stdout: "",
        stderr: `remote-hands: unknown option --${name} (see --help)\n`,
      }, args.join(" "));
    }
  }
});

test('`tail` with a status `{"toString":1}` prints it as JSON, it does not crash', async () => {
  const info = { id: ID, execution_status: { toString: 1 }, agent: { kind: "Agent" } };
  const { server } = await fakeAgent({ conversations: [], info, history: [], live: [] });
  await using _server = server;
  const r = await cli(["tail", ID, "--until-idle", "--host", server.url, "--api-key", KEY]);
  assert.deepEqual(r, { code: 1, stdout: `conversation ${ID}: {"toString":1}\n`, stderr: "" });
});

test('`list` with `{"toString":1}` as status, title and time prints them as JSON', async () => {
  const odd = { toString: 1, valueOf: 1 };
  const { server } = await fakeAgent({
    conversations: [{ id: ID, execution_status: odd, title: odd, updated_at: odd }],
    info: {},
    history: [],
    live: [],
  });
  await using _server = server;
  const r = await cli(["list", "--host", server.url, "--api-key", KEY]);
  const o = '{"toString":1,"valueOf":1}';
  assert.deepEqual(r, {
    code: 0,
    stdout: `${"ID".padEnd(36)}  STATUS${" ".repeat(o.length - 6)}  TITLE${
      " ".repeat(o.length - 5)
    }  UPDATED (UTC)\n${ID}  ${o}  ${o}  ${o.slice(0, 19)}\n`,
    stderr: "",
  });
});

// --- the visualizer on its own -------------------------------------------------------------

function parsed(raw: Record<string, unknown>): Event | undefined {
  const r = parseEvent(raw);
  return r.success ? r.event : undefined;
}

test("the visualizer escapes every hostile string, coloured or not", () => {
  seq = 200;
  const events = hostileEvents(H).map(parsed).filter((e): e is Event => e !== undefined);
  assert.equal(events.length, 16, "every hostile event passes the schemas");
  events.push(
    parsed(stored("ConversationStateUpdateEvent", { key: "execution_status", value: H }))!,
  );
  let plain = "";
  let colored = "";
  const p = new ConversationVisualizer({
    name: H,
    color: false,
    write: (t) => (plain += t + "\n"),
  });
  const c = new ConversationVisualizer({
    name: H,
    color: true,
    write: (t) => (colored += t + "\n"),
  });
  for (const e of events) {
    p.onEvent(e);
    c.onEvent(e);
  }
  assertSafe(plain, "plain");
  assert.equal(plain.split("\n").length, 1 + plain.split("\n").filter((l) => l).length);
  assert.ok(plain.includes(`── status: ${escapedLine(H)} (agent)`), plain);
  assert.ok(plain.startsWith(`[${escapedLine(H)}] ── MessageEvent`), plain);
  assertSafe(colored.replace(SGR, ""), "colored");
  assert.equal(colored.replace(SGR, ""), plain);
});

test("the visualizer never throws on fields whose toString is not a function", () => {
  seq = 300;
  const odd = { toString: 1, valueOf: 1 };
  let uncaught = 0;
  let out = "";
  for (const color of [false, true]) {
    const viz = new ConversationVisualizer({ color, write: (t) => (out += t + "\n") });
    // Straight to the visualizer, past the schemas (a caller may hand it anything).
    const raw = [
      ...hostileEvents(odd),
      stored("ConversationStateUpdateEvent", {
        key: "execution_status",
        value: odd,
      }),
      { kind: "MessageEvent", id: "x", timestamp: "t", source: "user" },
      {
        kind: odd,
        id: odd,
        timestamp: odd,
        source: odd,
      },
    ];
    for (const e of raw) {
      try {
        viz.onEvent(e as unknown as Event);
      } catch {
        uncaught++;
      }
    }
  }
  recordHostile("uncaught", uncaught);
  assert.equal(uncaught, 0);
  assertSafe(out.replace(SGR, ""), "odd values");
  assert.ok(out.includes('── status: {"toString":1,"valueOf":1} (agent)'), out);
  assert.ok(out.includes('── {"toString":1,"valueOf":1} ({"toString":1,"valueOf":1})'), out);
  assert.ok(out.includes("── MessageEvent (unreadable)"), out);
});
