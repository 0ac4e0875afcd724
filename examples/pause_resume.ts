/**
 * Pause and resume: `pause()` stops the agent after its current step (the waiting `run()`
 * resolves `"paused"`); `run()` again continues where it stopped.
 *
 * The marker `[script:long n=6 delay=400]` makes the scripted LLM take six terminal steps
 * (`echo step-0` ... `echo step-5`), 400 ms each, then finish; with a real LLM, drop it and give
 * it a long task.
 *
 * Run: `deno run -A examples/pause_resume.ts` (see examples/README.md).
 *
 * @module
 */

import {
  contentText,
  isEventKind,
  RemoteConversation,
  RemoteWorkspace,
} from "@remote-hands/client";
import { apiKey, check, host, llm, workingDir } from "./_env.ts";

const workspace = new RemoteWorkspace({ host, apiKey, workingDir });
await using conversation = await RemoteConversation.create({
  agent: { llm, tools: [{ name: "terminal" }] },
  workspace,
});
console.log(`conversation ${conversation.id}`);

const steps = (): string[] =>
  conversation.state.events.slice()
    .filter((e) => isEventKind(e, "ObservationEvent") && e.tool_name === "terminal")
    .map((e) =>
      isEventKind(e, "ObservationEvent") ? contentText(e.observation.content).trim() : ""
    );

// Pause as soon as the first step's output arrives.
const firstStep = new Promise<void>((resolve) => {
  const off = conversation.onEvent("ObservationEvent", () => {
    off();
    resolve();
  });
});
await conversation.sendMessage("[script:long n=6 delay=400] Count from 0 to 5, one step each.");
const running = conversation.run({ timeoutMs: 120_000 });
await firstStep;
await conversation.pause();
const paused = await running;
console.log(`paused: run ended ${paused} after ${steps().length} step(s): ${steps().join(", ")}`);
check(paused === "paused", "the run ended as paused");
check(steps().length < 6, "the agent stopped before the end");

const resumed = await conversation.run({ timeoutMs: 120_000 });
console.log(`resumed: run ended ${resumed}; steps: ${steps().join(", ")}`);
check(resumed === "finished", "the resumed run finished");
check(
  steps().join(",") === "step-0,step-1,step-2,step-3,step-4,step-5",
  "every step ran once, in order",
);
