/**
 * What every example reads from the environment: where the agent server is, its key, the LLM the
 * agent uses and the agent's working directory. Nothing else is shared, so each example shows the
 * whole API it uses.
 *
 * | variable                   | default                              |
 * | -------------------------- | ------------------------------------ |
 * | `REMOTE_HANDS_HOST`        | `http://127.0.0.1:8000`              |
 * | `REMOTE_HANDS_API_KEY`     | `OH_SESSION_API_KEY`, else none      |
 * | `REMOTE_HANDS_LLM_URL`     | none (the provider's own URL)        |
 * | `REMOTE_HANDS_LLM_MODEL`   | `openai/scripted`                    |
 * | `REMOTE_HANDS_LLM_API_KEY` | `scripted` (any value for the fake)  |
 * | `REMOTE_HANDS_WORKING_DIR` | the current directory                |
 *
 * `node:process` reads them under Deno, Bun and Node alike.
 *
 * @module
 */

import process from "node:process";

/** Environment variable `name`, or `fallback` when it is unset or empty. */
function env(name: string, fallback?: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? fallback : value;
}

/** Agent server URL. */
export const host: string = env("REMOTE_HANDS_HOST", "http://127.0.0.1:8000")!;

/** The server's session API key (never printed). */
export const apiKey: string | undefined = env("REMOTE_HANDS_API_KEY", env("OH_SESSION_API_KEY"));

/** The agent's working directory, a path on the server's machine. */
export const workingDir: string = env("REMOTE_HANDS_WORKING_DIR", process.cwd())!;

/** The LLM block of the agent: an OpenAI-compatible model, URL and key. */
export const llm: Record<string, unknown> = {
  model: env("REMOTE_HANDS_LLM_MODEL", "openai/scripted"),
  api_key: env("REMOTE_HANDS_LLM_API_KEY", "scripted"),
  ...(env("REMOTE_HANDS_LLM_URL") ? { base_url: env("REMOTE_HANDS_LLM_URL") } : {}),
};

/** Throws (so the example exits non-zero) when `condition` is false. */
export function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`check failed: ${what}`);
  console.log(`  ok: ${what}`);
}
