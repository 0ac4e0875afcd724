/**
 * The frames of the fan-in scale replay server, made from the recorded corpus
 * (`tests/bench_corpus/`): the stored events it cycles (every recorded frame the real server
 * stores, in recorded order) with fresh ids and timestamps, each conversation's `full_state`
 * snapshot and its `ConversationInfo`, and the session socket's envelopes as 1.58.2 writes them
 * (`session_protocol.py`: `model_dump_json(exclude_none=True)`, fields in declaration order).
 *
 * @module
 */

import type { Corpus } from "./corpus.ts";

const HEAD = /^\{"id":"([0-9a-f-]{36})","timestamp":"([0-9T:.-]{26})"/;

/** The corpus cut into what the scale server sends. */
export class ScaleFrames {
  /** Each stored frame after its id and timestamp (`,"source":...}`). */
  readonly #stored: string[];
  /** The first `full_state` snapshot, parsed. */
  readonly #snapshot: { id: string; timestamp: string; value: Record<string, unknown> };

  /**
   * @param corpus The recorded frames.
   */
  constructor(corpus: Corpus) {
    this.#stored = [];
    for (const frame of corpus.frames) {
      const m = HEAD.exec(frame);
      if (!m) throw new Error("A corpus frame does not start with id and timestamp");
      if (isStored(JSON.parse(frame))) this.#stored.push(frame.slice(m[0].length));
    }
    this.#snapshot = JSON.parse(corpus.firstState());
  }

  /** How many stored frames one cycle holds. */
  get cycle(): number {
    return this.#stored.length;
  }

  /**
   * Stored frame `k` of the cycle with the given id and timestamp.
   *
   * @param k Its place in the endless cycle.
   * @param id The event id.
   * @param stamp The event timestamp.
   * @returns The event's JSON.
   */
  stored(k: number, id: string, stamp: string): string {
    return `{"id":"${id}","timestamp":"${stamp}"${this.#stored[k % this.#stored.length]}`;
  }

  /**
   * The `full_state` snapshot the server sends a new subscriber of `conversationId`.
   *
   * @param conversationId The conversation.
   * @param id The snapshot event's id.
   * @param stamp Its timestamp.
   * @returns The event's JSON.
   */
  snapshot(conversationId: string, id: string, stamp: string): string {
    return JSON.stringify({
      ...this.#snapshot,
      id,
      timestamp: stamp,
      value: { ...this.#snapshot.value, id: conversationId },
    });
  }

  /**
   * `GET /api/conversations/{id}`: the snapshot's state with the conversation's id.
   *
   * @param conversationId The conversation.
   * @returns The `ConversationInfo` JSON.
   */
  info(conversationId: string): string {
    return JSON.stringify({ ...this.#snapshot.value, id: conversationId });
  }
}

/**
 * A session socket `durable` frame.
 *
 * @param seq The event's index in the log.
 * @param event The event's JSON.
 * @returns The frame.
 */
export function durableFrame(seq: number, event: string): string {
  return `{"type":"durable","seq":${seq},"event":${event}}`;
}

/**
 * A session socket `transient` frame.
 *
 * @param event The event's JSON.
 * @returns The frame.
 */
export function transientFrame(event: string): string {
  return `{"type":"transient","event":${event}}`;
}

/**
 * The session socket's `sync` frame (null fields are left out, as the server does).
 *
 * @param fromSeq The client's `after_seq`, if it gave one.
 * @param throughSeq The log's last seq, undefined when the log is empty.
 * @returns The frame.
 */
export function syncFrame(fromSeq: number | undefined, throughSeq: number | undefined): string {
  return JSON.stringify({ type: "sync", from_seq: fromSeq, through_seq: throughSeq });
}

/** Whether 1.58.2 stores a frame's event (see `corpus.ts`). */
function isStored(event: { kind?: unknown; key?: unknown }): boolean {
  if (event.kind === "StreamingDeltaEvent" || event.kind === "ServerErrorEvent") return false;
  return !(event.kind === "ConversationStateUpdateEvent" && event.key === "full_state");
}
