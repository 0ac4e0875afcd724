/**
 * The argument checks of {@linkcode RemoteConversation} and its methods: each one throws the
 * `TypeError` or `RangeError` the public docs promise, before any request.
 *
 * @module
 */

import { checkMs, UUID } from "../_checks.ts";
import { type ConfirmationPolicyJSON, policyToJSON } from "../confirmation_policy.ts";
import { secretsPayload } from "../secrets.ts";
import type { Message, SendMessageRequest } from "../types.ts";
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

/**
 * Checks the options of `RemoteConversation.create()`, in the order the errors are documented.
 *
 * @param options What the caller passed.
 * @returns The confirmation policy as the server takes it, when one is given.
 * @throws {TypeError} For missing options, a workspace that is not a `RemoteWorkspace`, a missing
 * agent, a conversation id that is not a UUID, an unknown socket protocol, a visualizer without
 * `onEvent`, callbacks that are not functions, an unknown policy or a bad secret.
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
export function checkCreateOptions(
  options: RemoteConversationOptions,
): ConfirmationPolicyJSON | undefined {
  if (options === null || typeof options !== "object") {
    throw new TypeError("Cannot create the conversation as the options are missing");
  }
  const { workspace } = options;
  if (!workspace || typeof workspace !== "object" || !("client" in workspace)) {
    throw new TypeError(
      "Cannot create the conversation as 'workspace' must be a RemoteWorkspace",
    );
  }
  if (!options.agent || typeof options.agent !== "object") {
    throw new TypeError(
      "Cannot create the conversation as 'agent' must be an agent configuration",
    );
  }
  if (options.conversationId !== undefined && !UUID.test(options.conversationId)) {
    throw new TypeError(
      `Cannot use the conversation id as it is not a UUID: current value is '${options.conversationId}'`,
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
      `Cannot create the conversation as 'socketProtocol' must be auto, events or session: current value is ${
        String(protocol)
      }`,
    );
  }
  const { visualizer } = options;
  if (visualizer !== undefined && typeof visualizer?.onEvent !== "function") {
    throw new TypeError(
      "Cannot create the conversation as 'visualizer' must have an onEvent method",
    );
  }
  if (
    options.callbacks !== undefined &&
    (!Array.isArray(options.callbacks) || options.callbacks.some((c) => typeof c !== "function"))
  ) {
    throw new TypeError(
      "Cannot create the conversation as 'callbacks' must be an array of functions",
    );
  }
  const confirmation = options.confirmationPolicy === undefined
    ? undefined
    : policyToJSON(options.confirmationPolicy);
  if (options.secrets !== undefined) secretsPayload(options.secrets); // validate before requests
  options.signal?.throwIfAborted();
  return confirmation;
}

/**
 * The request `sendMessage()` sends for a message (it never starts a run).
 *
 * @param message A text, or a user `Message` with content.
 * @returns The request body.
 * @throws {TypeError} When the message is neither, or its role is not `user`.
 *
 * @example
 * ```ts
 * import { messageRequest } from "./_options.ts";
 * const request = messageRequest("Add a README");
 * if (request.run !== false || request.content?.[0]?.type !== "text") throw new Error();
 * ```
 */
export function messageRequest(message: string | Message): SendMessageRequest {
  if (typeof message === "string") {
    return { role: "user", content: [{ type: "text", text: message }], run: false };
  }
  if (message && typeof message === "object" && Array.isArray(message.content)) {
    if ((message.role ?? "user") !== "user") {
      throw new TypeError(
        `Cannot send the message as its role must be 'user': current value is '${message.role}'`,
      );
    }
    return { role: "user", content: message.content, run: false };
  }
  throw new TypeError(
    "Cannot send the message as it must be a string or a Message with content",
  );
}

/**
 * Checks the options of `events()`.
 *
 * @param options What the caller passed.
 * @returns The same options.
 * @throws {TypeError} When the options are not an object or `signal` is not an AbortSignal.
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
