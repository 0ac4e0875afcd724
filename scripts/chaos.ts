// scratch exploration (will be replaced)
import { RemoteConversation, RemoteWorkspace } from "../mod.ts";
import { AgentServer } from "./agent_server.ts";
import { marker, scriptedLlmConfig, startScriptedLlm } from "../tests/support/scripted_llm.ts";
const llm = await startScriptedLlm();
let t = performance.now();
const server = await AgentServer.start();
console.log("start", (performance.now() - t) / 1000);
const agent = { kind: "Agent", llm: scriptedLlmConfig(llm.url), tools: [{ name: "terminal", params: { terminal_type: "subprocess" } }] };
const workspace = new RemoteWorkspace({ host: server.url, apiKey: server.apiKey, workingDir: server.workspaceDir });
for (let i = 0; i < 3; i++) {
  t = performance.now();
  const c = await RemoteConversation.create({ agent, workspace, autotitle: false, stuckDetection: false });
  const t1 = performance.now();
  const c2 = await RemoteConversation.create({ agent, workspace, conversationId: c.id });
  const t2 = performance.now();
  await c2.close(); await c.close();
  console.log("create", (t1 - t) / 1000, "attach", (t2 - t1) / 1000, "close", (performance.now() - t2) / 1000);
}
const c = await RemoteConversation.create({ agent, workspace, autotitle: false, stuckDetection: false });
await c.sendMessage(`${marker("long", { id: "x1", n: 10, delay: 150 })} go`);
t = performance.now();
console.log(await c.run({ timeoutMs: 60000 }), (performance.now() - t) / 1000, c.state.events.length);
// kill+restart
await c.sendMessage(`${marker("long", { id: "x2", n: 30, delay: 150 })} go`);
const running = c.run({ timeoutMs: 90000 }).then((s) => s, (e) => e);
await new Promise((r) => setTimeout(r, 2000));
t = performance.now();
await server.kill();
await new Promise((r) => setTimeout(r, 1000));
await server.restart();
console.log("restart took", (performance.now() - t) / 1000);
const out = await running;
console.log("outcome", out, (performance.now() - t) / 1000);
await c.close();
await server.dispose();
await llm.close();
