/**
 * Beyond the Python API, against the real 1.58.2 server: live event iterators and typed handlers,
 * workspace commands, files and git, and the ConversationManager.
 */

import assert from "node:assert/strict";
import {
  type ActionEvent,
  BadRequestError,
  type Event,
  NotFoundError,
  RemoteConversation,
  type RemoteHandsError,
  RemoteWorkspace,
} from "../../mod.ts";
import { isPersistedEvent } from "../../src/events/helpers.ts";
import { ConversationManager } from "../../manager.ts";
import { marker } from "../support/scripted_llm.ts";
import { scriptedAgent, stack, uniqueId } from "../support/stack.ts";
import { test } from "../support/test.ts";

function workspace(): RemoteWorkspace {
  return new RemoteWorkspace({
    host: stack.serverUrl,
    apiKey: stack.apiKey,
    workingDir: stack.workspaceDir,
  });
}

async function open(maxIterationPerRun?: number): Promise<RemoteConversation> {
  return await RemoteConversation.create({
    agent: scriptedAgent(),
    workspace: workspace(),
    autotitle: false,
    stuckDetection: false,
    ...(maxIterationPerRun ? { maxIterationPerRun } : {}),
  });
}

function counts(events: Event[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of events) out.set(e.id, (out.get(e.id) ?? 0) + 1);
  return out;
}

/** `kind:tool` of actions and observations, in order. */
function toolSteps(events: Event[]): string[] {
  return events
    .filter((e) => e.kind === "ActionEvent" || e.kind === "ObservationEvent")
    .map((e) => `${e.kind}:${String(e.tool_name)}`);
}

// --- conversation.events() and onEvent() -------------------------------------------------------

test("events(): for await during a terminal run sees each event once and ends on close()", async () => {
  const conversation = await open();
  let closed = false;
  try {
    const before = new Set(conversation.state.events.slice().map((e) => e.id));
    const collected: Event[] = [];
    let loopEndedAfterClose: boolean | undefined;
    const loop = (async () => {
      for await (const event of conversation.events()) collected.push(event);
      loopEndedAfterClose = closed;
    })();
    const id = uniqueId("iter");
    await conversation.sendMessage(`${marker("terminal", { id, cmd: "echo iterated" })} go`);
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");
    assert.equal(loopEndedAfterClose, undefined); // still iterating while open
    closed = true;
    await conversation.close();
    await loop;
    assert.equal(loopEndedAfterClose, true);

    const persisted = collected.filter(isPersistedEvent);
    // Exactly the stored events that appeared after the call, in list order, each once.
    assert.deepEqual(
      persisted.map((e) => e.id),
      conversation.state.events.slice().map((e) => e.id).filter((id) => !before.has(id)),
    );
    assert.deepEqual([...counts(collected).values()].filter((n) => n > 1), []);
    assert.deepEqual(toolSteps(collected), [
      "ActionEvent:terminal",
      "ObservationEvent:terminal",
      "ActionEvent:finish",
      "ObservationEvent:finish",
    ]);
    const user = persisted.filter((e) => e.kind === "MessageEvent" && e.source === "user");
    assert.equal(user.length, 1);
  } finally {
    await conversation.close();
  }
});

test("events(): history first, parallel iterators, break unsubscribes, abort ends without throwing", async () => {
  const conversation = await open();
  try {
    const id = uniqueId("iterhist");
    await conversation.sendMessage(`${marker("terminal", { id, cmd: "echo first-run" })} go`);
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");
    const history = conversation.state.events.slice().map((e) => e.id);
    assert.ok(history.length >= 5, `history has ${history.length} events`);

    // history: true yields the stored events, in order, before anything live.
    const controller = new AbortController();
    const withHistory: string[] = [];
    const historyLoop = (async () => {
      for await (const e of conversation.events({ history: true, signal: controller.signal })) {
        withHistory.push(e.id);
      }
    })();
    // A second iterator at the same time, left with break after the first live event.
    const firstLive: Event[] = [];
    const breakLoop = (async () => {
      for await (const e of conversation.events()) {
        firstLive.push(e);
        break;
      }
    })();
    const all: Event[] = [];
    const allLoop = (async () => {
      for await (const e of conversation.events()) all.push(e);
    })();

    const id2 = uniqueId("iterhist2");
    await conversation.sendMessage(`${marker("reply", { id: id2, text: "second run" })} again`);
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");
    await breakLoop;
    assert.equal(firstLive.length, 1);
    assert.equal(firstLive[0]!.id, all[0]!.id);

    controller.abort(new Error("enough"));
    await historyLoop; // ends, does not throw
    assert.deepEqual(withHistory.slice(0, history.length), history);
    assert.deepEqual(
      withHistory.slice(history.length),
      all.slice(0, withHistory.length - history.length).map((e) => e.id),
    );
    await conversation.close();
    await allLoop;
    const after = conversation.state.events.slice().map((e) => e.id);
    assert.deepEqual(
      all.filter(isPersistedEvent).map((e) => e.id),
      after.slice(history.length),
    );

    // Once closed: history (if asked) and done.
    const late: string[] = [];
    for await (const e of conversation.events({ history: true })) late.push(e.id);
    assert.deepEqual(late, after);
    assert.throws(
      () => conversation.events({ maxBuffer: 0 }),
      (err: unknown) =>
        err instanceof RangeError &&
        err.message ===
          "Cannot use 'maxBuffer' as it must be a positive whole number: current value is 0",
    );
  } finally {
    await conversation.close();
  }
});

test("onEvent(): typed handlers per kind, each event once, unsubscribe stops delivery", async () => {
  const errors: RemoteHandsError[] = [];
  const conversation = await RemoteConversation.create({
    agent: scriptedAgent(),
    workspace: workspace(),
    autotitle: false,
    stuckDetection: false,
    onError: (err) => errors.push(err),
  });
  try {
    conversation.onEvent("MessageEvent", () => {
      throw new Error("handler bug");
    });
    const actions: ActionEvent[] = [];
    const offAction = conversation.onEvent("ActionEvent", (event) => {
      // `event` is narrowed: tool_name and tool_call_id are strings without casts.
      const name: string = event.tool_name;
      const call: string = event.tool_call_id;
      assert.equal(event.kind, "ActionEvent");
      assert.ok(name && call);
      actions.push(event);
    });
    const removed: Event[] = [];
    const offRemoved = conversation.onEvent("ObservationEvent", (e) => removed.push(e));
    offRemoved();
    offRemoved(); // idempotent
    const observations: string[] = [];
    conversation.onEvent("ObservationEvent", (e) => observations.push(e.action_id));

    const id = uniqueId("onevent");
    await conversation.sendMessage(`${marker("terminal", { id, cmd: "echo typed" })} go`);
    assert.equal(await conversation.run({ timeoutMs: 60_000 }), "finished");
    offAction();

    const stored = conversation.state.events.slice();
    assert.deepEqual(actions.map((a) => a.tool_name), ["terminal", "finish"]);
    assert.deepEqual(
      actions.map((a) => a.id),
      stored.filter((e) => e.kind === "ActionEvent").map((e) => e.id),
    );
    assert.equal((actions[0]!.action as { command?: string }).command, "echo typed");
    assert.deepEqual(observations, actions.map((a) => a.id));
    assert.deepEqual(removed, []);
    // The throwing handler ran for the one message (the user's; the agent ends with `finish`),
    // was reported, and delivery went on.
    assert.deepEqual(
      errors.map((e) => [e.message, (e.cause as Error).message]),
      [["An onEvent handler threw; delivery goes on", "handler bug"]],
    );
    assert.throws(
      () => conversation.onEvent("ActionEvent", "nope" as unknown as () => void),
      (err: unknown) =>
        err instanceof TypeError &&
        err.message === "Cannot listen for events as 'handler' must be a function",
    );
  } finally {
    await conversation.close();
  }
});

// --- RemoteWorkspace: commands, files, git ------------------------------------------------------

test("executeCommand: echo hi gives output 'hi' and exit code 0", async () => {
  const ws = workspace();
  const result = await ws.executeCommand("echo hi");
  assert.equal(result.exitCode, 0);
  assert.equal(result.output, "hi");
  assert.equal(result.stdout, "hi\n");
  assert.equal(result.stderr, "");
  assert.equal(result.timedOut, false);
  assert.equal(result.command, "echo hi");
  assert.match(result.commandId, /^[0-9a-f-]{32,36}$/);
});

test("executeCommand: stdout, stderr and exit code apart; cwd defaults to workingDir and resolves relative paths", async () => {
  const ws = workspace();
  const failed = await ws.executeCommand("echo out; echo err >&2; exit 3");
  assert.deepEqual(
    [failed.exitCode, failed.stdout, failed.stderr, failed.output, failed.timedOut],
    [3, "out\n", "err\n", "out\nerr", false],
  );
  assert.equal((await ws.executeCommand("pwd")).output, stack.workspaceDir);
  const dir = uniqueId("cwd");
  assert.equal((await ws.executeCommand(`mkdir -p ${dir}`)).exitCode, 0);
  assert.equal(
    (await ws.executeCommand("pwd", { cwd: dir })).output,
    `${stack.workspaceDir}/${dir}`,
  );
  assert.equal((await ws.executeCommand("pwd", { cwd: "/" })).output, "/");
  const big = await ws.executeCommand("head -c 100000 /dev/zero | tr '\\0' x");
  assert.equal(big.exitCode, 0);
  assert.equal(big.stdout, "x".repeat(100_000));
});

test("executeCommand: the server's time limit kills the command (exit -1, timedOut)", async () => {
  const ws = workspace();
  const started = Date.now();
  const result = await ws.executeCommand("echo before; sleep 20; echo after", { timeoutMs: 1000 });
  assert.equal(result.exitCode, -1);
  assert.equal(result.timedOut, true);
  assert.equal(result.stdout, "before\n");
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
});

test("executeCommand: abort rejects with the reason and stops the command on the server", async () => {
  const ws = workspace();
  const flag = `${stack.workspaceDir}/${uniqueId("abort")}.flag`;
  const controller = new AbortController();
  const reason = new Error("user cancelled");
  const running = ws.executeCommand(`sleep 1.5 && touch ${flag}`, { signal: controller.signal });
  await new Promise((r) => setTimeout(r, 300));
  controller.abort(reason);
  await assert.rejects(running, (err: unknown) => err === reason);
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal((await ws.executeCommand(`test -e ${flag}`)).exitCode, 1);
  await assert.rejects(
    ws.executeCommand("echo never", { signal: AbortSignal.abort(reason) }),
    (err: unknown) => err === reason,
  );
  await assert.rejects(
    ws.executeCommand(" "),
    (err: unknown) =>
      err instanceof TypeError &&
      err.message === "Cannot execute the command as it must be a non-empty string",
  );
});

test("fileUpload/fileDownload: text, binary, empty, Blob and stream content round-trip exactly", async () => {
  const ws = workspace();
  const dir = `${stack.workspaceDir}/${uniqueId("files")}`;
  const binary = new Uint8Array(512);
  for (let i = 0; i < binary.length; i++) binary[i] = i % 256;

  assert.deepEqual(await ws.fileUpload(`${dir}/nested/bin.dat`, binary), {
    success: true,
    file_size: 512,
  });
  const blob = await ws.fileDownload(`${dir}/nested/bin.dat`);
  assert.deepEqual(new Uint8Array(await blob.arrayBuffer()), binary);

  const text = "héllo wörld ✓\nline 2\n";
  const utf8 = new TextEncoder().encode(text);
  assert.equal((await ws.fileUpload(`${dir}/text.txt`, text)).file_size, utf8.length);
  assert.equal(await (await ws.fileDownload(`${dir}/text.txt`)).text(), text);

  assert.deepEqual(await ws.fileUpload(`${dir}/empty`, new Uint8Array(0)), {
    success: true,
    file_size: 0,
  });
  assert.equal((await ws.fileDownload(`${dir}/empty`)).size, 0);
  const emptyChunks: Uint8Array[] = [];
  for await (const chunk of await ws.fileDownloadStream(`${dir}/empty`)) emptyChunks.push(chunk);
  assert.deepEqual(emptyChunks, []);

  await ws.fileUpload(`${dir}/blob.bin`, new Blob([binary.subarray(0, 10), binary.subarray(250)]));
  const expected = new Uint8Array([...binary.subarray(0, 10), ...binary.subarray(250)]);
  assert.deepEqual(
    new Uint8Array(await (await ws.fileDownload(`${dir}/blob.bin`)).arrayBuffer()),
    expected,
  );

  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(binary.subarray(0, 100));
      controller.enqueue(binary.subarray(100));
      controller.close();
    },
  });
  await ws.fileUpload(`${dir}/stream.bin`, stream);
  const chunks: Uint8Array[] = [];
  for await (const chunk of await ws.fileDownloadStream(`${dir}/stream.bin`)) chunks.push(chunk);
  assert.deepEqual(new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer()), binary);

  // Relative paths are under workingDir; the shell sees the same bytes.
  const rel = `${uniqueId("rel")}/r.txt`;
  await ws.fileUpload(rel, "relative\n");
  assert.equal((await ws.executeCommand(`cat ${rel}`)).stdout, "relative\n");
  assert.equal(await (await ws.fileDownload(`${stack.workspaceDir}/${rel}`)).text(), "relative\n");
});

test("fileDownload: a missing file is NotFoundError, a directory BadRequestError; bad input is a TypeError", async () => {
  const ws = workspace();
  await assert.rejects(
    ws.fileDownload(`${stack.workspaceDir}/${uniqueId("missing")}.txt`),
    (err: unknown) => err instanceof NotFoundError && err.status === 404,
  );
  await assert.rejects(
    ws.fileDownload(stack.workspaceDir),
    (err: unknown) => err instanceof BadRequestError && err.detail === "Path is not a file",
  );
  const stream = await ws.fileDownloadStream(`${stack.workspaceDir}/${uniqueId("s")}`).catch((e) =>
    e
  );
  assert.ok(stream instanceof NotFoundError);
  await assert.rejects(
    ws.fileDownload(""),
    (err: unknown) =>
      err instanceof TypeError &&
      err.message === "Cannot download the file as 'path' must be a non-empty path on the server",
  );
  await assert.rejects(
    ws.fileUpload("/tmp/x", 42 as unknown as string),
    (err: unknown) =>
      err instanceof TypeError &&
      err.message ===
        "Cannot upload the file as 'content' must be a Blob, Uint8Array, ArrayBuffer, string or ReadableStream",
  );
});

test("gitChanges/gitDiff: a modified and a new file in a repository under the workspace", async () => {
  const ws = workspace();
  const repo = `${stack.workspaceDir}/${uniqueId("repo")}`;
  const git = "git -c user.email=t@example.com -c user.name=t -c init.defaultBranch=main";
  await ws.fileUpload(`${repo}/a.txt`, "one\n");
  await ws.fileUpload(`${repo}/keep.txt`, "same\n");
  const init = await ws.executeCommand(
    `${git} init -q && ${git} add -A && ${git} commit -q -m first`,
    { cwd: repo },
  );
  assert.equal(init.exitCode, 0, init.output);
  assert.deepEqual(await ws.gitChanges(repo, { ref: "HEAD" }), []);

  await ws.fileUpload(`${repo}/a.txt`, "two\n");
  await ws.fileUpload(`${repo}/new.txt`, "fresh\n");
  assert.deepEqual(await ws.gitChanges(repo, { ref: "HEAD" }), [
    { path: "a.txt", status: "UPDATED" },
    { path: "new.txt", status: "ADDED" },
  ]);
  // The server sends each side without its final line break.
  assert.deepEqual(await ws.gitDiff(`${repo}/a.txt`, { ref: "HEAD" }), {
    original: "one",
    modified: "two",
  });
  assert.deepEqual(await ws.gitDiff(`${repo}/new.txt`, { ref: "HEAD" }), {
    original: "",
    modified: "fresh",
  });
  // Without a ref (no upstream here) the server compares with the current branch's HEAD too.
  assert.deepEqual(
    (await ws.gitChanges(repo)).map((c) => c.path),
    ["a.txt", "new.txt"],
  );
  // The diff a commit introduced.
  const sha = (await ws.executeCommand(`${git} rev-parse HEAD`, { cwd: repo })).output;
  assert.deepEqual(await ws.gitDiff(`${repo}/keep.txt`, { commit: sha }), {
    original: "",
    modified: "same",
  });
  await assert.rejects(
    ws.gitDiff(`${repo}/a.txt`, { ref: "HEAD", commit: sha }),
    (err: unknown) =>
      err instanceof TypeError &&
      err.message === "Cannot diff the file as 'ref' and 'commit' exclude each other: pass one",
  );
  // Not a repository: no changes, an empty diff.
  const plain = (await ws.executeCommand("mktemp -d")).output;
  try {
    await ws.fileUpload(`${plain}/f.txt`, "x\n");
    assert.deepEqual(await ws.gitChanges(plain), []);
    assert.deepEqual(await ws.gitDiff(`${plain}/f.txt`), { original: null, modified: null });
  } finally {
    await ws.executeCommand(`rm -rf ${plain}`);
  }
});

// --- ConversationManager ------------------------------------------------------------------------

test("ConversationManager: search pages through every conversation, count, get, attach, delete", async () => {
  const manager = new ConversationManager({ workspace: workspace() });
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const conversation = await open(20 + i);
    ids.push(conversation.id);
    await conversation.close();
  }
  try {
    const total = await manager.count();
    const seen: string[] = [];
    for await (const info of manager.search({ pageSize: 1 })) seen.push(info.id);
    assert.equal(seen.length, total);
    assert.equal(new Set(seen).size, seen.length);
    for (const id of ids) assert.ok(seen.includes(id), `search found ${id}`);
    // Newest first by default: ours were created last, in this order.
    assert.deepEqual(seen.slice(0, 3), [...ids].reverse());
    const oldestFirst = await manager.list({ sortOrder: "CREATED_AT", pageSize: 2 });
    assert.deepEqual(oldestFirst.map((c) => c.id), [...seen].reverse());
    // limit caps the results, whatever the page size: the same first ones, then it stops.
    assert.deepEqual((await manager.list({ limit: 2 })).map((c) => c.id), seen.slice(0, 2));
    assert.deepEqual(
      (await manager.list({ limit: 3, pageSize: 2 })).map((c) => c.id),
      seen.slice(0, 3),
    );

    const idle = await manager.list({ status: "idle" });
    assert.equal(await manager.count({ status: "idle" }), idle.length);
    for (const id of ids) assert.ok(idle.some((c) => c.id === id));

    const info = await manager.get(ids[0]!);
    assert.equal(info.id, ids[0]);
    assert.equal(info.execution_status, "idle");
    assert.equal(info.workspace.working_dir, stack.workspaceDir);

    const page = await manager.searchPage({ pageSize: 1 });
    assert.equal(page.items.length, 1);
    assert.equal(page.items[0]!.id, seen[0]);
    assert.equal(typeof page.next_page_id, "string");
    const next = await manager.searchPage({ pageSize: 1, pageId: page.next_page_id! });
    assert.equal(next.items[0]!.id, seen[1]);

    const attached = await manager.attach(ids[1]!);
    try {
      assert.equal(attached.id, ids[1]);
      assert.equal(attached.maxIterationPerRun, 21); // the server's max_iterations
      const id = uniqueId("attach");
      await attached.sendMessage(`${marker("reply", { id, text: "attached" })} hi`);
      assert.equal(await attached.run({ timeoutMs: 60_000 }), "finished");
    } finally {
      await attached.close();
    }

    await manager.delete(ids[2]!);
    await assert.rejects(manager.get(ids[2]!), (err: unknown) => err instanceof NotFoundError);
    await assert.rejects(manager.delete(ids[2]!), (err: unknown) => err instanceof NotFoundError);
    await assert.rejects(manager.attach(ids[2]!), (err: unknown) => err instanceof NotFoundError);
    assert.equal(await manager.count(), total - 1);
  } finally {
    for (const id of ids) await manager.delete(id).catch(() => {});
  }
});

test("ConversationManager: ids and options are checked before any request", async () => {
  let requests = 0;
  const manager = new ConversationManager({
    host: stack.serverUrl,
    apiKey: stack.apiKey,
    fetch: (request) => {
      requests++;
      return fetch(request);
    },
  });
  const message = (what: string, id: string): string =>
    `Cannot ${what} as the conversation id is not a UUID: current value is '${id}'`;
  await assert.rejects(
    manager.get("not-a-uuid"),
    (e: unknown) =>
      e instanceof TypeError && e.message === message("get the conversation", "not-a-uuid"),
  );
  await assert.rejects(
    manager.delete("../x"),
    (e: unknown) =>
      e instanceof TypeError && e.message === message("delete the conversation", "../x"),
  );
  await assert.rejects(
    manager.attach("1234"),
    (e: unknown) =>
      e instanceof TypeError && e.message === message("attach to the conversation", "1234"),
  );
  assert.throws(
    () => manager.search({ pageSize: 0 }),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message ===
        "Cannot use 'pageSize' as it must be a whole number from 1 to 100: current value is 0",
  );
  assert.throws(
    () => manager.search({ limit: 0.5 }),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message === "Cannot use 'limit' as it must be a whole number from 1: current value is 0.5",
  );
  assert.throws(
    () => manager.search({ sortOrder: "NEWEST" as "CREATED_AT" }),
    (e: unknown) =>
      e instanceof TypeError &&
      e.message ===
        "Cannot search conversations as 'sortOrder' must be one of CREATED_AT, UPDATED_AT, CREATED_AT_DESC, UPDATED_AT_DESC: current value is 'NEWEST'",
  );
  await assert.rejects(
    manager.count({ status: "done" as "finished" }),
    (e: unknown) =>
      e instanceof TypeError &&
      e.message.startsWith("Cannot count conversations as 'status' must be one of idle, running"),
  );
  assert.equal(requests, 0);
  // A host-only manager works, and an unknown (well-formed) id is NotFoundError.
  assert.equal(typeof (await manager.count()), "number");
  await assert.rejects(
    manager.get("00000000-0000-4000-8000-000000000000"),
    (e: unknown) => e instanceof NotFoundError,
  );
  assert.equal(requests, 2);
  // Aborting a search rejects the next step with the reason.
  const controller = new AbortController();
  const reason = new Error("stop paging");
  const pages = manager.search({ pageSize: 1, signal: controller.signal });
  assert.equal((await pages.next()).done, false);
  controller.abort(reason);
  await assert.rejects(pages.next(), (e: unknown) => e === reason);
  assert.deepEqual(await pages.next(), { done: true, value: undefined });
});
