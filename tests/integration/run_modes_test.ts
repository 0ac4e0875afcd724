/**
 * The run lifecycle against the real 1.58.2 server and the scripted LLM: `run({ blocking: false })`
 * and its handle, `waitUntilIdle()` from a second client that did not start the run, a run nobody
 * awaits across `close()`, and a server killed mid-run (`run()` rejects with `ConnectionError`
 * after `unreachableTimeoutMs`, not after its one-hour limit; the server is started again after).
 */

import assert from "node:assert/strict";
import process from "node:process";
import {
  ConnectionError,
  ConversationRunError,
  type Event,
  RemoteConversation,
  type RemoteConversationOptions,
  RemoteHandsError,
  RemoteWorkspace,
} from "../../mod.ts";
import { marker } from "../support/scripted_llm.ts";
import { controlServer, scriptedAgent, stack, uniqueId } from "../support/stack.ts";
import { test } from "../support/test.ts";

/** Creates (or attaches to) a conversation whose callback records event ids. */
async function open(
  extra: Partial<RemoteConversationOptions> = {},
): Promise<{ conversation: RemoteConversation; seen: string[] }> {
  const seen: string[] = [];
  const conversation = await RemoteConversation.create({
    agent: scriptedAgent(),
    workspace: new RemoteWorkspace({
      host: stack.serverUrl,
      apiKey: stack.apiKey,
      workingDir: stack.workspaceDir,
    }),
    autotitle: false,
    stuckDetection: false,
    callbacks: [(event: Event) => void seen.push(event.id)],
    ...extra,
  });
  return { conversation, seen };
}

/** A task for the `long` script: `n` tool steps, `delay` ms each. */
function longTask(prefix: string, n: number, delay: number): string {
  return `${marker("long", { id: uniqueId(prefix), n, delay })} count slowly`;
}

async function until(what: string, fn: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The ids of the stored events, as `state.events` holds them. */
function listed(conversation: RemoteConversation): string[] {
  return [...conversation.state.events].map((event) => event.id);
}

test(
  "run({ blocking: false }): the handle arrives while the run goes; a second call joins it (409); both end finished",
  async () => {
    const { conversation } = await open();
    try {
      await conversation.sendMessage(longTask("nb", 4, 300));
      const first = await conversation.run({ blocking: false });
      assert.equal(first.alreadyRunning, false);
      const second = await conversation.run({ blocking: false });
      assert.equal(second.alreadyRunning, true, "the run was still going");
      const kinds: string[] = [];
      for await (const event of conversation.events()) {
        kinds.push(event.kind);
        if (event.kind === "ActionEvent") break; // the run goes on while we watch
      }
      assert.ok(kinds.includes("ActionEvent"), kinds.join());
      assert.deepEqual(await Promise.all([first.done, second.done]), ["finished", "finished"]);
      assert.equal(conversation.state.agentStatus, "finished");
    } finally {
      await conversation.close();
    }
  },
  { timeoutMs: 120_000 },
);

test(
  "waitUntilIdle(): a second client that did not start the run resolves when it ends, with every event",
  async () => {
    const { conversation: owner } = await open();
    let observer: RemoteConversation | undefined;
    try {
      await owner.sendMessage(longTask("idle", 5, 300));
      const handle = await owner.run({ blocking: false });
      observer = (await open({ conversationId: owner.id })).conversation;
      assert.equal(observer.state.agentStatus, "running");
      const started = Date.now();
      assert.equal(await observer.waitUntilIdle({ timeoutMs: 60_000 }), "finished");
      assert.ok(Date.now() - started > 100, "it waited for the run");
      assert.equal(await handle.done, "finished");
      assert.deepEqual(listed(observer), listed(owner), "the observer holds the whole history");
      assert.equal(await observer.waitUntilIdle(), "finished", "at once when not running");
    } finally {
      await observer?.close();
      await owner.close();
    }
  },
  { timeoutMs: 120_000 },
);

test(
  "close(): a run() nobody awaits, with events() watched, rejects typed and is no unhandled rejection",
  async () => {
    const { conversation } = await open();
    const unhandled: unknown[] = [];
    const listener = (reason: unknown): void => void unhandled.push(reason);
    process.on("unhandledRejection", listener);
    try {
      await conversation.sendMessage(longTask("float", 6, 300));
      const watching = (async () => {
        let n = 0;
        for await (const _ of conversation.events()) n++;
        return n;
      })();
      const running = conversation.run(); // never awaited before close()
      await until("the run to start", () => conversation.state.agentStatus === "running");
      await conversation.close();
      assert.ok(await watching > 0, "the iterator saw events, then ended");
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(unhandled, []);
      const error = await running.then(() => assert.fail("expected a rejection"), (e) => e);
      assert.ok(error instanceof RemoteHandsError, String(error));
      assert.equal(error.message, "Cannot wait for the run as the conversation was closed");
    } finally {
      process.off("unhandledRejection", listener);
      await conversation.close();
      // The run goes on on the server: let it end so that it does not load the next tests.
      const { conversation: after } = await open({ conversationId: conversation.id });
      await after.waitUntilIdle({ timeoutMs: 60_000 }).catch(() => undefined);
      await after.close();
    }
  },
  { timeoutMs: 120_000 },
);

test(
  "a server killed mid-run: run() rejects with ConnectionError after unreachableTimeoutMs; after the restart waitUntilIdle() settles typed",
  async () => {
    const { conversation } = await open();
    let killed = false;
    try {
      await conversation.sendMessage(longTask("kill", 40, 200));
      const running = conversation.run({ unreachableTimeoutMs: 3_000 }).then(
        () => assert.fail("expected a rejection"),
        (error: unknown) => ({ error, at: Date.now() }),
      );
      await until("the first action", () => {
        return [...conversation.state.events].some((e) => e.kind === "ActionEvent");
      }, 60_000);
      await controlServer("kill");
      killed = true;
      const killedAt = Date.now();
      const { error, at } = await running;
      const seconds = (at - killedAt) / 1000;
      assert.ok(error instanceof ConnectionError, String(error));
      assert.ok(error.cause instanceof ConnectionError, `cause: ${String(error.cause)}`);
      assert.match(error.message, /no open socket and no REST answer for 3000 ms/);
      assert.ok(!error.message.includes(stack.apiKey), "no key in the message");
      assert.ok(seconds >= 1.5 && seconds <= 15, `run() rejected ${seconds} s after the kill`);

      await controlServer("start");
      killed = false;
      // The server marks the run the crash interrupted as `error` (chaos_test.ts sees the same).
      const after = await conversation.waitUntilIdle({ timeoutMs: 60_000 }).catch((e) => e);
      assert.ok(after instanceof ConversationRunError, String(after));
      assert.equal(after.status, "error");
    } finally {
      if (killed) await controlServer("start");
      await conversation.close();
    }
  },
  { timeoutMs: 300_000 },
);
