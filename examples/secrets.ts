/**
 * Secrets: values the agent's commands can use as environment variables, without the value ever
 * reaching the LLM, the events or this program's output. The server masks them in command output
 * (`<secret-hidden>`).
 *
 * The marker `[script:terminal cmd="..."]` tells the scripted LLM which command to run; with a
 * real LLM, drop it and ask for something that needs the secret.
 *
 * Run: `deno run -A examples/secrets.ts` (see examples/README.md).
 *
 * @module
 */

import { RemoteConversation, RemoteWorkspace, StaticSecret } from "@remote-hands/client";
import { ConversationVisualizer } from "@remote-hands/client/visualizer";
import { apiKey, check, host, llm, workingDir } from "./_env.ts";

const token = `tok-${crypto.randomUUID()}`; // stands in for a real credential
const printed: string[] = [];
const workspace = new RemoteWorkspace({ host, apiKey, workingDir });
await using conversation = await RemoteConversation.create({
  agent: { llm, tools: [{ name: "terminal" }] },
  workspace,
  // Capture what the visualizer prints, to check the value is not in it, and show it too.
  visualizer: new ConversationVisualizer({
    write: (text) => {
      printed.push(text);
      console.log(text);
    },
  }),
  secrets: { API_TOKEN: token }, // a plain string is a StaticSecret
});
console.log(`conversation ${conversation.id}`);

// Secrets can be added or replaced at any time; descriptions help the agent use them.
await conversation.updateSecrets({
  DEPLOY_KEY: new StaticSecret({ value: `key-${crypto.randomUUID()}`, description: "deploys" }),
});
console.log("set secrets API_TOKEN and DEPLOY_KEY (values sent in request bodies only)");

await conversation.sendMessage(
  '[script:terminal cmd="echo token=$API_TOKEN; echo token-length-${#API_TOKEN}; test -n $DEPLOY_KEY && echo deploy-key-set"] ' +
    "Check that the credentials are there.",
);
const status = await conversation.run({ timeoutMs: 120_000 });
console.log(`run ended: ${status}`);

const output = printed.join("\n");
check(status === "finished", "the run finished");
check(output.includes(`token-length-${token.length}`), "the command saw the secret's value");
check(output.includes("deploy-key-set"), "the secret added later is there too");
check(output.includes("token=<secret-hidden>"), "the server masked the value in the output");
check(
  !output.includes(token) && !conversation.state.modelDumpJson().includes(token),
  "the value is in no event and no printed line",
);
