/**
 * {@linkcode Delivery}: where a new event goes, in order: the state, the callbacks, the token
 * callbacks (streaming deltas only), the visualizer, `events()` iterators and `onEvent` handlers,
 * then waiting runs. A throw of any of
 * them is reported to `onError` and delivery goes on.
 *
 * @module
 */

import { RemoteHandsError } from "../errors.ts";
import type { Event, EventOfKind, KnownEventKind } from "../events/kinds.ts";
import { checkEventsOptions, checkListener } from "./_options.ts";
import { indexAfter, parseCursor } from "./cursor.ts";
import { EventHub } from "./event_stream.ts";
import { listWriterOf, type RemoteEventsList } from "./events_list.ts";
import type { RemoteState } from "./remote_state.ts";
import type {
  ConversationCallback,
  ConversationVisualizerLike,
  EventsOptions,
  TokenCallback,
} from "./types.ts";

/**
 * Options of {@linkcode Delivery}: the conversation's options can be passed as they are (only
 * `callbacks`, `tokenCallbacks`, `visualizer` and `onError` are read), with its state and run
 * hook.
 *
 * @example
 * ```ts
 * import type { DeliveryOptions } from "./_delivery.ts";
 * const onError: DeliveryOptions["onError"] = (error) => console.error(error.message);
 * if (typeof onError !== "function") throw new Error();
 * ```
 */
export interface DeliveryOptions {
  /** The conversation's state: every delivered event updates it first. */
  state: RemoteState;
  /** Called once per event, in order. */
  callbacks?: readonly ConversationCallback[] | undefined;
  /** Called with each `StreamingDeltaEvent` (a delta or a discard), after `callbacks`. */
  tokenCallbacks?: readonly TokenCallback[] | undefined;
  /** Shows each event after the callbacks. */
  visualizer?: ConversationVisualizerLike | undefined;
  /** Receives problems that do not stop the conversation. */
  onError?: ((error: RemoteHandsError) => void) | undefined;
  /** Called last with each event (the run controller). */
  onDelivered: (event: Event) => void;
}

/**
 * Hands each new event to everyone who listens, once.
 *
 * @example
 * ```ts
 * import { Delivery } from "./_delivery.ts";
 * import { RemoteEventsList } from "@remote-hands/client";
 * import { RemoteState } from "@remote-hands/client";
 * const seen: string[] = [];
 * const delivery = new Delivery({
 *   state: new RemoteState({ id: "c1", events: new RemoteEventsList() }),
 *   callbacks: [(event) => void seen.push(event.id)],
 *   onDelivered: () => {},
 * });
 * delivery.deliver({ kind: "PauseEvent", id: "p1", timestamp: "2026-01-01T00:00:00", source: "user" });
 * if (seen[0] !== "p1") throw new Error();
 * ```
 */
export class Delivery {
  readonly #state: RemoteState;
  readonly #callbacks: ConversationCallback[];
  readonly #tokenCallbacks: TokenCallback[];
  readonly #visualizer: ConversationVisualizerLike | undefined;
  readonly #onError: ((error: RemoteHandsError) => void) | undefined;
  readonly #onDelivered: (event: Event) => void;
  readonly #subscribers: EventHub<Event> = new EventHub<Event>({
    onListenerError: (err) =>
      this.report(
        new RemoteHandsError("An onEvent handler threw; delivery goes on", { cause: err }),
      ),
  });

  /** Creates the delivery of one conversation. */
  constructor(options: DeliveryOptions) {
    this.#state = options.state;
    this.#callbacks = [...(options.callbacks ?? [])];
    this.#tokenCallbacks = [...(options.tokenCallbacks ?? [])];
    this.#visualizer = options.visualizer;
    this.#onError = options.onError;
    this.#onDelivered = options.onDelivered;
  }

  /** Hands a new event to the state, callbacks, token callbacks (a streaming delta), the
   * visualizer, subscribers and runs. */
  deliver(event: Event): void {
    this.#state.updateStateFromEvent(event);
    for (const callback of this.#callbacks) {
      try {
        callback(event);
      } catch (err) {
        this.report(
          new RemoteHandsError("A conversation callback threw; delivery goes on", { cause: err }),
        );
      }
    }
    if (event.kind === "StreamingDeltaEvent") {
      for (const callback of this.#tokenCallbacks) {
        try {
          callback(event);
        } catch (err) {
          this.report(
            new RemoteHandsError("A token callback threw; delivery goes on", { cause: err }),
          );
        }
      }
    }
    if (this.#visualizer) {
      try {
        this.#visualizer.onEvent(event);
      } catch (err) {
        this.report(
          new RemoteHandsError("The visualizer threw; delivery goes on", { cause: err }),
        );
      }
    }
    this.#subscribers.publish(event);
    this.#onDelivered(event);
  }

  /** Passes `error` to `onError`; a throwing handler is ignored. */
  report(error: RemoteHandsError): void {
    try {
      this.#onError?.(error);
    } catch {
      // an error handler that throws must not stop delivery either
    }
  }

  /** `events()`: an async iterator over the history when asked (a snapshot of `list`), then
   * every event delivered from now on. Checks the options first. */
  stream(options: EventsOptions, list: RemoteEventsList): AsyncIterableIterator<Event> {
    const { signal, history, maxBuffer, after } = checkEventsOptions(options);
    let initial = history || after !== undefined ? list.slice() : undefined;
    if (initial && after !== undefined) {
      initial = initial.slice(indexAfter(initial, listWriterOf(list).seqAt, parseCursor(after)));
    }
    return this.#subscribers.stream({ signal, maxBuffer, initial });
  }

  /** `onEvent()`: calls `handler` with every event of one kind delivered from now on; returns
   * its (idempotent) removal. Checks the arguments first. */
  listen<K extends KnownEventKind>(
    kind: K,
    handler: (event: EventOfKind<K>) => void,
  ): () => void {
    checkListener(kind, handler);
    return this.#subscribers.listen((event) => {
      if (event.kind === kind) handler(event as EventOfKind<K>);
    });
  }

  /** Calls `handler` with every event delivered from now on; returns its removal. */
  listenAll(handler: (event: Event) => void): () => void {
    return this.#subscribers.listen(handler);
  }

  /** Ends every iterator (after their buffers) and drops every listener. */
  close(): void {
    this.#subscribers.close();
  }
}
