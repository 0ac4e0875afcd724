/**
 * {@linkcode EventStreamReader}: the page side of an event stream made by `eventStreamResponse`
 * or `toEventStream`. It keeps the events list and the state the way `RemoteEventsList` and
 * `RemoteState` do, each stored event once, across dropped connections and page reloads, and
 * never holds the agent server's key (the function that serves the stream does).
 *
 * Standalone on purpose: nothing of the main module (no validation schemas, no REST client), so
 * that a page's bundle stays small.
 *
 * @module
 */

/**
 * An event as the page gets it: the server's JSON, with at least a `kind` and an `id`.
 *
 * @example
 * ```ts
 * import type { StreamedEvent } from "@remote-hands/client/browser";
 * const event: StreamedEvent = { kind: "MessageEvent", id: "e1", timestamp: "t", source: "user" };
 * if (event.kind !== "MessageEvent") throw new Error();
 * ```
 */
export interface StreamedEvent {
  readonly kind: string;
  readonly id: string;
  readonly timestamp?: string;
  readonly source?: string;
  readonly [field: string]: unknown;
}

/**
 * The storage the reader keeps its list in across reloads: `sessionStorage`, `localStorage`, or
 * anything with the same three methods.
 *
 * @example
 * ```ts
 * import type { ReaderStorage } from "@remote-hands/client/browser";
 * const items = new Map<string, string>();
 * const storage: ReaderStorage = {
 *   getItem: (key) => items.get(key) ?? null,
 *   setItem: (key, value) => void items.set(key, value),
 *   removeItem: (key) => void items.delete(key),
 * };
 * storage.setItem("k", "v");
 * if (storage.getItem("k") !== "v") throw new Error();
 * ```
 */
export interface ReaderStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Options of {@linkcode EventStreamReader}.
 *
 * @example
 * ```ts
 * import type { EventStreamReaderOptions } from "@remote-hands/client/browser";
 * const options: EventStreamReaderOptions = { url: "/events", format: "ndjson" };
 * if (options.url !== "/events") throw new Error();
 * ```
 */
export interface EventStreamReaderOptions {
  /** The stream's URL (your function's route), relative to the page or absolute. */
  url: string | URL;
  /** `"sse"` reads with `EventSource`; `"ndjson"` with `fetch`. @default {"sse"} */
  format?: "sse" | "ndjson" | undefined;
  /** Keeps the list, the state and the cursor across reloads (e.g. `sessionStorage`): a
   * reloaded page shows them at once and asks only for what came after. */
  storage?: ReaderStorage | undefined;
  /** The key in `storage`. @default {"remote-hands:" + url} */
  storageKey?: string | undefined;
  /** Each event once, stored or not (streaming deltas too), as it arrives. */
  onEvent?: ((event: StreamedEvent) => void) | undefined;
  /** After each change of `events`, `state` or `connected`. */
  onChange?: (() => void) | undefined;
  /** A frame that is not an event, a failed save, a dropped connection (it reconnects). */
  onError?: ((error: Error) => void) | undefined;
  /** NDJSON: milliseconds before a reconnect. @default {1000} */
  retryMs?: number | undefined;
  /** The fetch for NDJSON. @default {globalThis.fetch} */
  fetch?: ((input: string, init: RequestInit) => Promise<Response>) | undefined;
  /** The EventSource for SSE. @default {globalThis.EventSource} */
  EventSource?: (new (url: string) => EventSourceLike) | undefined;
}

/**
 * What the reader uses of an `EventSource`.
 *
 * @example
 * ```ts
 * import type { EventSourceLike } from "@remote-hands/client/browser";
 * const fake: EventSourceLike = { onmessage: null, onopen: null, onerror: null, close() {} };
 * fake.close();
 * ```
 */
export interface EventSourceLike {
  onmessage: ((message: MessageEvent) => void) | null;
  onopen: (() => void) | null;
  onerror: (() => void) | null;
  close(): void;
}

interface Saved {
  cursor: string | undefined;
  events: StreamedEvent[];
  state: Record<string, unknown>;
}

/** Kinds the server does not store (as the main module's `isPersistedEvent`). */
function isStored(event: StreamedEvent): boolean {
  if (event.kind === "StreamingDeltaEvent" || event.kind === "ServerErrorEvent") return false;
  return !(event.kind === "ConversationStateUpdateEvent" && event.key === "full_state");
}

function isEvent(value: unknown): value is StreamedEvent {
  return value !== null && typeof value === "object" && !Array.isArray(value) &&
    typeof (value as StreamedEvent).kind === "string" &&
    typeof (value as StreamedEvent).id === "string";
}

/** Sets each own key of `source` on `target` as plain data (`__proto__` too). */
function assignOwn(target: Record<string, unknown>, source: object): void {
  for (const [key, value] of Object.entries(source)) {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
}

/**
 * Reads a conversation's event stream in a page: `events` (the stored events in order, each
 * once), `state` (the cached state, kept current by state-update events), `cursor` and
 * `connected`. Dropped connections resume after the last cursor (SSE's `Last-Event-ID`, or
 * `?after=` for NDJSON and for the first request of a reloaded page).
 *
 * @example
 * ```ts ignore
 * import { EventStreamReader } from "@remote-hands/client/browser";
 * const reader = new EventStreamReader({
 *   url: "/conversations/123/events",
 *   storage: sessionStorage,
 *   onChange: () => render(reader.events, reader.state.execution_status),
 * });
 * reader.start();
 * ```
 */
export class EventStreamReader {
  readonly #o: EventStreamReaderOptions;
  readonly #key: string;
  #events: StreamedEvent[] = [];
  #ids = new Set<string>();
  #state: Record<string, unknown> = Object.create(null);
  #cursor: string | undefined;
  #connected = false;
  #closed = false;
  #source: EventSourceLike | undefined;
  #abort: AbortController | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  readonly #onPageHide = (): void => this.save();

  /**
   * @param options The stream's URL and how to read and keep it.
   * @throws {TypeError} For a missing URL or an unknown format.
   */
  constructor(options: EventStreamReaderOptions) {
    if (typeof options?.url !== "string" && !(options?.url instanceof URL)) {
      throw new TypeError("Cannot read the event stream as 'url' is missing");
    }
    if (options.format !== undefined && options.format !== "sse" && options.format !== "ndjson") {
      throw new TypeError("Cannot read the event stream as 'format' must be sse or ndjson");
    }
    this.#o = options;
    this.#key = options.storageKey ?? `remote-hands:${String(options.url)}`;
    this.#restore();
  }

  /** The stored events, in the order they came, each once. */
  get events(): readonly StreamedEvent[] {
    return this.#events;
  }

  /** The cached state (`execution_status`, `stats`, ...), as the server names its keys. */
  get state(): Readonly<Record<string, unknown>> {
    return this.#state;
  }

  /** Where the stream stands: the cursor after the last stored event received. */
  get cursor(): string | undefined {
    return this.#cursor;
  }

  /** Whether a connection is open now. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Connects (and reconnects when the connection drops, until {@linkcode close}). */
  start(): void {
    if (this.#closed || this.#source || this.#abort) return;
    globalThis.addEventListener?.("pagehide", this.#onPageHide);
    if ((this.#o.format ?? "sse") === "sse") this.#openSse();
    else void this.#readNdjson();
  }

  /** Disconnects for good and saves what it holds (with `storage`). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#source?.close();
    this.#abort?.abort();
    clearTimeout(this.#retry);
    globalThis.removeEventListener?.("pagehide", this.#onPageHide);
    this.save();
    this.#setConnected(false);
  }

  /** Writes the list, the state and the cursor to `storage` (on `pagehide` and `close()`). */
  save(): void {
    if (!this.#o.storage) return;
    const saved: Saved = { cursor: this.#cursor, events: this.#events, state: this.#state };
    try {
      this.#o.storage.setItem(this.#key, JSON.stringify(saved));
    } catch (err) {
      this.#report(`Could not save the events (${(err as Error).message})`);
    }
  }

  /** Forgets what `storage` holds for this stream. */
  clearSaved(): void {
    this.#o.storage?.removeItem(this.#key);
  }

  #restore(): void {
    let saved: Partial<Saved> | undefined;
    try {
      saved = JSON.parse(this.#o.storage?.getItem(this.#key) ?? "null") ?? undefined;
    } catch {
      saved = undefined;
    }
    if (!saved || !Array.isArray(saved.events) || typeof saved.cursor !== "string") return;
    this.#cursor = saved.cursor;
    if (saved.state && typeof saved.state === "object") assignOwn(this.#state, saved.state);
    for (const event of saved.events) {
      if (isEvent(event) && !this.#ids.has(event.id)) {
        this.#ids.add(event.id);
        this.#events.push(event);
      }
    }
  }

  /** The URL of a new connection: `?after=` the cursor when there is one. */
  #url(): string {
    const base = String(this.#o.url);
    if (this.#cursor === undefined) return base;
    return `${base}${base.includes("?") ? "&" : "?"}after=${encodeURIComponent(this.#cursor)}`;
  }

  #openSse(): void {
    const Source = (this.#o.EventSource ?? globalThis.EventSource) as
      | (new (url: string) => EventSourceLike)
      | undefined;
    if (typeof Source !== "function") {
      throw new TypeError("Cannot read the event stream as there is no EventSource: use ndjson");
    }
    // EventSource sends Last-Event-ID itself on its own reconnects; the first request of a
    // reloaded page says where it stands with ?after=.
    const source = new Source(this.#url());
    this.#source = source;
    source.onopen = () => this.#setConnected(true);
    source.onerror = () => {
      this.#setConnected(false);
      this.#report("The event stream dropped; reconnecting");
    };
    source.onmessage = (message) => {
      let event: unknown;
      try {
        event = JSON.parse(String(message.data));
      } catch {
        event = undefined;
      }
      this.#take(event, message.lastEventId || undefined);
    };
  }

  async #readNdjson(): Promise<void> {
    const fetch = this.#o.fetch ?? ((input, init) => globalThis.fetch(input, init));
    while (!this.#closed) {
      const abort = new AbortController();
      this.#abort = abort;
      try {
        const response = await fetch(this.#url(), {
          signal: abort.signal,
          headers: { accept: "application/x-ndjson" },
        });
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        this.#setConnected(true);
        await this.#readLines(response.body);
      } catch (err) {
        if (this.#closed) return;
        this.#report(`The event stream dropped (${(err as Error).message}); reconnecting`);
      }
      this.#setConnected(false);
      if (this.#closed) return;
      await new Promise((resolve) => (this.#retry = setTimeout(resolve, this.#o.retryMs ?? 1000)));
    }
  }

  async #readLines(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const lines = (rest + decoder.decode(value, { stream: true })).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "" || line === "{}") continue;
        let frame: { cursor?: unknown; event?: unknown } | undefined;
        try {
          frame = JSON.parse(line);
        } catch {
          frame = undefined;
        }
        const cursor = typeof frame?.cursor === "string" ? frame.cursor : undefined;
        this.#take(frame?.event, cursor);
      }
    }
  }

  /** One frame's event: the state, the list (stored kinds, once), the cursor, the listeners. */
  #take(event: unknown, cursor: string | undefined): void {
    if (!isEvent(event)) return this.#report("A frame of the event stream is not an event");
    if (cursor !== undefined) this.#cursor = cursor;
    const stored = isStored(event);
    if (stored && this.#ids.has(event.id)) return; // a resent one: already applied
    if (event.kind === "ConversationStateUpdateEvent" && typeof event.key === "string") {
      if (event.key !== "full_state") assignOwn(this.#state, { [event.key]: event.value });
      else if (event.value && typeof event.value === "object") assignOwn(this.#state, event.value);
    }
    if (stored) {
      this.#ids.add(event.id);
      this.#events.push(event);
    }
    try {
      this.#o.onEvent?.(event);
    } catch (err) {
      this.#report(`onEvent threw (${(err as Error).message})`);
    }
    this.#changed();
  }

  #setConnected(connected: boolean): void {
    if (this.#connected === connected) return;
    this.#connected = connected;
    this.#changed();
  }

  #changed(): void {
    try {
      this.#o.onChange?.();
    } catch (err) {
      this.#report(`onChange threw (${(err as Error).message})`);
    }
  }

  #report(message: string): void {
    try {
      this.#o.onError?.(new Error(message));
    } catch {
      // an error handler that throws must not stop the reader
    }
  }
}
