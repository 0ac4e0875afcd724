import assert from "node:assert/strict";
import process from "node:process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Event } from "../../src/events/kinds.ts";
import { parseEvent } from "../../src/events/parse.ts";
import { ConversationVisualizer } from "../../src/visualizer/conversation_visualizer.ts";
import { test } from "../support/test.ts";

const FIXTURES = new URL("../fixtures/events/", import.meta.url);
const ESC = "\u001b";

function fixture(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(fileURLToPath(new URL(file, FIXTURES)), "utf8"));
}

function event(raw: unknown): Event {
  const result = parseEvent(raw);
  if (!result.success) throw result.error;
  return result.event;
}

function recorded(file: string): Event {
  return event(fixture(file));
}

/** A visualizer that collects what it writes. */
function collecting(
  options: ConstructorParameters<typeof ConversationVisualizer>[0] = {},
): { viz: ConversationVisualizer; out: string[] } {
  const out: string[] = [];
  const viz = new ConversationVisualizer({ color: false, ...options, write: (t) => out.push(t) });
  return { viz, out };
}

/** An observation event with `text` as the tool's output, shaped like the recorded one. */
function observationWith(text: string, overrides: Record<string, unknown> = {}): Event {
  const raw = fixture("ObservationEvent.TerminalObservation.json");
  const observation = raw.observation as Record<string, unknown>;
  return event({
    ...raw,
    observation: { ...observation, content: [{ type: "text", text }], ...overrides },
  });
}

/** Runs `fn` with `NO_COLOR` set to `value` (or unset), then restores the environment. */
function withNoColor(value: string | undefined, fn: () => void): void {
  const before = process.env.NO_COLOR;
  if (value === undefined) delete process.env.NO_COLOR;
  else process.env.NO_COLOR = value;
  try {
    fn();
  } finally {
    if (before === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = before;
  }
}

const TERMINAL_RUN = [
  "ConversationStateUpdateEvent.full_state.json",
  "ConversationStateUpdateEvent.execution_status.json",
  "ActionEvent.TerminalAction.json",
  "ObservationEvent.TerminalObservation.json",
  "ConversationStateUpdateEvent.stats.json",
  "ActionEvent.FinishAction.json",
  "ObservationEvent.FinishObservation.json",
];

// --- exact text ----------------------------------------------------------------------------------

test("`ConversationVisualizer` shows a recorded terminal run as plain text", () => {
  const { viz, out } = collecting();
  for (const file of TERMINAL_RUN) viz.onEvent(recorded(file));
  assert.deepEqual(out, [
    "── status: running (environment)",
    "── ActionEvent (agent) → terminal\n" +
    "   $ printf 'hello\\nworld\\n'",
    "── ObservationEvent (environment) ← terminal exit=0\n" +
    "   hello\n" +
    "   world",
    "── ActionEvent (agent) → finish\n" +
    "   finish: done",
    "── ObservationEvent (environment) ← finish\n" +
    "   done",
  ]);
});

test("`format()` shows messages with role, reasoning and text", () => {
  const { viz } = collecting();
  assert.equal(
    viz.format(recorded("MessageEvent.user.json")),
    '── MessageEvent (user) role=user\n   [script:reply text="Hi from the script"] say hi',
  );
  assert.equal(
    viz.format(recorded("MessageEvent.reasoning.json")),
    "── MessageEvent (agent) role=assistant\n" +
      "   reasoning: Let me think step by step about this.\n" +
      "   The answer is 42.",
  );
});

test("`format()` shows an action's thought and reasoning before the action", () => {
  const { viz } = collecting();
  assert.equal(
    viz.format(recorded("ActionEvent.ThinkAction.json")),
    "── ActionEvent (agent) → think\n" +
      "   reasoning: I should plan first.\n" +
      "   think: planning",
  );
  const raw = fixture("ActionEvent.TerminalAction.json");
  const withThought = event({
    ...raw,
    thought: [{ type: "text", text: "List the files." }],
    reasoning_content: "The user wants files.",
    action: { kind: "TerminalAction", command: "ls \\\n  -la" },
  });
  assert.equal(
    viz.format(withThought),
    "── ActionEvent (agent) → terminal\n" +
      "   thought: List the files.\n" +
      "   reasoning: The user wants files.\n" +
      "   $ ls \\\n" +
      "       -la",
  );
});

test("`format()` shows a rejection with its reason", () => {
  const { viz } = collecting();
  assert.equal(
    viz.format(recorded("UserRejectObservation.json")),
    "── UserRejectObservation (environment) ← terminal\n   rejected by user: no",
  );
});

test("`format()` shows errors with their code and detail", () => {
  const { viz } = collecting();
  assert.equal(
    viz.format(recorded("ConversationErrorEvent.json")),
    "── ConversationErrorEvent (environment)\n" +
      "   LLMServiceUnavailableError: litellm.InternalServerError: InternalServerError: " +
      "OpenAIException - scripted failure",
  );
  const server = viz.format(recorded("ServerErrorEvent.json"))!;
  assert.ok(
    server.startsWith(
      "── ServerErrorEvent (environment)\n   ValidationError: 1 validation error for Message\n",
    ),
    server,
  );
  const agentError = event({
    kind: "AgentErrorEvent",
    id: "a1",
    timestamp: "2026-01-01T00:00:00",
    source: "agent",
    tool_name: "terminal",
    tool_call_id: "call_1",
    error: "Tool 'terminal' failed: boom",
  });
  assert.equal(
    viz.format(agentError),
    "── AgentErrorEvent (agent) ← terminal\n   Tool 'terminal' failed: boom",
  );
});

test("`format()` skips snapshots, stats and deltas and shows other kinds as a header", () => {
  const { viz, out } = collecting();
  assert.equal(viz.format(recorded("ConversationStateUpdateEvent.full_state.json")), undefined);
  assert.equal(viz.format(recorded("ConversationStateUpdateEvent.stats.json")), undefined);
  const delta = event({
    kind: "StreamingDeltaEvent",
    id: "d",
    timestamp: "t",
    source: "agent",
    content: "Hel",
  });
  assert.equal(viz.format(delta), undefined);
  viz.onEvent(delta);
  assert.deepEqual(out, []);
  assert.equal(
    viz.format(event({ kind: "FutureEvent", id: "f", timestamp: "t", source: "hook", x: 1 })),
    "── FutureEvent (hook)",
  );
  assert.equal(
    viz.format(recorded("SystemPromptEvent.json")),
    "── SystemPromptEvent (agent) 3 tools",
  );
});

// --- observation output --------------------------------------------------------------------------

test("`format()` trims long output to `maxObservationLines` and counts the rest", () => {
  const text = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";
  const { viz } = collecting({ maxObservationLines: 3 });
  assert.equal(
    viz.format(observationWith(text)),
    "── ObservationEvent (environment) ← terminal exit=0\n" +
      "   line 1\n" +
      "   line 2\n" +
      "   line 3\n" +
      "   … (27 more lines)",
  );
  const defaults = collecting().viz.format(observationWith(text))!.split("\n");
  assert.equal(defaults.length, 1 + 20 + 1);
  assert.equal(defaults.at(-2), "   line 20");
  assert.equal(defaults.at(-1), "   … (10 more lines)");
  const exact = Array.from({ length: 20 }, (_, i) => `l${i}`).join("\n");
  assert.ok(!collecting().viz.format(observationWith(exact))!.includes("more lines"));
});

test("`format()` strips terminal escapes and shows other control characters as escapes", () => {
  const text = `${ESC}[?2004l${ESC}[1;31mred${ESC}[0m text\n` +
    `${ESC}]0;window title\u0007progress 10%\rprogress 100%\r\n` +
    `bell\u0007 and tab\tkept\n${ESC}[?2004h`;
  const out = collecting().viz.format(observationWith(text))!;
  assert.equal(
    out,
    "── ObservationEvent (environment) ← terminal exit=0\n" +
      "   red text\n" +
      "   progress 100%\n" +
      "   bell\\x07 and tab\tkept",
  );
  assert.ok(!out.includes(ESC));
  const colored = collecting({ color: true }).viz.format(observationWith(text))!;
  assert.ok(!colored.includes("window title"));
  assert.ok(!colored.includes(`${ESC}[?2004`));
});

test("`format()` marks failed commands and empty output", () => {
  const { viz } = collecting();
  assert.equal(
    viz.format(observationWith("", { exit_code: 2, is_error: true })),
    "── ObservationEvent (environment) ← terminal exit=2 error\n   (no output)",
  );
});

// --- colour --------------------------------------------------------------------------------------

test("`ConversationVisualizer` colours its output when `color` is true", () => {
  const { viz, out } = collecting({ color: true });
  for (const file of TERMINAL_RUN) viz.onEvent(recorded(file));
  assert.equal(out.length, 5);
  for (const text of out) assert.ok(text.includes(`${ESC}[`), text);
  assert.ok(out[1]!.startsWith(`${ESC}[1;33m── ActionEvent${ESC}[0m`), out[1]);
  // Without colour codes it is the same text as the plain view.
  const plain = collecting();
  for (const file of TERMINAL_RUN) plain.viz.onEvent(recorded(file));
  const strip = (s: string): string => s.replace(new RegExp(`${ESC}\\[[0-9;]*m`, "g"), "");
  assert.deepEqual(out.map(strip), plain.out);
});

test("`ConversationVisualizer` highlights errors in red", () => {
  const { viz } = collecting({ color: true });
  const red = `${ESC}[31m`;
  const conv = viz.format(recorded("ConversationErrorEvent.json"))!;
  const [header, body] = conv.split("\n");
  assert.ok(header!.startsWith(`${ESC}[1;31m── ConversationErrorEvent${ESC}[0m`), header);
  assert.ok(body!.includes(`${ESC}[1;31mLLMServiceUnavailableError:${ESC}[0m`), body);
  assert.ok(body!.includes(`${red}litellm.InternalServerError`), body);
  assert.ok(viz.format(recorded("ServerErrorEvent.json"))!.startsWith(`${ESC}[1;31m──`));
  const failed = viz.format(observationWith("oops", { exit_code: 1, is_error: true }))!;
  assert.ok(failed.startsWith(`${ESC}[1;31m── ObservationEvent`), failed);
  assert.ok(failed.includes(`${red}oops${ESC}[0m`), failed);
  const ok = viz.format(recorded("ObservationEvent.TerminalObservation.json"))!;
  assert.ok(!ok.includes(red), ok);
});

test("`ConversationVisualizer` has no colour by default when `NO_COLOR` is set", () => {
  const terminal = recorded("ActionEvent.TerminalAction.json");
  withNoColor("1", () => {
    const out: string[] = [];
    const viz = new ConversationVisualizer({ write: (t) => out.push(t) });
    assert.ok(!viz.format(terminal)!.includes(ESC));
    viz.onEvent(terminal);
    assert.equal(out[0], "── ActionEvent (agent) → terminal\n   $ printf 'hello\\nworld\\n'");
    // An explicit option wins over the environment.
    assert.ok(new ConversationVisualizer({ color: true }).format(terminal)!.includes(ESC));
  });
  withNoColor(undefined, () => {
    assert.ok(new ConversationVisualizer().format(terminal)!.includes(ESC));
    assert.ok(!new ConversationVisualizer({ color: false }).format(terminal)!.includes(ESC));
  });
  withNoColor("", () => {
    // no-color.org: only a non-empty value turns colour off.
    assert.ok(new ConversationVisualizer().format(terminal)!.includes(ESC));
  });
});

// --- name, writer, callback ----------------------------------------------------------------------

test("`name` prefixes every line", () => {
  const { viz, out } = collecting({ name: "alice" });
  for (const file of TERMINAL_RUN) viz.onEvent(recorded(file));
  const lines = out.join("\n").split("\n");
  assert.equal(lines.length, 10);
  for (const line of lines) assert.ok(line.startsWith("[alice] "), line);
  assert.equal(lines[1], "[alice] ── ActionEvent (agent) → terminal");
  assert.equal(lines[2], "[alice]    $ printf 'hello\\nworld\\n'");
  const colored = new ConversationVisualizer({ name: "bob", color: true });
  for (const line of colored.format(recorded("ObservationEvent.json"))!.split("\n")) {
    assert.ok(line.startsWith("[bob] "), line);
  }
});

test("`createCallback()` writes each shown event once, through `write`", () => {
  const { viz, out } = collecting();
  const callback = viz.createCallback();
  for (const file of TERMINAL_RUN) callback(recorded(file));
  assert.equal(out.length, 5);
  assert.equal(out[0], "── status: running (environment)");
});

test("the default writer is `console.log`", () => {
  const logged: unknown[][] = [];
  const original = console.log;
  console.log = (...args: unknown[]): void => {
    logged.push(args);
  };
  try {
    new ConversationVisualizer({ color: false }).onEvent(recorded("UserRejectObservation.json"));
    new ConversationVisualizer({ color: false }).onEvent(
      recorded("ConversationStateUpdateEvent.stats.json"),
    );
  } finally {
    console.log = original;
  }
  assert.deepEqual(logged, [[
    "── UserRejectObservation (environment) ← terminal\n   rejected by user: no",
  ]]);
});

test("`format()` never shows the snapshot's agent settings", () => {
  const snapshot = fixture("ConversationStateUpdateEvent.full_state.json");
  const value = snapshot.value as { agent: { llm: Record<string, unknown> } };
  value.agent.llm.api_key = "sk-should-never-print";
  const { viz, out } = collecting();
  viz.onEvent(event(snapshot));
  assert.deepEqual(out, []);
});
