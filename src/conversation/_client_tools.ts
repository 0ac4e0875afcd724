/**
 * {@linkcode ClientToolRunner}: runs the handlers of client-side tools and gives their results
 * back to the agent (`docs/protocol.md`, "Client-side tools").
 *
 * The 1.58.2 server runs a client tool call with a no-op executor (`ClientToolExecutor` in
 * `openhands/sdk/tool/client_tool.py`): it stores the `ActionEvent`, then at once an
 * `ObservationEvent` whose observation is a `ClientToolObservation` ("Tool call dispatched to
 * client."), and the agent goes on. That acknowledgement is the trigger here: a call held for
 * confirmation and then rejected never gets one, so it never runs. The only way back to the agent
 * is a user message (`POST .../events` with `run: true`; `send_message` in `local_conversation.py`
 * takes user messages only), whose first line names the call, so every client can tell which
 * calls have their result.
 *
 * Exactly once per `tool_call_id`: a call runs when its acknowledgement is seen (live, or in the
 * history when the conversation is opened) and no result message for it is: a process that
 * attaches later runs only the calls nobody answered. A result whose POST fails is sent again
 * until the server has it (its message arrives) or the conversation closes.
 *
 * @module
 */

import { ConflictError, ProtocolError, RemoteHandsError } from "../errors.ts";
import type { Event } from "../events/kinds.ts";
import type { ActionEvent, MessageEvent, ObservationEvent } from "../events/types.ts";
import type { Connection } from "../rest/connection.ts";
import { runConversation } from "../rest/conversations.ts";
import { sendMessage } from "../rest/events.ts";
import { type AnyClientTool, parseResultText, resultText } from "./_client_tool_specs.ts";
import type { RemoteEventsList } from "./events_list.ts";

/** The observation kind of the server's acknowledgement of a client tool call. */
const ACK = "ClientToolObservation";
/** Fields the SDK adds to every tool's arguments (`_get_tool_schema`), not the tool's own. */
const META = ["security_risk", "summary"];

/**
 * Options of {@linkcode ClientToolRunner}.
 *
 * @example
 * ```ts
 * import type { ClientToolRunnerOptions } from "./_client_tools.ts";
 * const retryMs: ClientToolRunnerOptions["retryMs"] = [100, 1_000];
 * if (retryMs?.length !== 2) throw new Error();
 * ```
 */
export interface ClientToolRunnerOptions {
  /** The server. */
  readonly connection: Connection;
  /** The conversation's id. */
  readonly conversationId: string;
  /** The tools with their handlers. */
  readonly tools: readonly AnyClientTool[];
  /** The conversation's events (the history the runner looks through when it starts). */
  readonly events: RemoteEventsList;
  /** Receives problems: a result that could not be sent, a call it could not read. */
  readonly report: (error: RemoteHandsError) => void;
  /** Waits between attempts to send a result; the last repeats. @default {[500, 1000, 2000, 5000]} */
  readonly retryMs?: readonly number[];
}

/**
 * Runs each client tool call once and sends its result (or error) to the agent.
 *
 * @example
 * ```ts
 * import { ClientToolRunner } from "./_client_tools.ts";
 * import { createConnection } from "../rest/connection.ts";
 * import { RemoteEventsList } from "./events_list.ts";
 * const sent: string[] = [];
 * const connection = createConnection({
 *   host: "http://agent.test",
 *   fetch: async (request) => {
 *     sent.push((await request.json()).content[0].text);
 *     return Response.json({ success: true });
 *   },
 * });
 * const runner = new ClientToolRunner({
 *   connection, conversationId: "c1", events: new RemoteEventsList(), report: () => {},
 *   tools: [{ name: "add", description: "Adds.", handler: ({ a, b }) => Number(a) + Number(b) }],
 * });
 * const at = "2026-01-01T00:00:00";
 * runner.onEvent({ kind: "ActionEvent", id: "a1", timestamp: at, source: "agent", tool_name: "add", tool_call_id: "c1", tool_call: { arguments: '{"a":1,"b":2}' } });
 * runner.onEvent({ kind: "ObservationEvent", id: "o1", timestamp: at, source: "environment", tool_name: "add", tool_call_id: "c1", action_id: "a1", observation: { kind: "ClientToolObservation" } });
 * await runner.settled();
 * if (sent[0] !== '[client tool result] tool="add" call_id="c1"\n3') throw new Error(sent[0]);
 * ```
 */
export class ClientToolRunner {
  readonly #options: ClientToolRunnerOptions;
  readonly #tools: Map<string, AnyClientTool>;
  /** The client tools' `ActionEvent`s by event id. */
  readonly #actions = new Map<string, ActionEvent>();
  /** Calls whose result message has been seen. */
  readonly #answered = new Set<string>();
  /** Calls this runner took on. */
  readonly #taken = new Set<string>();
  /** Calls whose handler runs or whose result is being sent. */
  readonly #busy = new Set<Promise<void>>();
  readonly #closing = new AbortController();
  /** How many `run()` calls hold the runs back (results are then sent without starting one). */
  #holds = 0;
  /** A result was sent without starting a run: the holder (or the release) must start one. */
  #owed = false;

  /** Creates the runner; nothing runs before {@linkcode start} or a live event. */
  constructor(options: ClientToolRunnerOptions) {
    this.#options = options;
    this.#tools = new Map(options.tools.map((tool) => [tool.name, tool]));
  }

  /** Looks through the history once it is loaded: runs the calls that have no result yet. */
  start(): void {
    const history = this.#options.events.slice();
    for (const event of history) this.#note(event);
    for (const event of history) this.#trigger(event);
  }

  /** Takes a live event (each once, in order). */
  onEvent(event: Event): void {
    this.#note(event);
    this.#trigger(event);
  }

  /**
   * Resolves when no handler runs and no result is being sent.
   *
   * @returns When the runner is idle.
   */
  async settled(): Promise<void> {
    while (this.#busy.size > 0) await Promise.allSettled([...this.#busy]);
  }

  /**
   * Holds the runs back while a `run()` waits: results are sent without starting a run, and the
   * holder starts it ({@linkcode takeOwedRun}), so that it knows which run to wait for. The
   * release starts the run still owed, if any (the agent must get its results).
   *
   * @returns The release (idempotent).
   */
  hold(): () => void {
    this.#holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds--;
      this.#startOwedRun();
    };
  }

  /**
   * Whether a result was sent without starting a run since the last call; clears it.
   *
   * @returns `true` when the caller must start the run.
   */
  takeOwedRun(): boolean {
    const owed = this.#owed;
    this.#owed = false;
    return owed;
  }

  /** With no holder left, starts the run a held result still owes (a 409: one is going). */
  #startOwedRun(): void {
    if (this.#holds > 0 || !this.#owed || this.#closing.signal.aborted) return;
    this.#owed = false;
    const { connection, conversationId, report } = this.#options;
    runConversation(connection, conversationId, { signal: this.#closing.signal }).catch((err) => {
      if (err instanceof ConflictError || this.#closing.signal.aborted) return;
      report(
        new RemoteHandsError("Starting the run for client tool results failed: call run()", {
          cause: err,
        }),
      );
    });
  }

  /** Aborts the running handlers (their `signal`) and sends nothing more. Idempotent. */
  close(): void {
    this.#closing.abort(
      new RemoteHandsError("The client tool call was aborted as the conversation was closed"),
    );
  }

  /** Records actions of our tools and result messages. */
  #note(event: Event): void {
    if (event.kind === "ActionEvent") {
      if (this.#tools.has(event.tool_name)) this.#actions.set(event.id, event);
    } else if (event.kind === "MessageEvent" && event.source === "user") {
      const parsed = parseResultText(textOf(event));
      if (parsed) this.#answered.add(parsed.callId);
    }
  }

  /** Runs the call an acknowledgement is for, unless it is answered or taken. */
  #trigger(event: Event): void {
    if (event.kind !== "ObservationEvent" || this.#closing.signal.aborted) return;
    const ack = event;
    const tool = this.#tools.get(ack.tool_name);
    if (!tool || ack.observation?.kind !== ACK) return;
    const callId = ack.tool_call_id;
    if (this.#answered.has(callId) || this.#taken.has(callId)) return;
    this.#taken.add(callId);
    const work = this.#run(tool, ack);
    this.#busy.add(work);
    void work.finally(() => this.#busy.delete(work));
  }

  /** Runs the handler, then sends what came of it (not after close()). */
  async #run(tool: AnyClientTool, ack: ObservationEvent): Promise<void> {
    const callId = ack.tool_call_id;
    const signal = this.#closing.signal;
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
    try {
      const event = this.#actionOf(ack);
      const args = argumentsOf(event, tool);
      const value: unknown = await tool.handler(args, { signal, toolCallId: callId, event });
      outcome = { ok: true, value };
    } catch (error) {
      if (error instanceof ProtocolError) this.#options.report(error);
      outcome = { ok: false, error };
    }
    if (signal.aborted) return;
    await this.#send(callId, resultText(tool.name, callId, outcome));
  }

  /** The `ActionEvent` an acknowledgement answers. */
  #actionOf(ack: ObservationEvent): ActionEvent {
    const known = this.#actions.get(ack.action_id);
    if (known) return known;
    const { events } = this.#options;
    for (let i = events.length - 1; i >= 0; i--) {
      const event = events.at(i);
      if (event?.id === ack.action_id && event.kind === "ActionEvent") return event;
    }
    throw new ProtocolError(
      "the event stream",
      `the client tool call ${JSON.stringify(ack.tool_call_id)} has no ActionEvent ${
        JSON.stringify(ack.action_id)
      }`,
    );
  }

  /** Posts the result message, again after a failure until it is stored or we close. */
  async #send(callId: string, text: string): Promise<void> {
    const { connection, conversationId, report, retryMs = [500, 1000, 2000, 5000] } = this.#options;
    const signal = this.#closing.signal;
    for (let attempt = 0;; attempt++) {
      if (signal.aborted || this.#answered.has(callId)) return;
      try {
        const content = [{ type: "text" as const, text }];
        const run = this.#holds === 0;
        await sendMessage(connection, conversationId, { role: "user", content, run }, { signal });
        if (!run) {
          this.#owed = true;
          this.#startOwedRun(); // the holder may be gone meanwhile
        }
        return;
      } catch (err) {
        if (signal.aborted) return;
        const status: unknown = err instanceof RemoteHandsError ? Reflect.get(err, "status") : 0;
        const final = typeof status === "number" && status >= 400 && status < 500;
        report(
          new RemoteHandsError(
            status === 429
              ? `The result of client tool call ${callId} is stored but the server could not start a run (429): call run()`
              : final
              ? `The result of client tool call ${callId} was refused (${status}); the agent does not have it`
              : `Sending the result of client tool call ${callId} failed; trying again`,
            { cause: err },
          ),
        );
        if (final) return;
        const wait = retryMs[Math.min(attempt, retryMs.length - 1)] ?? 1000;
        await sleep(wait, signal);
      }
    }
  }
}

/**
 * The arguments of a call: the LLM's (`tool_call.arguments`, which the server has checked against
 * the schema), without the fields the SDK adds unless the tool declares them; failing that, the
 * parsed `action` without its `kind`.
 */
function argumentsOf(event: ActionEvent, tool: AnyClientTool): Record<string, unknown> {
  const call: unknown = Reflect.get(event, "tool_call");
  const raw: unknown = call !== null && typeof call === "object"
    ? Reflect.get(call, "arguments")
    : undefined;
  let args: unknown;
  if (typeof raw === "string") {
    try {
      args = JSON.parse(raw);
    } catch {
      args = undefined;
    }
  } else if (event.action) {
    const { kind: _kind, ...rest } = event.action;
    args = rest;
  }
  if (args === null || typeof args !== "object" || Array.isArray(args)) {
    throw new ProtocolError(
      "the event stream",
      `the arguments of client tool call ${JSON.stringify(event.tool_call_id)} are not an object`,
    );
  }
  const declared = Object.keys(tool.parameters?.properties ?? {});
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (!META.includes(key) || declared.includes(key)) out[key] = value;
  }
  return out;
}

/** The text of a message's text parts. */
function textOf(event: MessageEvent): string {
  const parts = event.llm_message?.content ?? [];
  let text = "";
  for (const part of parts) {
    const value: unknown = part !== null && typeof part === "object"
      ? Reflect.get(part, "text")
      : undefined;
    if (typeof value === "string") text += value;
  }
  return text;
}

/** Waits `ms`, or less when `signal` aborts (never rejects). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
