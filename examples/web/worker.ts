/**
 * The web view as an edge function (Cloudflare Workers, workerd): the same handler, configured
 * from the Worker's bindings. `READER_JS` is the bundled browser reader (a text binding).
 *
 * @module
 */

import { webApp } from "./app.ts";

/** The Worker's bindings. */
interface Env {
  REMOTE_HANDS_HOST: string;
  REMOTE_HANDS_API_KEY?: string;
  REMOTE_HANDS_WORKING_DIR: string;
  REMOTE_HANDS_LLM_URL?: string;
  REMOTE_HANDS_LLM_MODEL?: string;
  READER_JS: string;
}

let handler: ((request: Request) => Promise<Response>) | undefined;

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    handler ??= webApp({
      host: env.REMOTE_HANDS_HOST,
      apiKey: env.REMOTE_HANDS_API_KEY,
      workingDir: env.REMOTE_HANDS_WORKING_DIR,
      agent: {
        kind: "Agent",
        llm: {
          model: env.REMOTE_HANDS_LLM_MODEL ?? "openai/scripted",
          api_key: "scripted",
          ...(env.REMOTE_HANDS_LLM_URL ? { base_url: env.REMOTE_HANDS_LLM_URL } : {}),
        },
        tools: [{ name: "terminal" }],
      },
      readerScript: env.READER_JS,
    });
    return handler(request);
  },
};
