/**
 * `remote-hands`, the command line of the client: list the conversations of an agent server, run a
 * task and watch it, or attach to a conversation and show its events as they happen.
 *
 * ```sh
 * deno run -A jsr:@remote-hands/client/cli list --status finished
 * deno run -A jsr:@remote-hands/client/cli run "Add a README" --model openai/gpt-4o-mini
 * deno run -A jsr:@remote-hands/client/cli tail 6c1b5b1e-0000-4000-8000-000000000000 --history
 * bun run cli.ts --help
 * ```
 *
 * The server and its key come from `--host` / `--api-key` or the environment
 * (`REMOTE_HANDS_HOST`, `REMOTE_HANDS_API_KEY`, then `OH_SESSION_API_KEY`). Errors are one line on
 * stderr with exit code 1; no key is ever printed, and every string the server chose (ids, statuses,
 * titles, events, error texts) is printed terminal-safe (control characters, escapes and bidi
 * overrides shown as visible `\x1b` / `\u202e` escapes). Everything the client does goes through the
 * library (`mod.ts`, `manager.ts`, `visualizer.ts`); this module only adds the runtime glue
 * (arguments, environment, stdout, Ctrl-C), through `node:process`, which Deno, Bun and Node all
 * provide.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import process from "node:process";
import {
  AlwaysConfirm,
  AuthenticationError,
  ConnectionError,
  ConversationRunError,
  type Event,
  NotFoundError,
  RemoteConversation,
  RemoteHandsError,
  RemoteWorkspace,
  TimeoutError,
} from "./mod.ts";
import type { ConversationExecutionStatus, ConversationInfo } from "./mod.ts";
import { ConversationManager } from "./manager.ts";
import { ConversationVisualizer } from "./visualizer.ts";
import { safeString, terminalJson, terminalLine, terminalText } from "./src/_terminal_safe.ts";

/**
 * What the CLI needs from its runtime. {@linkcode main} uses the process's own by default; pass
 * another to capture the output or to run it in-process.
 *
 * @example Capture the output of `--help`
 * ```ts
 * import { type CliIO, main } from "./cli.ts";
 * let out = "";
 * const io: CliIO = {
 *   stdout: (text) => void (out += text),
 *   stderr: () => {},
 *   env: () => undefined,
 *   cwd: () => "/",
 *   isTTY: false,
 *   onInterrupt: () => () => {},
 *   exit: () => {},
 * };
 * const code = await main(["--help"], io);
 * if (code !== 0 || !out.includes("remote-hands run")) throw new Error("no usage");
 * ```
 */
export interface CliIO {
  /** Writes text to standard output, as is (no line break added). */
  stdout(text: string): void;
  /** Writes text to standard error, as is. */
  stderr(text: string): void;
  /** Reads an environment variable. */
  env(name: string): string | undefined;
  /** The current directory (the default working directory for a server on this machine). */
  cwd(): string;
  /** Whether standard output is a terminal (colours are on only then). */
  isTTY: boolean;
  /** Calls `handler` on Ctrl-C (SIGINT) instead of exiting; returns the function that stops it. */
  onInterrupt(handler: () => void): () => void;
  /** Ends the process at once (a second Ctrl-C). */
  exit(code: number): void;
}

/**
 * The usage text that `--help` prints.
 *
 * @example
 * ```ts
 * import { USAGE } from "./cli.ts";
 * if (!USAGE.includes("--until-idle")) throw new Error("tail's options are missing");
 * ```
 */
export const USAGE: string = `remote-hands: run and watch OpenHands agent conversations

Usage:
  remote-hands list [--status S] [--limit N] [--json]
  remote-hands run "<task>" [--agent agent.json | --model M] [options]
  remote-hands tail <conversation-id> [--history] [--until-idle]

Commands:
  list                 the server's conversations, newest update first: id, status, title, updated
  run "<task>"         creates a conversation, sends the task, runs the agent and shows its events
  tail <id>            attaches to a conversation and shows its events as they happen (Ctrl-C ends)

Server (every command):
  --host URL           agent server (env REMOTE_HANDS_HOST; default http://127.0.0.1:8000)
  --api-key KEY        session API key (env REMOTE_HANDS_API_KEY, then OH_SESSION_API_KEY)
  --no-color           plain output (colours are on only on a terminal, and off with NO_COLOR)
  -h, --help           this text

list:
  --status S           only this status: idle, running, paused, waiting_for_confirmation,
                       finished, error, stuck
  --limit N            at most N conversations (default 20)
  --json               one JSON array of the conversations' info instead of the table

run:
  --agent FILE         agent configuration as JSON ({"llm": {...}, "tools": [...], ...});
                       the flags below override its llm fields
  --model M            LLM model, e.g. openai/gpt-4o-mini (env REMOTE_HANDS_LLM_MODEL)
  --base-url URL       OpenAI-compatible LLM base URL (env REMOTE_HANDS_LLM_URL)
  --llm-api-key KEY    LLM API key (env REMOTE_HANDS_LLM_API_KEY)
  --tools A,B          tools of the agent (default terminal,file_editor, unless the file has some)
  --working-dir DIR    the agent's directory on the server (env REMOTE_HANDS_WORKING_DIR);
                       default: the current directory when the server is on this machine
  --confirm            hold every action for confirmation (the run stops before the first one)
  --max-iterations N   most agent steps (default 500)
  --timeout SECONDS    how long to wait for the run (default 3600; it goes on on the server)

tail:
  --history            show the stored events first
  --until-idle         exit once the conversation is not running (with run's exit codes)

Exit codes:
  0    finished (or idle)
  1    error, stuck, or a problem (message on stderr)
  2    waiting_for_confirmation or paused
  130  interrupted (Ctrl-C); an interrupted run is paused on the server
`;

type Command = "list" | "run" | "tail";

const STRING_OPTIONS = {
  host: "all",
  "api-key": "all",
  status: "list",
  limit: "list",
  agent: "run",
  model: "run",
  "base-url": "run",
  "llm-api-key": "run",
  tools: "run",
  "working-dir": "run",
  "max-iterations": "run",
  timeout: "run",
} as const;

const BOOLEAN_OPTIONS = {
  help: "all",
  "no-color": "all",
  json: "list",
  confirm: "run",
  history: "tail",
  "until-idle": "tail",
} as const;

type StringOption = keyof typeof STRING_OPTIONS;
type BooleanOption = keyof typeof BOOLEAN_OPTIONS;

interface Parsed {
  command: string | undefined;
  positionals: string[];
  strings: Partial<Record<StringOption, string>>;
  flags: Partial<Record<BooleanOption, true>>;
}

/** A mistake in the command line: one line, then a pointer to `--help`. */
class UsageError extends Error {}

const STATUSES: readonly ConversationExecutionStatus[] = [
  "idle",
  "running",
  "paused",
  "waiting_for_confirmation",
  "finished",
  "error",
  "stuck",
];

/** How often `tail` checks that the conversation still exists. */
const TAIL_CHECK_MS = 5_000;

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function parse(args: readonly string[]): Parsed {
  const parsed: Parsed = { command: undefined, positionals: [], strings: {}, flags: {} };
  let i = 0;
  let rest = false;
  while (i < args.length) {
    const arg = args[i++]!;
    if (rest || !arg.startsWith("-") || arg === "-") {
      if (parsed.command === undefined) parsed.command = arg;
      else parsed.positionals.push(arg);
      continue;
    }
    if (arg === "--") {
      rest = true;
      continue;
    }
    if (arg === "-h") {
      parsed.flags.help = true;
      continue;
    }
    if (!arg.startsWith("--")) throw new UsageError(`unknown option ${arg}`);
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    // Own names only: `--toString` or `--__proto__` are not options.
    if (Object.hasOwn(STRING_OPTIONS, name)) {
      let value: string | undefined;
      if (eq >= 0) value = arg.slice(eq + 1);
      else if (i < args.length) value = args[i++];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      parsed.strings[name as StringOption] = value;
    } else if (Object.hasOwn(BOOLEAN_OPTIONS, name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      parsed.flags[name as BooleanOption] = true;
    } else {
      // Only the name: the value of a mistyped --api-key must not be echoed.
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return parsed;
}

/** Rejects options that belong to another command. */
function checkOptions(parsed: Parsed, command: Command): void {
  const names = [
    ...Object.keys(parsed.strings).map((n) => [n, STRING_OPTIONS[n as StringOption]] as const),
    ...Object.keys(parsed.flags).map((n) => [n, BOOLEAN_OPTIONS[n as BooleanOption]] as const),
  ];
  for (const [name, owner] of names) {
    if (owner !== "all" && owner !== command) {
      throw new UsageError(`--${name} is an option of '${owner}', not of '${command}'`);
    }
  }
}

function positiveInt(name: string, value: string | undefined, max?: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1 || (max && n > max)) {
    throw new UsageError(
      `--${name} must be a whole number from 1${max ? ` to ${max}` : ""}: got '${value}'`,
    );
  }
  return n;
}

/**
 * One line safe to print, for errors and table cells: any value (never throws), line breaks and
 * tabs as spaces, every other control character, escape and bidi override as a visible escape.
 */
function oneLine(value: unknown): string {
  return terminalLine(safeString(value).replace(/[\r\n\t]+/g, " ").trim());
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Settings every command shares, with the output already redacting the keys. */
interface Context {
  io: CliIO;
  host: string;
  apiKey: string | undefined;
  color: boolean;
  out(text: string): void;
  err(text: string): void;
  /** Adds a value that must never be printed. */
  secret(value: string | undefined): void;
}

function context(io: CliIO, parsed: Parsed): Context {
  const env = (name: string): string | undefined => io.env(name) || undefined; // "" is unset
  const secrets: string[] = [];
  const redact = (text: string): string => {
    let clean = text;
    for (const s of secrets) clean = clean.replaceAll(s, "[redacted]");
    return clean;
  };
  const ctx: Context = {
    io,
    host: parsed.strings.host || env("REMOTE_HANDS_HOST") || "http://127.0.0.1:8000",
    apiKey: parsed.strings["api-key"] ?? env("REMOTE_HANDS_API_KEY") ?? env("OH_SESSION_API_KEY"),
    color: !parsed.flags["no-color"] && io.isTTY && !env("NO_COLOR"),
    // Server text is made safe where it is printed (stdout carries the visualizer's colours);
    // stderr is never coloured, so everything on it goes through the filter once more.
    out: (text) => io.stdout(redact(text)),
    err: (text) => io.stderr(terminalText(redact(text))),
    secret: (value) => {
      // Very short values would blank out ordinary words; a key is never that short.
      if (value && value.length >= 4 && !secrets.includes(value)) secrets.push(value);
    },
  };
  if (ctx.apiKey === "") ctx.apiKey = undefined;
  ctx.secret(ctx.apiKey);
  return ctx;
}

/** The first error in a `cause` chain that says more than a wrapper. */
function rootCause(err: unknown): unknown {
  let current = err;
  for (let i = 0; i < 5; i++) {
    if (current instanceof ConversationRunError && current.code === undefined) {
      if (current.cause === undefined) return current;
      current = current.cause;
    } else break;
  }
  return current;
}

function describe(err: unknown, ctx: Context, conversationId?: string): string {
  const cause = rootCause(err);
  if (cause instanceof UsageError) return `${cause.message} (see --help)`;
  if (cause instanceof AuthenticationError) {
    return "authentication failed: check --api-key / REMOTE_HANDS_API_KEY";
  }
  if (cause instanceof NotFoundError && conversationId !== undefined) {
    return `conversation ${conversationId} not found on ${ctx.host}`;
  }
  if (cause instanceof ConnectionError) {
    return `cannot reach the agent server at ${ctx.host}: check --host / REMOTE_HANDS_HOST ` +
      `and that the server is running`;
  }
  if (cause instanceof TimeoutError) {
    return `the agent server at ${ctx.host} did not answer in time (${cause.message})`;
  }
  if (cause instanceof ConversationRunError) {
    const what = cause.code
      ? `${safeString(cause.code)}: ${safeString(cause.detail ?? "")}`
      : safeString(cause.status ?? "failed");
    return `the run ended in ${oneLine(cause.status ?? "error")}: ${shorten(oneLine(what), 400)}`;
  }
  if (cause instanceof RemoteHandsError || cause instanceof TypeError) {
    return shorten(oneLine(cause.message), 400);
  }
  if (cause instanceof Error) return `error: ${shorten(oneLine(cause.message), 400)}`;
  return `error: ${shorten(oneLine(cause), 400)}`;
}

/** Exit code for a final status: 0 done, 2 needs a person, 1 failed. */
function exitCodeFor(status: string | undefined): number {
  if (status === "finished" || status === "idle") return 0;
  if (status === "waiting_for_confirmation" || status === "paused") return 2;
  return 1;
}

/** The execution status an event announces, if it announces one. */
function statusOf(event: Event): string | undefined {
  if (event.kind !== "ConversationStateUpdateEvent") return undefined;
  const e = event as { key?: unknown; value?: unknown };
  if (e.key === "execution_status" && typeof e.value === "string") return e.value;
  if (e.key === "full_state" && e.value && typeof e.value === "object") {
    const status = (e.value as { execution_status?: unknown }).execution_status;
    return typeof status === "string" ? status : undefined;
  }
  return undefined;
}

function visualizer(
  ctx: Context,
  write = (text: string): void => ctx.out(`${text}\n`),
): ConversationVisualizer {
  return new ConversationVisualizer({ color: ctx.color, write });
}

// --- list ------------------------------------------------------------------------------------

async function list(ctx: Context, parsed: Parsed): Promise<number> {
  if (parsed.positionals.length > 0) {
    throw new UsageError(`list takes no arguments: got '${parsed.positionals[0]}'`);
  }
  const status = parsed.strings.status;
  if (status !== undefined && !STATUSES.includes(status as ConversationExecutionStatus)) {
    throw new UsageError(`--status must be one of ${STATUSES.join(", ")}: got '${status}'`);
  }
  const limit = positiveInt("limit", parsed.strings.limit) ?? 20;
  const manager = new ConversationManager({ host: ctx.host, apiKey: ctx.apiKey });
  const rows: ConversationInfo[] = [];
  const search = manager.search({
    limit: Math.min(limit, 100),
    sortOrder: "UPDATED_AT_DESC",
    ...(status ? { status: status as ConversationExecutionStatus } : {}),
  });
  for await (const info of search) {
    rows.push(info);
    if (rows.length >= limit) break;
  }
  if (parsed.flags.json) {
    ctx.out(`${terminalJson(JSON.stringify(rows, null, 2))}\n`);
    return 0;
  }
  if (rows.length === 0) {
    ctx.out(status ? `no ${status} conversations\n` : "no conversations\n");
    return 0;
  }
  const table = rows.map((info) => [
    oneLine(info.id),
    oneLine(info.execution_status ?? ""),
    shorten(oneLine(info.title ?? ""), 48),
    oneLine(info.updated_at ?? "").replace("T", " ").slice(0, 19),
  ]);
  const header = ["ID", "STATUS", "TITLE", "UPDATED (UTC)"];
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c]!)).join("  ");
  ctx.out(`${line(header).trimEnd()}\n`);
  for (const row of table) ctx.out(`${line(row).trimEnd()}\n`);
  if (rows.length === limit) {
    const total = await manager.count(
      status ? { status: status as ConversationExecutionStatus } : {},
    );
    if (total > limit) ctx.out(`(${limit} of ${oneLine(total)}; --limit shows more)\n`);
  }
  return 0;
}

// --- run -------------------------------------------------------------------------------------

function isLoopback(host: string): boolean {
  try {
    const name = new URL(host).hostname;
    return name === "localhost" || name === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(name);
  } catch {
    return false;
  }
}

async function agentConfig(ctx: Context, parsed: Parsed): Promise<Record<string, unknown>> {
  let agent: Record<string, unknown> = {};
  const file = parsed.strings.agent;
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      throw new UsageError(`cannot read --agent ${file}: ${(err as Error).message}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`--agent ${file} is not JSON: ${(err as Error).message}`);
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) {
      throw new UsageError(`--agent ${file} must hold a JSON object (the agent configuration)`);
    }
    agent = { ...value as Record<string, unknown> };
  }
  const llm: Record<string, unknown> = agent.llm && typeof agent.llm === "object"
    ? { ...agent.llm as Record<string, unknown> }
    : {};
  const { io } = ctx;
  const model = parsed.strings.model ?? io.env("REMOTE_HANDS_LLM_MODEL");
  const baseUrl = parsed.strings["base-url"] ?? io.env("REMOTE_HANDS_LLM_URL");
  const llmKey = parsed.strings["llm-api-key"] ?? io.env("REMOTE_HANDS_LLM_API_KEY");
  if (model) llm.model = model;
  if (baseUrl) llm.base_url = baseUrl;
  if (llmKey) llm.api_key = llmKey;
  if (typeof llm.api_key === "string") ctx.secret(llm.api_key);
  if (typeof llm.model !== "string" || llm.model === "") {
    throw new UsageError(
      "the agent needs an LLM model: --model (or REMOTE_HANDS_LLM_MODEL), or an llm in --agent",
    );
  }
  agent.llm = llm;
  const tools = parsed.strings.tools;
  if (tools !== undefined) {
    const names = tools.split(",").map((t) => t.trim()).filter(Boolean);
    if (names.length === 0) throw new UsageError("--tools needs at least one tool name");
    agent.tools = names.map((name) => ({ name }));
  } else if (!Array.isArray(agent.tools)) {
    agent.tools = [{ name: "terminal" }, { name: "file_editor" }];
  }
  return agent;
}

function workingDir(ctx: Context, parsed: Parsed): string {
  const dir = parsed.strings["working-dir"] ?? ctx.io.env("REMOTE_HANDS_WORKING_DIR");
  const local = isLoopback(ctx.host);
  if (dir === undefined || dir === "") {
    if (local) return ctx.io.cwd();
    throw new UsageError(
      "--working-dir (or REMOTE_HANDS_WORKING_DIR) is needed for a server on another machine: " +
        "a directory on the server",
    );
  }
  if (isAbsolute(dir) || /^[A-Za-z]:[\\/]/.test(dir)) return dir;
  if (local) return resolve(ctx.io.cwd(), dir);
  throw new UsageError(`--working-dir must be an absolute path on the server: got '${dir}'`);
}

async function run(ctx: Context, parsed: Parsed): Promise<number> {
  const task = parsed.positionals.join(" ").trim();
  if (!task) throw new UsageError('run needs a task: remote-hands run "<task>"');
  const maxIterationPerRun = positiveInt("max-iterations", parsed.strings["max-iterations"]);
  const timeoutSeconds = positiveInt("timeout", parsed.strings.timeout) ?? 3600;
  const agent = await agentConfig(ctx, parsed);
  const workspace = new RemoteWorkspace({
    host: ctx.host,
    apiKey: ctx.apiKey,
    workingDir: workingDir(ctx, parsed),
  });

  // Events that arrive while the conversation is being set up wait for the header line.
  let pending: string[] | undefined = [];
  const viz = visualizer(ctx, (text) => {
    if (pending) pending.push(text);
    else ctx.out(`${text}\n`);
  });
  const interrupt = new AbortController();
  let interrupted = false;
  const stopListening = ctx.io.onInterrupt(() => {
    if (interrupted) {
      ctx.err("interrupted again: exiting without pausing\n");
      ctx.io.exit(130);
    }
    interrupted = true;
    interrupt.abort();
  });
  let conversation: RemoteConversation | undefined;
  let runStarted = false;
  try {
    conversation = await RemoteConversation.create({
      agent,
      workspace,
      visualizer: viz,
      ...(parsed.flags.confirm ? { confirmationPolicy: new AlwaysConfirm() } : {}),
      ...(maxIterationPerRun !== undefined ? { maxIterationPerRun } : {}),
      signal: interrupt.signal,
    });
    const shownId = oneLine(conversation.id);
    ctx.out(`conversation ${shownId} (working dir ${oneLine(workspace.workingDir)})\n`);
    for (const text of pending) ctx.out(`${text}\n`);
    pending = undefined;
    await conversation.sendMessage(task, { signal: interrupt.signal });
    runStarted = true;
    const status = await conversation.run({
      timeoutMs: timeoutSeconds * 1000,
      signal: interrupt.signal,
    });
    ctx.out(`conversation ${shownId}: ${oneLine(status)}\n`);
    if (status === "waiting_for_confirmation") {
      ctx.err("the agent is waiting for confirmation of its next action\n");
    }
    return exitCodeFor(status);
  } catch (err) {
    if (interrupted) {
      if (conversation === undefined) {
        ctx.err("interrupted before the conversation started\n");
      } else if (!runStarted) {
        ctx.err(`interrupted before the run started: conversation ${oneLine(conversation.id)}\n`);
      } else {
        // Stop the agent too: a Ctrl-C means "stop", not "stop watching".
        const id = oneLine(conversation.id);
        try {
          await conversation.pause();
          ctx.err(
            `interrupted: conversation ${id} is paused; watch it with: remote-hands tail ${id}\n`,
          );
        } catch (pauseError) {
          ctx.err(`interrupted, but pausing ${id} failed: ${describe(pauseError, ctx, id)}\n`);
        }
      }
      return 130;
    }
    if (err instanceof ConversationRunError && (err.status === "error" || err.status === "stuck")) {
      ctx.out(`conversation ${oneLine(err.conversationId)}: ${oneLine(err.status)}\n`);
    }
    if (
      err instanceof ConversationRunError && err.cause instanceof TimeoutError &&
      conversation !== undefined
    ) {
      ctx.err(
        `remote-hands: gave up waiting after ${timeoutSeconds} s; the run goes on: ` +
          `remote-hands tail ${oneLine(conversation.id)}\n`,
      );
      return 1;
    }
    throw err;
  } finally {
    stopListening();
    await conversation?.close();
  }
}

// --- tail ------------------------------------------------------------------------------------

async function tail(ctx: Context, parsed: Parsed): Promise<number> {
  const [id, extra] = parsed.positionals;
  if (id === undefined) throw new UsageError("tail needs a conversation id");
  if (extra !== undefined) throw new UsageError(`tail takes one conversation id: got '${extra}'`);
  if (!UUID.test(id)) throw new UsageError(`not a conversation id (a UUID): '${oneLine(id)}'`);
  const history = parsed.flags.history === true;
  const untilIdle = parsed.flags["until-idle"] === true;
  const manager = new ConversationManager({ host: ctx.host, apiKey: ctx.apiKey });
  const stop = new AbortController();
  let fatal: unknown;
  let interrupted = false;
  const stopListening = ctx.io.onInterrupt(() => {
    if (interrupted) ctx.io.exit(130);
    interrupted = true;
    stop.abort();
  });
  let conversation: RemoteConversation | undefined;
  let watchdog: ReturnType<typeof setInterval> | undefined;
  try {
    conversation = await manager.attach(id, {
      signal: stop.signal,
      onError: (err) => {
        // The conversation was deleted or the key revoked while we watch: nothing more will come.
        if (err instanceof NotFoundError || err instanceof AuthenticationError) {
          fatal = err;
          stop.abort();
        }
      },
    });
    // The server does not close the socket when the conversation is deleted: look now and then.
    watchdog = setInterval(() => {
      manager.get(id, { signal: stop.signal }).catch((err) => {
        if (err instanceof NotFoundError) {
          fatal = new RemoteHandsError(`conversation ${id} was deleted on ${ctx.host}`);
          stop.abort();
        }
      });
    }, TAIL_CHECK_MS);
    const viz = visualizer(ctx);
    // Read both at the same moment: the history snapshot and the status it ends in.
    let status: string | undefined = conversation.state.agentStatus;
    let historyLeft = history ? conversation.state.events.length : 0;
    ctx.out(`conversation ${oneLine(conversation.id)}: ${oneLine(status ?? "unknown")}\n`);
    if (untilIdle && status !== "running" && historyLeft === 0) return exitCodeFor(status);
    for await (const event of conversation.events({ history, signal: stop.signal })) {
      viz.onEvent(event);
      if (historyLeft > 0) {
        historyLeft--;
        if (historyLeft === 0 && untilIdle && status !== "running") break;
        continue;
      }
      status = statusOf(event) ?? status;
      if (untilIdle && status !== "running") break;
    }
    if (fatal !== undefined) throw fatal;
    if (interrupted) return 130;
    ctx.out(`conversation ${oneLine(conversation.id)}: ${oneLine(status ?? "unknown")}\n`);
    return exitCodeFor(status);
  } catch (err) {
    if (interrupted && fatal === undefined) return 130;
    throw err;
  } finally {
    clearInterval(watchdog);
    stop.abort(); // a watchdog request still in flight
    stopListening();
    await conversation?.close();
  }
}

// --- main ------------------------------------------------------------------------------------

/**
 * Runs the CLI with `args` (without the program name) and resolves with the exit code. Nothing
 * throws: problems are one line on stderr and exit code 1.
 *
 * @example List the finished conversations of a local server
 * ```ts ignore
 * import { main } from "@remote-hands/client/cli";
 * const code = await main(["list", "--status", "finished", "--host", "http://127.0.0.1:8000"]);
 * ```
 */
export async function main(args: readonly string[], io: CliIO = processIO()): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parse(args);
  } catch (err) {
    io.stderr(terminalText(`remote-hands: ${(err as Error).message} (see --help)\n`));
    return 1;
  }
  if (parsed.flags.help) {
    io.stdout(USAGE);
    return 0;
  }
  const ctx = context(io, parsed);
  const command = parsed.command;
  if (command === undefined) {
    ctx.err(USAGE);
    return 1;
  }
  if (command !== "list" && command !== "run" && command !== "tail") {
    ctx.err(`remote-hands: unknown command '${oneLine(command)}' (see --help)\n`);
    return 1;
  }
  const conversationId = command === "tail" ? parsed.positionals[0] : undefined;
  try {
    checkOptions(parsed, command);
    if (command === "list") return await list(ctx, parsed);
    if (command === "run") return await run(ctx, parsed);
    return await tail(ctx, parsed);
  } catch (err) {
    ctx.err(`remote-hands: ${describe(err, ctx, conversationId)}\n`);
    return 1;
  }
}

/** The real process: `node:process`, which Deno, Bun and Node all provide. */
function processIO(): CliIO {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: (name) => process.env[name],
    cwd: () => process.cwd(),
    isTTY: process.stdout.isTTY === true,
    onInterrupt: (handler) => {
      const listener = (): void => handler();
      process.on("SIGINT", listener);
      return () => void process.off("SIGINT", listener);
    },
    exit: (code) => process.exit(code),
  };
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  // Let piped output drain before exiting.
  await new Promise<void>((done) => process.stdout.write("", () => done()));
  await new Promise<void>((done) => process.stderr.write("", () => done()));
  process.exit(code);
}
