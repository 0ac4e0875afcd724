/**
 * A scripted, OpenAI-compatible LLM on loopback: the agent server's LLM points here, so whole
 * agent runs (tool calls, terminal output, confirmations, errors) happen for real with no model.
 *
 * Contract:
 * - `POST /v1/chat/completions` answers plain `chat.completion` JSON, or, when the request has
 *   `stream: true` (an LLM config with `stream: true` and a token consumer on the server), the
 *   same answer as OpenAI-style server-sent events: `chat.completion.chunk` frames whose
 *   `choices[0].delta` carries `reasoning_content`, then `content`, then `tool_calls` (id and
 *   name first, the JSON arguments in pieces), a frame with `finish_reason`, a usage frame with
 *   empty `choices` (the server asks `stream_options.include_usage`), then `data: [DONE]`. The
 *   marker's `chunk=N` cuts texts into pieces of N characters (code points; default: one word
 *   with its trailing spaces per piece) and `chunk_delay=MS` waits between frames.
 *   `break_once=N` cuts the first streamed answer of each step off after its first N frames
 *   (the connection is dropped, no `[DONE]`); a request of the same step with the same marker
 *   again gets the whole answer, so an LLM with `num_retries` retries once and succeeds.
 * - The script is chosen by a marker in the first user message: `[script:NAME key=value ...]`
 *   (values may be double-quoted). The step is the number of assistant turns already in the
 *   request, so the fake is stateless and survives server restarts and retries.
 * - A request without `tools` is a title request and gets a short title.
 * - Every response carries token usage: `prompt_tokens = 100 + step`, `completion_tokens = 10`.
 * - Every request is recorded; `GET /_requests?marker=ID` returns those whose marker has `id=ID`.
 *
 * Scripts (see {@linkcode SCRIPTS}): `reply`, `terminal`, `confirm`, `long`, `error`, `reasoning`,
 * `think`, `slow`. Unknown scripts answer a plain text saying so.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

/** Token usage the fake reports for a step. */
export function usageFor(step: number): {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
} {
  return { prompt_tokens: 100 + step, completion_tokens: 10, total_tokens: 110 + step };
}

/** One recorded chat completion request. */
export interface RecordedRequest {
  script: string;
  args: Record<string, string>;
  step: number;
  title: boolean;
  body: ChatRequest;
  headers: Record<string, string>;
  status: number;
}

interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: unknown[];
}

interface ChatRequest {
  model?: string;
  messages?: ChatMessage[];
  tools?: unknown[];
  [key: string]: unknown;
}

interface ToolCall {
  name: string;
  args: Record<string, unknown>;
}

/** What a script step answers. */
export type Reply =
  | { text: string; reasoning?: string }
  | { tool: ToolCall; thought?: string; reasoning?: string }
  | { httpError: number; message: string };

/** A script: maps (step, args) to a reply. */
export type Script = (step: number, args: Record<string, string>) => Reply;

const finish = (message: string): Reply => ({ tool: { name: "finish", args: { message } } });
const terminal = (command: string): Reply => ({
  tool: { name: "terminal", args: { command, security_risk: "LOW", summary: command } },
});

/** The built-in scripts. */
export const SCRIPTS: Record<string, Script> = {
  /** One plain text answer; the agent finishes. */
  reply: (_step, a) => ({ text: a.text ?? "Hello from the scripted LLM!" }),
  /** A terminal command (`cmd`, default `echo hello`), then `finish`. */
  terminal: (step, a) => step === 0 ? terminal(a.cmd ?? "echo hello") : finish(a.done ?? "done"),
  /** Same as `terminal`: under a confirmation policy the command waits for confirmation. */
  confirm: (step, a) => step === 0 ? terminal(a.cmd ?? "echo confirmed") : finish("confirmed done"),
  /** `n` terminal steps (`echo step-i`), then `finish`; `delay` ms per answer. */
  long: (step, a) => step < Number(a.n ?? 5) ? terminal(`echo step-${step}`) : finish("long done"),
  /** An HTTP error from the LLM (`status`, default 500); the run ends in `error`. */
  error: (_step, a) => ({
    httpError: Number(a.status ?? 500),
    message: a.message ?? "scripted failure",
  }),
  /** A text answer with reasoning content. */
  reasoning: (_step, a) => ({
    text: a.text ?? "The answer is 42.",
    reasoning: a.reasoning ?? "Let me think step by step about this.",
  }),
  /** A `think` tool call with reasoning, then a text answer. */
  think: (step) =>
    step === 0
      ? {
        tool: { name: "think", args: { thought: "planning" } },
        reasoning: "I should plan first.",
      }
      : { text: "Thought it through." },
  /**
   * Client-side tools: `n` (default 1) calls of the client tool `tool` (default `lookup`) with
   * `{ query: "q<i>" }`, each followed by a text turn (the run ends; the client's result message
   * starts the next run), then the text `done`.
   */
  client_tool: (step, a) => {
    const n = Number(a.n ?? 1);
    if (step >= 2 * n) return { text: a.done ?? "client tools done" };
    if (step % 2 === 1) return { text: "waiting for the client tool" };
    const query = `q${step / 2}`;
    return {
      tool: { name: a.tool ?? "lookup", args: { query, security_risk: "LOW", summary: query } },
    };
  },
};

const MARKER = /\[script:([a-z_]+)((?:\s+[a-z_]+=(?:"[^"]*"|[^\s\]]*))*)\s*\]/;

/** Parses `[script:NAME k=v k2="v 2"]` from a text. */
export function parseMarker(
  text: string,
): { script: string; args: Record<string, string> } | undefined {
  const m = MARKER.exec(text);
  if (!m) return undefined;
  const args: Record<string, string> = {};
  for (const kv of (m[2] ?? "").matchAll(/([a-z_]+)=("([^"]*)"|[^\s\]]*)/g)) {
    args[kv[1]!] = kv[3] ?? kv[2]!;
  }
  return { script: m[1]!, args };
}

/** Builds the marker text for a script, e.g. `marker("terminal", { cmd: "ls" })`. */
export function marker(script: string, args: Record<string, string | number> = {}): string {
  const parts = Object.entries(args).map(([k, v]) => {
    const s = String(v);
    return /[\s\]"]/.test(s) ? `${k}="${s.replaceAll('"', "'")}"` : `${k}=${s}`;
  });
  return `[script:${[script, ...parts].join(" ")}]`;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((p) => (p && typeof p === "object" && "text" in p ? String(p.text) : ""))
      .join("");
  }
  return "";
}

let responseCounter = 0;

function completion(reply: Exclude<Reply, { httpError: number }>, step: number, model: string) {
  responseCounter++;
  const message: Record<string, unknown> = { role: "assistant" };
  let finishReason = "stop";
  if ("tool" in reply) {
    finishReason = "tool_calls";
    message.content = reply.thought ?? null;
    message.tool_calls = [{
      id: `call_${step}_${responseCounter}`,
      type: "function",
      function: { name: reply.tool.name, arguments: JSON.stringify(reply.tool.args) },
    }];
  } else {
    message.content = reply.text;
  }
  if (reply.reasoning) message.reasoning_content = reply.reasoning;
  return {
    id: `chatcmpl-scripted-${responseCounter}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, finish_reason: finishReason, message }],
    usage: usageFor(step),
  };
}

/**
 * Cuts `text` into the pieces a stream sends: `size` code points each (never splitting a
 * surrogate pair), or, without `size`, one word with the spaces after it per piece.
 * Concatenated, the pieces are `text` again.
 */
export function streamPieces(text: string, size?: number): string[] {
  if (size !== undefined && size > 0) {
    const points = Array.from(text);
    const pieces: string[] = [];
    for (let i = 0; i < points.length; i += size) pieces.push(points.slice(i, i + size).join(""));
    return pieces;
  }
  return text.match(/\s*\S+\s*|\s+/g) ?? [];
}

/** The `chat.completion.chunk` frames (JSON objects, without `data: `) of a streamed reply. */
export function completionChunks(
  reply: Exclude<Reply, { httpError: number }>,
  step: number,
  model: string,
  size?: number,
): Record<string, unknown>[] {
  responseCounter++;
  const id = `chatcmpl-scripted-${responseCounter}`;
  const created = Math.floor(Date.now() / 1000);
  const frame = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    choices,
    ...extra,
  });
  const delta = (d: Record<string, unknown>) =>
    frame([{ index: 0, delta: d, finish_reason: null }]);
  const frames: Record<string, unknown>[] = [delta({ role: "assistant", content: "" })];
  if (reply.reasoning) {
    for (const piece of streamPieces(reply.reasoning, size)) {
      frames.push(delta({ reasoning_content: piece }));
    }
  }
  const text = "tool" in reply ? reply.thought : reply.text;
  for (const piece of streamPieces(text ?? "", size)) frames.push(delta({ content: piece }));
  if ("tool" in reply) {
    frames.push(delta({
      tool_calls: [{
        index: 0,
        id: `call_${step}_${responseCounter}`,
        type: "function",
        function: { name: reply.tool.name, arguments: "" },
      }],
    }));
    for (const piece of streamPieces(JSON.stringify(reply.tool.args), size ?? 8)) {
      frames.push(delta({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
    }
  }
  frames.push(frame([{
    index: 0,
    delta: {},
    finish_reason: "tool" in reply ? "tool_calls" : "stop",
  }]));
  frames.push(frame([], { usage: usageFor(step) }));
  return frames;
}

/** Options for {@linkcode startScriptedLlm}. */
export interface ScriptedLlmOptions {
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** Extra `POST` routes (used by the dev stack for server control). */
  control?: Record<string, () => Promise<void>>;
  /** Extra scripts by name. */
  scripts?: Record<string, Script>;
}

/** A running scripted LLM. */
export interface ScriptedLlm {
  /** Base URL without `/v1`, e.g. `http://127.0.0.1:40000`. */
  url: string;
  /** Every request so far. */
  requests: RecordedRequest[];
  /** Stops the server and drops its connections. */
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    connection: "close",
  });
  res.end(text);
}

/**
 * Answers with `frames` as server-sent events, `delayMs` apart, then `data: [DONE]`; with
 * `breakAfter`, drops the connection after that many frames instead (a stream broken off).
 */
async function sendStream(
  res: ServerResponse,
  frames: Record<string, unknown>[],
  delayMs: number,
  breakAfter?: number,
): Promise<void> {
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "close",
  });
  for (const [i, frame] of frames.entries()) {
    if (i === breakAfter) {
      // Let the frames sent so far reach the client before the connection goes.
      await new Promise((r) => setTimeout(r, 200));
      res.destroy();
      return;
    }
    res.write(`data: ${JSON.stringify(frame)}\n\n`);
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  }
  res.end("data: [DONE]\n\n");
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts the scripted LLM on 127.0.0.1. */
export function startScriptedLlm(options: ScriptedLlmOptions = {}): Promise<ScriptedLlm> {
  const requests: RecordedRequest[] = [];
  const scripts = { ...SCRIPTS, ...options.scripts };
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://x");
      if (req.method === "GET" && url.pathname === "/_requests") {
        const id = url.searchParams.get("marker");
        return send(res, 200, id ? requests.filter((r) => r.args.id === id) : requests);
      }
      if (req.method === "GET" && url.pathname === "/health") return send(res, 200, { ok: true });
      const control = options.control?.[url.pathname];
      if (req.method === "POST" && control) {
        await control();
        return send(res, 200, { ok: true });
      }
      if (req.method !== "POST" || !url.pathname.endsWith("/chat/completions")) {
        return send(res, 404, { error: { message: `no route ${req.method} ${url.pathname}` } });
      }
      const body = JSON.parse(await readBody(req)) as ChatRequest;
      const messages = body.messages ?? [];
      const firstUser = messages.find((m) => m.role === "user");
      const found = parseMarker(textOf(firstUser?.content)) ?? { script: "reply", args: {} };
      const step = messages.filter((m) => m.role === "assistant").length;
      const title = !body.tools || body.tools.length === 0;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === "string" && k !== "authorization") headers[k] = v;
      }
      const record: RecordedRequest = { ...found, step, title, body, headers, status: 200 };
      requests.push(record);
      const delayMs = Number(found.args.delay ?? 0);
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      const model = body.model ?? "scripted";
      const stream = body.stream === true;
      const size = found.args.chunk === undefined ? undefined : Number(found.args.chunk);
      const chunkDelayMs = Number(found.args.chunk_delay ?? 0);
      // `break_once`: only the first streamed request of this step with this marker breaks.
      const sameBefore = requests.filter((r) =>
        r !== record && !r.title && r.step === step && r.body.stream === true &&
        r.script === found.script && JSON.stringify(r.args) === JSON.stringify(found.args)
      );
      const breakAfter = title || found.args.break_once === undefined || sameBefore.length > 0
        ? undefined
        : Number(found.args.break_once);
      const answer = (reply: Exclude<Reply, { httpError: number }>): Promise<void> | void =>
        stream
          ? sendStream(res, completionChunks(reply, step, model, size), chunkDelayMs, breakAfter)
          : send(res, 200, completion(reply, step, model));
      if (title) return await answer({ text: "Scripted conversation" });
      const script = scripts[found.script];
      const reply: Reply = script
        ? script(step, found.args)
        : { text: `unknown script ${found.script}` };
      if ("httpError" in reply) {
        record.status = reply.httpError;
        return send(res, reply.httpError, {
          error: { message: reply.message, type: "server_error", code: String(reply.httpError) },
        });
      }
      await answer(reply);
    } catch (err) {
      if (res.headersSent) return void res.destroy(); // a stream broke off: end it visibly
      send(res, 500, { error: { message: `scripted LLM failed: ${String(err)}` } });
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      const addr = server.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}

/** The LLM block of an agent config that points at a scripted LLM. No real key anywhere. */
export function scriptedLlmConfig(llmUrl: string, usageId = "agent"): Record<string, unknown> {
  return {
    model: "openai/scripted",
    base_url: `${llmUrl}/v1`,
    api_key: "scripted-llm-key",
    usage_id: usageId,
    api_mode: "chat",
    native_tool_calling: true,
    stream: false,
    caching_prompt: false,
    drop_params: true,
    reasoning_effort: null,
    num_retries: 0,
    timeout: 30,
    input_cost_per_token: 0,
    output_cost_per_token: 0,
    force_string_serializer: true,
    openrouter_site_url: "",
    openrouter_app_name: "",
  };
}

if (import.meta.main) {
  const llm = await startScriptedLlm({ port: Number(process.env.PORT ?? 0) });
  console.log(`scripted LLM on ${llm.url}/v1`);
}
