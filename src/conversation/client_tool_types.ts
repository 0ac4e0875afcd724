/**
 * Client-side tools: tools the agent calls and this client runs (the server's `client_tools`,
 * `openhands/sdk/tool/client_tool.py`). A {@linkcode ClientTool} is a JSON-schema tool spec plus
 * the handler that runs it; {@linkcode clientTool} types the handler's arguments from the schema.
 * How calls reach the handler and results the agent: `docs/protocol.md`, "Client-side tools".
 *
 * @module
 */

import type { ActionEvent } from "../events/types.ts";
import type { Schemas } from "../types.ts";

/**
 * A JSON Schema, as far as {@linkcode FromSchema} reads it: `type` (one or a list), `properties`,
 * `required`, `items`, `enum`, `const`, `anyOf`, `oneOf`. Other keywords are sent to the server
 * as written (they reach the LLM) and do not change the argument type.
 *
 * @example
 * ```ts
 * import type { JsonSchema } from "@remote-hands/client";
 * const schema: JsonSchema = { type: "string", enum: ["asc", "desc"] };
 * if (typeof schema !== "object") throw new Error();
 * ```
 */
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

/**
 * The parameters of a client tool: an object schema (the server rejects any other with 422).
 *
 * @example
 * ```ts
 * import type { JsonObjectSchema } from "@remote-hands/client";
 * const parameters: JsonObjectSchema = {
 *   type: "object",
 *   properties: { city: { type: "string" } },
 *   required: ["city"],
 * };
 * if (parameters.type !== "object") throw new Error();
 * ```
 */
export interface JsonObjectSchema {
  /** Always `object`. */
  readonly type: "object";
  /** The arguments by name. */
  readonly properties?: { readonly [name: string]: JsonSchema };
  /** The arguments the agent must give. */
  readonly required?: readonly string[];
  /** Any other JSON Schema keyword (`description`, `additionalProperties`, ...). */
  readonly [keyword: string]: unknown;
}

type Simplify<T> = { [K in keyof T]: T[K] };

type FromType<T, S> = T extends "string" ? string
  : T extends "number" | "integer" ? number
  : T extends "boolean" ? boolean
  : T extends "null" ? null
  : T extends "array" ? S extends { readonly items: infer I } ? FromSchema<I>[] : unknown[]
  : T extends "object" ? FromObject<S>
  : unknown;

type FromObject<S> = S extends { readonly properties: infer P }
  ? S extends { readonly required: readonly (infer R)[] } ? Simplify<
      & { -readonly [K in keyof P as K extends R ? K : never]: FromSchema<P[K]> }
      & { -readonly [K in keyof P as K extends R ? never : K]?: FromSchema<P[K]> }
    >
  : Simplify<{ -readonly [K in keyof P]?: FromSchema<P[K]> }>
  : Record<string, unknown>;

/**
 * The TypeScript type of the values a JSON Schema written `as const` (or passed to
 * {@linkcode clientTool}) allows: strings, numbers, booleans, null, arrays of `items`, objects
 * of `properties` (those in `required` required, the others optional), `enum` and `const`
 * values, `anyOf`/`oneOf` unions and lists of types. What it does not read is `unknown`.
 *
 * @example
 * ```ts
 * import type { FromSchema } from "@remote-hands/client";
 * const schema = {
 *   type: "object",
 *   properties: { city: { type: "string" }, days: { type: "integer" } },
 *   required: ["city"],
 * } as const;
 * const args: FromSchema<typeof schema> = { city: "Oslo" }; // { city: string; days?: number }
 * if (args.days !== undefined) throw new Error();
 * ```
 */
export type FromSchema<S> = S extends { readonly const: infer C } ? C
  : S extends { readonly enum: readonly (infer E)[] } ? E
  : S extends { readonly anyOf: readonly (infer U)[] } ? FromSchema<U>
  : S extends { readonly oneOf: readonly (infer U)[] } ? FromSchema<U>
  : S extends { readonly type: readonly (infer T)[] } ? FromType<T, S>
  : S extends { readonly type: infer T } ? FromType<T, S>
  : unknown;

/**
 * MCP-style hints about a client tool (`readOnlyHint`, `destructiveHint`, ...). Without them the
 * server treats the tool as not read-only: the agent predicts a security risk for each call, and
 * a confirmation policy may hold the call for confirmation.
 *
 * @example
 * ```ts
 * import type { ClientToolAnnotations } from "@remote-hands/client";
 * const annotations: ClientToolAnnotations = { readOnlyHint: true, title: "Weather" };
 * if (!annotations.readOnlyHint) throw new Error();
 * ```
 */
export type ClientToolAnnotations = Schemas["ToolAnnotations-Input"];

/**
 * What a client tool's handler gets besides its arguments.
 *
 * @example
 * ```ts
 * import type { ClientToolContext } from "@remote-hands/client";
 * const context: ClientToolContext = {
 *   signal: new AbortController().signal,
 *   toolCallId: "call_1",
 *   event: { kind: "ActionEvent", id: "a1", timestamp: "2026-01-01T00:00:00", source: "agent", tool_name: "weather", tool_call_id: "call_1" },
 * };
 * if (context.event.tool_call_id !== context.toolCallId) throw new Error();
 * ```
 */
export interface ClientToolContext {
  /** Aborted when the conversation is closed: stop then (the result is not sent). */
  readonly signal: AbortSignal;
  /** The LLM's id of this call (the result names it). */
  readonly toolCallId: string;
  /** The server's `ActionEvent` of the call. */
  readonly event: ActionEvent;
}

/**
 * A tool the agent calls and this client runs: the spec the server gets (`name`, `description`,
 * `parameters`, `annotations`) and the `handler`. The handler runs once per call; what it
 * returns (a string as it is, anything else as JSON) goes back to the agent as the call's
 * result, and what it throws as the call's error. Write it with {@linkcode clientTool} to have
 * `Args` typed from `parameters`; written inline, `Args` is `Record<string, unknown>`.
 *
 * @typeParam Args The handler's arguments.
 *
 * @example
 * ```ts
 * import type { ClientTool } from "@remote-hands/client";
 * const now: ClientTool = {
 *   name: "local_time",
 *   description: "The user's local time, ISO 8601.",
 *   handler: () => new Date().toISOString(),
 * };
 * // RemoteConversation.create({ ..., clientTools: [now] })
 * if (now.name !== "local_time") throw new Error();
 * ```
 */
export interface ClientTool<Args = Record<string, unknown>> {
  /** The name the agent calls it by: unique, not the name of a server tool. */
  readonly name: string;
  /** When and how to use it, for the LLM. */
  readonly description: string;
  /** The arguments, an object schema. @default {{ type: "object", properties: {} }} */
  readonly parameters?: JsonObjectSchema;
  /** Hints about its effects (read-only, destructive, ...). */
  readonly annotations?: ClientToolAnnotations;
  /**
   * Runs one call. The arguments are the ones the LLM gave (the server has checked them against
   * `parameters`).
   *
   * @param args The call's arguments.
   * @param context The abort signal, the call's id and its `ActionEvent`.
   * @returns The result for the agent (a string, or a value sent as JSON).
   * @throws {unknown} Anything: its message goes back to the agent as the call's error.
   */
  handler(args: Args, context: ClientToolContext): unknown;
}

/**
 * A client tool whose handler's arguments are typed from `parameters` ({@linkcode FromSchema});
 * returns the tool as it was given.
 *
 * @param tool The spec and the handler.
 * @returns The same tool.
 *
 * @example
 * ```ts
 * import { clientTool } from "@remote-hands/client";
 * const weather = clientTool({
 *   name: "weather",
 *   description: "Today's weather in a city.",
 *   parameters: {
 *     type: "object",
 *     properties: { city: { type: "string" }, unit: { enum: ["C", "F"] } },
 *     required: ["city"],
 *   },
 *   handler: ({ city, unit }) => `${city}: 21 ${unit ?? "C"}`, // city: string, unit?: "C" | "F"
 * });
 * // RemoteConversation.create({ ..., clientTools: [weather] })
 * const signal = new AbortController().signal;
 * const event = { kind: "ActionEvent", id: "a1", timestamp: "2026-01-01T00:00:00", source: "agent", tool_name: "weather", tool_call_id: "c1" } as const;
 * if (weather.handler({ city: "Oslo" }, { signal, toolCallId: "c1", event }) !== "Oslo: 21 C") throw new Error();
 * ```
 */
export function clientTool<const P extends JsonObjectSchema>(
  tool: ClientTool<FromSchema<P>> & { readonly parameters: P },
): ClientTool<FromSchema<P>> {
  return tool;
}
