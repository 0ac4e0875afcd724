/**
 * Streaming: `for await (const event of conversation.events())` sees every event once, in order,
 * while the run goes on; the loop ends when the conversation is closed. `onEvent(kind, handler)`
 * is the typed alternative for one kind.
 *
 * The marker `[script:long n=3]` makes the scripted LLM take three terminal steps and finish;
 * with a real LLM, drop it.
 *
 * Run: `deno run -A examples/streaming.ts` (see examples/README.md).
 *
 * @module
 */

import {
  contentText,
  type Event,
  isEventKind,
  RemoteConversation,
  RemoteWorkspace,
} from "@remote-hands/client";
import { apiKey, check, host, llm, workingDir } from "./_env.ts";

const conversation = await RemoteConversation.create({
  agent: { llm, tools: [{ name: "terminal" }] },
  workspace: new RemoteWorkspace({ host, apiKey, workingDir }),
});
console.log(`conversation ${conversation.id}`);

// A typed handler for one kind of event.
const commands: string[] = [];
conversation.onEvent("ActionEvent", (action) => {
  if (action.tool_name === "terminal") commands.push(String(action.action?.command));
});

// The stream of every event, consumed while the run goes on.
const seen: Event[] = [];
const watching = (async () => {
  for await (const event of conversation.events()) {
    seen.push(event);
    const detail = isEventKind(event, "ObservationEvent")
      ? contentText(event.observation.content).trim()
      : isEventKind(event, "ConversationStateUpdateEvent")
      ? event.key
      : String(event.source);
    console.log(`  event ${String(seen.length).padStart(2)}: ${event.kind} ${detail}`);
  }
  console.log("  (the stream ended: the conversation was closed)");
})();

await conversation.sendMessage("[script:long n=3] Count to three.");
const status = await conversation.run({ timeoutMs: 120_000 });
console.log(`run ended: ${status}`);
await conversation.close(); // ends the for-await loop after what it buffered
await watching;

const ids = seen.filter((e) => "id" in e).map((e) => e.id);
console.log(`${seen.length} events streamed; terminal commands: ${commands.join(", ")}`);
check(status === "finished", "the run finished");
check(commands.join(",") === "echo step-0,echo step-1,echo step-2", "onEvent saw each command");
check(seen.some((e) => e.kind === "ObservationEvent"), "the stream carried the observations");
check(new Set(ids).size === ids.length, "no event came twice");
