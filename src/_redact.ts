/**
 * Redaction of secrets in values the client shows: error bodies, inspected objects, JSON forms.
 *
 * @module
 */

import { setOwn } from "./_checks.ts";

/** Field names whose values are secrets (or echo request input that may hold one): the LLM's
 * credential fields of the 1.58.2 SDK (`api_key`, `aws_*`), the session key, secret values. */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  "input",
  "api_key",
  "aws_access_key_id",
  "aws_secret_access_key",
  "aws_session_token",
  "session_api_key",
  "value",
  "secrets",
]);

/**
 * A copy of `value` with every field named in {@linkcode SECRET_KEYS} replaced by
 * `"[redacted]"`, at any depth (cut at depth 8). Own enumerable fields only; the copy has no
 * prototype chain to pollute (`__proto__` stays a plain key).
 *
 * @example
 * ```ts
 * import { redactSecrets } from "./_redact.ts";
 * const shown = redactSecrets({ llm: { model: "m", api_key: "sk-1" } });
 * if (JSON.stringify(shown) !== '{"llm":{"model":"m","api_key":"[redacted]"}}') throw new Error();
 * ```
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth > 8) return "[truncated]";
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    setOwn(out, key, SECRET_KEYS.has(key) ? "[redacted]" : redactSecrets(item, depth + 1));
  }
  return out;
}

const SECRET_NAME = /api_?key|secret|token|password|credential/i;

/**
 * The secret strings in a value the client sent (a JSON request body): every string under a
 * field named in {@linkcode SECRET_KEYS} or whose name says key, secret, token, password or
 * credential, at any depth (cut at depth 16). Empty strings are left out.
 *
 * @example The secret values of `POST .../secrets` and the agent's LLM key
 * ```ts
 * import { secretStrings } from "./_redact.ts";
 * const found = secretStrings({
 *   secrets: { GH: "ghp_1", DB: { kind: "StaticSecret", value: "pw" } },
 *   agent: { llm: { model: "m", api_key: "sk-1" } },
 * });
 * if (found.join() !== "ghp_1,StaticSecret,pw,sk-1") throw new Error(found.join());
 * ```
 */
export function secretStrings(value: unknown): string[] {
  const found = new Set<string>();
  const walk = (item: unknown, secret: boolean, depth: number): void => {
    if (typeof item === "string") {
      if (secret && item !== "") found.add(item);
      return;
    }
    if (item === null || typeof item !== "object" || depth > 16) return;
    if (Array.isArray(item)) {
      for (const entry of item) walk(entry, secret, depth + 1);
      return;
    }
    for (const [key, entry] of Object.entries(item)) {
      walk(entry, secret || SECRET_KEYS.has(key) || SECRET_NAME.test(key), depth + 1);
    }
  };
  walk(value, false, 0);
  return [...found];
}

// `"`, `\` and `/` escape as a backslash before the character itself, which every form allows.
const SHORT_ESCAPES: Record<string, string> = {
  "\b": "\\\\b",
  "\f": "\\\\f",
  "\n": "\\\\n",
  "\r": "\\\\r",
  "\t": "\\\\t",
};

/** A regex source matching `secret` (with the `i` flag: in any case) written plainly or with any
 * JSON escape per character, each escape or character also after more backslashes (escaped
 * again). */
function escapedForms(secret: string): string {
  let source = "";
  for (let i = 0; i < secret.length; i++) {
    const char = secret[i]!;
    const hex = secret.charCodeAt(i).toString(16).padStart(4, "0");
    const short = SHORT_ESCAPES[char];
    source += `(?:\\\\+u${hex}|\\\\*\\u${hex}${short ? `|${short}` : ""})`;
  }
  return source;
}

/**
 * `text` with every occurrence of each of `secrets` replaced by `"[redacted]"`, whether written
 * plainly or JSON-escaped (`\u0073k-...`, `\/`, escaped again, in any mix and case), longest
 * secret first.
 *
 * @example A key echoed in escaped form
 * ```ts
 * import { redactText } from "./_redact.ts";
 * const text = redactText('{"detail":"bad key \\u0073k-1 and sk-1"}', ["sk-1"]);
 * if (text !== '{"detail":"bad key [redacted] and [redacted]"}') throw new Error(text);
 * ```
 */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret === "") continue;
    out = out.replace(new RegExp(escapedForms(secret), "gi"), "[redacted]");
  }
  return out;
}

/**
 * A copy of a parsed JSON `value` with each of `secrets` replaced by `"[redacted]"` in every
 * string and field name, at any depth (cut at depth 64). The copy's objects have no prototype
 * chain to pollute.
 *
 * @example
 * ```ts
 * import { redactStrings } from "./_redact.ts";
 * const shown = redactStrings({ detail: [{ msg: "sk-1 is wrong" }] }, ["sk-1"]);
 * if (JSON.stringify(shown) !== '{"detail":[{"msg":"[redacted] is wrong"}]}') throw new Error();
 * ```
 */
export function redactStrings(value: unknown, secrets: readonly string[], depth = 0): unknown {
  const sorted = depth === 0
    ? [...secrets].filter((s) => s !== "").sort((a, b) => b.length - a.length)
    : secrets;
  if (sorted.length === 0) return value;
  if (typeof value === "string") {
    let out = value;
    for (const secret of sorted) out = out.replaceAll(secret, "[redacted]");
    return out;
  }
  if (value === null || typeof value !== "object") return value;
  if (depth > 64) return "[truncated]";
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, sorted, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    setOwn(
      out,
      redactStrings(key, sorted, depth + 1) as string,
      redactStrings(item, sorted, depth + 1),
    );
  }
  return out;
}
