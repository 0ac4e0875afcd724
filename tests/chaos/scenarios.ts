/**
 * Fault-injection scenarios against the REAL agent server (never a mock), driven by the scripted
 * LLM. Each scenario takes a {@linkcode ChaosEnv} plus scale options, bounds every wait, cleans up
 * everything it opened (sockets, proxies, timers) and returns metrics; it throws only when the
 * harness itself cannot proceed (for example the server does not come back after a restart).
 * Invariants are checked by {@linkcode invariantFailures}, shared by the integration test
 * (`tests/integration/chaos_test.ts`) and the chaos runner (`scripts/chaos.ts`).
 *
 * Runs under Deno and Bun (web standards and `node:` modules only).
 *
 * @module
 */

import { readdirSync } from "node:fs";
import { createConnection, createServer, type Socket } from "node:net";
import process from "node:process";
import { inspect } from "node:util";
import {
  type AgentConfig,
  ConnectionError,
  ConversationRunError,
  type Event,
  RemoteConversation,
  type RemoteConversationOptions,
  RemoteHandsError,
  RemoteWorkspace,
  TimeoutError,
  WebSocketCallbackClient,
} from "../../mod.ts";
import { ConversationVisualizer } from "../../visualizer.ts";
import { marker, scriptedLlmConfig } from "../support/scripted_llm.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcp_proxy.ts";

// --- environment and shared types ----------------------------------------------------------------

/** What the agent server can be told to do (SIGKILL, SIGTERM, start again on the same port). */
export type ControlAction = "kill" | "restart" | "start" | "stop";

/** Where the real server and the scripted LLM are, and how to hurt the server. */
export interface ChaosEnv {
  /** Base URL of the agent server, e.g. `http://127.0.0.1:41234`. */
  serverUrl: string;
  /** Its session API key. */
  apiKey: string;
  /** Base URL of the scripted LLM (without `/v1`). */
  llmUrl: string;
  /** Working directory for conversations (on the server's machine). */
  workspaceDir: string;
  /** Kills, stops, starts or restarts the server (same port, key and directories). */
  control(action: ControlAction): Promise<void>;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** Metrics every scenario reports. */
export interface BaseMetrics {
  /** The scenario's name. */
  scenario: string;
  /** Wall time of the scenario, in seconds. */
  seconds: number;
  /** Occurrences of the API key or the scenario's secret in anything the client emitted. */
  secret_leaks: number;
  /** Characters of client output scanned for secrets (proves the scan was not vacuous). */
  captured_chars: number;
  /** What happened that a reader should know about (never secrets). */
  notes: string[];
}

/** Result of comparing a conversation's local view with the server's history. */
export interface HistoryCheck {
  /** Server events compared. */
  checked: number;
  /** Distinct server ids missing from the local list, or (from the user's message on) never
   * seen by a callback. */
  lost: number;
  /** Repeated ids in the local list plus repeated deliveries of an id to callbacks. */
  duplicated: number;
  /** Local events the server does not have. */
  extra: number;
  /** 1 when the common ids are not in the server's order, else 0. */
  misordered: number;
}

// --- secrets -----------------------------------------------------------------------------------

/** Counts occurrences of any of `secrets` (empty ones ignored) in `captured`. */
export function secretLeaks(
  captured: Iterable<string> | string,
  secrets: readonly string[],
): number {
  const texts = typeof captured === "string" ? [captured] : captured;
  let count = 0;
  for (const text of texts) {
    for (const secret of secrets) {
      if (!secret) continue;
      for (let i = text.indexOf(secret); i >= 0; i = text.indexOf(secret, i + secret.length)) {
        count++;
      }
    }
  }
  return count;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch (err) {
    return `[unserializable: ${String(err)}]`;
  }
}

/** Every text an error carries: message, stack, JSON, inspection, and the same for its causes. */
export function errorTexts(err: unknown, depth = 0): string[] {
  if (depth > 6) return [];
  const out: string[] = [];
  if (err instanceof Error) {
    out.push(err.message, err.stack ?? "", safeJson(err), String(err));
    if (err.cause !== undefined) out.push(...errorTexts(err.cause, depth + 1));
    if (err instanceof AggregateError) {
      for (const e of err.errors) out.push(...errorTexts(e, depth + 1));
    }
  } else {
    out.push(String(err), safeJson(err));
  }
  if (depth === 0) out.push(inspect(err, { depth: 6 }));
  return out;
}

/**
 * Scans everything the client emits (visualizer text, `onError` errors, callback events, thrown
 * errors, state dumps) for the API key and the scenario's secrets as it arrives; nothing is kept,
 * so long scenarios do not grow the heap.
 */
export class Capture {
  /** Occurrences found so far. */
  leaks = 0;
  /** Characters scanned so far. */
  chars = 0;
  readonly #secrets: string[];

  /** Scans for these values. */
  constructor(secrets: string[]) {
    this.#secrets = secrets.filter((s) => s.length > 0);
  }

  /** Scans one text. */
  add(text: string): void {
    this.chars += text.length;
    this.leaks += secretLeaks(text, this.#secrets);
  }

  /** A conversation callback. */
  readonly event = (event: Event): void => this.add(safeJson(event));

  /** An `onError` handler, also used for thrown errors. */
  readonly error = (err: unknown): void => {
    for (const text of errorTexts(err)) this.add(text);
  };

  /** A visualizer whose whole output is scanned. */
  visualizer(): ConversationVisualizer {
    return new ConversationVisualizer({ write: (text) => this.add(text), color: false });
  }

  /** Scans what a conversation exposes: state dump, events, workspace. */
  conversation(conversation: RemoteConversation): void {
    this.add(conversation.state.modelDumpJson());
    this.add(safeJson(conversation.state.events.slice()));
    this.add(safeJson(conversation.workspace));
    this.add(inspect(conversation.workspace));
  }
}

/** A distinct secret value for one scenario. */
export function newSecret(scenario: string): string {
  return `chaos-${scenario}-${crypto.randomUUID()}`;
}

// --- small bounded helpers -----------------------------------------------------------------------

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `fn` every `stepMs` until it returns something truthy; throws after `ms`. */
async function until<T>(
  what: string,
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  ms: number,
  stepMs = 25,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() >= end) throw new Error(`chaos: timed out after ${ms} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

/** Awaits `promise`, or throws after `ms` (the timer is always cleared). */
async function bounded<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`chaos: ${what} did not settle within ${ms} ms`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `fn` with a signal that aborts after `ms` (its timer is always cleared). */
async function withDeadline<T>(ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`chaos: deadline of ${ms} ms`)), ms);
  try {
    return await fn(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

function seconds(since: number): number {
  return Number(((performance.now() - since) / 1000).toFixed(2));
}

let markerCounter = 0;
function markerId(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${(markerCounter++).toString(36)}`;
}

/** A port on 127.0.0.1 that was free a moment ago (nothing listens on it). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Open file descriptors of this process (Linux). */
export function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

/** Heap in use, in MiB, after a collection when the runtime allows one. */
export function heapMiB(): number {
  // deno-lint-ignore no-explicit-any
  const g = globalThis as any;
  try {
    if (typeof g.Bun?.gc === "function") g.Bun.gc(true);
    else if (typeof g.gc === "function") g.gc();
  } catch { /* no collection available */ }
  return Number((process.memoryUsage().heapUsed / 2 ** 20).toFixed(2));
}

// --- the real stack ----------------------------------------------------------------------------

/** An agent whose LLM is the scripted one, with a subprocess terminal. */
export function scriptedAgentFor(llmUrl: string): AgentConfig {
  return {
    kind: "Agent",
    llm: scriptedLlmConfig(llmUrl),
    tools: [{ name: "terminal", params: { terminal_type: "subprocess" } }],
  };
}

/** A WebSocket constructor that counts attempts and open sockets (passed to RemoteWorkspace). */
export interface CountingWebSocket {
  /** The constructor to inject. */
  readonly Ctor: typeof WebSocket;
  /** Sockets constructed so far (connection attempts). */
  readonly attempts: number;
  /** `performance.now()` of every attempt. */
  readonly attemptTimes: readonly number[];
  /** `performance.now()` of every socket that opened. */
  readonly openTimes: readonly number[];
  /** Sockets that opened so far. */
  readonly opened: number;
  /** Sockets open right now. */
  readonly open: number;
}

/** Makes a {@linkcode CountingWebSocket}. */
export function countingWebSocket(): CountingWebSocket {
  const state = { attempts: 0, opened: 0, open: 0, times: [] as number[], opens: [] as number[] };
  class Counting extends WebSocket {
    constructor(url: string | URL, protocols?: ConstructorParameters<typeof WebSocket>[1]) {
      super(url, protocols as string | string[] | undefined);
      state.attempts++;
      state.times.push(performance.now());
      let isOpen = false;
      this.addEventListener("open", () => {
        isOpen = true;
        state.opened++;
        state.opens.push(performance.now());
        state.open++;
      });
      this.addEventListener("close", () => {
        if (isOpen) state.open--;
        isOpen = false;
      });
    }
  }
  return {
    Ctor: Counting,
    get attempts() {
      return state.attempts;
    },
    get attemptTimes() {
      return state.times;
    },
    get openTimes() {
      return state.opens;
    },
    get opened() {
      return state.opened;
    },
    get open() {
      return state.open;
    },
  };
}

/** The server's stored history, paged over REST straight from the server (never the proxy). */
export async function serverHistory(
  env: ChaosEnv,
  conversationId: string,
): Promise<Array<Record<string, unknown>>> {
  return await withDeadline(30_000, async (signal) => {
    const out: Array<Record<string, unknown>> = [];
    let pageId: string | undefined;
    do {
      const url = new URL(`${env.serverUrl}/api/conversations/${conversationId}/events/search`);
      url.searchParams.set("limit", "100");
      if (pageId) url.searchParams.set("page_id", pageId);
      const res = await fetch(url, { headers: { "X-Session-API-Key": env.apiKey }, signal });
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`chaos: events/search answered ${res.status}`);
      }
      const page = await res.json() as {
        items?: Array<Record<string, unknown>>;
        next_page_id?: string | null;
      };
      out.push(...(page.items ?? []));
      pageId = page.next_page_id ?? undefined;
    } while (pageId);
    return out;
  });
}

/** Compares the local list and the callbacks' deliveries with the server's history. */
export function checkHistory(
  server: ReadonlyArray<Record<string, unknown>>,
  local: readonly Event[],
  delivered: readonly string[],
): HistoryCheck {
  const serverIds = server.map((e) => String(e.id));
  const serverSet = new Set(serverIds);
  const localIds = local.map((e) => e.id);
  const localSet = new Set(localIds);
  const deliveredCount = new Map<string, number>();
  for (const id of delivered) deliveredCount.set(id, (deliveredCount.get(id) ?? 0) + 1);
  const lost = new Set(serverIds.filter((id) => !localSet.has(id)));
  const start = server.findIndex((e) => e.kind === "MessageEvent" && e.source === "user");
  for (const id of (start < 0 ? [] : serverIds.slice(start))) {
    if (!deliveredCount.has(id)) lost.add(id);
  }
  let duplicated = localIds.length - localSet.size;
  for (const n of deliveredCount.values()) if (n > 1) duplicated += n - 1;
  const commonLocal = localIds.filter((id) => serverSet.has(id));
  const commonServer = serverIds.filter((id) => localSet.has(id));
  return {
    checked: serverIds.length,
    lost: lost.size,
    duplicated,
    extra: localIds.filter((id) => !serverSet.has(id)).length,
    misordered: commonLocal.join(",") === commonServer.join(",") ? 0 : 1,
  };
}

/** Polls until the local list equals the server's history (ids and order), then checks. */
async function settleAndCheck(
  env: ChaosEnv,
  conversation: RemoteConversation,
  delivered: readonly string[],
  ms: number,
): Promise<HistoryCheck & { settled: boolean }> {
  const end = Date.now() + ms;
  for (;;) {
    const server = await serverHistory(env, conversation.id);
    const local = conversation.state.events.slice();
    const same = local.length === server.length &&
      local.every((e, i) => e.id === String(server[i]!.id));
    if (same || Date.now() >= end) {
      return { ...checkHistory(server, local, delivered), settled: same };
    }
    await sleep(250);
  }
}

interface Tracked {
  conversation: RemoteConversation;
  /** Ids of every event the callbacks received, in order (with repeats, if any). */
  delivered: string[];
}

/** Creates a conversation with the capture wired into callbacks, visualizer and onError. */
async function openConversation(
  env: ChaosEnv,
  capture: Capture,
  secret: string,
  extra: Partial<RemoteConversationOptions> & {
    host?: string;
    WebSocket?: typeof WebSocket;
    httpTimeoutMs?: number;
  } = {},
): Promise<Tracked> {
  const { host, WebSocket: Ctor, callbacks = [], httpTimeoutMs, ...rest } = extra;
  const delivered: string[] = [];
  const workspace = new RemoteWorkspace({
    host: host ?? env.serverUrl,
    apiKey: env.apiKey,
    workingDir: env.workspaceDir,
    timeoutMs: httpTimeoutMs ?? 30_000,
    ...(Ctor ? { WebSocket: Ctor } : {}),
  });
  const conversation = await RemoteConversation.create({
    agent: scriptedAgentFor(env.llmUrl),
    workspace,
    autotitle: false,
    stuckDetection: false,
    readyTimeoutMs: 30_000,
    callbacks: [(event) => {
      if (event.id) delivered.push(event.id);
      capture.event(event);
    }, ...callbacks],
    visualizer: capture.visualizer(),
    onError: capture.error,
    ...rest,
  });
  try {
    await conversation.updateSecrets({ CHAOS_TOKEN: secret });
  } catch (err) {
    await conversation.close();
    throw err;
  }
  return { conversation, delivered };
}

type Outcome = { status: string } | { error: unknown };

function settle(promise: Promise<string>): Promise<Outcome> {
  return promise.then((status) => ({ status }), (error: unknown) => ({ error }));
}

/** A short, secret-free description of how a run ended. */
function describeOutcome(outcome: Outcome): string {
  if ("status" in outcome) return outcome.status;
  const err = outcome.error;
  if (err instanceof ConversationRunError) {
    const cause = err.cause instanceof Error ? `, cause ${err.cause.name}` : "";
    return `ConversationRunError(status=${err.status ?? "-"}${cause})`;
  }
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function hasObservation(conversation: RemoteConversation): boolean {
  return conversation.state.events.slice().some((e) => e.kind === "ObservationEvent");
}

/** Pauses a conversation straight on the server (tidying up after a scenario), best effort. */
async function pauseOnServer(env: ChaosEnv, conversationId: string): Promise<void> {
  try {
    await withDeadline(10_000, async (signal) => {
      const res = await fetch(`${env.serverUrl}/api/conversations/${conversationId}/pause`, {
        method: "POST",
        headers: { "X-Session-API-Key": env.apiKey },
        signal,
      });
      await res.body?.cancel();
    });
  } catch { /* best effort */ }
}

function accumulate(into: HistoryCheck, check: HistoryCheck): void {
  into.checked += check.checked;
  into.lost += check.lost;
  into.duplicated += check.duplicated;
  into.extra += check.extra;
  into.misordered += check.misordered;
}

function emptyCheck(): HistoryCheck {
  return { checked: 0, lost: 0, duplicated: 0, extra: 0, misordered: 0 };
}

// --- 1. cuts -----------------------------------------------------------------------------------

/** Options of {@linkcode cuts}. */
export interface CutsOptions {
  /** Conversations; even ones use the session socket, odd ones events. */
  conversations?: number;
  /** Conversations running at the same time (each behind its own proxy). @default {1} */
  parallel?: number;
  /** Cuts per conversation, at random moments of its run. */
  cutsPerConversation?: number;
  /** Steps of the `long` script; default: enough for the cuts and the client's backoff. */
  steps?: number;
  /** Scripted LLM delay per answer, in ms. @default {150} */
  delayMs?: number;
  /** Fraction of cuts that drop every connection (REST too), not only WebSockets. @default {0.3} */
  allConnectionsRatio?: number;
  /** Random numbers in [0, 1). @default {Math.random} */
  random?: () => number;
}

/** Metrics of {@linkcode cuts}. */
export interface CutsMetrics extends BaseMetrics {
  conversations: number;
  /** Cuts that dropped at least one WebSocket. */
  cuts: number;
  /** Of those, live cuts: the conversation's socket connected again, resuming after the last
   * event it had (`after_seq` / `resend_mode=since`), while its run was still going. The others
   * only the post-run catch-up repaired. */
  cuts_resumed: number;
  /** Of those, cuts that dropped every connection. */
  cuts_all_connections: number;
  /** Connections destroyed in all. */
  connections_cut: number;
  /** WebSocket connections that opened (first connects and reconnects). */
  websocket_connections: number;
  steps_per_run: number;
  events_checked: number;
  lost: number;
  duplicated: number;
  extra: number;
  misordered: number;
  /** How each run() ended, e.g. `{ finished: 6 }`. */
  outcomes: Record<string, number>;
  /** Conversations per socket protocol. */
  protocols: Record<string, number>;
}

/** Expected seconds until the last of `n` cuts, with the client's default backoff (1 s, x2). */
function cutWindowSeconds(n: number): number {
  let total = 0.5;
  for (let k = 0; k < n; k++) {
    total += 0.4; // mean random gap
    if (k > 0) total += Math.min(30, 2 ** (k - 1)) + 0.2; // reconnect after the previous cut
  }
  return total;
}

/**
 * For each conversation (`parallel` at a time): a RemoteConversation behind a TCP proxy of its own
 * runs a long script while its WebSocket (and sometimes every connection) is cut at random moments;
 * afterwards the local history must equal the server's, no id may reach a callback twice, and
 * run() ends `finished`. A cut after which the socket reconnected while the run was still going
 * counts in `cuts_resumed` (the client resumed the stream live, not only the post-run catch-up).
 */
export async function cuts(env: ChaosEnv, options: CutsOptions = {}): Promise<CutsMetrics> {
  const t0 = performance.now();
  const conversations = options.conversations ?? 2;
  const parallel = Math.max(1, Math.min(options.parallel ?? 1, conversations));
  const perConversation = options.cutsPerConversation ?? 3;
  const delayMs = options.delayMs ?? 150;
  const random = options.random ?? Math.random;
  const allRatio = options.allConnectionsRatio ?? 0.3;
  const stepSeconds = delayMs / 1000 + 0.15;
  const steps = options.steps ??
    Math.max(10, Math.ceil((cutWindowSeconds(perConversation) * 1.6 + 2) / stepSeconds));
  const runTimeoutMs = Math.max(90_000, Math.ceil(steps * stepSeconds * 4000) + 60_000);
  const secret = newSecret("cuts");
  const capture = new Capture([env.apiKey, secret]);
  const total = emptyCheck();
  const metrics: CutsMetrics = {
    scenario: "cuts",
    seconds: 0,
    secret_leaks: 0,
    captured_chars: 0,
    notes: [],
    conversations,
    cuts: 0,
    cuts_resumed: 0,
    cuts_all_connections: 0,
    connections_cut: 0,
    websocket_connections: 0,
    steps_per_run: steps,
    events_checked: 0,
    lost: 0,
    duplicated: 0,
    extra: 0,
    misordered: 0,
    outcomes: {},
    protocols: {},
  };
  const one = async (i: number): Promise<void> => {
    const protocol = i % 2 === 0 ? "session" : "events";
    metrics.protocols[protocol] = (metrics.protocols[protocol] ?? 0) + 1;
    const proxy: TcpProxy = await startTcpProxy(env.serverUrl);
    const ws = countingWebSocket();
    let tracked: Tracked | undefined;
    try {
      tracked = await openConversation(env, capture, secret, {
        host: proxy.url,
        WebSocket: ws.Ctor,
        socketProtocol: protocol,
      });
      const { conversation } = tracked;
      if (conversation.socketProtocol !== protocol) {
        metrics.notes.push(
          `conversation ${i}: asked for ${protocol}, got ${String(conversation.socketProtocol)}`,
        );
      }
      await conversation.sendMessage(
        `${marker("long", { id: markerId("cuts"), n: steps, delay: delayMs })} chaos cuts`,
      );
      let done = false;
      let doneAt = Infinity;
      const running = settle(conversation.run({ timeoutMs: runTimeoutMs })).finally(() => {
        done = true;
        doneAt = performance.now();
      });
      await until("the first observation", () => done || hasObservation(conversation), 60_000);
      let made = 0;
      const cutTimes: number[] = [];
      while (made < perConversation && !done) {
        await sleep(150 + random() * 450);
        await until("a connected socket", () => done || ws.open > 0, 60_000);
        if (done) break;
        const all = random() < allRatio;
        const before = proxy.cuts;
        const cutAt = performance.now();
        const dropped = proxy.cut(all ? {} : { websocketsOnly: true });
        if (dropped === 0) continue; // the socket closed on its own just now; try again
        made++;
        cutTimes.push(cutAt);
        metrics.cuts++;
        if (all) metrics.cuts_all_connections++;
        metrics.connections_cut += proxy.cuts - before;
      }
      if (made < perConversation) {
        metrics.notes.push(
          `conversation ${i} (${protocol}): the run ended after ${made} of ${perConversation} cuts`,
        );
      }
      const outcome = await bounded("run()", running, runTimeoutMs + 30_000);
      // A live cut: a socket opened after it while the run was still going (a resume).
      const resumed = cutTimes.filter((at) =>
        ws.openTimes.some((t) => t > at && t < doneAt)
      ).length;
      metrics.cuts_resumed += resumed;
      if ("error" in outcome) capture.error(outcome.error);
      const described = describeOutcome(outcome);
      metrics.outcomes[described] = (metrics.outcomes[described] ?? 0) + 1;
      const check = await settleAndCheck(env, conversation, tracked.delivered, 15_000);
      if (!check.settled) {
        metrics.notes.push(`conversation ${i} (${protocol}): local history never matched`);
      }
      accumulate(total, check);
      capture.conversation(conversation);
      env.log?.(
        `cuts: conversation ${i + 1}/${conversations} (${protocol}) ${described}, ${made} cuts ` +
          `(${resumed} resumed mid-run), ${check.checked} events, lost ${check.lost}, ` +
          `duplicated ${check.duplicated}`,
      );
    } finally {
      await tracked?.conversation.close();
      await proxy.close();
      metrics.websocket_connections += ws.opened;
    }
  };
  // `parallel` lanes, each running its share of the conversations one after the other; every
  // lane ends (and cleans up) before the first failure is thrown.
  const lanes = await Promise.allSettled(
    Array.from({ length: parallel }, async (_, lane) => {
      for (let i = lane; i < conversations; i += parallel) await one(i);
    }),
  );
  const failed = lanes.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  metrics.events_checked = total.checked;
  metrics.lost = total.lost;
  metrics.duplicated = total.duplicated;
  metrics.extra = total.extra;
  metrics.misordered = total.misordered;
  metrics.secret_leaks = capture.leaks;
  metrics.captured_chars = capture.chars;
  metrics.seconds = seconds(t0);
  return metrics;
}

// --- 2. restart --------------------------------------------------------------------------------

/** Options of {@linkcode restart}. */
export interface RestartOptions {
  /** Kill-and-start cycles, each on a new conversation (even: session socket, odd: events). */
  restarts?: number;
  /** Steps of the `long` script. @default {40} */
  steps?: number;
  /** Scripted LLM delay per answer, in ms. @default {150} */
  delayMs?: number;
  /** run()'s timeout, in ms. @default {90000} */
  runTimeoutMs?: number;
  /** Pause between the kill and the start, in ms. @default {1000} */
  downMs?: number;
  /** `"kill"` (SIGKILL, a crash) or `"stop"` (SIGTERM, a graceful shutdown). @default {"kill"} */
  mode?: "kill" | "stop";
}

/** Metrics of {@linkcode restart}. */
export interface RestartMetrics extends BaseMetrics {
  /** How the server was brought down. */
  mode: "kill" | "stop";
  restarts: number;
  events_checked: number;
  lost: number;
  duplicated: number;
  extra: number;
  misordered: number;
  /** How run() ended, per restart (e.g. `ConversationRunError(status=error)`). */
  outcome: string[];
  /** Whether every outcome was a status or a RemoteHandsError (never a hang or a stray error). */
  typed: boolean;
  /** Seconds from the kill until run() settled, per restart. */
  settle_seconds: number[];
  /** Seconds the server took to start again, per restart. */
  start_seconds: number[];
  /** WebSocket connections that opened after the server came back, per restart. */
  reconnected: number[];
}

/**
 * During a long run, SIGKILLs the server, waits, starts it again on the same port and directories;
 * run() must settle within its timeout with a typed result or error (the server marks a run a
 * crash interrupted as `error`), the client must reconnect, and the local history must then
 * equal the server's.
 */
export async function restart(
  env: ChaosEnv,
  options: RestartOptions = {},
): Promise<RestartMetrics> {
  const t0 = performance.now();
  const restarts = options.restarts ?? 1;
  const steps = options.steps ?? 40;
  const delayMs = options.delayMs ?? 150;
  const runTimeoutMs = options.runTimeoutMs ?? 90_000;
  const downMs = options.downMs ?? 1000;
  const mode = options.mode ?? "kill";
  const secret = newSecret("restart");
  const capture = new Capture([env.apiKey, secret]);
  const total = emptyCheck();
  const metrics: RestartMetrics = {
    scenario: "restart",
    seconds: 0,
    secret_leaks: 0,
    captured_chars: 0,
    notes: [],
    mode,
    restarts: 0,
    events_checked: 0,
    lost: 0,
    duplicated: 0,
    extra: 0,
    misordered: 0,
    outcome: [],
    typed: true,
    settle_seconds: [],
    start_seconds: [],
    reconnected: [],
  };
  for (let i = 0; i < restarts; i++) {
    const protocol = i % 2 === 0 ? "session" : "events";
    const ws = countingWebSocket();
    let tracked: Tracked | undefined;
    let serverDown = false;
    try {
      tracked = await openConversation(env, capture, secret, {
        WebSocket: ws.Ctor,
        socketProtocol: protocol,
      });
      const { conversation } = tracked;
      await conversation.sendMessage(
        `${marker("long", { id: markerId("restart"), n: steps, delay: delayMs })} chaos restart`,
      );
      let done = false;
      const running = settle(
        conversation.run({ timeoutMs: runTimeoutMs, unreachableTimeoutMs: runTimeoutMs }),
      ).finally(() => {
        done = true;
      });
      await until("the first observation", () => done || hasObservation(conversation), 60_000);
      await sleep(Math.floor(Math.random() * 500));
      const killedAt = performance.now();
      serverDown = true;
      await bounded(`control(${mode})`, env.control(mode), 60_000);
      env.log?.(
        `restart ${i + 1}/${restarts} (${protocol}): ${
          mode === "kill" ? "killed" : "stopped"
        } the server mid-run`,
      );
      await sleep(downMs);
      const startAt = performance.now();
      await bounded("control(start)", env.control("start"), 180_000);
      serverDown = false;
      metrics.restarts++;
      metrics.start_seconds.push(seconds(startAt));
      const openedBeforeStart = ws.opened;
      const outcome = await bounded("run()", running, runTimeoutMs + 30_000);
      metrics.settle_seconds.push(seconds(killedAt));
      if ("error" in outcome) capture.error(outcome.error);
      const described = describeOutcome(outcome);
      metrics.outcome.push(described);
      if ("error" in outcome && !(outcome.error instanceof RemoteHandsError)) metrics.typed = false;
      // The client must come back by itself: wait for a socket on the restarted server.
      try {
        await until(
          "a reconnected socket",
          () => ws.open > 0 && ws.opened > openedBeforeStart,
          45_000,
        );
      } catch {
        metrics.notes.push(`restart ${i + 1}: the socket did not reconnect within 45 s`);
      }
      metrics.reconnected.push(ws.opened - openedBeforeStart);
      const check = await settleAndCheck(env, conversation, tracked.delivered, 20_000);
      if (!check.settled) {
        metrics.notes.push(`restart ${i + 1} (${protocol}): local history never matched`);
      }
      accumulate(total, check);
      capture.conversation(conversation);
      env.log?.(
        `restart ${i + 1}/${restarts} (${protocol}): ${described} ${
          metrics.settle_seconds.at(-1)
        } s after the ${mode}, ${check.checked} events, lost ${check.lost}, duplicated ${check.duplicated}`,
      );
    } finally {
      await tracked?.conversation.close();
      if (serverDown) {
        // Never leave the server down for whoever comes next.
        await bounded("control(start)", env.control("start"), 180_000).catch(() => {});
      }
    }
  }
  metrics.events_checked = total.checked;
  metrics.lost = total.lost;
  metrics.duplicated = total.duplicated;
  metrics.extra = total.extra;
  metrics.misordered = total.misordered;
  metrics.secret_leaks = capture.leaks;
  metrics.captured_chars = capture.chars;
  metrics.seconds = seconds(t0);
  return metrics;
}

// --- 3. serverGone -----------------------------------------------------------------------------

/** Options of {@linkcode serverGone}. */
export interface ServerGoneOptions {
  /** run()'s timeout once the server is gone, in ms. @default {6000} */
  runTimeoutMs?: number;
}

/** Metrics of {@linkcode serverGone}. */
export interface ServerGoneMetrics extends BaseMetrics {
  /** WebSocket connection attempts while the server was unreachable. */
  attempts: number;
  /** Milliseconds between the outage and each attempt. */
  attempt_offsets_ms: number[];
  /** Seconds from run() to its rejection. */
  run_seconds: number;
  /** How run() ended. */
  run_outcome: string;
  /** Whether run() rejected with ConversationRunError caused by TimeoutError. */
  run_timed_out: boolean;
  /** Seconds of the outage observed (proxy closed until run() settled). */
  outage_seconds: number;
  /** What updateSecrets during the outage threw (a ConnectionError is expected). */
  update_during_outage: string;
  /** What create() against a closed port threw, and how fast. */
  closed_port_error: string;
  closed_port_seconds: number;
}

/**
 * A conversation behind a TCP proxy; mid-run the proxy closes for good. run() must reject with a
 * ConversationRunError caused by a TimeoutError close to its timeout, reconnect attempts must
 * follow the backoff (no storm), and create() against a closed port must fail fast with a
 * ConnectionError.
 */
export async function serverGone(
  env: ChaosEnv,
  options: ServerGoneOptions = {},
): Promise<ServerGoneMetrics> {
  const t0 = performance.now();
  const runTimeoutMs = options.runTimeoutMs ?? 6000;
  const secret = newSecret("gone");
  const capture = new Capture([env.apiKey, secret]);
  const metrics: ServerGoneMetrics = {
    scenario: "serverGone",
    seconds: 0,
    secret_leaks: 0,
    captured_chars: 0,
    notes: [],
    attempts: 0,
    attempt_offsets_ms: [],
    run_seconds: 0,
    run_outcome: "",
    run_timed_out: false,
    outage_seconds: 0,
    update_during_outage: "",
    closed_port_error: "",
    closed_port_seconds: 0,
  };
  const proxy = await startTcpProxy(env.serverUrl);
  const ws = countingWebSocket();
  let tracked: Tracked | undefined;
  let proxyClosed = false;
  try {
    tracked = await openConversation(env, capture, secret, { host: proxy.url, WebSocket: ws.Ctor });
    const { conversation } = tracked;
    await conversation.sendMessage(
      `${marker("long", { id: markerId("gone"), n: 60, delay: 300 })} chaos server gone`,
    );
    const runAt = performance.now();
    let done = false;
    const running = settle(conversation.run({ timeoutMs: runTimeoutMs })).finally(() => {
      done = true;
    });
    await until("the first observation", () => done || hasObservation(conversation), 30_000);
    const attemptsBefore = ws.attempts;
    const outageAt = performance.now();
    await proxy.close();
    proxyClosed = true;
    env.log?.("serverGone: the proxy is closed for good");
    try {
      await conversation.updateSecrets({ CHAOS_TOKEN: secret }, { timeoutMs: 2000 });
      metrics.update_during_outage = "resolved";
    } catch (err) {
      capture.error(err);
      metrics.update_during_outage = err instanceof Error ? err.name : String(err);
    }
    const outcome = await bounded("run()", running, runTimeoutMs + 15_000);
    const settledAt = performance.now();
    metrics.run_seconds = Number(((settledAt - runAt) / 1000).toFixed(2));
    metrics.outage_seconds = Number(((settledAt - outageAt) / 1000).toFixed(2));
    metrics.run_outcome = describeOutcome(outcome);
    if ("error" in outcome) capture.error(outcome.error);
    metrics.run_timed_out = "error" in outcome &&
      outcome.error instanceof ConversationRunError && outcome.error.cause instanceof TimeoutError;
    const times = ws.attemptTimes.slice(attemptsBefore).filter((t) => t <= settledAt);
    metrics.attempts = times.length;
    metrics.attempt_offsets_ms = times.map((t) => Math.round(t - outageAt));
    capture.conversation(conversation);
    env.log?.(
      `serverGone: run() ${metrics.run_outcome} after ${metrics.run_seconds} s, ` +
        `${metrics.attempts} socket attempts in ${metrics.outage_seconds} s`,
    );
  } finally {
    await tracked?.conversation.close();
    if (!proxyClosed) await proxy.close();
    if (tracked) await pauseOnServer(env, tracked.conversation.id);
  }
  // create() against a port nothing listens on.
  const port = await closedPort();
  const createAt = performance.now();
  try {
    const conversation = await bounded(
      "create() on a closed port",
      RemoteConversation.create({
        agent: scriptedAgentFor(env.llmUrl),
        workspace: new RemoteWorkspace({
          host: `http://127.0.0.1:${port}`,
          apiKey: env.apiKey,
          workingDir: env.workspaceDir,
          timeoutMs: 10_000,
        }),
        secrets: { CHAOS_TOKEN: secret },
        onError: capture.error,
      }),
      30_000,
    );
    await conversation.close();
    metrics.closed_port_error = "resolved";
  } catch (err) {
    capture.error(err);
    metrics.closed_port_error = err instanceof ConnectionError
      ? "ConnectionError"
      : err instanceof Error
      ? `${err.name}: ${err.message}`
      : String(err);
  }
  metrics.closed_port_seconds = seconds(createAt);
  metrics.secret_leaks = capture.leaks;
  metrics.captured_chars = capture.chars;
  metrics.seconds = seconds(t0);
  return metrics;
}

// --- 4. tooManySubscribers ---------------------------------------------------------------------

/** Options of {@linkcode tooManySubscribers}. */
export interface TooManySubscribersOptions {
  /** Most clients to open. @default {60} */
  maxClients?: number;
}

/** Metrics of {@linkcode tooManySubscribers}. */
export interface TooManySubscribersMetrics extends BaseMetrics {
  /** Clients ready when the next one was refused. */
  subscribers_at_limit: number;
  /** The refused client's close code and reason. */
  limit_close: string;
  /** Whether the refused client became ready once a slot was freed. */
  recovered: boolean;
  /** Seconds from freeing a slot until it was ready. */
  recovery_seconds: number;
  /** Connections the refused client made until it was ready. */
  refused_attempts: number;
}

/**
 * Opens events-socket clients on one conversation until one is refused with 1013 (the server
 * allows 50 subscribers, internal ones included); frees a slot; the refused client must become
 * ready after its backoff.
 */
export async function tooManySubscribers(
  env: ChaosEnv,
  options: TooManySubscribersOptions = {},
): Promise<TooManySubscribersMetrics> {
  const t0 = performance.now();
  const maxClients = options.maxClients ?? 60;
  const secret = newSecret("subscribers");
  const capture = new Capture([env.apiKey, secret]);
  const metrics: TooManySubscribersMetrics = {
    scenario: "tooManySubscribers",
    seconds: 0,
    secret_leaks: 0,
    captured_chars: 0,
    notes: [],
    subscribers_at_limit: 0,
    limit_close: "",
    recovered: false,
    recovery_seconds: 0,
    refused_attempts: 0,
  };
  // The conversation: created with a secret, then closed (its own socket frees its slot).
  const { conversation } = await openConversation(env, capture, secret);
  const conversationId = conversation.id;
  capture.conversation(conversation);
  await conversation.close();
  const clients: Array<{ client: WebSocketCallbackClient; ready: () => boolean }> = [];
  let extra: { client: WebSocketCallbackClient; ready: () => boolean } | undefined;
  const ws = countingWebSocket();
  try {
    for (let i = 0; i < maxClients && !extra; i++) {
      let ready = false;
      const client = new WebSocketCallbackClient({
        host: env.serverUrl,
        conversationId,
        apiKey: env.apiKey,
        protocol: "events",
        callback: capture.event,
        onError: capture.error,
        onReady: () => {
          ready = true;
        },
        reconnect: { initialDelayMs: 100, maxDelayMs: 400, jitter: 0.25, minUptimeMs: 1000 },
        // Only the refused one's attempts matter; counting them all is cheap.
        WebSocket: ws.Ctor,
      });
      const entry = { client, ready: () => ready };
      client.start();
      const state = await until(
        `client ${i + 1} to be ready or refused`,
        () => ready ? "ready" : client.lastClose?.code === 1013 ? "refused" : undefined,
        20_000,
        10,
      );
      if (state === "ready") clients.push(entry);
      else {
        extra = entry;
        metrics.subscribers_at_limit = clients.length;
        const close = client.lastClose;
        metrics.limit_close = close ? `${close.code} ${close.reason}` : "";
      }
    }
    env.log?.(
      `tooManySubscribers: ${clients.length} ready, ${
        extra ? `refused: ${metrics.limit_close}` : "none refused"
      }`,
    );
    if (!extra) {
      metrics.notes.push(`no client was refused among ${maxClients}`);
    } else {
      const freed = clients.pop()!;
      const freedAt = performance.now();
      await bounded("stopping a client", freed.client.stop(), 10_000);
      const refused = extra;
      try {
        await refused.client.waitUntilReady({ timeoutMs: 20_000 });
        metrics.recovered = refused.ready();
        metrics.recovery_seconds = seconds(freedAt);
      } catch (err) {
        capture.error(err);
        metrics.notes.push(
          `the refused client did not recover: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      metrics.refused_attempts = refused.client.connectionCount;
    }
  } finally {
    await bounded(
      "stopping the clients",
      Promise.all([...clients, ...(extra ? [extra] : [])].map((c) => c.client.stop())),
      30_000,
    );
  }
  metrics.secret_leaks = capture.leaks;
  metrics.captured_chars = capture.chars;
  metrics.seconds = seconds(t0);
  return metrics;
}

// --- 5. slowConsumer ---------------------------------------------------------------------------

/** Options of {@linkcode slowConsumer}. */
export interface SlowConsumerOptions {
  /** Steps of the `long` script. @default {15} */
  steps?: number;
  /** Busy wait per event, in ms. @default {50} */
  busyMs?: number;
  /** Event socket. @default {"session"} */
  socketProtocol?: "session" | "events";
}

/** Metrics of {@linkcode slowConsumer}. */
export interface SlowConsumerMetrics extends BaseMetrics {
  events_checked: number;
  lost: number;
  duplicated: number;
  extra: number;
  misordered: number;
  outcome: string;
  /** Events the slow callback handled. */
  slow_events: number;
  /** WebSocket connections opened (1 unless the server dropped a slow consumer). */
  websocket_connections: number;
  heap_before_mib: number;
  heap_after_mib: number;
}

/** A callback busy-waits on every event of a fast run; nothing may be dropped. */
export async function slowConsumer(
  env: ChaosEnv,
  options: SlowConsumerOptions = {},
): Promise<SlowConsumerMetrics> {
  const t0 = performance.now();
  const steps = options.steps ?? 15;
  const busyMs = options.busyMs ?? 50;
  const secret = newSecret("slow");
  const capture = new Capture([env.apiKey, secret]);
  const heapBefore = heapMiB();
  let slowEvents = 0;
  const ws = countingWebSocket();
  const tracked = await openConversation(env, capture, secret, {
    WebSocket: ws.Ctor,
    socketProtocol: options.socketProtocol ?? "session",
    callbacks: [() => {
      slowEvents++;
      const end = performance.now() + busyMs;
      while (performance.now() < end) { /* a slow consumer */ }
    }],
  });
  const { conversation } = tracked;
  const notes: string[] = [];
  let outcome = "";
  let check = emptyCheck();
  try {
    await conversation.sendMessage(
      `${marker("long", { id: markerId("slow"), n: steps, delay: 0 })} chaos slow consumer`,
    );
    const result = await bounded(
      "run()",
      settle(conversation.run({ timeoutMs: 120_000 })),
      150_000,
    );
    if ("error" in result) capture.error(result.error);
    outcome = describeOutcome(result);
    const settled = await settleAndCheck(env, conversation, tracked.delivered, 15_000);
    if (!settled.settled) notes.push("local history never matched");
    check = settled;
    capture.conversation(conversation);
  } finally {
    await conversation.close();
  }
  const metrics: SlowConsumerMetrics = {
    scenario: "slowConsumer",
    seconds: seconds(t0),
    secret_leaks: capture.leaks,
    captured_chars: capture.chars,
    notes,
    events_checked: check.checked,
    lost: check.lost,
    duplicated: check.duplicated,
    extra: check.extra,
    misordered: check.misordered,
    outcome,
    slow_events: slowEvents,
    websocket_connections: ws.opened,
    heap_before_mib: heapBefore,
    heap_after_mib: heapMiB(),
  };
  env.log?.(
    `slowConsumer: ${outcome}, ${slowEvents} slow events, ${check.checked} checked, lost ${check.lost}`,
  );
  return metrics;
}

// --- 6. hygiene --------------------------------------------------------------------------------

/** Options of {@linkcode hygiene}. */
export interface HygieneOptions {
  /** create → attach → close cycles. @default {20} */
  cycles?: number;
  /** Wait before counting again, in ms. @default {1500} */
  settleMs?: number;
}

/** Metrics of {@linkcode hygiene}. */
export interface HygieneMetrics extends BaseMetrics {
  cycles: number;
  fds_before: number;
  fds_after: number;
  /** Open file descriptors after minus before. */
  leaked_resources: number;
  heap_before_mib: number;
  heap_after_mib: number;
  /** Mean milliseconds per cycle. */
  cycle_ms: number;
}

/**
 * Cycles of create → attach a second client to the same id → close both (the first deletes the
 * conversation); counts this process's open file descriptors and heap before and after.
 */
export async function hygiene(
  env: ChaosEnv,
  options: HygieneOptions = {},
): Promise<HygieneMetrics> {
  const t0 = performance.now();
  const cycles = options.cycles ?? 20;
  const settleMs = options.settleMs ?? 1500;
  const secret = newSecret("hygiene");
  const capture = new Capture([env.apiKey, secret]);
  const notes: string[] = [];
  const cycle = async (i: number): Promise<void> => {
    const protocol = i % 2 === 0 ? "session" : "events";
    const first = await RemoteConversation.create({
      agent: scriptedAgentFor(env.llmUrl),
      workspace: new RemoteWorkspace({
        host: env.serverUrl,
        apiKey: env.apiKey,
        workingDir: env.workspaceDir,
        timeoutMs: 30_000,
      }),
      autotitle: false,
      socketProtocol: protocol,
      secrets: { CHAOS_TOKEN: secret },
      deleteOnClose: true,
      callbacks: [capture.event],
      onError: capture.error,
    });
    try {
      const second = await RemoteConversation.create({
        agent: scriptedAgentFor(env.llmUrl),
        workspace: new RemoteWorkspace({
          host: env.serverUrl,
          apiKey: env.apiKey,
          workingDir: env.workspaceDir,
          timeoutMs: 30_000,
        }),
        conversationId: first.id,
        socketProtocol: protocol === "session" ? "events" : "session",
        callbacks: [capture.event],
        onError: capture.error,
      });
      await second.close();
    } finally {
      await first.close();
    }
  };
  // One warm-up cycle so pooled HTTP connections and lazy runtime state count as the baseline.
  await cycle(-1);
  await sleep(settleMs);
  const fdsBefore = openFds();
  const heapBefore = heapMiB();
  const loopAt = performance.now();
  for (let i = 0; i < cycles; i++) {
    await cycle(i);
    if ((i + 1) % 100 === 0) env.log?.(`hygiene: ${i + 1}/${cycles} cycles, ${openFds()} fds`);
  }
  const cycleMs = Number(((performance.now() - loopAt) / Math.max(1, cycles)).toFixed(1));
  await sleep(settleMs);
  const fdsAfter = openFds();
  const heapAfter = heapMiB();
  env.log?.(
    `hygiene: ${cycles} cycles, fds ${fdsBefore} -> ${fdsAfter}, heap ${heapBefore} -> ${heapAfter} MiB`,
  );
  return {
    scenario: "hygiene",
    seconds: seconds(t0),
    secret_leaks: capture.leaks,
    captured_chars: capture.chars,
    notes,
    cycles,
    fds_before: fdsBefore,
    fds_after: fdsAfter,
    leaked_resources: fdsAfter - fdsBefore,
    heap_before_mib: heapBefore,
    heap_after_mib: heapAfter,
    cycle_ms: cycleMs,
  };
}

// --- probe: frozen REST ------------------------------------------------------------------------

/** A loopback proxy whose plain HTTP traffic can be frozen (bytes swallowed, nothing closed)
 * while upgraded WebSocket connections keep flowing: a half-broken network path. */
interface FreezeProxy {
  url: string;
  /** Swallows plain HTTP bytes from now on; with `websockets`, WebSocket bytes too. */
  freeze(options?: { websockets?: boolean }): void;
  close(): Promise<void>;
}

function startFreezeProxy(target: string): Promise<FreezeProxy> {
  const { hostname, port } = new URL(target);
  let frozen = false;
  let frozenWebsockets = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: hostname, port: Number(port) });
    sockets.add(client);
    sockets.add(upstream);
    let websocket = false;
    client.on("data", (chunk: Uint8Array) => {
      if (
        !websocket && /upgrade: websocket/i.test(new TextDecoder().decode(chunk.subarray(0, 2048)))
      ) {
        websocket = true;
      }
      if (websocket ? frozenWebsockets : frozen) return;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Uint8Array) => {
      if (websocket ? frozenWebsockets : frozen) return;
      client.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      socket.on("close", end);
      socket.on("error", end);
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const listenPort = typeof address === "object" && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${listenPort}`,
        freeze: (options = {}) => {
          frozen = true;
          if (options.websockets) frozenWebsockets = true;
        },
        close: () => {
          for (const socket of sockets) socket.destroy();
          sockets.clear();
          return new Promise<void>((r) => server.close(() => r()));
        },
      });
    });
  });
}

/** Options of {@linkcode frozenRest}. */
export interface FrozenRestOptions {
  /** run()'s timeout, in ms. @default {4000} */
  runTimeoutMs?: number;
  /** The workspace's per-attempt HTTP timeout, in ms (bounds how long a frozen request hangs).
   * @default {8000} */
  httpTimeoutMs?: number;
  /** How long to let close() try while everything is frozen, in ms. @default {15000} */
  closeWaitMs?: number;
}

/** Metrics of {@linkcode frozenRest}. */
export interface FrozenRestMetrics extends BaseMetrics {
  run_timeout_ms: number;
  /** REST frozen before run(): the `POST /run` hangs. */
  before_run_seconds: number;
  before_run_outcome: string;
  /** REST frozen mid-run, socket still flowing: the post-run reconcile hangs. */
  mid_run_seconds: number;
  mid_run_outcome: string;
  /** When the socket reported the end of the mid-run case's run, in seconds after run(). */
  mid_run_socket_finished_seconds: number;
  /** Everything frozen (WebSocket too, as with a SIGSTOPped server): how long close() took,
   * up to `closeWaitMs` (then the path is cut so that it can finish). */
  frozen_close_seconds: number;
  /** Whether close() settled while everything was frozen. */
  frozen_close_settled: boolean;
  close_wait_ms: number;
}

/**
 * Probe (not one of the required invariants): the network path freezes (bytes swallowed, nothing
 * closed, as with a hung proxy or a SIGSTOPped server). With plain HTTP frozen and the WebSocket
 * still flowing, a run() with `timeoutMs` should settle close to that timeout: this records how
 * long it really takes with REST frozen before run() and in the middle of a run. With everything
 * frozen, it records whether close() comes back.
 */
export async function frozenRest(
  env: ChaosEnv,
  options: FrozenRestOptions = {},
): Promise<FrozenRestMetrics> {
  const t0 = performance.now();
  const runTimeoutMs = options.runTimeoutMs ?? 4000;
  const httpTimeoutMs = options.httpTimeoutMs ?? 8000;
  const closeWaitMs = options.closeWaitMs ?? 15_000;
  const secret = newSecret("frozen");
  const capture = new Capture([env.apiKey, secret]);
  const metrics: FrozenRestMetrics = {
    scenario: "frozenRest",
    seconds: 0,
    secret_leaks: 0,
    captured_chars: 0,
    notes: [],
    run_timeout_ms: runTimeoutMs,
    before_run_seconds: 0,
    before_run_outcome: "",
    mid_run_seconds: 0,
    mid_run_outcome: "",
    mid_run_socket_finished_seconds: 0,
    frozen_close_seconds: 0,
    frozen_close_settled: false,
    close_wait_ms: closeWaitMs,
  };
  for (const when of ["before", "mid"] as const) {
    const proxy = await startFreezeProxy(env.serverUrl);
    let tracked: Tracked | undefined;
    try {
      tracked = await openConversation(env, capture, secret, {
        host: proxy.url,
        httpTimeoutMs,
      });
      const { conversation } = tracked;
      await conversation.sendMessage(
        `${marker("long", { id: markerId("frozen"), n: 6, delay: 100 })} chaos frozen rest`,
      );
      if (when === "before") proxy.freeze();
      const runAt = performance.now();
      let done = false;
      const running = settle(conversation.run({ timeoutMs: runTimeoutMs })).finally(() => {
        done = true;
      });
      let finishedAt = 0;
      if (when === "mid") {
        await until("the first observation", () => done || hasObservation(conversation), 30_000);
        proxy.freeze();
        await until(
          "the socket to report the end of the run",
          () => done || conversation.state.agentStatus === "finished",
          30_000,
          10,
        );
        finishedAt = performance.now();
      }
      const outcome = await bounded("run()", running, 4 * httpTimeoutMs + runTimeoutMs + 30_000);
      const took = seconds(runAt);
      if ("error" in outcome) capture.error(outcome.error);
      if (when === "before") {
        metrics.before_run_seconds = took;
        metrics.before_run_outcome = describeOutcome(outcome);
      } else {
        metrics.mid_run_seconds = took;
        metrics.mid_run_outcome = describeOutcome(outcome);
        metrics.mid_run_socket_finished_seconds = finishedAt
          ? Number(((finishedAt - runAt) / 1000).toFixed(2))
          : 0;
      }
      capture.conversation(conversation);
      env.log?.(
        `frozenRest (${when} run): run({ timeoutMs: ${runTimeoutMs} }) ${
          describeOutcome(outcome)
        } after ${took} s`,
      );
    } finally {
      await tracked?.conversation.close();
      await proxy.close();
      if (tracked) await pauseOnServer(env, tracked.conversation.id);
    }
  }
  // Everything frozen, the WebSocket included: does close() come back?
  {
    const proxy = await startFreezeProxy(env.serverUrl);
    let closing: Promise<void> | undefined;
    try {
      const { conversation } = await openConversation(env, capture, secret, {
        host: proxy.url,
        httpTimeoutMs,
      });
      capture.conversation(conversation);
      proxy.freeze({ websockets: true });
      const closeAt = performance.now();
      let settled = false;
      closing = conversation.close().then(() => {
        settled = true;
      });
      await until("close()", () => settled, closeWaitMs, 25).catch(() => {});
      metrics.frozen_close_settled = settled;
      metrics.frozen_close_seconds = seconds(closeAt);
      env.log?.(
        `frozenRest (everything frozen): close() ${
          settled ? "settled" : "still pending"
        } after ${metrics.frozen_close_seconds} s`,
      );
    } finally {
      await proxy.close(); // cuts the frozen connections, so a pending close() can finish
      if (closing) await bounded("close() after the cut", closing, 15_000);
    }
  }
  metrics.secret_leaks = capture.leaks;
  metrics.captured_chars = capture.chars;
  metrics.seconds = seconds(t0);
  return metrics;
}

/** What {@linkcode frozenRest} should show once run() honours its timeout everywhere. */
export function frozenRestFailures(m: FrozenRestMetrics, slackSeconds = 2): string[] {
  const limit = m.run_timeout_ms / 1000 + slackSeconds;
  const out: string[] = [];
  if (m.before_run_seconds > limit) {
    out.push(
      `frozenRest: REST frozen before run(): run({ timeoutMs: ${m.run_timeout_ms} }) settled after ${m.before_run_seconds} s (${m.before_run_outcome})`,
    );
  }
  if (m.mid_run_seconds > limit) {
    out.push(
      `frozenRest: REST frozen mid-run: run({ timeoutMs: ${m.run_timeout_ms} }) settled after ${m.mid_run_seconds} s (${m.mid_run_outcome}); the socket reported the end after ${m.mid_run_socket_finished_seconds} s`,
    );
  }
  if (!m.frozen_close_settled) {
    out.push(
      `frozenRest: everything frozen (as with a SIGSTOPped server): close() had not settled after ${m.frozen_close_seconds} s`,
    );
  }
  if (m.secret_leaks > 0) out.push(`frozenRest: secret_leaks ${m.secret_leaks}`);
  return out;
}

// --- invariants --------------------------------------------------------------------------------

/** Any scenario's metrics. */
export type ScenarioMetrics =
  | CutsMetrics
  | RestartMetrics
  | ServerGoneMetrics
  | TooManySubscribersMetrics
  | SlowConsumerMetrics
  | HygieneMetrics;

/** Limits the invariants use. */
export interface InvariantLimits {
  /** Most fds a hygiene run may leave open. @default {2} */
  maxLeakedFds?: number;
  /** Most socket attempts during the outage. @default {5} */
  maxOutageAttempts?: number;
  /** Latest run() rejection in serverGone, in seconds. @default {8} */
  maxGoneSeconds?: number;
  /** Most seconds create() may take against a closed port. @default {5} */
  maxClosedPortSeconds?: number;
  /** Cuts each cuts() conversation must get. */
  cutsPerConversation?: number;
  /** Live cuts (socket resumed mid-run) cuts() must count in all. @default {0} */
  minResumedCuts?: number;
  /** Server events cuts() must check in all. @default {1} */
  minEventsChecked?: number;
}

/** The invariants a scenario's metrics break, as readable lines (empty when all hold). */
export function invariantFailures(m: ScenarioMetrics, limits: InvariantLimits = {}): string[] {
  const out: string[] = [];
  const expect = (ok: boolean, what: string): void => {
    if (!ok) out.push(`${m.scenario}: ${what}`);
  };
  expect(m.secret_leaks === 0, `secret_leaks ${m.secret_leaks} (want 0)`);
  expect(m.captured_chars > 0, "nothing was captured for the secret scan");
  switch (m.scenario) {
    case "cuts": {
      const c = m as CutsMetrics;
      expect(c.lost === 0, `lost ${c.lost}`);
      expect(c.duplicated === 0, `duplicated ${c.duplicated}`);
      expect(c.extra === 0, `extra ${c.extra}`);
      expect(c.misordered === 0, `misordered ${c.misordered}`);
      const events = Math.max(1, limits.minEventsChecked ?? 1);
      expect(c.events_checked >= events, `events_checked ${c.events_checked} (want ${events})`);
      expect(
        (c.outcomes.finished ?? 0) === c.conversations,
        `run() outcomes ${JSON.stringify(c.outcomes)} (want all finished)`,
      );
      const want = c.conversations * (limits.cutsPerConversation ?? 1);
      expect(c.cuts >= want, `cuts ${c.cuts} (want ${want})`);
      const live = limits.minResumedCuts ?? 0;
      expect(c.cuts_resumed >= live, `cuts_resumed ${c.cuts_resumed} (want ${live})`);
      break;
    }
    case "restart": {
      const r = m as RestartMetrics;
      expect(r.restarts > 0, "no restart happened");
      expect(r.lost === 0, `lost ${r.lost}`);
      expect(r.duplicated === 0, `duplicated ${r.duplicated}`);
      expect(r.extra === 0, `extra ${r.extra}`);
      expect(r.misordered === 0, `misordered ${r.misordered}`);
      expect(r.typed, `untyped outcome: ${r.outcome.join("; ")}`);
      // A crash leaves the run `error` on the server; a graceful stop pauses it first.
      const allowed = r.mode === "kill"
        ? ["ConversationRunError(status=error)"]
        : ["paused", "ConversationRunError(status=error)"];
      expect(
        r.outcome.every((o) => allowed.includes(o)),
        `outcomes ${r.outcome.join("; ")} (want ${allowed.join(" or ")})`,
      );
      expect(r.reconnected.every((n) => n > 0), `reconnects ${r.reconnected.join(",")}`);
      break;
    }
    case "serverGone": {
      const g = m as ServerGoneMetrics;
      expect(
        g.run_timed_out,
        `run() ended ${g.run_outcome} (want ConversationRunError/TimeoutError)`,
      );
      expect(
        g.run_seconds <= (limits.maxGoneSeconds ?? 8),
        `run() took ${g.run_seconds} s (want <= ${limits.maxGoneSeconds ?? 8})`,
      );
      expect(g.attempts >= 1, "no reconnect attempt during the outage");
      expect(
        g.attempts <= (limits.maxOutageAttempts ?? 5),
        `${g.attempts} socket attempts in ${g.outage_seconds} s (a storm)`,
      );
      expect(
        g.closed_port_error === "ConnectionError",
        `create() on a closed port: ${g.closed_port_error}`,
      );
      expect(
        g.closed_port_seconds <= (limits.maxClosedPortSeconds ?? 5),
        `create() on a closed port took ${g.closed_port_seconds} s`,
      );
      expect(
        g.update_during_outage === "ConnectionError",
        `updateSecrets during the outage: ${g.update_during_outage}`,
      );
      break;
    }
    case "tooManySubscribers": {
      const t = m as TooManySubscribersMetrics;
      expect(t.subscribers_at_limit > 0, "no client was refused");
      expect(t.limit_close.startsWith("1013"), `refused with ${t.limit_close} (want 1013)`);
      expect(t.recovered, "the refused client did not recover");
      break;
    }
    case "slowConsumer": {
      const s = m as SlowConsumerMetrics;
      expect(s.outcome === "finished", `run() ended ${s.outcome}`);
      expect(s.lost === 0, `lost ${s.lost}`);
      expect(s.duplicated === 0, `duplicated ${s.duplicated}`);
      expect(s.extra === 0, `extra ${s.extra}`);
      expect(s.misordered === 0, `misordered ${s.misordered}`);
      expect(s.events_checked > 0, "no events checked");
      break;
    }
    case "hygiene": {
      const h = m as HygieneMetrics;
      expect(
        h.leaked_resources <= (limits.maxLeakedFds ?? 2),
        `leaked ${h.leaked_resources} fds over ${h.cycles} cycles`,
      );
      break;
    }
  }
  return out;
}
