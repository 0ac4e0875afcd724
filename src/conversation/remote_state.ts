/**
 * {@linkcode RemoteState}: the conversation's state as last reported by the server.
 *
 * @module
 */

import { setOwn, shown } from "../_checks.ts";
import type { ConfirmationPolicyJSON } from "../confirmation_policy.ts";
import { ProtocolError } from "../errors.ts";
import type { Event } from "../events/kinds.ts";
import type { AgentServerClient, CallOptions } from "../rest/client.ts";
import { getConversation } from "../rest/conversations.ts";
import type {
  ConversationExecutionStatus,
  ConversationInfo,
  ConversationStats,
  Schemas,
  ServerAgentConfig,
} from "../types.ts";
import type { RemoteEventsList } from "./events_list.ts";
import { checkStats } from "./stats.ts";

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
  /** Client used by {@linkcode RemoteState.refresh} and {@linkcode RemoteState.refreshFromServer}. */
  client?: AgentServerClient;
  /** A first state (e.g. the `ConversationInfo` from create or attach). */
  initial?: Record<string, unknown>;
}

/**
 * The state fields the getters show, typed as the server's `ConversationInfo` has them. The cache
 * holds what the server sent, unchecked but for `stats` (a getter shows exactly what
 * `modelDump()` has): these types are the server's promise, stated once here instead of a cast
 * in each getter.
 */
interface StateFields {
  execution_status: ConversationExecutionStatus;
  confirmation_policy: ConfirmationPolicyJSON;
  activated_knowledge_skills: string[];
  invoked_skills: string[];
  agent: ServerAgentConfig;
  workspace: Schemas["BaseWorkspace"];
  persistence_dir: string;
  security_analyzer: Schemas["SecurityAnalyzerBase-Output"] | null;
}

/** A JSON object: not null, not an array. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The server's `hook_config` with each hook's `async_` (how `full_state` snapshots name it, from
 * `model_dump()` without aliases in `conversation_state.py`) renamed `async` (the schema's name,
 * as REST sends it). The value is copied only where a hook is renamed; everything else is kept as
 * sent. `undefined` for none (absent or null).
 */
function hookConfigOf(value: unknown, what: string): Schemas["HookConfig"] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    throw new ProtocolError(what, `hook_config: ${shown(value)}, not an object`);
  }
  let out: Record<string, unknown> | undefined;
  for (const [event, matchers] of Object.entries(value)) {
    if (!Array.isArray(matchers)) continue;
    const renamed = matchers.map((matcher: unknown) => {
      const sent: unknown = isRecord(matcher) ? matcher.hooks : undefined;
      if (!isRecord(matcher) || !Array.isArray(sent)) return matcher;
      const hooks = sent.map((hook: unknown) => {
        if (!isRecord(hook) || !Object.hasOwn(hook, "async_") || Object.hasOwn(hook, "async")) {
          return hook;
        }
        const { async_, ...rest } = hook;
        return { ...rest, async: async_ };
      });
      return hooks.some((hook, i) => hook !== sent[i]) ? { ...matcher, hooks } : matcher;
    });
    if (renamed.some((matcher, i) => matcher !== matchers[i])) {
      out ??= { ...value };
      setOwn(out, event, renamed);
    }
  }
  // The server's promise, as for the other fields (see StateFields).
  return (out ?? value) as Schemas["HookConfig"];
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
 * cache with the server's `ConversationInfo` (the REST fallback; `refreshFromServer()` returns
 * it too). Every key the server sends is stored as a plain key (`__proto__` too): the getters
 * return only what `modelDump()` shows, typed as the server's schema has it; `stats` is checked
 * first, and `hookConfig` names a hook's `async_` flag (as snapshots send it) `async`.
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
  /** Names of the progressive-disclosure skills the agent invoked so far. */
  get invokedSkills(): string[] {
    return this.#cache.invoked_skills ?? [];
  }
  /** The agent configuration (secrets redacted by the server). */
  get agent(): ServerAgentConfig | undefined {
    return this.#cache.agent;
  }
  /** The workspace (`{ kind, working_dir }`). */
  get workspace(): Schemas["BaseWorkspace"] | undefined {
    return this.#cache.workspace;
  }
  /** Where the server stores the conversation. */
  get persistenceDir(): string | undefined {
    return this.#cache.persistence_dir;
  }
  /**
   * Token and cost statistics: `usage_to_metrics`, the metrics of each LLM usage by usage id
   * (`getCombinedMetrics(state.stats)` sums them); `undefined` when the server sent none.
   *
   * @throws {ProtocolError} When the server's `stats` is not that shape (a total that is not a
   * number, ...).
   */
  get stats(): ConversationStats | undefined {
    return checkStats(this.#cache.stats, `conversation ${this.#id} state`);
  }
  /** The security analyzer that rates actions; `undefined` when none is set. */
  get securityAnalyzer(): Schemas["SecurityAnalyzerBase-Output"] | undefined {
    return this.#cache.security_analyzer ?? undefined;
  }
  /**
   * The hooks the server runs (pre/post tool use, stop, ...); `undefined` when none are set.
   * Each hook's `async` flag is named as in the server's schema: `full_state` snapshots send it
   * as `async_` (the Python field name), REST as `async`; this getter shows `async` for both.
   *
   * @throws {ProtocolError} When the server's `hook_config` is not an object.
   */
  get hookConfig(): Schemas["HookConfig"] | undefined {
    return hookConfigOf(this.#cache.hook_config, `conversation ${this.#id} state`);
  }
  /** Whether any state is cached. */
  get cached(): boolean {
    return Object.keys(this.#cache).length > 0;
  }

  /** Applies a `ConversationStateUpdateEvent`; other events are ignored. */
  updateStateFromEvent(event: Event): void {
    if (event.kind !== "ConversationStateUpdateEvent") return;
    const { key, value } = event;
    if (typeof key !== "string") return; // an event built by hand, not parsed
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
    await this.refreshFromServer(options);
  }

  /**
   * Replaces the cache with the server's current `ConversationInfo` and returns it (Python's
   * `refresh_from_server()`): the same request as {@linkcode RemoteState.refresh}.
   *
   * @param options Signal and time limit.
   * @returns A copy of the new state.
   * @throws {Error} When no client was given.
   * @throws {NotFoundError} When the server does not know the conversation.
   * @throws {ProtocolError} When the answer is not about this conversation.
   * @example
   * ```ts ignore
   * const info = await conversation.state.refreshFromServer();
   * console.log(info.execution_status, conversation.state.agentStatus); // the same
   * ```
   */
  async refreshFromServer(options: CallOptions = {}): Promise<ConversationInfo> {
    if (!this.#client) throw new Error("Cannot refresh the state as no client was given");
    const info = await getConversation({ rest: this.#client.rest }, this.#id, options);
    this.#cache = prototypeFree(info);
    return structuredClone(info);
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
