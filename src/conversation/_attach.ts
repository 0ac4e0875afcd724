/**
 * Attach or create: the conversation `RemoteConversation.create()` and `attach()` work with, as
 * the server describes it (`ConversationInfo`), and what must hold before anything is created
 * (a WebSocket to follow it with, tool names the server knows, well-formed creation options).
 *
 * @module
 */

import { shown } from "../_checks.ts";
import { policyToJSON } from "../confirmation_policy.ts";
import { NotFoundError, ProtocolError } from "../errors.ts";
import type { CallOptions } from "../rest/client.ts";
import type { Connection } from "../rest/connection.ts";
import { getConversation, startConversation } from "../rest/conversations.ts";
import { listTools } from "../rest/tools.ts";
import type { AgentConfig, ConversationInfo, StartConversationRequest } from "../types.ts";
import { checkAttachedClientTools, clientToolSpecs } from "./_client_tool_specs.ts";
import { checkPositive, checkSecurityAnalyzer, isObject, messageRequest } from "./_options.ts";
import type { RemoteConversationAttachOptions } from "./operation_types.ts";
import type { RemoteConversationOptions, StuckDetectionThresholds } from "./types.ts";

/**
 * The fields of `POST /api/conversations` that come from the options of `create()` (all but the
 * agent, the workspace and the id), with the one Python sends that 1.58.2 drops.
 *
 * @example
 * ```ts
 * import type { CreateFields } from "./_attach.ts";
 * const fields: CreateFields = { max_iterations: 500, tags: { team: "docs" } };
 * if (fields.max_iterations !== 500) throw new Error();
 * ```
 */
export type CreateFields =
  & Omit<StartConversationRequest, "agent" | "workspace" | "conversation_id">
  & { stuck_detection_thresholds?: Required<StuckDetectionThresholds> };

/** Server defaults of `StuckDetectionThresholds` (`openhands/sdk/conversation/types.py`). */
const THRESHOLDS: Required<StuckDetectionThresholds> = {
  action_observation: 4,
  action_error: 3,
  monologue: 3,
  alternating_pattern: 6,
};

const WHAT = "create the conversation";

/**
 * The fields of the create request that `options` make, checked (run after `checkCreateOptions`,
 * before any request). Python sends the same fields; the thresholds go with the defaults filled
 * in, as Python's `model_dump()` sends them.
 *
 * @param options The checked options of `create()`.
 * @returns The fields.
 * @throws {TypeError} For a creation option of the wrong shape.
 * @throws {RangeError} For a threshold that is not a positive whole number.
 *
 * @example
 * ```ts
 * import { createFields } from "./_attach.ts";
 * import type { RemoteConversationOptions } from "@remote-hands/client";
 * const options: Omit<RemoteConversationOptions, "workspace"> = {
 *   agent: { llm: { model: "openai/gpt-4o-mini" } },
 *   tags: { team: "docs" },
 * };
 * if (createFields(options).tags?.team !== "docs") throw new Error();
 * ```
 */
export function createFields(options: Omit<RemoteConversationOptions, "workspace">): CreateFields {
  const fields: CreateFields = {
    max_iterations: options.maxIterationPerRun ?? 500,
    stuck_detection: options.stuckDetection ?? true,
  };
  const { confirmationPolicy, tags, hookConfig, plugins, initialMessage, userId } = options;
  if (confirmationPolicy !== undefined) {
    fields.confirmation_policy = policyToJSON(confirmationPolicy);
  }
  if (options.autotitle !== undefined) fields.autotitle = options.autotitle;
  if (tags !== undefined) {
    if (!isObject(tags) || !Object.values(tags).every((v) => typeof v === "string")) {
      throw new TypeError(`Cannot ${WHAT} as 'tags' must be an object of string values`);
    }
    fields.tags = tags;
  }
  if (hookConfig !== undefined) {
    if (!isObject(hookConfig)) {
      throw new TypeError(`Cannot ${WHAT} as 'hookConfig' must be an object`);
    }
    fields.hook_config = hookConfig;
  }
  if (options.stuckDetectionThresholds !== undefined) {
    fields.stuck_detection_thresholds = thresholds(options.stuckDetectionThresholds);
  }
  if (plugins !== undefined) {
    if (
      !Array.isArray(plugins) || !plugins.every((p) => isObject(p) && typeof p.source === "string")
    ) {
      throw new TypeError(
        `Cannot ${WHAT} as 'plugins' must be an array of { source, ref?, repo_path? }`,
      );
    }
    fields.plugins = plugins;
  }
  if (initialMessage !== undefined) {
    const { content = [] } = messageRequest(
      initialMessage,
      undefined,
      `${WHAT} with 'initialMessage'`,
    );
    fields.initial_message = { role: "user", content };
  }
  if (options.securityAnalyzer !== undefined) {
    fields.security_analyzer = checkSecurityAnalyzer(options.securityAnalyzer, WHAT);
  }
  if (userId !== undefined) {
    if (typeof userId !== "string") {
      throw new TypeError(`Cannot ${WHAT} as 'userId' must be a string`);
    }
    fields.user_id = userId;
  }
  if (options.clientTools !== undefined) {
    fields.client_tools = clientToolSpecs(options.clientTools, WHAT);
  }
  return fields;
}

/**
 * Throws unless the runtime can open the event socket: the workspace's `WebSocket` option or a
 * global `WebSocket`. Checked before any request, so nothing is created that cannot be followed.
 *
 * @param connection The server connection (its `WebSocket` option).
 * @param what What was asked ("create the conversation").
 * @throws {TypeError} When there is neither.
 *
 * @example
 * ```ts
 * import { checkWebSocket } from "./_attach.ts";
 * checkWebSocket({ WebSocket: undefined }, "create the conversation"); // Deno and Bun have one
 * ```
 */
export function checkWebSocket(connection: { readonly WebSocket: unknown }, what: string): void {
  const Ctor: unknown = connection.WebSocket ?? Reflect.get(globalThis, "WebSocket");
  if (typeof Ctor !== "function") {
    throw new TypeError(
      `Cannot ${what} as this runtime has no WebSocket: run Node 20 or 21 with --experimental-websocket (Node 22 and later have it), or pass a WebSocket constructor (such as the ws package's) as the WebSocket option of RemoteWorkspace`,
    );
  }
}

/**
 * The conversation `options` name when the server has it (its agent kind must match), else a new
 * one (with that id, when one is named) once the agent's tool names are known to the server.
 *
 * @param connection The server.
 * @param options The checked options of `create()`.
 * @param workingDir The workspace's working directory, for a new conversation.
 * @param fields The rest of the create request ({@linkcode createFields}).
 * @returns The server's conversation; its `id` is a UUID (the one named, when one is).
 * @throws {TypeError} When the conversation exists with another agent kind, or (before it is
 * created) the agent names a tool the server does not have.
 * @throws {ProtocolError} When an answer is not about the conversation.
 *
 * @example
 * ```ts
 * import { createConnection } from "../rest/connection.ts";
 * import { openConversation } from "./_attach.ts";
 * import type { RemoteConversationOptions } from "@remote-hands/client";
 * const id = "6c1b5b1e-0000-4000-8000-000000000000";
 * const connection = createConnection({
 *   host: "http://agent.test",
 *   fetch: async () => Response.json({ id, agent: { kind: "Agent" }, execution_status: "idle" }),
 * });
 * const options: Omit<RemoteConversationOptions, "workspace"> = {
 *   agent: { llm: { model: "openai/gpt-4o-mini" } },
 *   conversationId: id,
 * };
 * const info = await openConversation(connection, options, "/w", {});
 * if (info.id !== id) throw new Error();
 * ```
 */
export async function openConversation(
  connection: Connection,
  options: Omit<RemoteConversationOptions, "workspace">,
  workingDir: string,
  fields: CreateFields,
): Promise<ConversationInfo & { id: string }> {
  const { conversationId, signal } = options;
  if (conversationId !== undefined) {
    let info: ConversationInfo & { id: string } | undefined;
    try {
      info = await getConversation(connection, conversationId, { signal });
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    if (info) {
      checkAgentKind(options.agent, info);
      checkAttachedClientTools(options.clientTools, info);
      return info;
    }
  }
  await checkToolNames(connection, options.agent, { signal });
  const request: StartConversationRequest = {
    ...fields,
    // The agent goes as the caller gave it (the server checks it: a bad one is a 422); only its
    // kind defaults to `Agent`.
    agent: { kind: "Agent", ...options.agent } as NonNullable<StartConversationRequest["agent"]>,
    workspace: { kind: "LocalWorkspace", working_dir: workingDir },
  };
  if (conversationId !== undefined) request.conversation_id = conversationId;
  return await startConversation(connection, request, { signal });
}

/**
 * The options a conversation attached to `info` is assembled with: `options` with the server's
 * agent and `max_iterations` where the caller gave none (as Python's `attach()`).
 *
 * @param options The checked options of `attach()`.
 * @param info The server's conversation.
 * @returns The options.
 * @throws {TypeError} When the caller's agent is of another kind than the server's.
 * @throws {ProtocolError} When the server's agent is not an object and the caller gave none.
 *
 * @example
 * ```ts
 * import { attachedOptions } from "./_attach.ts";
 * import type { RemoteConversationAttachOptions } from "@remote-hands/client";
 * import { RemoteWorkspace } from "@remote-hands/client";
 * const id = "6c1b5b1e-0000-4000-8000-000000000000";
 * const info = { id, agent: { kind: "Agent", llm: { model: "m" } }, max_iterations: 9 };
 * const workspace = new RemoteWorkspace({ host: "http://agent.test", workingDir: "/w" });
 * const options: RemoteConversationAttachOptions = { conversationId: id, workspace };
 * if (attachedOptions(options, info).maxIterationPerRun !== 9) throw new Error();
 * ```
 */
export function attachedOptions(
  options: RemoteConversationAttachOptions,
  info: {
    readonly id: string;
    readonly agent?: unknown;
    readonly max_iterations?: unknown;
    readonly client_tools?: unknown;
  },
): RemoteConversationOptions & Pick<RemoteConversationAttachOptions, "after"> {
  const server: unknown = info.agent;
  if (options.agent === undefined && !isObject(server)) {
    throw new ProtocolError(
      `GET /api/conversations/${info.id}`,
      `the agent is ${shown(server)}, not an agent configuration (pass 'agent' to attach)`,
    );
  }
  // The server's own agent (its output form, which it takes back as input), checked above.
  const agent = options.agent ?? (server as AgentConfig);
  checkAgentKind(agent, info);
  if (options.clientTools !== undefined) {
    clientToolSpecs(options.clientTools, "attach to the conversation");
    checkAttachedClientTools(options.clientTools, info);
  }
  const max = info.max_iterations;
  const maxIterationPerRun = options.maxIterationPerRun ??
    (typeof max === "number" && Number.isSafeInteger(max) && max > 0 ? max : undefined);
  return { ...options, agent, ...(maxIterationPerRun ? { maxIterationPerRun } : {}) };
}

/** The server's tool names last read on each connection. */
const toolsSeen = new WeakMap<Connection, readonly string[]>();

/**
 * Throws a TypeError naming the tools of `agent` the server does not have (`GET /api/tools/`),
 * and the ones it has. No request when the agent names no tool, nor when the list last read on
 * this connection has every name (it is read again when a name is missing: a tool added since).
 */

async function checkToolNames(
  connection: Connection,
  agent: object,
  options: CallOptions,
): Promise<void> {
  const tools: unknown = Reflect.get(agent, "tools");
  const names = (Array.isArray(tools) ? tools : [])
    .map((tool: unknown) => (isObject(tool) ? Reflect.get(tool as object, "name") : undefined))
    .filter((name): name is string => typeof name === "string");
  if (names.length === 0) return;
  const seen = toolsSeen.get(connection);
  let known = seen && names.every((name) => seen.includes(name)) ? seen : undefined;
  if (!known) {
    try {
      known = await listTools(connection, options);
    } catch (err) {
      if (err instanceof NotFoundError) return; // a server without the tool list: it checks itself
      throw err;
    }
    toolsSeen.set(connection, known);
  }
  const unknown = [...new Set(names.filter((name) => !known.includes(name)))];
  if (unknown.length > 0) {
    throw new TypeError(
      `Cannot ${WHAT} as the agent names ${
        unknown.length === 1 ? "a tool" : "tools"
      } this server does not have: ${unknown.map((n) => `'${n}'`).join(", ")}; its tools are ${
        known.slice(0, 40).join(", ")
      }${known.length > 40 ? ", ..." : ""}`,
    );
  }
}

/** Throws a TypeError when the server's conversation has an agent of another kind. */
function checkAgentKind(agent: object, info: { readonly agent?: unknown }): void {
  const localKind: unknown = Reflect.get(agent, "kind") ?? "Agent";
  const remoteAgent: unknown = info.agent;
  const remoteKind = remoteAgent !== null && typeof remoteAgent === "object"
    ? Reflect.get(remoteAgent, "kind")
    : undefined;
  if (remoteKind !== undefined && remoteKind !== localKind) {
    throw new TypeError(
      `Cannot attach as the conversation's agent kind is ${
        typeof remoteKind === "string" ? remoteKind : shown(remoteKind)
      }, not ${typeof localKind === "string" ? localKind : shown(localKind)}`,
    );
  }
}

/** The thresholds with the defaults filled in, as Python's `model_dump()` sends them. */
function thresholds(given: StuckDetectionThresholds): Required<StuckDetectionThresholds> {
  if (!isObject(given)) {
    throw new TypeError("Cannot use 'stuckDetectionThresholds' as it must be an object");
  }
  const known = Object.keys(THRESHOLDS);
  const unknown = Object.keys(given).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new TypeError(
      `Cannot use 'stuckDetectionThresholds' as '${
        unknown[0]
      }' is not a threshold: the thresholds are ${known.join(", ")}`,
    );
  }
  const out = { ...THRESHOLDS };
  for (const key of Object.keys(out) as (keyof StuckDetectionThresholds)[]) {
    const value: number | undefined = given[key];
    checkPositive(`stuckDetectionThresholds.${key}`, value);
    if (value !== undefined) out[key] = value;
  }
  return out;
}
