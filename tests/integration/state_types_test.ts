/**
 * The typed state against the real 1.58.2 server: after a scripted run, `state.stats`,
 * `conversationStats` and `getCombinedMetrics()` give the scripted LLM's token counts, and the
 * `RemoteState` getters read what the server reports. Runs under `deno test` and `bun test`.
 */

import assert from "node:assert/strict";
import {
  createAgentServerClient,
  getCombinedMetrics,
  RemoteConversation,
  RemoteWorkspace,
  type StartConversationRequest,
} from "../../mod.ts";
import { marker, scriptedLlmConfig, usageFor } from "../support/scripted_llm.ts";
import { scriptedAgent, stack, uniqueId } from "../support/stack.ts";
import { test } from "../support/test.ts";

/** A hook that never runs: no tool has that name. */
const HOOKS = { post_tool_use: [{ matcher: "no_such_tool", hooks: [{ command: "true" }] }] };

test("state types: stats, the combined view and the new getters read the server's values after a run", async () => {
  const { rest } = createAgentServerClient({ host: stack.serverUrl, apiKey: stack.apiKey });
  // Created over REST with a hook config and a security analyzer, then attached to.
  const body: StartConversationRequest = {
    conversation_id: crypto.randomUUID(),
    agent: {
      kind: "Agent",
      llm: scriptedLlmConfig(stack.llmUrl),
      tools: [{ name: "terminal", params: { terminal_type: "subprocess" } }],
    },
    workspace: { kind: "LocalWorkspace", working_dir: stack.workspaceDir },
    hook_config: HOOKS,
    security_analyzer: { kind: "LLMSecurityAnalyzer" },
    autotitle: false,
  };
  const { data: created } = await rest.POST("/api/conversations", { body });
  const conversation = await RemoteConversation.create({
    agent: scriptedAgent(),
    workspace: new RemoteWorkspace({
      host: stack.serverUrl,
      apiKey: stack.apiKey,
      workingDir: stack.workspaceDir,
    }),
    conversationId: created.id,
    autotitle: false,
    deleteOnClose: true,
  });
  try {
    const { state } = conversation;
    await conversation.sendMessage(`${marker("terminal", { id: uniqueId("state-types") })} go`);
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");

    // Two LLM calls (the terminal command, then finish), in the one usage `agent`.
    const [first, second] = [usageFor(0), usageFor(1)];
    const totals = {
      prompt_tokens: first.prompt_tokens + second.prompt_tokens,
      completion_tokens: first.completion_tokens + second.completion_tokens,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      reasoning_tokens: 0,
      context_window: 0,
      per_turn_token: second.prompt_tokens + second.completion_tokens,
    };
    const stats = state.stats;
    assert.deepEqual(Object.keys(stats?.usage_to_metrics ?? {}), ["agent"]);
    const agent = stats?.usage_to_metrics.agent;
    assert.equal(agent?.model_name, "openai/scripted");
    assert.equal(agent?.accumulated_cost, 0);
    assert.deepEqual(agent?.accumulated_token_usage, {
      model: "openai/scripted",
      ...totals,
      response_id: "",
    });
    assert.equal(conversation.conversationStats, stats);
    assert.deepEqual(getCombinedMetrics(conversation.conversationStats), {
      accumulated_cost: 0,
      max_budget_per_task: null,
      accumulated_token_usage: totals,
    });

    // The getters show the server's values: as the socket brought them, then as REST has them.
    const { data: info } = await rest.GET("/api/conversations/{conversation_id}", {
      params: { path: { conversation_id: conversation.id } },
    });
    assert.equal(state.executionStatus, "finished");
    assert.equal(state.executionStatus, info.execution_status);
    assert.equal(state.securityAnalyzer?.kind, "LLMSecurityAnalyzer");
    assert.deepEqual(state.securityAnalyzer, info.security_analyzer);
    // From the socket's snapshot: None fields left out, `async` named `async_` by the server.
    const hook = state.hookConfig?.post_tool_use?.[0];
    assert.equal(hook?.matcher, "no_such_tool");
    assert.deepEqual(hook?.hooks, [
      { command: "true", type: "command", timeout: 60, async: false, max_iterations: 3, tools: [] },
    ]);
    assert.deepEqual(
      hook?.hooks,
      info.hook_config?.post_tool_use?.[0]?.hooks?.map((h) => {
        const { name: _n, prompt: _p, system_prompt: _s, ...set } = h;
        return set;
      }),
    );
    assert.deepEqual(state.invokedSkills, []);
    assert.deepEqual(state.invokedSkills, info.invoked_skills);
    assert.deepEqual(state.activatedKnowledgeSkills, info.activated_knowledge_skills);
    assert.equal(state.agent?.kind, "Agent");
    assert.equal(state.agent?.llm?.model, "openai/scripted");

    const refreshed = await state.refreshFromServer();
    assert.equal(refreshed.id, conversation.id);
    assert.equal(refreshed.execution_status, "finished");
    assert.deepEqual(refreshed.hook_config, info.hook_config);
    assert.deepEqual(state.modelDump(), refreshed);
    assert.deepEqual(state.hookConfig, info.hook_config);
    // REST carries each usage's per-call lists too.
    const calls = state.stats?.usage_to_metrics.agent?.token_usages ?? [];
    assert.deepEqual(calls.map((c) => [c.prompt_tokens, c.completion_tokens]), [
      [first.prompt_tokens, first.completion_tokens],
      [second.prompt_tokens, second.completion_tokens],
    ]);
    assert.deepEqual(
      getCombinedMetrics(state.stats).accumulated_token_usage,
      totals,
    );
  } finally {
    await conversation.close();
  }
});
