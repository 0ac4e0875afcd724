/**
 * The settings every command shares ({@linkcode Context}): the server, its key, colours, and
 * output that never prints a key.
 *
 * @module
 */

import { terminalText } from "../src/_terminal_safe.ts";
import { ConversationVisualizer } from "../visualizer.ts";
import type { Parsed } from "./_args.ts";
import type { CliIO } from "./io.ts";

/**
 * Settings every command shares, with the output already redacting the keys.
 *
 * @example
 * ```ts
 * import { parse } from "./_args.ts";
 * import { type Context, context } from "./_context.ts";
 * const ctx: Context = context({
 *   stdout: () => {}, stderr: () => {}, env: () => undefined, cwd: () => "/", isTTY: false,
 *   onInterrupt: () => () => {}, exit: () => {},
 * }, parse(["list"]));
 * if (ctx.host !== "http://127.0.0.1:8000") throw new Error(ctx.host);
 * ```
 */
export interface Context {
  /** The runtime. */
  io: CliIO;
  /** The agent server. */
  host: string;
  /** The server's session API key, if any. */
  apiKey: string | undefined;
  /** Whether the output is coloured. */
  color: boolean;
  /** Writes to standard output, keys redacted. */
  out(text: string): void;
  /** Writes to standard error, keys redacted and terminal-safe. */
  err(text: string): void;
  /** Adds a value that must never be printed. */
  secret(value: string | undefined): void;
}

/**
 * The shared settings, from the options, then the environment, then the defaults.
 *
 * @param io The runtime.
 * @param parsed The parsed command line.
 * @returns The settings; the API key is already a secret.
 * @example
 * ```ts
 * import { parse } from "./_args.ts";
 * import { context } from "./_context.ts";
 * let out = "";
 * const ctx = context({
 *   stdout: (text) => void (out += text), stderr: () => {}, env: () => undefined, cwd: () => "/",
 *   isTTY: false, onInterrupt: () => () => {}, exit: () => {},
 * }, parse(["list", "--api-key", "key-1234"]));
 * ctx.out("the key is key-1234");
 * if (out !== "the key is [redacted]") throw new Error(out);
 * ```
 */
export function context(io: CliIO, parsed: Parsed): Context {
  const env = (name: string): string | undefined => io.env(name) || undefined; // "" is unset
  const secrets: string[] = [];
  const redact = (text: string): string => {
    let clean = text;
    for (const s of secrets) clean = clean.replaceAll(s, "[redacted]");
    return clean;
  };
  const ctx: Context = {
    io,
    host: parsed.strings.host || env("REMOTE_HANDS_HOST") || "http://127.0.0.1:8000",
    apiKey: parsed.strings["api-key"] ?? env("REMOTE_HANDS_API_KEY") ?? env("OH_SESSION_API_KEY"),
    color: !parsed.flags["no-color"] && io.isTTY && !env("NO_COLOR"),
    // Server text is made safe where it is printed (stdout carries the visualizer's colours);
    // stderr is never coloured, so everything on it goes through the filter once more.
    out: (text) => io.stdout(redact(text)),
    err: (text) => io.stderr(terminalText(redact(text))),
    secret: (value) => {
      // Very short values would blank out ordinary words; a key is never that short.
      if (value && value.length >= 4 && !secrets.includes(value)) secrets.push(value);
    },
  };
  if (ctx.apiKey === "") ctx.apiKey = undefined;
  ctx.secret(ctx.apiKey);
  return ctx;
}

/**
 * The visualizer of a command: coloured as the context says, one write per event.
 *
 * @param ctx The shared settings.
 * @param write Where each event's text goes; default: a line on standard output.
 * @returns The visualizer.
 * @example
 * ```ts
 * import { parse } from "./_args.ts";
 * import { context, visualizer } from "./_context.ts";
 * let out = "";
 * const ctx = context({
 *   stdout: (text) => void (out += text), stderr: () => {}, env: () => undefined, cwd: () => "/",
 *   isTTY: false, onInterrupt: () => () => {}, exit: () => {},
 * }, parse(["tail"]));
 * visualizer(ctx).onEvent({ kind: "PauseEvent", id: "p", timestamp: "t", source: "user" });
 * if (out !== "── PauseEvent (user)\n") throw new Error(out);
 * ```
 */
export function visualizer(
  ctx: Context,
  write = (text: string): void => ctx.out(`${text}\n`),
): ConversationVisualizer {
  return new ConversationVisualizer({ color: ctx.color, write });
}
