/**
 * A readable, coloured terminal view of a conversation's events.
 *
 * {@linkcode ConversationVisualizer} turns each event into a few lines: a header with the kind and
 * the source, then the part worth reading (a message's text, the command an action runs, the
 * output of a tool, an error). Snapshots, stats and streaming deltas are skipped. It only formats
 * the events it is given, and it makes everything it prints terminal-safe: escape sequences in
 * text are removed, and any other control character (C0, DEL, C1 such as U+009B) or bidi
 * override is shown as a visible escape (`\x07`, `\u202e`), so server text cannot move the
 * cursor, change colours or the window title, or disguise itself. Our own colours are added
 * after. Fields of any JSON type are shown (objects as JSON); formatting never throws.
 *
 * Web standards only: `console.log` is the default writer, `NO_COLOR` is read when the runtime has
 * an environment (Deno, Bun, Node) and ignored elsewhere.
 *
 * @module
 */

import { safeString, terminalLine } from "../_terminal_safe.ts";
import type { ConversationVisualizerLike } from "../conversation/types.ts";
import { contentText, isEventKind } from "../events/helpers.ts";
import type { Event } from "../events/kinds.ts";
import { readNoColor } from "./_no_color.ts";
import { paint, type Style } from "./_style.ts";
import { clean, compact, str, trimBlock } from "./_text.ts";

/**
 * Options of {@linkcode ConversationVisualizer}.
 *
 * @example Plain text into an array, tool output cut to 3 lines
 * ```ts
 * import { ConversationVisualizer, type ConversationVisualizerOptions } from "@remote-hands/client/visualizer";
 * const lines: string[] = [];
 * const options: ConversationVisualizerOptions = {
 *   name: "worker-1",
 *   color: false,
 *   maxObservationLines: 3,
 *   write: (text) => lines.push(text),
 * };
 * new ConversationVisualizer(options).onEvent({ kind: "PauseEvent", id: "p1", timestamp: "2026-01-01T00:00:00", source: "user" });
 * if (!lines[0]?.startsWith("[worker-1] ")) throw new Error(lines[0]);
 * ```
 */
export interface ConversationVisualizerOptions {
  /**
   * Written as `[name] ` before every line, to tell several conversations apart.
   *
   * @example
   * ```ts
   * import { ConversationVisualizer } from "@remote-hands/client/visualizer";
   * const viz = new ConversationVisualizer({ name: "alice", color: false });
   * const text = viz.format({ kind: "PauseEvent", id: "p", timestamp: "t", source: "user" });
   * if (text !== "[alice] ── PauseEvent (user)") throw new Error(text);
   * ```
   */
  name?: string;
  /** Receives the text of each shown event (lines joined with `\n`). Default: `console.log`. */
  write?: (text: string) => void;
  /** ANSI colours. Default: on, unless the `NO_COLOR` environment variable is set and not empty. */
  color?: boolean;
  /** Most lines of tool output shown per observation; the rest is counted. Default 20. */
  maxObservationLines?: number;
}

type Fields = Record<string, unknown>;

/** State keys that change on every step and say nothing to a reader. */
const QUIET_STATE_KEYS = new Set(["full_state", "stats", "last_user_message_id", "leaf_event_id"]);

/** Kinds that carry nothing to read (bookkeeping or token-level data). */
const QUIET_KINDS = new Set(["StreamingDeltaEvent", "TokenEvent", "LLMCompletionLogEvent"]);

/**
 * Prints a conversation's events as they arrive, in a readable and (by default) coloured form.
 *
 * Pass {@linkcode ConversationVisualizer.createCallback} wherever events are delivered, or call
 * {@linkcode ConversationVisualizer.format} to get the text without writing it.
 *
 * @example Collect the text instead of printing it
 * ```ts
 * import { ConversationVisualizer } from "@remote-hands/client/visualizer";
 * const lines: string[] = [];
 * const viz = new ConversationVisualizer({ color: false, write: (text) => lines.push(text) });
 * viz.onEvent({
 *   kind: "ConversationStateUpdateEvent", id: "s1", timestamp: "2026-01-01T00:00:00",
 *   source: "environment", key: "execution_status", value: "finished",
 * });
 * if (lines[0] !== "── status: finished (environment)") throw new Error(lines[0]);
 * ```
 */
export class ConversationVisualizer implements ConversationVisualizerLike {
  readonly #prefix: string;
  readonly #write: (text: string) => void;
  readonly #color: boolean;
  readonly #maxLines: number;

  /**
   * Creates a visualizer. Every option has a default; see {@linkcode ConversationVisualizerOptions}.
   *
   * @example
   * ```ts
   * import { ConversationVisualizer } from "@remote-hands/client/visualizer";
   * const viz = new ConversationVisualizer({ name: "bob", maxObservationLines: 5 });
   * ```
   */
  constructor(options: ConversationVisualizerOptions = {}) {
    this.#prefix = options.name ? `[${terminalLine(options.name)}] ` : "";
    this.#write = options.write ?? ((text: string): void => {
      // deno-lint-ignore no-console
      console.log(text);
    });
    this.#color = options.color ?? !readNoColor();
    const max = options.maxObservationLines ?? 20;
    this.#maxLines = Number.isFinite(max) ? Math.max(0, Math.floor(max)) : 20;
  }

  /**
   * The text for one event, or `undefined` when there is nothing to show (state snapshots,
   * stats, streaming deltas).
   *
   * @example
   * ```ts
   * import { ConversationVisualizer } from "@remote-hands/client/visualizer";
   * const viz = new ConversationVisualizer({ color: false });
   * const text = viz.format({
   *   kind: "MessageEvent", id: "m1", timestamp: "2026-01-01T00:00:00", source: "user",
   *   llm_message: { role: "user", content: [{ type: "text", text: "hi" }] },
   * });
   * if (text !== "── MessageEvent (user) role=user\n   hi") throw new Error(text);
   * ```
   */
  format(event: Event): string | undefined {
    let lines: string[] | undefined;
    try {
      lines = this.#lines(event);
    } catch {
      // An event of a shape no schema checked (a caller's own): one line rather than a throw.
      const kind = terminalLine((event as { kind?: unknown } | null | undefined)?.kind);
      lines = [
        `${this.#paint(`── ${kind}`, "bold", "gray")} ${this.#paint("(unreadable)", "dim")}`,
      ];
    }
    if (!lines) return undefined;
    return lines.map((line) => this.#prefix + line).join("\n");
  }

  /**
   * Formats one event and writes it, unless there is nothing to show.
   *
   * @example
   * ```ts
   * import { ConversationVisualizer } from "@remote-hands/client/visualizer";
   * const out: string[] = [];
   * new ConversationVisualizer({ color: false, write: (t) => out.push(t) })
   *   .onEvent({ kind: "PauseEvent", id: "p1", timestamp: "2026-01-01T00:00:00", source: "user" });
   * if (out.length !== 1) throw new Error("expected one write");
   * ```
   */
  onEvent(event: Event): void {
    const text = this.format(event);
    if (text !== undefined) this.#write(text);
  }

  /**
   * A callback that shows each event it receives, for APIs that take event callbacks.
   *
   * @example
   * ```ts
   * import { ConversationVisualizer } from "@remote-hands/client/visualizer";
   * const callback = new ConversationVisualizer({ write: () => {} }).createCallback();
   * callback({ kind: "PauseEvent", id: "p1", timestamp: "2026-01-01T00:00:00", source: "user" });
   * ```
   */
  createCallback(): (event: Event) => void {
    return (event: Event): void => this.onEvent(event);
  }

  #paint(text: string, ...styles: Style[]): string {
    return paint(text, this.#color, ...styles);
  }

  #header(event: Event, detail: string, ...styles: Style[]): string {
    const kind = terminalLine(event.kind);
    const source = terminalLine(event.source);
    const head = this.#paint(`── ${kind}`, "bold", ...styles);
    return `${head} ${this.#paint(`(${source})`, "dim")}${detail ? ` ${detail}` : ""}`;
  }

  #body(text: string, ...styles: Style[]): string[] {
    return text.split("\n").map((line) => `   ${this.#paint(line, ...styles)}`);
  }

  /** `label: text`; the label is dim, or bold in the text's colour for errors and rejections. */
  #labelled(label: string, text: string, ...styles: Style[]): string[] {
    const [first = "", ...rest] = trimBlock(clean(text)).split("\n");
    const alert = styles.find((s) => s === "red" || s === "magenta");
    const labelStyles: Style[] = alert ? ["bold", alert] : ["dim"];
    return [
      `   ${this.#paint(`${label}:`, ...labelStyles)} ${this.#paint(first, ...styles)}`,
      ...rest.map((line) => `   ${this.#paint(line, ...styles)}`),
    ];
  }

  #lines(event: Event): string[] | undefined {
    const e = event as Fields;
    if (QUIET_KINDS.has(event.kind)) return undefined;

    if (isEventKind(event, "ConversationStateUpdateEvent")) {
      if (QUIET_STATE_KEYS.has(event.key)) return undefined;
      const source = this.#paint(`(${terminalLine(event.source)})`, "dim");
      if (event.key === "execution_status") {
        const status = terminalLine(event.value);
        const style: Style = status === "error" || status === "stuck"
          ? "red"
          : status === "finished"
          ? "green"
          : status === "waiting_for_confirmation" || status === "paused"
          ? "yellow"
          : "blue";
        return [
          `${this.#paint("── status:", "bold", "blue")} ${this.#paint(status, style)} ${source}`,
        ];
      }
      return [
        `${this.#paint(`── ${terminalLine(event.key)}:`, "bold", "blue")} ${
          terminalLine(compact(event.value))
        } ${source}`,
      ];
    }

    if (isEventKind(event, "MessageEvent")) {
      const message = event.llm_message;
      const role = terminalLine(message.role);
      const sender = str(e.sender);
      const details = [
        `role=${role}`,
        sender ? `sender=${terminalLine(sender)}` : "",
      ].filter(Boolean).join(" ");
      const style: Style = event.source === "user" ? "cyan" : "green";
      const lines = [this.#header(event, this.#paint(details, "dim"), style)];
      const reasoning = str(message.reasoning_content);
      if (reasoning) lines.push(...this.#labelled("reasoning", reasoning, "gray"));
      const text = trimBlock(clean(contentText(message.content)));
      lines.push(...this.#body(text || "(no text)", ...(text ? [] : ["dim" as const])));
      return lines;
    }

    if (isEventKind(event, "ActionEvent")) {
      const risk = str(e.security_risk);
      const detail = [
        this.#paint(`→ ${terminalLine(event.tool_name)}`, "yellow"),
        risk && risk !== "UNKNOWN"
          ? this.#paint(`risk=${terminalLine(risk)}`, risk === "HIGH" ? "red" : "dim")
          : "",
      ].filter(Boolean).join(" ");
      const lines = [this.#header(event, detail, "yellow")];
      const thought = contentText(e.thought);
      if (thought.trim()) lines.push(...this.#labelled("thought", thought, "gray"));
      const reasoning = str(e.reasoning_content);
      if (reasoning?.trim()) lines.push(...this.#labelled("reasoning", reasoning, "gray"));
      lines.push(...this.#action(event.action, e));
      return lines;
    }

    if (isEventKind(event, "ObservationEvent")) {
      const observation = event.observation;
      const isError = observation.is_error === true;
      const exitCode = observation.exit_code;
      const detail = [
        this.#paint(`← ${terminalLine(event.tool_name)}`, "green"),
        typeof exitCode === "number" && exitCode !== -1
          ? this.#paint(`exit=${exitCode}`, exitCode === 0 ? "dim" : "red")
          : "",
        isError ? this.#paint("error", "red") : "",
      ].filter(Boolean).join(" ");
      const lines = [this.#header(event, detail, isError ? "red" : "green")];
      lines.push(...this.#output(contentText(observation.content), isError));
      return lines;
    }

    if (isEventKind(event, "UserRejectObservation")) {
      const by = terminalLine(str(e.rejection_source) ?? "user");
      return [
        this.#header(
          event,
          this.#paint(`← ${terminalLine(event.tool_name)}`, "magenta"),
          "magenta",
        ),
        ...this.#labelled(`rejected by ${by}`, event.rejection_reason, "magenta"),
      ];
    }

    if (isEventKind(event, "AgentErrorEvent")) {
      return [
        this.#header(event, this.#paint(`← ${terminalLine(event.tool_name)}`, "red"), "red"),
        ...this.#body(trimBlock(clean(event.error)), "red"),
      ];
    }

    if (isEventKind(event, "ConversationErrorEvent") || isEventKind(event, "ServerErrorEvent")) {
      const code = terminalLine(event.code);
      const detail = trimBlock(clean(compact(event.detail, 4000)));
      return [this.#header(event, "", "red"), ...this.#labelled(code, detail, "red")];
    }

    if (isEventKind(event, "SystemPromptEvent")) {
      const tools = Array.isArray(e.tools) ? e.tools.length : 0;
      return [this.#header(event, this.#paint(`${tools} tools`, "dim"), "gray")];
    }

    if (isEventKind(event, "HookExecutionEvent")) {
      const hook = terminalLine(str(e.hook_event_type) ?? "hook");
      const blocked = e.blocked === true;
      const lines = [
        this.#header(
          event,
          this.#paint(hook, "dim"),
          blocked || e.success === false ? "red" : "gray",
        ),
      ];
      const reason = str(e.reason) ?? str(e.error);
      if (reason) lines.push(...this.#labelled(blocked ? "blocked" : "reason", reason, "red"));
      return lines;
    }

    if (isEventKind(event, "CondensationSummaryEvent")) {
      const summary = str(e.summary);
      return [
        this.#header(event, "", "gray"),
        ...(summary ? this.#output(summary, false) : []),
      ];
    }

    // Pause, interrupt, condensation, security analysis and kinds from newer servers.
    return [this.#header(event, "", "gray")];
  }

  #action(action: Fields | undefined, e: Fields): string[] {
    if (!action) return this.#body("(no action: the tool call could not be parsed)", "dim");
    const kind = safeString(action.kind);
    const command = str(action.command);
    if (kind === "TerminalAction" && command !== undefined) {
      const [first = "", ...rest] = clean(command).split("\n");
      return [
        `   ${this.#paint("$", "dim")} ${this.#paint(first, "bold")}`,
        ...rest.map((line) => `     ${this.#paint(line, "bold")}`),
      ];
    }
    const message = str(action.message);
    if (kind === "FinishAction" && message !== undefined) {
      return this.#labelled("finish", message);
    }
    const thought = str(action.thought);
    if (kind === "ThinkAction" && thought !== undefined) return this.#labelled("think", thought);
    const summary = str(e.summary);
    const { kind: _kind, ...rest } = action;
    return this.#labelled(terminalLine(kind), summary ?? compact(rest));
  }

  #output(text: string, isError: boolean): string[] {
    const cleaned = trimBlock(clean(text));
    if (!cleaned) return this.#body("(no output)", "dim");
    const all = cleaned.split("\n");
    const shown = all.slice(0, this.#maxLines);
    const lines = shown.length === 0
      ? []
      : this.#body(shown.join("\n"), ...(isError ? ["red" as const] : []));
    if (all.length > shown.length) {
      lines.push(`   ${this.#paint(`… (${all.length - shown.length} more lines)`, "dim")}`);
    }
    return lines;
  }
}
