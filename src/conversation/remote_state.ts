/**
 * {@linkcode RemoteState}: the conversation's state as last reported by the server.
 *
 * @module
 */

import { setOwn } from "../_checks.ts";
import type { ConfirmationPolicyJSON } from "../confirmation_policy.ts";
import type { Event } from "../events/kinds.ts";
import type { AgentServerClient, CallOptions } from "../rest/client.ts";
import { getConversation } from "../rest/conversations.ts";
import type { ConversationExecutionStatus } from "../types.ts";
import type { RemoteEventsList } from "./events_list.ts";

/**
 * Options of {@linkcode RemoteState}.
 *
 * @example A first state, then a refresh (here against a stand-in fetch)
 * ```ts
 * import { createAgentServerClient } from "@remote-hands/client";
 * import { RemoteEventsList } from "@remote-hands/client";
 * import { RemoteState, type RemoteStateOptions } from "@remote-hands/client";
 * const id = "6c1b5b1e-0000-4000-8000-000000000000";
 * const options: RemoteStateOptions = {
 *   id,
 *   events: new RemoteEventsList(),
 *   initial: { execution_status: "idle" },
 *   client: createAgentServerClient({
 *     host: "http://agent.test",
 *     fetch: async () => Response.json({ id, execution_status: "finished" }),
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
 * The state fields the getters show, typed as the getters return them. The cache holds what the
 * server sent, unchecked (a getter shows exactly what `modelDump()` has): these types are the
 * server's promise, stated once here instead of a cast in each getter.
 */
interface StateFields {
  execution_status: ConversationExecutionStatus;
  confirmation_policy: ConfirmationPolicyJSON;
  activated_knowledge_skills: string[];
  agent: Record<string, unknown>;
  workspace: Record<string, unknown>;
  persistence_dir: string;
  stats: Record<string, unknown>;
  security_analyzer: Record<string, unknown>;
}

/** The cache: every key the server sent, as a plain data key of an object without a prototype. */
type StateCache = Partial<StateFields> & Record<string, unknown>;

/**
 * A copy of the own enumerable keys of `source` into a new object without a prototype: every key
 * the server chose, `__proto__` and `constructor` included, is a plain data key, and a read of a
 * key the server did not send finds nothing (no `Object.prototype` behind it).
 */
function prototypeFree(source?: object): StateCache {
  const out: StateCache = Object.create(null);
  if (source) assignOwn(out, source);
  return out;
}

/** Sets each own enumerable key of `source` on `target` as a data property (no setter runs). */
function assignOwn(target: StateCache, source: object): void {
  for (const [key, value] of Object.entries(source)) setOwn(target, key, value);
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
 * import { RemoteEventsList } from "@remote-hands/client";
 * import { RemoteState } from "@remote-hands/client";
 * const state = new RemoteState({ id: "c1", events: new RemoteEventsList() });
 * state.updateStateFromEvent({ kind: "ConversationStateUpdateEvent", id: "e", timestamp: "t", source: "environment", key: "execution_status", value: "running" });
 * if (state.agentStatus !== "running") throw new Error();
 * ```
 */
export class RemoteState {
  #id: string;
  #events: RemoteEventsList;
  #client: AgentServerClient | undefined;
  #cache: StateCache;

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
    return this.#cache.execution_status;
  }
  /** Alias of {@linkcode RemoteState.agentStatus}, the server's field name. */
  get executionStatus(): ConversationExecutionStatus | undefined {
    return this.agentStatus;
  }
  /** The confirmation policy. */
  get confirmationPolicy(): ConfirmationPolicyJSON | undefined {
    return this.#cache.confirmation_policy;
  }
  /** Names of the knowledge skills activated so far. */
  get activatedKnowledgeSkills(): string[] {
    return this.#cache.activated_knowledge_skills ?? [];
  }
  /** The agent configuration (secrets redacted by the server). */
  get agent(): Record<string, unknown> | undefined {
    return this.#cache.agent;
  }
  /** The workspace (`{ kind, working_dir }`). */
  get workspace(): Record<string, unknown> | undefined {
    return this.#cache.workspace;
  }
  /** Where the server stores the conversation. */
  get persistenceDir(): string | undefined {
    return this.#cache.persistence_dir;
  }
  /** Token and cost statistics (`usage_to_metrics` by LLM usage id). */
  get stats(): Record<string, unknown> | undefined {
    return this.#cache.stats;
  }
  /** The security analyzer, when one is set. */
  get securityAnalyzer(): Record<string, unknown> | undefined {
    return this.#cache.security_analyzer;
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

  /**
   * Replaces the cache with the server's current `ConversationInfo`.
   *
   * @param options Signal and time limit.
   * @throws {Error} When no client was given.
   * @throws {NotFoundError} When the server does not know the conversation.
   * @throws {ProtocolError} When the answer is not about this conversation.
   */
  async refresh(options: CallOptions = {}): Promise<void> {
    if (!this.#client) throw new Error("Cannot refresh the state as no client was given");
    this.#cache = prototypeFree(await getConversation({ client: this.#client }, this.#id, options));
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
