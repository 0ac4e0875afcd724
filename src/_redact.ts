/**
 * Redaction of secrets in values the client shows: error bodies, inspected objects, JSON forms.
 *
 * @module
 */

/** Field names whose values are secrets (or echo request input that may hold one). */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  "input",
  "api_key",
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
    Object.defineProperty(out, key, {
      value: SECRET_KEYS.has(key) ? "[redacted]" : redactSecrets(item, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
