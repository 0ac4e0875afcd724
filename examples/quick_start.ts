/**
 * The README's quick start, as written there (the CI runs it under Deno and Bun against the real
 * server and the scripted LLM: the environment points it at them).
 *
 * Run: `deno run -A examples/quick_start.ts` or `bun run examples/quick_start.ts`.
 *
 * @module
 */

import process from "node:process";
import { RemoteConversation, RemoteWorkspace } from "@remote-hands/client";
import { ConversationVisualizer } from "@remote-hands/client/visualizer";

const env = process.env;
const workspace = new RemoteWorkspace({
  host: env.REMOTE_HANDS_HOST ?? "http://127.0.0.1:8000",
  apiKey: env.REMOTE_HANDS_API_KEY, // a header and the socket's first frame, never a URL
  workingDir: env.REMOTE_HANDS_WORKING_DIR ?? process.cwd(), // a directory on the server
});

// `await using` closes it at the end of the scope: an open conversation keeps the process alive.
await using conversation = await RemoteConversation.create({
  agent: {
    llm: {
      model: env.REMOTE_HANDS_LLM_MODEL ?? "openai/gpt-4o-mini",
      api_key: env.REMOTE_HANDS_LLM_API_KEY!,
      base_url: env.REMOTE_HANDS_LLM_URL ?? null, // any OpenAI-compatible server; null: the provider's
    },
    tools: [{ name: "terminal" }, { name: "file_editor" }],
  },
  workspace,
  visualizer: new ConversationVisualizer(), // a readable, coloured view of every event on stdout
});

await conversation.sendMessage("How many TypeScript files are in this project?");
const status = await conversation.run(); // resolves when the run is over: "finished", "paused", ...
console.log(status, conversation.state.events.length, "events");
if (status !== "finished") throw new Error(`the run ended ${status}`);
console.log("ok: the run finished");
