/**
 * Hello: create a conversation, send a task, run the agent and read what it did.
 *
 * The marker `[script:terminal cmd="..."]` tells the scripted LLM which terminal command to have
 * the agent run; with a real LLM, drop it and the model decides.
 *
 * Run: `deno run -A examples/hello.ts` or `bun run examples/hello.ts` (see examples/README.md).
 *
 * @module
 */

import {
  contentText,
  isEventKind,
  RemoteConversation,
  RemoteWorkspace,
} from "@remote-hands/client";
import { ConversationVisualizer } from "@remote-hands/client/visualizer";
import { apiKey, check, host, llm, workingDir } from "./_env.ts";

const workspace = new RemoteWorkspace({ host, apiKey, workingDir });

await using conversation = await RemoteConversation.create({
  agent: { llm, tools: [{ name: "terminal" }, { name: "file_editor" }] },
  workspace,
  visualizer: new ConversationVisualizer({ name: "hello" }), // every event, readable and coloured
});
console.log(`created conversation ${conversation.id} in ${workspace.workingDir}`);

await conversation.sendMessage(
  '[script:terminal cmd="echo hello from $(uname -s)"] Say hello from the terminal.',
);
const status = await conversation.run({ timeoutMs: 120_000 });
console.log(`run ended: ${status}, ${conversation.state.events.length} events in the history`);

const outputs = conversation.state.events.slice()
  .filter((event) => isEventKind(event, "ObservationEvent") && event.tool_name === "terminal")
  .map((event) =>
    isEventKind(event, "ObservationEvent") ? contentText(event.observation.content) : ""
  );
console.log(`terminal output: ${JSON.stringify(outputs.join("").trim())}`);

check(status === "finished", "the run finished");
check(outputs.some((text) => /hello from \w+/.test(text)), "the terminal said hello");
