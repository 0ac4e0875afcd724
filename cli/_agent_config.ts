/**
 * What `run` starts: the agent configuration and the agent's working directory.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { type Parsed, UsageError } from "./_args.ts";
import type { Context } from "./_context.ts";
import type { AgentConfig } from "../mod.ts";

/** Whether `host` is this machine (`localhost`, 127.x.x.x or `[::1]`). */
function isLoopback(host: string): boolean {
  try {
    const name = new URL(host).hostname;
    return name === "localhost" || name === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(name);
  } catch {
    return false;
  }
}

/**
 * The agent configuration of `run`: the `--agent` file (a JSON object), with its LLM's `model`,
 * `base_url` and `api_key` replaced by the options or the environment, and `--tools` (default
 * `terminal` and `file_editor`, unless the file has some). The LLM key becomes a secret of `ctx`.
 *
 * @param ctx The shared settings.
 * @param parsed The parsed command line.
 * @returns The agent configuration.
 * @throws {UsageError} When the file cannot be read or is not a JSON object, when there is no
 * model, or when `--tools` names none.
 * @example
 * ```ts
 * import { parse } from "./_args.ts";
 * import { agentConfig } from "./_agent_config.ts";
 * import { context } from "./_context.ts";
 * const parsed = parse(["run", "task", "--model", "openai/gpt-4o-mini", "--tools", "terminal"]);
 * const ctx = context({
 *   stdout: () => {}, stderr: () => {}, env: () => undefined, cwd: () => "/", isTTY: false,
 *   onInterrupt: () => () => {}, exit: () => {},
 * }, parsed);
 * const agent = await agentConfig(ctx, parsed);
 * if (JSON.stringify(agent.tools) !== '[{"name":"terminal"}]') throw new Error();
 * ```
 */
export async function agentConfig(
  ctx: Context,
  parsed: Parsed,
): Promise<AgentConfig> {
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
  // The file's other fields go as written: the server checks them (a 422 names a bad one).
  return agent as AgentConfig;
}

/**
 * The agent's directory on the server: `--working-dir` (or `REMOTE_HANDS_WORKING_DIR`), resolved
 * against the current directory when the server is on this machine; by default the current
 * directory, for a server on this machine only.
 *
 * @param ctx The shared settings.
 * @param parsed The parsed command line.
 * @returns The absolute directory.
 * @throws {UsageError} For a server on another machine without an absolute directory.
 * @example
 * ```ts
 * import { parse } from "./_args.ts";
 * import { workingDir } from "./_agent_config.ts";
 * import { context } from "./_context.ts";
 * const parsed = parse(["run", "task", "--working-dir", "sub"]);
 * const ctx = context({
 *   stdout: () => {}, stderr: () => {}, env: () => undefined, cwd: () => "/home/me", isTTY: false,
 *   onInterrupt: () => () => {}, exit: () => {},
 * }, parsed);
 * if (workingDir(ctx, parsed) !== "/home/me/sub") throw new Error();
 * ```
 */
export function workingDir(ctx: Context, parsed: Parsed): string {
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
