/**
 * The argument checks of {@linkcode RemoteConversation} and its methods: each one throws the
 * `TypeError` or `RangeError` the public docs promise, before any request.
 *
 * @module
 */

import { checkMs, UUID } from "../_checks.ts";
import { policyToJSON } from "../confirmation_policy.ts";
import { secretsPayload } from "../secrets.ts";
import type { Message, SendMessageRequest } from "../types.ts";
import { parseCursor } from "./cursor.ts";
import type { RemoteConversationAttachOptions } from "./operation_types.ts";
import type { EventsOptions, RemoteConversationOptions } from "./types.ts";

/**
 * Throws a RangeError unless `value` is undefined or a whole number above 0.
 *
 * @param name The option's name, for the message.
 * @param value The value to check.
 * @throws {RangeError} When `value` is set and not a positive whole number.
 *
 * @example
 * ```ts
 * import { checkPositive } from "./_options.ts";
 * checkPositive("maxBuffer", 10);
 * checkPositive("maxBuffer", undefined);
 * try {
 *   checkPositive("maxBuffer", 1.5);
 *   throw new Error("accepted");
 * } catch (err) {
 *   if (!(err instanceof RangeError)) throw err;
 * }
 * ```
 */
export function checkPositive(name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
    throw new RangeError(
      `Cannot use '${name}' as it must be a positive whole number: current value is ${value}`,
    );
  }
}

/** The options that only apply when a conversation is created. */
const CREATION_ONLY = [
  "confirmationPolicy",
  "autotitle",
  "stuckDetection",
  "stuckDetectionThresholds",
  "tags",
  "hookConfig",
  "plugins",
  "initialMessage",
  "securityAnalyzer",
  "userId",
] as const;

/**
 * Checks the options of `RemoteConversation.create()`, in the order the errors are documented.
 *
 * @param options What the caller passed.
 * @throws {TypeError} For missing options, a workspace that is not a `RemoteWorkspace`, a missing
 * agent, a conversation id that is not a UUID, an unknown socket protocol, a visualizer without
 * `onEvent`, callbacks that are not functions, an unknown policy or a bad secret (the options
 * that make the create request: `createFields()` of `_attach.ts`).
 * @throws {RangeError} For a bad `maxIterationPerRun` or `readyTimeoutMs`.
 * @throws {unknown} The signal's reason when it is aborted already.
 *
 * @example
 * ```ts
 * import { checkCreateOptions } from "./_options.ts";
 * try {
 *   checkCreateOptions(JSON.parse("null"));
 *   throw new Error("accepted");
 * } catch (err) {
 *   if (!(err instanceof TypeError)) throw err;
 * }
 * ```
 */
export function checkCreateOptions(options: RemoteConversationOptions): void {
  const what = "create the conversation";
  checkWorkspace(options, what);
  if (!options.agent || typeof options.agent !== "object") {
    throw new TypeError(`Cannot ${what} as 'agent' must be an agent configuration`);
  }
  if (options.conversationId !== undefined) checkId(options.conversationId);
  checkConnectOptions(options, what);
  if (options.confirmationPolicy !== undefined) policyToJSON(options.confirmationPolicy);
  options.signal?.throwIfAborted();
}

/**
 * Checks the options of `RemoteConversation.attach()`: those of `create()` that do not create,
 * and a required conversation id.
 *
 * @param options What the caller passed.
 * @throws {TypeError} As `create()`, for a missing conversation id, an agent that is not an
 * object, or an option that only applies when creating.
 * @throws {RangeError} For a bad `maxIterationPerRun` or `readyTimeoutMs`.
 * @throws {unknown} The signal's reason when it is aborted already.
 *
 * @example
 * ```ts
 * import { checkAttachOptions } from "./_options.ts";
 * try {
 *   checkAttachOptions(JSON.parse("{}"));
 *   throw new Error("accepted");
 * } catch (err) {
 *   if (!(err instanceof TypeError)) throw err;
 * }
 * ```
 */
export function checkAttachOptions(options: RemoteConversationAttachOptions): void {
  const what = "attach to the conversation";
  checkWorkspace(options, what);
  if (typeof options.conversationId !== "string") {
    throw new TypeError(
      `Cannot ${what} as 'conversationId' is missing: pass the id of one on the server`,
    );
  }
  checkId(options.conversationId);
  if (options.agent !== undefined && !isObject(options.agent)) {
    throw new TypeError(`Cannot ${what} as 'agent' must be an agent configuration`);
  }
  for (const name of CREATION_ONLY) {
    if (Reflect.get(options, name) !== undefined) {
      throw new TypeError(
        `Cannot ${what} as '${name}' only applies when creating one: use RemoteConversation.create()`,
      );
    }
  }
  checkConnectOptions(options, what);
  if (options.after !== undefined) parseCursor(options.after);
  options.signal?.throwIfAborted();
}

/**
 * A security analyzer as the server takes it: an object with a `kind`, or null (none).
 *
 * @param analyzer What the caller passed.
 * @param what What was asked, for the message.
 * @returns The analyzer.
 * @throws {TypeError} When it is neither.
 *
 * @example
 * ```ts
 * import { checkSecurityAnalyzer } from "./_options.ts";
 * checkSecurityAnalyzer({ kind: "LLMSecurityAnalyzer" }, "set the security analyzer");
 * ```
 */
export function checkSecurityAnalyzer<T extends object | null>(analyzer: T, what: string): T {
  if (
    analyzer !== null && !(isObject(analyzer) && typeof Reflect.get(analyzer, "kind") === "string")
  ) {
    throw new TypeError(
      `Cannot ${what} as the security analyzer must be an object with a kind, such as { kind: "LLMSecurityAnalyzer" }, or null`,
    );
  }
  return analyzer;
}

/**
 * The request `sendMessage()` sends for a message (it never starts a run).
 *
 * @param message A text, or a user `Message` with content.
 * @param sender Who sent it (sent as `sender`, when given).
 * @param what What was asked, for the messages.
 * @returns The request body.
 * @throws {TypeError} When the message is neither, its role is not `user`, or `sender` is not a
 * string.
 *
 * @example
 * ```ts
 * import { messageRequest } from "./_options.ts";
 * const request = messageRequest("Add a README");
 * if (request.run !== false || request.content?.[0]?.type !== "text") throw new Error();
 * ```
 */
export function messageRequest(
  message: string | Message,
  sender?: string,
  what = "send the message",
): SendMessageRequest & { sender?: string } {
  if (sender !== undefined && typeof sender !== "string") {
    throw new TypeError(`Cannot ${what} as 'sender' must be a string`);
  }
  const from = sender === undefined ? {} : { sender };
  if (typeof message === "string") {
    return { role: "user", content: [{ type: "text", text: message }], run: false, ...from };
  }
  if (message && typeof message === "object" && Array.isArray(message.content)) {
    if ((message.role ?? "user") !== "user") {
      throw new TypeError(
        `Cannot ${what} as its role must be 'user': current value is '${message.role}'`,
      );
    }
    return { role: "user", content: message.content, run: false, ...from };
  }
  throw new TypeError(`Cannot ${what} as it must be a string or a Message with content`);
}

/** Throws unless `options` is an object with a `RemoteWorkspace`. */
function checkWorkspace(options: { workspace: unknown }, what: string): void {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Cannot ${what} as the options are missing`);
  }
  const { workspace } = options;
  if (!workspace || typeof workspace !== "object" || !("client" in workspace)) {
    throw new TypeError(`Cannot ${what} as 'workspace' must be a RemoteWorkspace`);
  }
}

/** Throws unless `id` is a UUID. */
function checkId(id: string): void {
  if (!UUID.test(id)) {
    throw new TypeError(
      `Cannot use the conversation id as it is not a UUID: current value is '${id}'`,
    );
  }
}

/** The checks `create()` and `attach()` share: the socket, delivery and secrets options. */
function checkConnectOptions(
  options: Pick<
    RemoteConversationOptions,
    | "maxIterationPerRun"
    | "readyTimeoutMs"
    | "socketProtocol"
    | "visualizer"
    | "callbacks"
    | "tokenCallbacks"
    | "secrets"
    | "loadHistory"
  >,
  what: string,
): void {
  if (options.loadHistory !== undefined && typeof options.loadHistory !== "boolean") {
    throw new TypeError(
      `Cannot ${what} as 'loadHistory' must be a boolean: current value is ${
        String(options.loadHistory)
      }`,
    );
  }
  checkPositive("maxIterationPerRun", options.maxIterationPerRun);
  checkMs("readyTimeoutMs", options.readyTimeoutMs);
  const protocol = options.socketProtocol;
  if (
    protocol !== undefined && protocol !== "auto" && protocol !== "events" &&
    protocol !== "session"
  ) {
    throw new TypeError(
      `Cannot ${what} as 'socketProtocol' must be auto, events or session: current value is ${
        String(protocol)
      }`,
    );
  }
  const { visualizer } = options;
  if (visualizer !== undefined && typeof visualizer?.onEvent !== "function") {
    throw new TypeError(`Cannot ${what} as 'visualizer' must have an onEvent method`);
  }
  for (const name of ["callbacks", "tokenCallbacks"] as const) {
    const list: unknown = options[name];
    if (list !== undefined && (!Array.isArray(list) || list.some((c) => typeof c !== "function"))) {
      throw new TypeError(`Cannot ${what} as '${name}' must be an array of functions`);
    }
  }
  if (options.secrets !== undefined) secretsPayload(options.secrets); // validate before requests
}

/**
 * Whether `value` is a plain object (not null, not an array).
 *
 * @param value Any value.
 * @returns Whether it is one.
 *
 * @example
 * ```ts
 * import { isObject } from "./_options.ts";
 * if (isObject([]) || !isObject({})) throw new Error();
 * ```
 */
export function isObject(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Checks the options of `events()`.
 *
 * @param options What the caller passed.
 * @returns The same options.
 * @throws {TypeError} When the options are not an object, `signal` is not an AbortSignal or
 * `after` is not a cursor of this client.
 * @throws {RangeError} When `maxBuffer` is not a positive whole number.
 *
 * @example
 * ```ts
 * import { checkEventsOptions } from "./_options.ts";
 * if (!checkEventsOptions({ history: true }).history) throw new Error();
 * ```
 */
export function checkEventsOptions(options: EventsOptions): EventsOptions {
  if (options === null || typeof options !== "object") {
    throw new TypeError("Cannot iterate events as the options must be an object");
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new TypeError("Cannot iterate events as 'signal' must be an AbortSignal");
  }
  checkPositive("maxBuffer", options.maxBuffer);
  if (options.after !== undefined) parseCursor(options.after);
  return options;
}

/**
 * Checks the arguments of `onEvent()`.
 *
 * @param kind The event kind to listen for.
 * @param handler The function to call.
 * @throws {TypeError} When `kind` is not a non-empty string or `handler` not a function.
 *
 * @example
 * ```ts
 * import { checkListener } from "./_options.ts";
 * checkListener("ActionEvent", () => {});
 * ```
 */
export function checkListener(kind: unknown, handler: unknown): void {
  if (typeof kind !== "string" || kind === "") {
    throw new TypeError("Cannot listen for events as 'kind' must be an event kind name");
  }
  if (typeof handler !== "function") {
    throw new TypeError("Cannot listen for events as 'handler' must be a function");
  }
}
