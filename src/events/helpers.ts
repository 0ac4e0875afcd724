/**
 * Helpers for events once parsed: narrowing to a kind, whether the server stores one, and the
 * text of a message.
 *
 * @module
 */

import type { Event, EventOfKind, KnownEventKind } from "./kinds.ts";

/**
 * Narrows an event to a known kind (as `event.kind === kind` does, for a kind held in a variable).
 *
 * @example
 * ```ts
 * import { isEventKind } from "@remote-hands/client";
 * import { parseEvent } from "@remote-hands/client";
 * const r = parseEvent({ kind: "PauseEvent", id: "1", timestamp: "2026-01-01T00:00:00", source: "user" });
 * if (!r.success || !isEventKind(r.event, "PauseEvent")) throw new Error("unexpected");
 * ```
 */
export function isEventKind<K extends KnownEventKind>(
  event: Event,
  kind: K,
): event is EventOfKind<K> {
  return event.kind === kind;
}

/**
 * Whether the server stores this event in the conversation's history. Full-state snapshots,
 * streaming deltas and server errors are sent on the socket only: they reach callbacks, but they
 * are not part of the history list.
 *
 * @example
 * ```ts
 * import { isPersistedEvent } from "./helpers.ts";
 * import type { Event } from "@remote-hands/client";
 * const snapshot: Event = { kind: "ConversationStateUpdateEvent", key: "full_state", value: {}, id: "s", timestamp: "t", source: "environment" };
 * if (isPersistedEvent(snapshot)) throw new Error("snapshots are not stored");
 * ```
 */
export function isPersistedEvent(event: Event): boolean {
  if (event.kind === "StreamingDeltaEvent" || event.kind === "ServerErrorEvent") return false;
  return !(event.kind === "ConversationStateUpdateEvent" && event.key === "full_state");
}

/**
 * The text of a message's content parts (`[{ type: "text", text }]`), joined.
 *
 * @example
 * ```ts
 * import { contentText } from "@remote-hands/client";
 * if (contentText([{ type: "text", text: "hi" }]) !== "hi") throw new Error();
 * ```
 */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let out = "";
  for (const part of content) {
    if (part && typeof part === "object" && typeof (part as { text?: unknown }).text === "string") {
      out += (part as { text: string }).text;
    }
  }
  return out;
}
