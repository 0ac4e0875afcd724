/**
 * The README's quick start, byte for byte from the first import to the end (a test compares them).
 * It is plain JavaScript as well as TypeScript, so the same text runs under Deno, Bun, Node and in a
 * browser. CI runs it in all four against the real server and the scripted LLM, with the six quoted
 * settings below replaced by theirs (`tests/runtimes/quick_start.ts`).
 *
 * Run: `deno run -A examples/quick_start.ts`, `bun run examples/quick_start.ts`, or as a `.mjs`
 * file under `node` (Node 20: `node --experimental-websocket`).
 *
 * @module
 */

import { RemoteConversation, RemoteWorkspace } from "@remote-hands/client";
import { ConversationVisualizer } from "@remote-hands/client/visualizer";

const workspace = new RemoteWorkspace({
  host: "http://127.0.0.1:8000",
  apiKey: "my-key", // the server's session key: sent as a header and a first frame, never in a URL
  workingDir: "/tmp/quick-start", // a directory on the server's machine (created if missing)
});
const conversation = await RemoteConversation.create({
  agent: {
    llm: {
      model: "openai/gpt-4o-mini",
      api_key: "sk-your-llm-key",
      base_url: "https://api.openai.com/v1", // or any OpenAI-compatible server
    },
    tools: [{ name: "terminal" }, { name: "file_editor" }],
  },
  workspace,
  visualizer: new ConversationVisualizer(), // prints each event as it arrives
});
try {
  await conversation.sendMessage("Write a haiku about TypeScript into haiku.txt, then cat it.");
  const status = await conversation.run(); // resolves when the run is over: "finished", "paused", ...
  console.log(status, conversation.state.events.length, "events");
} finally {
  await conversation.close(); // an open conversation holds a socket, which keeps the process alive
}
