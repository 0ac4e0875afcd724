/**
 * The demo: starts the real agent server and the scripted LLM on loopback, then runs a short
 * conversation with `RemoteConversation` and shows it in the visualizer: a terminal command, its
 * real output, and the agent's finish.
 *
 * Run it with `deno task demo` (or `bash scripts/dev.sh demo` on a fresh machine).
 *
 * @module
 */

import { RemoteConversation, RemoteWorkspace } from "../mod.ts";
import { ConversationVisualizer } from "../visualizer.ts";
import { marker, scriptedLlmConfig, startScriptedLlm } from "../tests/support/scripted_llm.ts";
import { AgentServer } from "./agent_server.ts";

const llm = await startScriptedLlm();
console.log("Starting the agent server (the first run installs it; later runs take seconds)...");
const server = await AgentServer.start({ log: (line) => console.log(line) });
console.log(`agent server ${server.url} ready in ${server.lastStartSeconds.toFixed(1)} s\n`);

try {
  const workspace = new RemoteWorkspace({
    host: server.url,
    apiKey: server.apiKey,
    workingDir: server.workspaceDir,
  });
  await using conversation = await RemoteConversation.create({
    agent: {
      llm: scriptedLlmConfig(llm.url),
      tools: [{ name: "terminal", params: { terminal_type: "subprocess" } }],
    },
    workspace,
    autotitle: false,
    visualizer: new ConversationVisualizer({ name: "demo" }),
  });
  console.log(`conversation ${conversation.id}\n`);
  const script = marker("terminal", {
    cmd: "printf 'hello\\nworld\\n' > notes.txt && wc -l notes.txt",
  });
  await conversation.sendMessage(`${script} Write two lines to notes.txt and count them.`);
  const status = await conversation.run({ timeoutMs: 120_000 });
  const stats = conversation.conversationStats as {
    usage_to_metrics?: Record<string, { accumulated_token_usage?: Record<string, number> }>;
  };
  const usage = stats?.usage_to_metrics?.agent?.accumulated_token_usage;
  console.log(`\nstatus: ${status}; ${conversation.state.events.length} events in the history`);
  console.log(`tokens: ${usage?.prompt_tokens} prompt, ${usage?.completion_tokens} completion`);
  console.log(`title: ${await conversation.generateTitle()}`);
} finally {
  await server.dispose();
  await llm.close();
}
