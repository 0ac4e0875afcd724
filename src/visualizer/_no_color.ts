/**
 * Whether the `NO_COLOR` convention asks for plain output, on any runtime.
 *
 * @module
 */

/** What this module reads of the runtime's globals, when they are there. */
interface RuntimeGlobals {
  Deno?: {
    noColor?: boolean;
    env?: { get?(name: string): string | undefined };
    permissions?: {
      querySync?(descriptor: { name: "env"; variable: string }): { state: string };
    };
  };
  process?: { env?: Record<string, string | undefined> };
}

/**
 * Whether `NO_COLOR` is set and not empty (https://no-color.org). Deno: read only when the env
 * permission is already granted, so it never prompts (else `Deno.noColor`, fixed at start-up); Bun
 * and Node: `process.env`; elsewhere (browsers, workers) there is no environment and the answer
 * is no.
 *
 * @returns Whether colours are to be left out.
 * @example
 * ```ts
 * import { readNoColor } from "./_no_color.ts";
 * if (typeof readNoColor() !== "boolean") throw new Error();
 * ```
 */
export function readNoColor(): boolean {
  try {
    const g = globalThis as RuntimeGlobals;
    let value: string | undefined;
    if (g.Deno?.env?.get) {
      const state = g.Deno.permissions?.querySync?.({ name: "env", variable: "NO_COLOR" }).state;
      // Without the permission, Deno's own reading of NO_COLOR at start-up.
      if (state !== undefined && state !== "granted") return g.Deno.noColor === true;
      value = g.Deno.env.get("NO_COLOR");
    } else {
      value = g.process?.env?.NO_COLOR;
    }
    return value !== undefined && value !== "";
  } catch {
    // No permission to read the environment, or no environment at all.
    return false;
  }
}
