/**
 * The data side of client-side tools: checking the `clientTools` option, the specs the create
 * request carries (`client_tools`, `ClientToolSpec` in `openhands/sdk/tool/client_tool.py`), the
 * check that an attached conversation has the tools, and the result message format (a user
 * message whose first line names the call; `docs/protocol.md`, "Client-side tools").
 *
 * @module
 */

import { shown } from "../_checks.ts";
import type { Schemas } from "../types.ts";
import type { ClientTool } from "./client_tool_types.ts";

/** The tools option as the conversation keeps it (handler arguments are checked by the server). */
export type AnyClientTool = ClientTool<Record<string, unknown>>;

/**
 * Checks the `clientTools` option and returns the specs for `POST /api/conversations`.
 *
 * @param tools What the caller passed.
 * @param what What was asked ("create the conversation"), for the message.
 * @returns The specs, in order.
 * @throws {TypeError} For a tool without a name, a description or a handler, a duplicate name, or
 * parameters that are not an object schema.
 *
 * @example
 * ```ts
 * import { clientToolSpecs } from "./_client_tool_specs.ts";
 * const specs = clientToolSpecs([{ name: "t", description: "d", handler: () => "ok" }], "create");
 * if (specs[0]?.parameters?.type !== "object") throw new Error();
 * ```
 */
export function clientToolSpecs(tools: unknown, what: string): Schemas["ClientToolSpec-Input"][] {
  if (!Array.isArray(tools)) {
    throw new TypeError(`Cannot ${what} as 'clientTools' must be an array of client tools`);
  }
  const seen = new Set<string>();
  return tools.map((tool: unknown, i): Schemas["ClientToolSpec-Input"] => {
    const at = `'clientTools[${i}]'`;
    if (!isRecord(tool)) throw new TypeError(`Cannot ${what} as ${at} is ${shown(tool)}`);
    const { name, description, parameters, annotations, handler } = tool;
    if (typeof name !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
      throw new TypeError(
        `Cannot ${what} as the name of ${at} must be 1 to 64 letters, digits, '_' or '-'`,
      );
    }
    if (seen.has(name)) throw new TypeError(`Cannot ${what} as two client tools are '${name}'`);
    seen.add(name);
    if (typeof description !== "string") {
      throw new TypeError(`Cannot ${what} as client tool '${name}' needs a description`);
    }
    if (typeof handler !== "function") {
      throw new TypeError(`Cannot ${what} as client tool '${name}' needs a handler function`);
    }
    const spec: Schemas["ClientToolSpec-Input"] = {
      name,
      description,
      parameters: { type: "object", properties: {} },
    };
    if (parameters !== undefined) {
      if (!isRecord(parameters) || parameters.type !== "object") {
        throw new TypeError(
          `Cannot ${what} as the parameters of client tool '${name}' must be an object schema ({ type: "object", properties: {...} })`,
        );
      }
      spec.parameters = parameters;
    }
    if (annotations !== undefined) {
      if (!isRecord(annotations)) {
        throw new TypeError(`Cannot ${what} as the annotations of '${name}' must be an object`);
      }
      spec.annotations = annotations;
    }
    return spec;
  });
}

/**
 * Throws unless the server's conversation has every tool of `tools` among its client tools
 * (`ConversationInfo.client_tools`; a server that does not report them is not checked). The
 * tools of a conversation are fixed when it is created.
 *
 * @param tools The checked `clientTools` option, if any.
 * @param info The server's conversation.
 * @throws {TypeError} Naming the tools it lacks and the ones it has.
 *
 * @example
 * ```ts
 * import { checkAttachedClientTools } from "./_client_tool_specs.ts";
 * const tool = { name: "t", description: "d", handler: () => "ok" };
 * checkAttachedClientTools([tool], { client_tools: [{ name: "t", description: "d" }] });
 * ```
 */
export function checkAttachedClientTools(
  tools: readonly { readonly name: string }[] | undefined,
  info: { readonly client_tools?: unknown },
): void {
  const listed: unknown = info.client_tools;
  if (!tools || tools.length === 0 || !Array.isArray(listed)) return;
  const names = listed.map((spec: unknown) => isRecord(spec) ? spec.name : undefined);
  const missing = tools.filter((tool) => !names.includes(tool.name)).map((t) => `'${t.name}'`);
  if (missing.length > 0) {
    const has = names.filter((n): n is string => typeof n === "string");
    throw new TypeError(
      `Cannot attach as the conversation has no client tool ${missing.join(", ")} (${
        has.length ? `its client tools are ${has.join(", ")}` : "it has none"
      }): client tools are fixed when a conversation is created`,
    );
  }
}

/**
 * The first line of a result message names the call: `[client tool result] tool="weather"
 * call_id="call_1"` (`error` instead of `result` for a handler that threw); the result follows.
 */
const HEADER =
  /^\[client tool (result|error)\] tool=("(?:[^"\\\n]|\\.)*") call_id=("(?:[^"\\\n]|\\.)*")(?:\n|$)/;

/**
 * The text of the user message that gives a call's result (or error) back to the agent.
 *
 * @param tool The tool's name.
 * @param callId The call's `tool_call_id`.
 * @param outcome The handler's result, or what it threw.
 * @returns The message text: the header line, then the result (a string as it is, else JSON).
 *
 * @example
 * ```ts
 * import { resultText } from "./_client_tool_specs.ts";
 * const text = resultText("weather", "call_1", { ok: true, value: { temp: 21 } });
 * if (text !== '[client tool result] tool="weather" call_id="call_1"\n{"temp":21}') throw new Error(text);
 * ```
 */
export function resultText(
  tool: string,
  callId: string,
  outcome: { ok: true; value: unknown } | { ok: false; error: unknown },
): string {
  const head = (status: string): string =>
    `[client tool ${status}] tool=${JSON.stringify(tool)} call_id=${JSON.stringify(callId)}\n`;
  if (!outcome.ok) return head("error") + errorText(outcome.error);
  const { value } = outcome;
  if (typeof value === "string") return head("result") + value;
  if (value === undefined) return head("result") + "(the tool returned nothing)";
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  return json === undefined
    ? head("error") + "The client tool's result could not be written as JSON."
    : head("result") + json;
}

/**
 * The call a result message answers, when `text` is one ({@linkcode resultText}).
 *
 * @param text A user message's text.
 * @returns The tool name and call id, or undefined.
 *
 * @example
 * ```ts
 * import { parseResultText, resultText } from "./_client_tool_specs.ts";
 * const parsed = parseResultText(resultText("t", "c 1", { ok: false, error: new Error("x") }));
 * if (parsed?.callId !== "c 1" || parsed.tool !== "t") throw new Error();
 * ```
 */
export function parseResultText(text: string): { tool: string; callId: string } | undefined {
  const match = HEADER.exec(text);
  if (!match) return undefined;
  try {
    const tool: unknown = JSON.parse(match[2]!);
    const callId: unknown = JSON.parse(match[3]!);
    return typeof tool === "string" && typeof callId === "string" ? { tool, callId } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `value` is a plain object (not null, not an array). */
function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** What the agent is told about a thrown value. */
function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error === "string" ? error : shown(error);
}
