/**
 * The CLI (`cli/main.ts`) as a user runs it: a child process of the current runtime (`deno run -A` or
 * `bun run`) against the real 1.58.2 server and the scripted LLM.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { REPO_ROOT } from "../../scripts/_agent_server_install.ts";
import { RemoteConversation, RemoteWorkspace } from "../../mod.ts";
import { ConversationManager } from "../../manager.ts";
import { marker } from "../support/scripted_llm.ts";
import { scriptedAgent, stack, uniqueId } from "../support/stack.ts";
import { runtime, test } from "../support/test.ts";

const CLI = join(REPO_ROOT, "cli", "main.ts");
const AUTH_MESSAGE = "authentication failed: check --api-key / REMOTE_HANDS_API_KEY";

interface CliResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Everything any CLI run printed, to check that the server's key never shows. */
const printed: string[] = [];

/** A running CLI process. */
interface CliProcess {
  /** Resolves after the process exited and its pipes closed. */
  done: Promise<CliResult>;
  /** What it wrote to stdout so far. */
  stdout(): string;
  /** Sends a signal. */
  kill(signal: "SIGINT" | "SIGKILL"): void;
}

/**
 * Starts the CLI with a clean environment (none of the caller's REMOTE_HANDS_* or
 * OH_SESSION_API_KEY) plus `env`.
 */
function startCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("REMOTE_HANDS_") && k !== "OH_SESSION_API_KEY") {
      base[k] = v;
    }
  }
  const runArgs = runtime === "bun" ? ["run", CLI, ...args] : ["run", "-A", CLI, ...args];
  const child = spawn(process.execPath, runArgs, {
    cwd: REPO_ROOT,
    env: { ...base, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      printed.push(stdout, stderr);
      resolve({ code, signal, stdout, stderr });
    });
  });
  // process.kill, not child.kill: Deno's node:child_process reports a child it signalled itself
  // as killed by that signal (code null) even when the child handled it and exited 130.
  return { done, stdout: () => stdout, kill: (signal) => void process.kill(child.pid!, signal) };
}

/** Runs the CLI to its end (see {@linkcode startCli}). */
function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

/** Polls until `condition` holds (every 50 ms, at most `ms`). */
async function until(what: string, condition: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The server and key from the environment, as a user would set them. */
function serverEnv(): Record<string, string> {
  return { REMOTE_HANDS_HOST: stack.serverUrl, REMOTE_HANDS_API_KEY: stack.apiKey };
}

/** Flags for `run` with the scripted LLM. */
function llmFlags(): string[] {
  return [
    "--model",
    "openai/scripted",
    "--base-url",
    `${stack.llmUrl}/v1`,
    "--llm-api-key",
    "scripted-llm-key",
    "--working-dir",
    stack.workspaceDir,
  ];
}

function explain(r: CliResult): string {
  return `exit ${r.code ?? r.signal}\n--- stdout\n${
    r.stdout.slice(-3000)
  }\n--- stderr\n${r.stderr}`;
}

/** The conversation id `run` prints on its first line. */
function runId(r: CliResult): string {
  const m = /^conversation ([0-9a-f-]{36}) /m.exec(r.stdout);
  assert.ok(m, `no conversation id in the output\n${explain(r)}`);
  return m[1]!;
}

async function createConversation(message?: string): Promise<string> {
  await using conversation = await RemoteConversation.create({
    agent: scriptedAgent(),
    workspace: new RemoteWorkspace({
      host: stack.serverUrl,
      apiKey: stack.apiKey,
      workingDir: stack.workspaceDir,
    }),
    autotitle: false,
  });
  if (message !== undefined) {
    await conversation.sendMessage(message);
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");
  }
  return conversation.id;
}

test("cli --help: the usage on stdout, exit 0, no server needed", async () => {
  const r = await cli(["--help"]);
  assert.equal(r.code, 0, explain(r));
  for (const text of ["remote-hands list", 'remote-hands run "<task>"', "--until-idle"]) {
    assert.ok(r.stdout.includes(text), `usage lacks ${text}`);
  }
  assert.equal(r.stderr, "");
});

test("cli list: a table with a conversation just created", async () => {
  const id = await createConversation();
  const r = await cli(["list", "--limit", "100"], serverEnv());
  assert.equal(r.code, 0, explain(r));
  const lines = r.stdout.split("\n");
  assert.match(lines[0]!, /^ID\s+STATUS\s+TITLE\s+UPDATED \(UTC\)$/);
  const row = lines.find((line) => line.startsWith(id));
  assert.ok(row, `the new conversation is not listed\n${explain(r)}`);
  assert.match(row, new RegExp(`^${id}\\s+idle\\b`));

  const json = await cli(["list", "--json", "--limit", "100", "--status", "idle"], serverEnv());
  assert.equal(json.code, 0, explain(json));
  const items = JSON.parse(json.stdout) as { id: string; execution_status: string }[];
  assert.ok(items.some((item) => item.id === id));
  assert.ok(items.every((item) => item.execution_status === "idle"));
});

test("cli run: the scripted agent runs a command; exit 0 and the terminal output shown", async () => {
  const tag = uniqueId("clirun");
  const task = `${marker("terminal", { id: tag, cmd: `echo ${tag}-$((6*7))` })} Print it.`;
  const r = await cli(["run", task, ...llmFlags()], serverEnv());
  assert.equal(r.code, 0, explain(r));
  const id = runId(r);
  assert.match(r.stdout, new RegExp(`^ {3}\\$ echo ${tag}-\\$\\(\\(6\\*7\\)\\)$`, "m"));
  assert.match(r.stdout, new RegExp(`^ {3}${tag}-42$`, "m")); // computed by a real shell
  assert.ok(r.stdout.trimEnd().endsWith(`conversation ${id}: finished`), explain(r));
  assert.equal(r.stderr, "");
});

/** Runs `body` with an agent file holding the scripted agent (no LLM retries: `num_retries: 0`). */
async function withAgentFile(body: (agentFile: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "remote-hands-cli-"));
  try {
    const agentFile = join(dir, "agent.json");
    writeFileSync(agentFile, JSON.stringify(scriptedAgent()));
    await body(agentFile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("cli run --agent FILE --confirm: stops before the action with exit 2", async () => {
  await withAgentFile(async (agentFile) => {
    const task = `${marker("confirm", { id: uniqueId("cliconf"), cmd: "echo never" })} go`;
    const r = await cli(
      ["run", task, "--agent", agentFile, "--confirm", "--working-dir", stack.workspaceDir],
      serverEnv(),
    );
    assert.equal(r.code, 2, explain(r));
    assert.match(r.stdout, /^ {3}\$ echo never$/m);
    assert.doesNotMatch(r.stdout, /^ {3}never$/m); // held, not run
    assert.ok(r.stdout.trimEnd().endsWith(`conversation ${runId(r)}: waiting_for_confirmation`));
  });
});

test("cli run: an LLM failure ends the run in error with exit 1 and one line on stderr", async () => {
  await withAgentFile(async (agentFile) => {
    const task = `${marker("error", { id: uniqueId("clierr"), status: 500 })} go`;
    const r = await cli(
      ["run", task, "--agent", agentFile, "--working-dir", stack.workspaceDir],
      serverEnv(),
    );
    assert.equal(r.code, 1, explain(r));
    assert.ok(r.stdout.trimEnd().endsWith(`conversation ${runId(r)}: error`), explain(r));
    assert.match(r.stderr, /^remote-hands: the run ended in error: .*scripted failure.*\n$/);
  });
});

test("cli tail --history --until-idle: replays a finished conversation and exits 0", async () => {
  const tag = uniqueId("clitail");
  const id = await createConversation(
    `${marker("terminal", { id: tag, cmd: `echo ${tag}-out` })} tail me`,
  );
  const r = await cli(["tail", id, "--history", "--until-idle"], serverEnv());
  assert.equal(r.code, 0, explain(r));
  const out = r.stdout;
  assert.ok(out.startsWith(`conversation ${id}: finished\n`), explain(r));
  assert.match(out, /── MessageEvent \(user\)/);
  assert.match(out, new RegExp(`^ {3}${tag}-out$`, "m"));
  assert.match(out, /── ActionEvent \(agent\) → finish/);
  assert.ok(out.trimEnd().endsWith(`conversation ${id}: finished`));
  // The history in its order: the message, the command, its output, the finish.
  const order = [`tail me`, `$ echo ${tag}-out`, `   ${tag}-out`, "→ finish"].map((s) =>
    out.indexOf(s)
  );
  assert.ok(order.every((i, n) => i > 0 && (n === 0 || i > order[n - 1]!)), `order ${order}`);
  assert.equal(r.stderr, "");
});

test("cli tail --until-idle: attached to a running conversation, shows live events, exits 0", async () => {
  const conversation = await RemoteConversation.create({
    agent: scriptedAgent(),
    workspace: new RemoteWorkspace({
      host: stack.serverUrl,
      apiKey: stack.apiKey,
      workingDir: stack.workspaceDir,
    }),
    autotitle: false,
  });
  try {
    let observations = 0;
    conversation.onEvent("ObservationEvent", () => observations++);
    await conversation.sendMessage(
      `${marker("long", { id: uniqueId("clilive"), n: 4, delay: 400 })} go`,
    );
    const running = conversation.run({ timeoutMs: 60_000 });
    await until("the first step", () => observations > 0);
    const r = await cli(["tail", conversation.id, "--until-idle"], serverEnv());
    assert.equal(await running, "finished");
    assert.equal(r.code, 0, explain(r));
    assert.ok(r.stdout.startsWith(`conversation ${conversation.id}: running\n`), explain(r));
    assert.match(r.stdout, /^ {3}step-3$/m); // a step after the attach, seen live
    assert.doesNotMatch(r.stdout, /^ {3}step-0$/m); // before the attach: no --history
    assert.match(r.stdout, /── status: finished/);
    assert.ok(r.stdout.trimEnd().endsWith(`conversation ${conversation.id}: finished`));
  } finally {
    await conversation.close();
  }
});

test("cli tail: Ctrl-C ends it with exit 130", async () => {
  const id = await createConversation();
  const tail = startCli(["tail", id], serverEnv());
  await until("tail to attach", () => tail.stdout().includes(`conversation ${id}: idle`));
  tail.kill("SIGINT");
  const r = await tail.done;
  assert.equal(r.code, 130, explain(r));
  assert.equal(r.stderr, "");
});

test("cli tail: a conversation deleted while watched ends it with exit 1", async () => {
  const id = await createConversation();
  const tail = startCli(["tail", id], serverEnv());
  await until("tail to attach", () => tail.stdout().includes(`conversation ${id}: idle`));
  await new ConversationManager({ host: stack.serverUrl, apiKey: stack.apiKey }).delete(id);
  const r = await tail.done; // the check runs every 5 s
  assert.equal(r.code, 1, explain(r));
  assert.equal(r.stderr, `remote-hands: conversation ${id} was deleted on ${stack.serverUrl}\n`);
});

test("cli run: Ctrl-C pauses the conversation on the server and exits 130", async () => {
  await withAgentFile(async (agentFile) => {
    const task = `${marker("long", { id: uniqueId("cliint"), n: 20, delay: 300 })} go`;
    const run = startCli(
      ["run", task, "--agent", agentFile, "--working-dir", stack.workspaceDir],
      serverEnv(),
    );
    await until("the first step", () => /^ {3}step-0$/m.test(run.stdout()));
    run.kill("SIGINT");
    const r = await run.done;
    assert.equal(r.code, 130, explain(r));
    const id = runId(r);
    // The CLI waits for the pause to take effect and reports what the server says: the same.
    assert.equal(
      r.stderr,
      `interrupted: conversation ${id} is paused; go on with: remote-hands resume ${id}\n`,
    );
    const manager = new ConversationManager({ host: stack.serverUrl, apiKey: stack.apiKey });
    assert.equal((await manager.get(id)).execution_status, "paused");

    // resume runs it on to the end.
    const resumed = await cli(["resume", id], serverEnv());
    assert.equal(resumed.code, 0, explain(resumed));
    assert.ok(resumed.stdout.startsWith(`conversation ${id}: paused\n`), explain(resumed));
    assert.match(resumed.stdout, /^ {3}step-19$/m);
    assert.ok(resumed.stdout.trimEnd().endsWith(`conversation ${id}: finished`), explain(resumed));
    assert.equal((await manager.get(id)).execution_status, "finished");
    const again = await cli(["resume", id], serverEnv());
    assert.equal(again.code, 1, explain(again));
    assert.equal(
      again.stderr,
      `remote-hands: cannot resume conversation ${id}: it is finished, so there is nothing to resume\n`,
    );
  });
});

/** Runs a task under `--confirm` until it waits for confirmation; returns the conversation id. */
async function heldRun(agentFile: string, cmd: string): Promise<string> {
  const task = `${marker("confirm", { id: uniqueId("clihold"), cmd })} go`;
  const r = await cli(
    ["run", task, "--agent", agentFile, "--confirm", "--working-dir", stack.workspaceDir],
    serverEnv(),
  );
  assert.equal(r.code, 2, explain(r));
  const id = runId(r);
  assert.equal(
    r.stderr,
    `the agent is waiting for confirmation of its next action: remote-hands approve ${id} (or reject ${id})\n`,
  );
  return id;
}

test("cli approve: the held action runs and the run goes on to the end", async () => {
  await withAgentFile(async (agentFile) => {
    const tag = uniqueId("approved");
    const id = await heldRun(agentFile, `echo ${tag}`);
    const r = await cli(["approve", id], serverEnv());
    assert.equal(r.code, 0, explain(r));
    assert.ok(r.stdout.startsWith(`conversation ${id}: waiting_for_confirmation\n`), explain(r));
    assert.match(r.stdout, new RegExp(`^ {3}${tag}$`, "m")); // the command ran, in a real shell
    assert.ok(r.stdout.trimEnd().endsWith(`conversation ${id}: finished`), explain(r));
    assert.equal(r.stderr, "");
    // Nothing waits any more: approve and reject say so, exit 1, and change nothing.
    for (const command of ["approve", "reject"]) {
      const refused = await cli([command, id], serverEnv());
      assert.equal(refused.code, 1, explain(refused));
      assert.equal(
        refused.stderr,
        `remote-hands: cannot ${command} conversation ${id}: it is finished, so nothing waits for confirmation\n`,
      );
    }
  });
});

test("cli reject --reason: the held action is rejected with the reason, the agent stops", async () => {
  await withAgentFile(async (agentFile) => {
    const id = await heldRun(agentFile, "echo never");
    const r = await cli(["reject", id, "--reason", "not on a Friday"], serverEnv());
    assert.equal(r.code, 0, explain(r));
    assert.ok(r.stdout.startsWith(`conversation ${id}: waiting_for_confirmation\n`), explain(r));
    assert.match(r.stdout, /^ {3}rejected by user: not on a Friday$/m); // the live event, shown
    assert.ok(r.stdout.endsWith(`conversation ${id}: idle (actions rejected)\n`), explain(r));
    assert.equal(r.stderr, "");
    const workspace = new RemoteWorkspace({
      host: stack.serverUrl,
      apiKey: stack.apiKey,
      workingDir: stack.workspaceDir,
    });
    const manager = new ConversationManager({ workspace });
    await using conversation = await manager.attach(id);
    const reasons = conversation.state.events.slice()
      .flatMap((e) => e.kind === "UserRejectObservation" ? [e.rejection_reason] : []);
    assert.deepEqual(reasons, ["not on a Friday"]);
    assert.ok(
      !conversation.state.events.slice().some((e) => e.kind === "ObservationEvent"),
      "the command did not run",
    );
  });
});

test("cli approve/reject/resume: a bad id or option is one line on stderr, exit 1", async () => {
  const cases: [string[], string][] = [
    [["approve"], "remote-hands: approve needs a conversation id (see --help)\n"],
    [["reject", "nope"], "remote-hands: not a conversation id (a UUID): 'nope' (see --help)\n"],
    [
      ["resume", "6c1b5b1e-0000-4000-8000-000000000000", "--reason", "x"],
      "remote-hands: --reason is an option of 'reject', not of 'resume' (see --help)\n",
    ],
  ];
  for (const [args, stderr] of cases) {
    const r = await cli(args, serverEnv());
    assert.equal(r.code, 1, explain(r));
    assert.equal(r.stderr, stderr);
  }
});

test("cli: a wrong key is exit 1 with the authentication message, and the key is not printed", async () => {
  const wrong = `wrong-key-${crypto.randomUUID()}`;
  const id = await createConversation();
  const results = [
    await cli(["list", "--host", stack.serverUrl, "--api-key", wrong]),
    await cli(["tail", id, "--until-idle"], { ...serverEnv(), REMOTE_HANDS_API_KEY: wrong }),
    await cli(["run", "hello", ...llmFlags()], { ...serverEnv(), REMOTE_HANDS_API_KEY: wrong }),
    await cli(["list"], { REMOTE_HANDS_HOST: stack.serverUrl, OH_SESSION_API_KEY: wrong }),
  ];
  for (const r of results) {
    assert.equal(r.code, 1, explain(r));
    assert.equal(r.stderr, `remote-hands: ${AUTH_MESSAGE}\n`);
    assert.ok(!(r.stdout + r.stderr).includes(wrong), "the wrong key was printed");
  }
});

test("cli: an unreachable host, an unknown id, a bad option: one line on stderr, exit 1", async () => {
  const unreachable = await cli(["list", "--host", "http://127.0.0.1:1", "--api-key", "k"]);
  assert.equal(unreachable.code, 1, explain(unreachable));
  assert.match(
    unreachable.stderr,
    /^remote-hands: cannot reach the agent server at http:\/\/127\.0\.0\.1:1: .*\n$/,
  );

  const unknown = "00000000-0000-4000-8000-000000000000";
  const missing = await cli(["tail", unknown], serverEnv());
  assert.equal(missing.code, 1, explain(missing));
  assert.equal(
    missing.stderr,
    `remote-hands: conversation ${unknown} not found on ${stack.serverUrl}\n`,
  );

  const notUuid = await cli(["tail", "not-an-id"], serverEnv());
  assert.equal(notUuid.code, 1);
  assert.match(notUuid.stderr, /^remote-hands: not a conversation id .*\(see --help\)\n$/);

  const option = await cli(["list", "--api-kye=secret-value"], serverEnv());
  assert.equal(option.code, 1);
  assert.equal(option.stderr, "remote-hands: unknown option --api-kye (see --help)\n");
});

test("cli: the server's API key appears in no output of any run above", () => {
  assert.ok(printed.length > 0);
  for (const text of printed) assert.ok(!text.includes(stack.apiKey), "the API key was printed");
});
