/**
 * A live web view of agent conversations, as one fetch handler that runs unchanged as an edge
 * function (workerd), under `Deno.serve` and under `Bun.serve`. The page never sees the agent
 * server's key: it talks to this function only.
 *
 * | route                                  | what                                                       |
 * | -------------------------------------- | ---------------------------------------------------------- |
 * | `GET /?c=<id>`                         | the page (`GET /reader.js`: the browser reader, bundled)   |
 * | `POST /api/conversations`              | creates a conversation, answers `{ id }`                   |
 * | `GET /api/conversations/<id>/events`   | its events as Server-Sent Events, resumable (Last-Event-ID) |
 * | `POST /api/conversations/<id>/messages` | `{ text }`: sends it and starts a run, answers at once (202) |
 *
 * Each request is stateless, as on a serverless platform: the message route attaches, sends,
 * starts the run without waiting for it (`run({ blocking: false })`) and returns; the event route
 * attaches after the reader's cursor and streams until the reader goes away.
 *
 * @module
 */

import {
  type AgentConfig,
  eventStreamResponse,
  RemoteConversation,
  RemoteWorkspace,
} from "@remote-hands/client";

/** What the app needs: where the agent server is, its key, the agent, and the reader's script. */
export interface WebAppConfig {
  host: string;
  apiKey: string | undefined;
  workingDir: string;
  agent: AgentConfig;
  /** `@remote-hands/client/browser` bundled for the page (any bundler; see the README). */
  readerScript: string;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** The fetch handler of the app. */
export function webApp(config: WebAppConfig): (request: Request) => Promise<Response> {
  const workspace = new RemoteWorkspace({
    host: config.host,
    apiKey: config.apiKey,
    workingDir: config.workingDir,
  });
  return async (request) => {
    const url = new URL(request.url);
    const route = /^\/api\/conversations\/([^/]+)\/(events|messages)$/.exec(url.pathname);
    try {
      if (request.method === "GET" && url.pathname === "/") {
        return new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
      }
      if (request.method === "GET" && url.pathname === "/reader.js") {
        return new Response(config.readerScript, {
          headers: { "content-type": "text/javascript; charset=utf-8" },
        });
      }
      if (request.method === "POST" && url.pathname === "/api/conversations") {
        await using conversation = await RemoteConversation.create({
          agent: config.agent,
          workspace,
          autotitle: false,
        });
        return Response.json({ id: conversation.id }, { status: 201 });
      }
      if (!route) return Response.json({ error: "no such route" }, { status: 404 });
      const [, conversationId, what] = route;
      if (!UUID.test(conversationId!)) {
        return Response.json({ error: "not a conversation id" }, { status: 400 });
      }
      if (request.method === "GET" && what === "events") {
        return await eventStreamResponse({ workspace, conversationId: conversationId!, request });
      }
      if (request.method === "POST" && what === "messages") {
        const { text } = await request.json() as { text?: unknown };
        if (typeof text !== "string" || text === "") {
          return Response.json({ error: "'text' must be a non-empty string" }, { status: 400 });
        }
        await using conversation = await RemoteConversation.attach({
          conversationId: conversationId!,
          workspace,
          loadHistory: false,
        });
        await conversation.sendMessage(text);
        await conversation.run({ blocking: false }); // started; the page watches it finish
        return Response.json({ started: true }, { status: 202 });
      }
      return Response.json({ error: "no such route" }, { status: 404 });
    } catch (err) {
      // The library's messages never hold the key or a secret.
      return Response.json({ error: (err as Error).message }, { status: 502 });
    }
  };
}

/** The page: the events as they come, the status, and a box to send a message. */
const PAGE = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>remote-hands: live conversation</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 2rem; max-width: 60rem; }
  #status { font-weight: bold; }
  ol { padding-left: 1.5rem; } li { margin: .2rem 0; } code { color: #555; }
</style>
<h1>Conversation <code id="id"></code></h1>
<p>Status: <span id="status">connecting</span> · <span id="count">0</span> events ·
  <span id="link">offline</span></p>
<form id="send"><input name="text" size="60" placeholder="Ask the agent"> <button>Send</button></form>
<ol id="events"></ol>
<script type="module">
  import { EventStreamReader } from "/reader.js";
  const id = new URL(location.href).searchParams.get("c");
  document.querySelector("#id").textContent = id;
  const list = document.querySelector("#events");
  const text = (event) => {
    const message = event.llm_message?.content?.map((part) => part.text ?? "").join("");
    return message || event.action?.command || event.observation?.content?.[0]?.text ||
      event.key || "";
  };
  const reader = new EventStreamReader({
    url: "/api/conversations/" + id + "/events",
    storage: sessionStorage,
    onChange: () => {
      document.querySelector("#status").textContent = reader.state.execution_status ?? "?";
      document.querySelector("#count").textContent = reader.events.length;
      document.querySelector("#link").textContent = reader.connected ? "live" : "reconnecting";
      for (const event of reader.events.slice(list.children.length)) {
        const item = document.createElement("li");
        item.dataset.id = event.id;
        item.textContent = event.kind + ": " + String(text(event)).slice(0, 120);
        list.append(item);
      }
    },
  });
  globalThis.reader = reader;
  reader.start();
  document.querySelector("#send").addEventListener("submit", async (submit) => {
    submit.preventDefault();
    const input = submit.target.elements.text;
    await fetch("/api/conversations/" + id + "/messages", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: input.value }),
    });
    input.value = "";
  });
</script>
`;
