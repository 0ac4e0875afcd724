import assert from "node:assert/strict";
import {
  AuthenticationError,
  type ConversationInfo,
  createAgentServerClient,
  NotFoundError,
  type StartConversationRequest,
  ValidationError,
} from "../../mod.ts";
import { marker } from "../support/scripted_llm.ts";
import { llmRequests, scriptedAgent, stack, uniqueId } from "../support/stack.ts";
import { test } from "../support/test.ts";

const client = createAgentServerClient({ host: stack.serverUrl, apiKey: stack.apiKey });

function startBody(text: string) {
  return {
    agent: scriptedAgent() as NonNullable<StartConversationRequest["agent"]>,
    workspace: { kind: "LocalWorkspace" as const, working_dir: stack.workspaceDir },
    autotitle: false,
    stuck_detection: false,
    max_iterations: 10,
    initial_message: { role: "user" as const, content: [{ type: "text" as const, text }] },
  };
}

async function waitForStatus(
  id: string,
  done: (s: string) => boolean,
): Promise<{ id: string; execution_status: ConversationInfo["execution_status"] }> {
  const until = Date.now() + 60_000;
  while (true) {
    const { data } = await client.rest.GET("/api/conversations/{conversation_id}", {
      params: { path: { conversation_id: id } },
    });
    assert.ok(data);
    if (done(String(data.execution_status)) || Date.now() > until) {
      return { id: data.id, execution_status: data.execution_status };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("real server: /health answers ok and the spec version is the pin", async () => {
  const res = await fetch(`${stack.serverUrl}/health`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: "ok" });
  assert.equal(stack.serverVersion, "1.58.2");
});

test("real server: create, get and search a conversation driven by the scripted LLM", async () => {
  const id = uniqueId("rest");
  const created = await client.rest.POST("/api/conversations", {
    body: startBody(`${marker("reply", { id, text: "Hi from the script" })} say hi`),
  });
  assert.equal(created.response.status, 201);
  const conversationId = String(created.data!.id);
  const info = await waitForStatus(conversationId, (s) => s === "finished" || s === "error");
  assert.equal(info.execution_status, "finished");
  assert.equal(info.id, conversationId);

  const { data: page } = await client.rest.GET(
    "/api/conversations/{conversation_id}/events/search",
    {
      params: { path: { conversation_id: conversationId }, query: { limit: 100 } },
    },
  );
  const items = (page as { items: Array<Record<string, unknown>> }).items;
  const messages = items.filter((e) => e.kind === "MessageEvent");
  assert.deepEqual(messages.map((m) => m.source), ["user", "agent"]);
  const agentText =
    (messages[1]!.llm_message as { content: Array<{ text: string }> }).content[0]!.text;
  assert.equal(agentText, "Hi from the script");
  const requests = await llmRequests(id);
  assert.equal(requests.filter((r) => !r.title).length, 1);
  assert.equal(requests[0]!.headers["x-litellm-session-id"], conversationId);
});

test("real server: a wrong API key is an AuthenticationError (401) without the key in it", async () => {
  const wrong = createAgentServerClient({ host: stack.serverUrl, apiKey: "definitely-wrong-key" });
  const err = await wrong.rest.GET("/api/conversations/search", {}).then(
    () => assert.fail("expected a rejection"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AuthenticationError);
  assert.equal(err.status, 401);
  assert.equal(err.detail, "Unauthorized");
  assert.ok(!err.message.includes("definitely-wrong-key"));
  assert.ok(!JSON.stringify(err).includes("definitely-wrong-key"));
});

test("real server: an unknown conversation id is a NotFoundError (404)", async () => {
  const unknown = "00000000-0000-4000-8000-000000000000";
  await assert.rejects(
    client.rest.GET("/api/conversations/{conversation_id}", {
      params: { path: { conversation_id: unknown } },
    }),
    (err: unknown) => {
      assert.ok(err instanceof NotFoundError);
      assert.equal(err.status, 404);
      assert.equal(err.method, "GET");
      assert.equal(err.path, `/api/conversations/${unknown}`);
      return true;
    },
  );
});

test("real server: a bad body is a ValidationError (422) naming the field", async () => {
  await assert.rejects(
    client.rest.POST("/api/conversations", {
      body: { workspace: { working_dir: stack.workspaceDir }, max_iterations: 0 } as never,
    }),
    (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.equal(err.status, 422);
      assert.ok(Array.isArray(err.detail));
      assert.match(err.message, /max_iterations/);
      return true;
    },
  );
});
