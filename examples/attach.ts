/**
 * Attach: a second client (another process, another machine) opens an existing conversation by
 * id, gets its whole history, and carries on. `ConversationManager` lists, reads and attaches.
 *
 * The marker `[script:terminal cmd="..."]` drives the scripted LLM; with a real LLM, drop it.
 *
 * Run: `deno run -A examples/attach.ts` (see examples/README.md).
 *
 * @module
 */

import { RemoteConversation, RemoteWorkspace } from "@remote-hands/client";
import { ConversationManager } from "@remote-hands/client/manager";
import { ConversationVisualizer } from "@remote-hands/client/visualizer";
import { apiKey, check, host, llm, workingDir } from "./_env.ts";

// The first client creates a conversation, runs a task and goes away.
let id: string;
{
  await using first = await RemoteConversation.create({
    agent: { llm, tools: [{ name: "terminal" }] },
    workspace: new RemoteWorkspace({ host, apiKey, workingDir }),
  });
  id = first.id;
  await first.sendMessage('[script:terminal cmd="date +%Y > year.txt"] Write the year to a file.');
  console.log(
    `first client: conversation ${id}, run ended ${await first.run({ timeoutMs: 120_000 })}`,
  );
}

// Later, elsewhere: only the server, its key and the id are needed.
const manager = new ConversationManager({ host, apiKey });
const info = await manager.get(id);
console.log(`manager.get: status ${info.execution_status}, title ${JSON.stringify(info.title)}`);
let listed = false;
// The 20 most recently updated conversations (limit caps the results; pageSize sets the pages).
for await (const item of manager.search({ sortOrder: "UPDATED_AT_DESC", limit: 20 })) {
  if (item.id === id) listed = true;
}
check(listed, "the conversation is listed by manager.search()");

await using second = await manager.attach(id, {
  visualizer: new ConversationVisualizer({ name: "second" }),
});
const history = second.state.events.slice();
console.log(`second client: attached with ${history.length} events in the history`);
check(history.some((e) => e.kind === "ActionEvent"), "the history holds the first run's actions");

await second.sendMessage("Thanks. Anything else to do?");
const status = await second.run({ timeoutMs: 120_000 });
console.log(`second client: run ended ${status}, ${second.state.events.length} events now`);
check(status === "finished", "the second client's run finished");
check(second.state.events.length > history.length, "the history grew");
