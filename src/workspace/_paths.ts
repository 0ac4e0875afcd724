/**
 * Argument checks of {@linkcode RemoteWorkspace}'s methods: server paths and git refs.
 *
 * @module
 */

/**
 * Resolves a server path: absolute paths (`/x`, `C:\\x`) as given, others relative to
 * `workingDir`.
 *
 * @param workingDir The workspace's working directory.
 * @param path The path given.
 * @param what What the call does, for errors (e.g. `upload the file`).
 * @param name The option's name, for errors.
 * @returns The absolute path.
 * @throws {TypeError} When `path` is empty, not a string, or contains a NUL character.
 *
 * @example
 * ```ts
 * import { resolvePath } from "./_paths.ts";
 * if (resolvePath("/work/", "./a.txt", "read") !== "/work/a.txt") throw new Error();
 * if (resolvePath("/work", "/etc/x", "read") !== "/etc/x") throw new Error();
 * ```
 */
export function resolvePath(
  workingDir: string,
  path: unknown,
  what: string,
  name = "path",
): string {
  if (typeof path !== "string" || path === "") {
    throw new TypeError(`Cannot ${what} as '${name}' must be a non-empty path on the server`);
  }
  if (path.includes("\0")) {
    throw new TypeError(`Cannot ${what} as '${name}' contains a NUL character`);
  }
  if (path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path)) return path;
  const base = workingDir.replace(/[\\/]+$/, "");
  return `${base}/${path.replace(/^\.\//, "")}`;
}

/**
 * A git ref or commit option: undefined, or a non-empty string.
 *
 * @param value The option's value.
 * @param what What the call does, for errors.
 * @param name The option's name, for errors.
 * @returns The ref, or undefined.
 * @throws {TypeError} When it is not a non-empty string.
 *
 * @example
 * ```ts
 * import { checkRef } from "./_paths.ts";
 * if (checkRef("HEAD", "diff the file", "ref") !== "HEAD") throw new Error();
 * ```
 */
export function checkRef(value: unknown, what: string, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") {
    throw new TypeError(`Cannot ${what} as '${name}' must be a non-empty string`);
  }
  return value;
}
