/**
 * {@linkcode RemoteState}: the conversation's state as last reported by the server.
 *
 * @module
 */

import { setOwn } from "./_checks.ts";
import type { AgentServerClient, CallOptions } from "./client.ts";
import { callInit } from "./client.ts";
import type { ConfirmationPolicyJSON } from "./confirmation_policy.ts";
import type { Event } from "./events.ts";
import type { RemoteEventsList } from "./events_list.ts";
import type { ConversationExecutionStatus } from "./types.ts";

/**
 * Options of {@linkcode RemoteState}.
 *
 * @example A first state, then a refresh (here against a stand-in fetch)
 * ```ts
 * import { createAgentServerClient } from "./client.ts";
 * import { RemoteEventsList } from "./events_list.ts";
 * import { RemoteState, type RemoteStateOptions } from "./remote_state.ts";
 * const options: RemoteStateOptions = {
 *   id: "c1",
 *   events: new RemoteEventsList(),
 *   initial: { execution_status: "idle" },
 *   client: createAgentServerClient({
 *     host: "http://agent.test",
 *     fetch: async () => Response.json({ id: "c1", execution_status: "finished" }),
 *   }),
 * };
 * const state = new RemoteState(options);
 * const before = state.agentStatus; // "idle"
 * await state.refresh();
 * if (before !== "idle" || state.agentStatus !== "finished") throw new Error();
 * ```
 */
export interface RemoteStateOptions {
  /** The conversation id. */
  id: string;
  /** The conversation's events list. */
  events: RemoteEventsList;
  /** Client used by {@linkcode RemoteState.refresh}. */
  client?: AgentServerClient;
  /** A first state (e.g. the `ConversationInfo` from create or attach). */
  initial?: Record<string, unknown>;
}

/**
 * A copy of the own enumerable keys of `source` into a new object without a prototype: every key
 * the server chose, `__proto__` and `constructor` included, is a plain data key, and a read of a
 * key the server did not send finds nothing (no `Object.prototype` behind it).
 */
function prototypeFree(source?: object): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  if (source) assignOwn(out, source);
  return out;
}

/** Sets each own enumerable key of `source` on `target` as a data property (no setter runs). */
function assignOwn(target: Record<string, unknown>, source: object): void {
  for (const key of Object.keys(source)) {
    setOwn(target, key, (source as Record<string, unknown>)[key]);
  }
}

/**
 * A cached view of the conversation's state, kept current by state-update events.
 *
 * A `full_state` snapshot is merged shallowly (keys it leaves out keep their value, as in the
 * Python SDK); any other `ConversationStateUpdateEvent` sets its one key. `refresh()` replaces the
 * cache with the server's `ConversationInfo` (the REST fallback). Every key the server sends is
 * stored as a plain key (`__proto__` too): the getters return only what `modelDump()` shows.
 *
 * @example
 * ```ts
 * import { RemoteEventsList } from "./events_list.ts";
 * import { RemoteState } from "./remote_state.ts";
 * const state = new RemoteState({ id: "c1", events: new RemoteEventsList() });
 * state.updateStateFromEvent({ kind: "ConversationStateUpdateEvent", id: "e", timestamp: "t", source: "environment", key: "execution_status", value: "running" });
 * if (state.agentStatus !== "running") throw new Error();
 * ```
 */
export class RemoteState {
  #id: string;
  #events: RemoteEventsList;
  #client: AgentServerClient | undefined;
  #cache: Record<string, unknown>;

  /** Creates the state view. */
  constructor(options: RemoteStateOptions) {
    this.#id = options.id;
    this.#events = options.events;
    this.#client = options.client;
    this.#cache = prototypeFree(options.initial);
  }

  /** The conversation's events. */
  get events(): RemoteEventsList {
    return this.#events;
  }
  /** The conversation id. */
  get id(): string {
    return this.#id;
  }
  /** Execution status: `idle`, `running`, `paused`, `waiting_for_confirmation`, `finished`, `error`, `stuck`. */
  get agentStatus(): ConversationExecutionStatus | undefined {
    return this.#cache.execution_status as ConversationExecutionStatus | undefined;
  }
  /** Alias of {@linkcode RemoteState.agentStatus}, the server's field name. */
  get executionStatus(): ConversationExecutionStatus | undefined {
    return this.agentStatus;
  }
  /** The confirmation policy. */
  get confirmationPolicy(): ConfirmationPolicyJSON | undefined {
    return this.#cache.confirmation_policy as ConfirmationPolicyJSON | undefined;
  }
  /** Names of the knowledge skills activated so far. */
  get activatedKnowledgeSkills(): string[] {
    return (this.#cache.activated_knowledge_skills as string[] | undefined) ?? [];
  }
  /** The agent configuration (secrets redacted by the server). */
  get agent(): Record<string, unknown> | undefined {
    return this.#cache.agent as Record<string, unknown> | undefined;
  }
  /** The workspace (`{ kind, working_dir }`). */
  get workspace(): Record<string, unknown> | undefined {
    return this.#cache.workspace as Record<string, unknown> | undefined;
  }
  /** Where the server stores the conversation. */
  get persistenceDir(): string | undefined {
    return this.#cache.persistence_dir as string | undefined;
  }
  /** Token and cost statistics (`usage_to_metrics` by LLM usage id). */
  get stats(): Record<string, unknown> | undefined {
    return this.#cache.stats as Record<string, unknown> | undefined;
  }
  /** The security analyzer, when one is set. */
  get securityAnalyzer(): Record<string, unknown> | undefined {
    return this.#cache.security_analyzer as Record<string, unknown> | undefined;
  }
  /** Whether any state is cached. */
  get cached(): boolean {
    return Object.keys(this.#cache).length > 0;
  }

  /** Applies a `ConversationStateUpdateEvent`; other events are ignored. */
  updateStateFromEvent(event: Event): void {
    if (event.kind !== "ConversationStateUpdateEvent") return;
    const { key, value } = event as { key?: unknown; value?: unknown };
    if (typeof key !== "string") return;
    if (key === "full_state") {
      if (value && typeof value === "object" && !Array.isArray(value)) {
        assignOwn(this.#cache, value);
      }
      return;
    }
    setOwn(this.#cache, key, value);
  }

  /** A callback that applies each state-update event it gets. */
  createStateUpdateCallback(): (event: Event) => void {
    return (event) => this.updateStateFromEvent(event);
  }

  /** Replaces the cache with the server's current `ConversationInfo`. */
  async refresh(options: CallOptions = {}): Promise<void> {
    if (!this.#client) throw new Error("Cannot refresh the state as no client was given");
    const { data } = await this.#client.rest.GET("/api/conversations/{conversation_id}", {
      params: { path: { conversation_id: this.#id } },
      ...callInit(options),
    });
    this.#cache = prototypeFree(data && typeof data === "object" ? data : undefined);
  }

  /** A copy of the cached state. */
  modelDump(): Record<string, unknown> {
    return structuredClone(this.#cache);
  }

  /** The cached state as JSON. */
  modelDumpJson(): string {
    return JSON.stringify(this.#cache);
  }
}
