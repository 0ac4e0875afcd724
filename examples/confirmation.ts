/**
 * Confirmation: with `AlwaysConfirm` the agent stops before each action; `run()` again approves
 * it, `rejectPendingActions()` refuses it.
 *
 * The marker `[script:confirm cmd="..."]` makes the scripted LLM propose that command (and then
 * finish); with a real LLM, drop it.
 *
 * Run: `deno run -A examples/confirmation.ts` (see examples/README.md).
 *
 * @module
 */

import {
  AlwaysConfirm,
  contentText,
  type Event,
  isEventKind,
  RemoteConversation,
  RemoteWorkspace,
  type UserRejectObservation,
} from "@remote-hands/client";
import { apiKey, check, host, llm, workingDir } from "./_env.ts";

const workspace = new RemoteWorkspace({ host, apiKey, workingDir });
const agent = { llm, tools: [{ name: "terminal" }] };

/** The command of the last action the agent proposed. */
function lastCommand(events: Event[]): string | undefined {
  const action = events.findLast((e) => isEventKind(e, "ActionEvent"));
  return action && isEventKind(action, "ActionEvent")
    ? String(action.action?.command ?? action.tool_name)
    : undefined;
}

// 1. Approve: the held action runs when run() is called again.
{
  await using conversation = await RemoteConversation.create({
    agent,
    workspace,
    confirmationPolicy: new AlwaysConfirm(),
  });
  console.log(`conversation ${conversation.id} (AlwaysConfirm)`);
  await conversation.sendMessage('[script:confirm cmd="echo approved-action"] Print a word.');
  const held = await conversation.run({ timeoutMs: 120_000 });
  console.log(
    `run ended: ${held}; the agent wants to run: ${lastCommand(conversation.state.events.slice())}`,
  );
  check(held === "waiting_for_confirmation", "the action waits for confirmation");

  const done = await conversation.run({ timeoutMs: 120_000 }); // approves what is pending
  const output = conversation.state.events.slice()
    .filter((e) => isEventKind(e, "ObservationEvent") && e.tool_name === "terminal")
    .map((e) => isEventKind(e, "ObservationEvent") ? contentText(e.observation.content) : "")
    .join("").trim();
  console.log(`approved; run ended: ${done}; output: ${JSON.stringify(output)}`);
  check(done === "finished", "the approved run finished");
  check(output.includes("approved-action"), "the approved command ran");
}

// 2. Reject: the server records a UserRejectObservation and the command never runs.
{
  await using conversation = await RemoteConversation.create({
    agent,
    workspace,
    confirmationPolicy: new AlwaysConfirm(),
  });
  console.log(`conversation ${conversation.id} (AlwaysConfirm)`);
  await conversation.sendMessage('[script:confirm cmd="rm -rf build"] Clean the build.');
  const held = await conversation.run({ timeoutMs: 120_000 });
  console.log(
    `run ended: ${held}; the agent wants to run: ${lastCommand(conversation.state.events.slice())}`,
  );
  check(held === "waiting_for_confirmation", "the action waits for confirmation");

  const rejected = new Promise<UserRejectObservation>((resolve) => {
    const off = conversation.onEvent("UserRejectObservation", (event) => {
      off();
      resolve(event);
    });
  });
  await conversation.rejectPendingActions("not now: the build is still needed");
  const rejection = await rejected;
  console.log(`rejected: ${rejection.tool_name} (${rejection.rejection_reason})`);
  check(rejection.rejection_reason.startsWith("not now"), "the rejection carries the reason");
  check(
    !conversation.state.events.slice().some((e) =>
      isEventKind(e, "ObservationEvent") && e.tool_name === "terminal"
    ),
    "the rejected command never ran",
  );
}
