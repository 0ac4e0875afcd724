/**
 * A loopback fake agent server for unit tests of `RemoteConversation`, under `deno test` and
 * `bun test`: one conversation with a stored event log, its REST routes, the events socket and
 * the session socket (`sync`, `durable`, `transient` frames), on the fake WebSocket server of
 * `fake_ws_server.ts`.
 *
 * REST is served twice, by the same routes: over loopback (any fetch reaches it, but request
 * bodies are not seen there) and in process through {@linkcode FakeAgentServer.fetch}, which
 * sees bodies: give that fetch to `RemoteWorkspace` so that `sendMessage` text and create
 * requests reach the log. Other origins pass through to `globalThis.fetch`.
 *
 * The server behaves like 1.58.2 where it matters here (`event_service.py`, `session_socket.py`):
 * a stored event is in the log before any socket sees it; on connect the events socket resends
 * (`resend_mode`) and sends a `full_state` snapshot; the session socket sends
 * `sync{through_seq}`, replays `seq > after_seq` as `durable` frames, then the snapshot as a
 * `transient` frame; `POST /run` answers 409 while a run is going; `pause` (and `interrupt`)
 * stores a `PauseEvent` and publishes a `paused` snapshot. It also answers the one-call operations
 * (`PATCH`, `ask_agent`, `navigate`, `condense`, `security_analyzer`, `load_plugin`) and the tool
 * list (`GET /api/tools/`); `fork` is left to {@linkcode FakeAgentServer.route}.
 *
 * @example
 * ```ts ignore
 * await using server = await startFakeAgentServer({ apiKey: KEY });
 * server.store(server.message("m1", "hello"));
 * const workspace = new RemoteWorkspace({ host: server.url, apiKey: KEY, workingDir: "/w", fetch: server.fetch });
 * await using conversation = await RemoteConversation.create({ agent, workspace, conversationId: server.id });
 * server.append(server.message("m2"));
 * ```
 *
 * @module
 */

import {
  authenticate,
  type FakeWsConnection,
  type FakeWsServer,
  startFakeWsServer,
} from "./fake_ws_server.ts";

/** A stored or published event, as JSON. */
export type FakeEvent = Record<string, unknown>;

/** A REST request as the fake saw it. */
export interface FakeRestRequest {
  method: string;
  /** The path, e.g. `/api/conversations/{id}/run`. */
  path: string;
  query: URLSearchParams;
  /** The parsed JSON body; undefined without one (and for requests over loopback). */
  body: unknown;
  /** Whether it came through {@linkcode FakeAgentServer.fetch} (else over loopback). */
  inProcess: boolean;
}

/** Options of {@linkcode startFakeAgentServer}. */
export interface FakeAgentServerOptions {
  /** The session API key: sockets then need the auth frame and `/api` the header. */
  apiKey?: string;
  /** The conversation's id. */
  conversationId?: string;
  /** Whether the conversation exists at start (else `POST /api/conversations` creates it). */
  exists?: boolean;
  /** Whether the session socket is served (else its upgrade is refused: a server before 1.45). */
  session?: boolean;
  /** The execution status at start. @default {"idle"} */
  status?: string;
}

/** A running fake agent server. */
export interface FakeAgentServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The conversation's id. */
  readonly id: string;
  /** The fake WebSocket server underneath (upgrade URLs, connections). */
  readonly ws: FakeWsServer;
  /** The stored log, in storage order (an event's index is its seq). */
  readonly log: readonly FakeEvent[];
  /** Every REST request, in order. */
  readonly requests: readonly FakeRestRequest[];
  /** The execution status `GET /api/conversations/{id}` reports. */
  status: string;
  /** How many `POST /run` to answer 409 regardless of the status (a run winding down). */
  conflicts: number;
  /** Called after `POST /run` answered 200 (the run's script). */
  onRun: (() => void | Promise<void>) | undefined;
  /** Answers REST requests before the routes (faults); undefined goes on to the routes. */
  route: ((request: FakeRestRequest) => Response | undefined) | undefined;
  /** The title the fake LLM (`POST /llm/v1/chat/completions`) answers. */
  llmTitle: string;
  /** The tool names `GET /api/tools/` answers. */
  tools: string[];
  /** What `POST …/ask_agent` answers (the server's is `{ response: string }`). */
  askAnswer: unknown;
  /** The `client_tools` the conversation reports; undefined leaves the field out. */
  clientTools: unknown[] | undefined;
  /** The REST routes in process, with bodies; other origins go to `globalThis.fetch`. */
  readonly fetch: (request: Request) => Promise<Response>;
  /** An agent `MessageEvent` with a fresh timestamp (`source: "user"` with `user`). */
  message(id: string, text?: string, user?: boolean): FakeEvent;
  /** Stores an event (later than every stored one) without publishing it; returns its seq. */
  store(event: FakeEvent): number;
  /** Publishes an event to every open socket: a stored one as `durable` on the session socket. */
  publish(event: FakeEvent): void;
  /** Stores and publishes. */
  append(event: FakeEvent): number;
  /** Publishes an event the server has not stored (`transient` on the session socket). */
  publishTransient(event: FakeEvent): void;
  /** Sets the status and publishes it: `full_state` as a snapshot (not stored), `field` as a
   * stored `execution_status` update. */
  setStatus(status: string, how?: "full_state" | "field"): void;
  /** Drops every open socket without a close frame (the client reconnects). */
  dropSockets(): void;
  /** Sockets that are open and live (after their handshake). */
  readonly liveSockets: number;
  /** Stops everything; idempotent. */
  close(): Promise<void>;
}

const BASE = Date.UTC(2026, 0, 1);

/** The naive local ISO timestamp of the `n`th tick (milliseconds after the base). */
function stamp(n: number): string {
  return new Date(BASE + n).toISOString().replace("Z", "000");
}

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json", connection: "close" },
  });
}

interface LiveSocket {
  conn: FakeWsConnection;
  session: boolean;
}

/** Starts the fake on a random loopback port. */
export async function startFakeAgentServer(
  options: FakeAgentServerOptions = {},
): Promise<FakeAgentServer> {
  const key = options.apiKey;
  let id = options.conversationId ?? "6c1b5b1e-0000-4000-8000-00000000fa4e";
  let exists = options.exists ?? true;
  let title: string | undefined;
  let tick = 0;
  const log: FakeEvent[] = [];
  const requests: FakeRestRequest[] = [];
  const live = new Set<LiveSocket>();
  const running = new Set<Promise<void>>();

  const snapshot = (): FakeEvent => ({
    kind: "ConversationStateUpdateEvent",
    id: `snapshot-${++tick}`,
    timestamp: stamp(tick),
    source: "environment",
    key: "full_state",
    value: { execution_status: server.status },
  });
  const info = (): Record<string, unknown> => ({
    id,
    agent: { kind: "Agent" },
    workspace: { kind: "LocalWorkspace", working_dir: "/w" },
    execution_status: server.status,
    ...(title ? { title } : {}),
    ...(server.clientTools ? { client_tools: server.clientTools } : {}),
  });
  const send = (socket: LiveSocket, event: FakeEvent, seq: number | undefined): void => {
    if (!socket.session) socket.conn.sendJson(event);
    else if (seq === undefined) socket.conn.sendJson({ type: "transient", event });
    else socket.conn.sendJson({ type: "durable", seq, event });
  };
  const store = (event: FakeEvent): number => {
    log.push(event);
    return log.length - 1;
  };
  const publish = (event: FakeEvent): void => {
    const seq = log.indexOf(event);
    for (const socket of live) send(socket, event, seq < 0 ? undefined : seq);
  };
  const append = (event: FakeEvent): number => {
    const seq = store(event);
    publish(event);
    return seq;
  };
  const message = (eventId: string, text = eventId, user = false): FakeEvent => ({
    kind: "MessageEvent",
    id: eventId,
    timestamp: stamp(++tick),
    source: user ? "user" : "agent",
    llm_message: { role: user ? "user" : "assistant", content: [{ type: "text", text }] },
  });
  const field = (value: string): FakeEvent => ({
    kind: "ConversationStateUpdateEvent",
    id: `status-${++tick}`,
    timestamp: stamp(tick),
    source: "environment",
    key: "execution_status",
    value,
  });

  /** The REST routes. */
  const answer = (request: FakeRestRequest, headers: Headers): Response => {
    requests.push(request);
    const { method, path } = request;
    if (/\/(ready|health|alive)$/.test(path)) return json({ status: "ok" });
    const hooked = server.route?.(request);
    if (hooked) return hooked;
    if (path === "/llm/v1/chat/completions") {
      return json({ choices: [{ message: { content: server.llmTitle } }] });
    }
    if (key !== undefined && headers.get("x-session-api-key") !== key) {
      return json({ detail: "Unauthorized" }, 401);
    }
    if (method === "GET" && path === "/api/tools/") return json(server.tools);
    if (method === "POST" && path === "/api/conversations") {
      const body = request.body as { conversation_id?: string } | undefined;
      if (body?.conversation_id) id = body.conversation_id;
      exists = true;
      return json(info());
    }
    const base = `/api/conversations/${id}`;
    if (!exists || !path.startsWith(base)) return json({ detail: "Not Found" }, 404);
    const route = `${method} ${path.slice(base.length) || "/"}`;
    switch (route) {
      case "GET /":
        return json(info());
      case "DELETE /":
        exists = false;
        return json({ success: true });
      case "GET /events/count":
        return json(log.length);
      case "GET /events/search": {
        const gte = request.query.get("timestamp__gte");
        const matching = gte === null ? log : log.filter((e) => String(e.timestamp) >= gte);
        const start = Number(request.query.get("page_id") ?? 0);
        const limit = Number(request.query.get("limit") ?? 100);
        const end = Math.min(start + limit, matching.length);
        const next = end < matching.length ? String(end) : null;
        return json({ items: matching.slice(start, end), next_page_id: next });
      }
      case "POST /events": {
        const body = request.body as { content?: { text?: string }[] } | undefined;
        const text = body?.content?.map((c) => c.text ?? "").join("") ?? "";
        title ??= text || undefined;
        append(message(`user-${tick + 1}`, text, true));
        return json({ success: true });
      }
      case "POST /run": {
        if (server.conflicts > 0 || server.status === "running") {
          server.conflicts = Math.max(0, server.conflicts - 1);
          return json({ detail: "Conversation already running" }, 409);
        }
        server.setStatus("running", "field");
        const script = server.onRun;
        if (script) {
          // After the answer, as the server runs the agent in the background.
          const run = new Promise<void>((resolve) => setTimeout(resolve, 0)).then(script);
          running.add(run);
          run.catch(() => {}).finally(() => running.delete(run));
        }
        return json({ success: true });
      }
      case "POST /pause":
      case "POST /interrupt":
        server.status = "paused";
        append({
          kind: "PauseEvent",
          id: `pause-${++tick}`,
          timestamp: stamp(tick),
          source: "user",
        });
        publish(snapshot());
        return json({ success: true });
      case "PATCH /":
        title = (request.body as { title?: string } | undefined)?.title ?? title;
        return json({ success: true });
      case "POST /ask_agent":
        return json(server.askAnswer);
      case "POST /navigate":
        return json({
          ...info(),
          leaf_event_id: (request.body as { event_id?: unknown })?.event_id,
        });
      case "POST /confirmation_policy":
      case "POST /secrets":
      case "POST /events/respond_to_confirmation":
      case "POST /condense":
      case "POST /security_analyzer":
      case "POST /load_plugin":
        return json({ success: true });
    }
    return json({ detail: "Not Found" }, 404);
  };

  const ws = await startFakeWsServer({
    onUpgrade: ({ url }) =>
      options.session === false && url.pathname.startsWith("/sockets/session/") ? 404 : undefined,
    onHttp: (request) =>
      answer({
        method: request.method,
        path: request.url.pathname,
        query: request.url.searchParams,
        body: undefined,
        inProcess: false,
      }, request.headers),
    onConnection: async (conn) => {
      if (key !== undefined && !(await authenticate(conn, key))) return;
      if (!conn.url.pathname.endsWith(`/${id}`)) return conn.close(4004, "Conversation not found");
      const session = conn.url.pathname.startsWith("/sockets/session/");
      const socket: LiveSocket = { conn, session };
      if (session) {
        const through = log.length - 1;
        const after = conn.url.searchParams.get("after_seq");
        conn.sendJson({
          type: "sync",
          ...(after !== null ? { from_seq: Number(after) } : {}),
          ...(through >= 0 ? { through_seq: through } : {}),
        });
        if (after !== null) {
          for (let seq = Math.max(Number(after) + 1, 0); seq <= through; seq++) {
            send(socket, log[seq]!, seq);
          }
        }
      } else {
        const mode = conn.url.searchParams.get("resend_mode");
        const since = conn.url.searchParams.get("after_timestamp");
        for (const event of log) {
          if (
            mode === "all" ||
            (mode === "since" && since !== null && String(event.timestamp) >= since)
          ) {
            conn.sendJson(event);
          }
        }
      }
      send(socket, snapshot(), undefined);
      live.add(socket);
      await conn.closed;
      live.delete(socket);
    },
  });

  const origin = new URL(ws.url).origin;
  let closing: Promise<void> | undefined;
  const server: FakeAgentServer = {
    url: ws.url,
    get id() {
      return id;
    },
    ws,
    log,
    requests,
    status: options.status ?? "idle",
    conflicts: 0,
    onRun: undefined,
    route: undefined,
    llmTitle: "✨ A title",
    tools: ["terminal", "file_editor"],
    askAnswer: { response: "The answer" },
    clientTools: undefined,
    fetch: async (request) => {
      const url = new URL(request.url);
      if (url.origin !== origin) return await globalThis.fetch(request);
      const text = await request.text();
      return answer({
        method: request.method,
        path: url.pathname,
        query: url.searchParams,
        body: text ? JSON.parse(text) : undefined,
        inProcess: true,
      }, request.headers);
    },
    message,
    store,
    publish,
    append,
    publishTransient: (event) => {
      for (const socket of live) send(socket, event, undefined);
    },
    setStatus(status, how = "full_state") {
      server.status = status;
      if (how === "field") append(field(status));
      else publish(snapshot());
    },
    dropSockets() {
      for (const socket of live) socket.conn.drop();
    },
    get liveSockets() {
      return live.size;
    },
    close: () =>
      closing ??= (async () => {
        await Promise.allSettled([...running]);
        await ws.shutdown();
      })(),
    [Symbol.asyncDispose]: () => server.close(),
  };
  return server;
}
