/**
 * The demo: starts the real agent server and the scripted LLM on loopback, runs a short
 * conversation (a terminal command, then finish) and prints its events as they arrive.
 *
 * Run it with `deno task demo` (or `bash scripts/dev.sh demo` on a fresh machine).
 *
 * @module
 */

import { createAgentServerClient } from "../mod.ts";
import { marker, scriptedLlmConfig, startScriptedLlm } from "../tests/support/scripted_llm.ts";
import { AgentServer } from "./agent_server.ts";

const llm = await startScriptedLlm();
console.log("Starting the agent server (the first run installs it; later runs take seconds)...");
const server = await AgentServer.start({ log: (line) => console.log(line) });
console.log(`agent server ${server.url} ready in ${server.lastStartSeconds.toFixed(1)} s\n`);

try {
  const client = createAgentServerClient({ host: server.url, apiKey: server.apiKey });
  const task = "List the files in the workspace and say how many there are.";
  const { data: created } = await client.rest.POST("/api/conversations", {
    body: {
      agent: {
        kind: "Agent",
        llm: scriptedLlmConfig(llm.url) as never,
        tools: [{ name: "terminal", params: { terminal_type: "subprocess" } }],
      },
      workspace: { kind: "LocalWorkspace", working_dir: server.workspaceDir },
      autotitle: false,
      initial_message: {
        role: "user",
        content: [{
          type: "text",
          text: `${marker("terminal", { cmd: "echo hello > a.txt && ls | wc -l" })} ${task}`,
        }],
      },
    },
  });
  const id = String(created!.id);
  console.log(`conversation ${id}\n`);
  const seen = new Set<string>();
  let status = "";
  while (status !== "finished" && status !== "error") {
    const { data } = await client.rest.GET("/api/conversations/{conversation_id}/events/search", {
      params: { path: { conversation_id: id }, query: { limit: 100 } },
    });
    for (const event of (data as { items: Array<Record<string, unknown>> }).items) {
      if (seen.has(String(event.id))) continue;
      seen.add(String(event.id));
      console.log(describe(event));
    }
    const { data: info } = await client.rest.GET("/api/conversations/{conversation_id}", {
      params: { path: { conversation_id: id } },
    });
    status = String(info?.execution_status);
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(`\nstatus: ${status}`);
} finally {
  await server.dispose();
  await llm.close();
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[a-zA-Z]`, "g");

function describe(e: Record<string, unknown>): string {
  const kind = String(e.kind);
  const source = String(e.source);
  if (kind === "MessageEvent") {
    const msg = e.llm_message as { content?: Array<{ text?: string }> };
    const text = (msg.content ?? []).map((c) => c.text ?? "").join("");
    return `[${source}] message: ${text}`;
  }
  if (kind === "ActionEvent") {
    const action = e.action as Record<string, unknown> | undefined;
    return `[${source}] action ${e.tool_name}: ${action?.command ?? action?.message ?? ""}`;
  }
  if (kind === "ObservationEvent") {
    const obs = e.observation as { content?: Array<{ text?: string }> };
    const text = (obs.content ?? []).map((c) => c.text ?? "").join("").replace(
      ANSI,
      "",
    );
    return `[${source}] observation ${e.tool_name}: ${text.trim()}`;
  }
  if (kind === "ConversationStateUpdateEvent") {
    return `[${source}] state ${e.key}${e.key === "execution_status" ? ` = ${e.value}` : ""}`;
  }
  return `[${source}] ${kind}`;
}
