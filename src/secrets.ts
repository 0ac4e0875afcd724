/**
 * Secret sources for a conversation: values the agent's tools can use (as environment variables
 * in the terminal) without the value appearing in prompts, events or logs.
 *
 * Secret objects hide their value from `JSON.stringify`, `console.log` and `String()`; the value
 * is only written into the request that sends it.
 *
 * @module
 */

import { inspectAs } from "./_checks.ts";

const REDACTED = "**********";

/**
 * Options of {@linkcode StaticSecret}.
 *
 * @example
 * ```ts
 * import { StaticSecret, type StaticSecretOptions } from "@remote-hands/client";
 * const options: StaticSecretOptions = { value: "ghp_...", description: "GitHub token for pushes" };
 * if (new StaticSecret(options).description !== "GitHub token for pushes") throw new Error();
 * ```
 */
export interface StaticSecretOptions {
  /** The secret value. */
  value: string;
  /** What the secret is for (shown to the agent). */
  description?: string;
}

/**
 * A fixed secret value.
 *
 * @example
 * ```ts
 * import { StaticSecret } from "@remote-hands/client";
 * const s = new StaticSecret({ value: "s3cret" });
 * if (JSON.stringify(s).includes("s3cret")) throw new Error("the value must not leak");
 * ```
 */
export class StaticSecret {
  /** The source's kind on the wire. */
  readonly kind = "StaticSecret" as const;
  /** What the secret is for. */
  readonly description: string | undefined;
  #value: string;
  /** Creates the secret. */
  constructor(options: StaticSecretOptions) {
    if (typeof options?.value !== "string") {
      throw new TypeError("Cannot create StaticSecret as 'value' must be a string");
    }
    this.#value = options.value;
    this.description = options.description;
    inspectAs(this, () => `StaticSecret(${REDACTED})`);
  }
  /** A redacted JSON form: the value never leaves through `JSON.stringify`. */
  toJSON(): Record<string, unknown> {
    return { kind: this.kind, value: REDACTED, description: this.description };
  }
  /** A redacted string. */
  toString(): string {
    return `StaticSecret(${REDACTED})`;
  }
  /** The wire payload with the real value. Used only to build the request that sends it. */
  toPayload(): Record<string, unknown> {
    const out: Record<string, unknown> = { kind: this.kind, value: this.#value };
    if (this.description !== undefined) out.description = this.description;
    return out;
  }
}

/**
 * Options of {@linkcode LookupSecret}.
 *
 * @example
 * ```ts
 * import { LookupSecret, type LookupSecretOptions } from "@remote-hands/client";
 * const options: LookupSecretOptions = {
 *   url: "https://vault.example/v1/token",
 *   headers: { authorization: "Bearer ..." },
 *   description: "Deploy token",
 * };
 * if (new LookupSecret(options).url !== options.url) throw new Error();
 * ```
 */
export interface LookupSecretOptions {
  /** URL the server fetches the value from. */
  url: string;
  /** Headers for that fetch (may hold credentials: they are hidden like values). */
  headers?: Record<string, string>;
  /** What the secret is for. */
  description?: string;
}

/**
 * A secret the server fetches from a URL when it needs it.
 *
 * @example
 * ```ts
 * import { LookupSecret } from "@remote-hands/client";
 * const s = new LookupSecret({ url: "https://vault.example/token", headers: { authorization: "Bearer x" } });
 * if (JSON.stringify(s).includes("Bearer x")) throw new Error("headers must not leak");
 * ```
 */
export class LookupSecret {
  /** The source's kind on the wire. */
  readonly kind = "LookupSecret" as const;
  /** URL the server fetches the value from. */
  readonly url: string;
  /** What the secret is for. */
  readonly description: string | undefined;
  #headers: Record<string, string>;
  /** Creates the secret source. */
  constructor(options: LookupSecretOptions) {
    if (typeof options?.url !== "string" || options.url === "") {
      throw new TypeError("Cannot create LookupSecret as 'url' must be a non-empty string");
    }
    this.url = options.url;
    this.#headers = { ...options.headers };
    this.description = options.description;
    inspectAs(this, () => `LookupSecret(${this.url})`);
  }
  /** A JSON form with header values redacted. */
  toJSON(): Record<string, unknown> {
    const headers = Object.fromEntries(Object.keys(this.#headers).map((k) => [k, REDACTED]));
    return { kind: this.kind, url: this.url, headers, description: this.description };
  }
  /** The wire payload with the real headers. Used only to build the request that sends it. */
  toPayload(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      kind: this.kind,
      url: this.url,
      headers: { ...this.#headers },
    };
    if (this.description !== undefined) out.description = this.description;
    return out;
  }
}

/**
 * A secret: a plain string value or a source.
 *
 * @example
 * ```ts
 * import { LookupSecret, type SecretValue, StaticSecret } from "@remote-hands/client";
 * const secrets: Record<string, SecretValue> = {
 *   API_TOKEN: "plain value",
 *   DB_PASSWORD: new StaticSecret({ value: "hunter2" }),
 *   DEPLOY_KEY: new LookupSecret({ url: "https://vault.example/v1/deploy" }),
 * };
 * // await conversation.updateSecrets(secrets);
 * if (JSON.stringify(secrets).includes("hunter2")) throw new Error("values never leak");
 * ```
 */
export type SecretValue = string | StaticSecret | LookupSecret;

/**
 * Builds the `{ secrets: {...} }` body of `POST /api/conversations/{id}/secrets`.
 * Throws a TypeError (naming the key, never the value) for anything else.
 *
 * @example
 * ```ts
 * import { secretsPayload } from "./secrets.ts";
 * const body = secretsPayload({ TOKEN: "abc" });
 * if ((body.secrets.TOKEN as { value: string }).value !== "abc") throw new Error();
 * ```
 */
export function secretsPayload(
  secrets: Record<string, SecretValue>,
): { secrets: Record<string, Record<string, unknown>> } {
  if (secrets === null || typeof secrets !== "object") {
    throw new TypeError("Cannot update secrets as 'secrets' must be an object of name to value");
  }
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, value] of Object.entries(secrets)) {
    if (name === "") throw new TypeError("Cannot update secrets as a secret name is empty");
    if (typeof value === "string") out[name] = { kind: "StaticSecret", value };
    else if (value instanceof StaticSecret || value instanceof LookupSecret) {
      out[name] = value.toPayload();
    } else {
      throw new TypeError(
        `Cannot update secrets as '${name}' must be a string, StaticSecret or LookupSecret`,
      );
    }
  }
  return { secrets: out };
}
