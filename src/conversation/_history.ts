/**
 * {@linkcode History}: the one place that decides, for every event from REST or the socket,
 * whether it is new (delivered once) and where it goes in `state.events` (the server's log order).
 *
 * Vocabulary:
 * - **seed**: REST history into the list (and the state), without callbacks;
 * - **take**: an event from the socket or a catch-up; delivered if it is new;
 * - **catch up**: ask REST for what the socket has not delivered, and take it.
 *
 * One rule decides "new": a stored event is new when the list places it (the list's id set is
 * the exactly-once record) and it was not delivered already from a `transient` frame; a frame the
 * server never stores is always new.
 *
 * @module
 */

import { RemoteHandsError } from "../errors.ts";
import type { Event } from "../events/kinds.ts";
import { isPersistedEvent } from "../events/helpers.ts";
import { type EventCursor, formatCursor, parseCursor, timeCursor } from "./cursor.ts";
import { parseOwnedEvent } from "../events/parse.ts";
import type { Connection } from "../rest/connection.ts";
import { countEvents, readEventLog } from "../rest/events.ts";
import type { SocketProtocol } from "../socket/types.ts";
import { type EventListWriter, listWriterOf, type RemoteEventsList } from "./events_list.ts";
import type { RemoteState } from "./remote_state.ts";

/** Most ids of events delivered from `transient` frames and not (yet) stored to remember. */
const MAX_UNPLACED = 4_096;

/**
 * Options of {@linkcode History}.
 *
 * @example
 * ```ts
 * import type { HistoryOptions } from "./_history.ts";
 * const deliver: HistoryOptions["deliver"] = (event) => console.log(event.kind);
 * if (typeof deliver !== "function") throw new Error();
 * ```
 */
export interface HistoryOptions {
  /** The server. */
  connection: Connection;
  /** The conversation. */
  conversationId: string;
  /** The conversation's list, which the history writes. */
  events: RemoteEventsList;
  /** The conversation's state: seeded events update it. */
  state: RemoteState;
  /** Hands a new event to the state, callbacks, subscribers and runs. */
  deliver: (event: Event) => void;
  /** Receives problems that do not stop the conversation. */
  report: (error: RemoteHandsError) => void;
  /** Aborted when the conversation closes: ends catch-ups the socket started. */
  closing: AbortSignal;
  /**
   * Whether the stored history is loaded (default). `false`: the list starts empty and holds
   * what is stored from the subscription on; no page is read.
   */
  loadHistory?: boolean;
  /** Resume after this cursor (as `loadHistory: false`, from the cursor on). */
  after?: EventCursor | undefined;
}

/** What {@linkcode History.onReady} reads of the socket. */
export interface ReadySocket {
  /** The socket in use (after a fall back, `events`). */
  readonly protocol: "session" | "events";
  /** Session socket: its resume cursor, the log's last seq at subscription (-1: empty log). */
  readonly lastSeq: number | undefined;
}

/**
 * A conversation's history and catch-up.
 *
 * How the first history is loaded, by socket:
 * - session socket (preferred): the first connection is live only. Its first frame,
 *   `sync{through_seq: T}`, says what the log held when the socket subscribed; the socket's
 *   resume cursor is T from then on. The log is paged over REST while the socket connects; once
 *   ready (`onReady`, which holds every later frame until it resolves), its first T + 1 events
 *   are seeded into the list (REST pages are faster than the socket's replay); then the held
 *   frames, the events after T, are taken. A reconnect resumes exactly after the last stored
 *   event received (`after_seq`).
 * - events socket (older servers, or after a frame too large for the session socket): the first
 *   connection is live only and the whole history is paged once it is ready (the Python order); a
 *   reconnect asks for everything since the newest stored event we have (`resumeAfter`), and
 *   then catches up over REST what that resend can miss.
 *
 * Either way the history fills the list, not callbacks, and `create()` resolves only once it is
 * loaded ({@linkcode History.loaded} rejects with the reason when it cannot be).
 *
 * @example
 * ```ts ignore
 * const history = new History({ connection, conversationId, events, state, deliver, report, closing });
 * history.beginLoad("auto", signal);
 * // new WebSocketCallbackClient({ callback: (e, seq, transient) => history.take(e, seq, transient),
 * //   onReady: ({ reconnect }) => history.onReady(reconnect, socket), resumeAfter: () => history.resumeAfter() })
 * await history.loaded(socket.waitUntilReady());
 * ```
 */
export class History {
  readonly #connection: Connection;
  readonly #id: string;
  readonly #events: RemoteEventsList;
  readonly #writer: EventListWriter;
  readonly #state: RemoteState;
  readonly #deliver: (event: Event) => void;
  readonly #report: (error: RemoteHandsError) => void;
  readonly #closing: AbortSignal;
  /**
   * Ids of stored-kind events taken from `transient` frames (the server had not stored them):
   * kept out of the list until they arrive as stored, then placed without a second delivery.
   * Insertion-ordered; the oldest are forgotten past {@linkcode MAX_UNPLACED}. Made at the
   * first such event (most conversations never have one).
   */
  #unplaced: Set<string> | undefined;
  /** Whether the first history is in the list (or failed to load: see #loadError). */
  #loaded = false;
  #loadError: { error: unknown } | undefined;
  /** Stops the first load when the wait for the socket gives up. */
  readonly #stopLoading = new AbortController();
  #loadSignal: AbortSignal = this.#stopLoading.signal;
  /** Session socket: the log paged while the socket connects (unused after a fall back). */
  #early: Promise<unknown[]> | undefined;
  /** `loadHistory: false`: nothing before the subscription is read, now or on a reconnect. */
  readonly #liveOnly: boolean;
  /** `loadHistory: false`: how many events the log held at the subscription (not in the list). */
  #before = 0;
  /** The seq of the newest stored event the list has or skipped (session socket). */
  #seq: number | undefined;
  /** Resuming by a seq cursor: its seq (the session socket's first `after_seq`). */
  readonly #resumeSeq: number | undefined;
  /** Resuming by an events-socket cursor: its timestamp and the id of the event it names. */
  readonly #resume: { readonly timestamp: string; readonly id: string } | undefined;

  /** Creates the history of one conversation. */
  constructor(options: HistoryOptions) {
    this.#connection = options.connection;
    this.#id = options.conversationId;
    this.#events = options.events;
    this.#writer = listWriterOf(options.events);
    this.#state = options.state;
    this.#deliver = options.deliver;
    this.#report = options.report;
    this.#closing = options.closing;
    this.#liveOnly = options.loadHistory === false || options.after !== undefined;
    const after = options.after === undefined ? undefined : parseCursor(options.after);
    if (after && "seq" in after) this.#before = (this.#seq = this.#resumeSeq = after.seq) + 1;
    else this.#resume = after;
    this.#writer.reconcile = (signal) => this.reconcile(signal);
  }

  /** The session socket's first `after_seq` when resuming by a seq cursor. */
  get resumeSeq(): number | undefined {
    return this.#resumeSeq;
  }

  /** See `RemoteConversation.cursor`: the newest seq, else the list's newest stored event. */
  get cursor(): EventCursor | undefined {
    if (this.#seq !== undefined) return formatCursor({ seq: this.#seq });
    const last = this.#events.at(-1);
    return last ? timeCursor(last) : this.#resume && formatCursor(this.#resume);
  }

  /** The cursor after a stored `event` as it is delivered (called from a delivery listener). */
  cursorOf(event: Event): EventCursor | undefined {
    if (!isPersistedEvent(event)) return undefined;
    return this.#seq !== undefined ? formatCursor({ seq: this.#seq }) : timeCursor(event);
  }

  /** The cursor after the list's event at `index` (its seq when placed by one). */
  cursorAt(index: number): EventCursor | undefined {
    const seq = this.#writer.seqAt(index);
    if (seq >= 0) return formatCursor({ seq });
    const event = this.#events.at(index);
    return event && this.#seq === undefined ? timeCursor(event) : undefined;
  }

  /** Starts the first load: unless the socket is the events one, the log is paged at once. */
  beginLoad(protocol: SocketProtocol, signal: AbortSignal | undefined): void {
    this.#loadSignal = signal
      ? AbortSignal.any([signal, this.#stopLoading.signal])
      : this.#stopLoading.signal;
    if (protocol === "events" || this.#liveOnly) return;
    this.#early = this.#read(undefined, undefined, this.#loadSignal);
    this.#early.catch(() => {}); // awaited in onReady, or dropped
  }

  /**
   * Part of the socket queue's record of delivered events (`DeliveredRecord`): the list keeps
   * the id of every stored-kind event {@linkcode History.take} was handed, so the queue needs no
   * second set of them.
   */
  covers(event: Event): boolean {
    return isPersistedEvent(event);
  }

  /** The other part of that record: whether the list holds the event with this id. */
  has(id: string): boolean {
    return this.#events.has(id);
  }

  /**
   * The socket's `onReady`: the first load on the first ready; after a reconnect of the events
   * socket, a catch-up (its `since` resend can miss an event stamped before the newest one we
   * have, on servers before 1.58; later frames wait until it ends).
   */
  async onReady(reconnect: boolean, socket: ReadySocket): Promise<void> {
    const through = socket.protocol === "session" ? socket.lastSeq : undefined;
    if (through !== undefined && through > (this.#seq ?? -2)) this.#seq = through;
    if (this.#liveOnly) {
      // The session socket resumes after its sync's `through_seq` (or the cursor) on its own;
      // the events socket resends nothing while the list is empty (see `loadHistory`), or what
      // came since the cursor's timestamp.
      if (reconnect || this.#loaded) return;
      this.#loaded = true;
      const seq = this.#resumeSeq;
      if (seq !== undefined && socket.protocol === "events") {
        // A seq cursor on the events socket (a fall back): the log after it, over REST.
        const items = await this.#read(undefined, undefined, this.#loadSignal);
        this.#parse(items, (event, index) => {
          if (index > seq) this.take(event, index);
        });
      } else if (this.#resume) {
        // A timestamp cursor: what is stored since, over REST (the socket's resend comes after
        // ready, and the session socket has no resend by time); its own event is skipped.
        this.#takeAll(await this.#read(this.#resume.timestamp, undefined, this.#loadSignal), false);
      } else if (seq === undefined) {
        this.#before = through !== undefined
          ? through + 1
          : await countEvents(this.#connection, this.#id, { signal: this.#loadSignal })
            .catch(() => undefined) ?? 0;
      }
      return;
    }
    if (reconnect && this.#loaded && socket.protocol === "events") {
      await this.catchUp(undefined, this.#closing).catch((err: unknown) => {
        if (!this.#closing.aborted) {
          this.#report(
            new RemoteHandsError("The REST catch-up after a reconnect failed", { cause: err }),
          );
        }
      });
      return;
    }
    if (reconnect || this.#loaded) return;
    try {
      // Session socket: the cursor its sync frame set (-1: the log was empty, so no history).
      const through = socket.protocol === "session" ? socket.lastSeq : undefined;
      if (this.#early && through !== undefined) {
        let items = await this.#early;
        // Events stored after the last page and before the subscription: page again.
        if (items.length <= through) {
          items = await this.#read(undefined, through + 1, this.#loadSignal);
        }
        this.#seed(items.slice(0, through + 1));
      } else if (through === undefined || through >= 0) {
        const max = through === undefined ? undefined : through + 1;
        this.#seed(await this.#read(undefined, max, this.#loadSignal));
      }
    } catch (error) {
      this.#loadError = { error };
    } finally {
      this.#loaded = true;
    }
  }

  /** What the events socket resends on a reconnect: nothing before the first load, then
   * everything since the list's newest event. */
  resumeAfter(): string | null | undefined {
    if (this.#liveOnly) return this.#events.lastTimestamp ?? this.#resume?.timestamp ?? null;
    return this.#loaded ? this.#events.lastTimestamp : null;
  }

  /**
   * Waits for `ready` (the socket's first ready, which runs the first load), then stops a page
   * still loading; rejects with `ready`'s error, else with why the history could not be loaded.
   */
  async loaded(ready: Promise<void>): Promise<void> {
    try {
      await ready;
    } finally {
      // Only a load still going has a page to stop (an abort makes a DOMException: not free).
      if (!this.#loaded) this.#stopLoading.abort();
    }
    if (this.#loadError) throw this.#loadError.error;
  }

  /**
   * Takes an event from the socket or a catch-up: placed in the list at its place in the log
   * (`seq`: its sequence number, -1 when unknown; `after`: the id of the event before it, from a
   * REST page) and delivered, once. A `transient` event (the server had not stored it) of a
   * stored kind is delivered but kept out of the list, which must equal the log; when the same id
   * later arrives stored, it is placed and not delivered again.
   */
  take(event: Event, seq = -1, transient = false, after?: string | null): void {
    if (!this.#isNew(event, seq, after, transient)) return;
    if (seq >= 0 && seq > (this.#seq ?? -1)) this.#seq = seq;
    this.#deliver(event);
  }

  /**
   * Catches up over REST with what the socket has not delivered: nothing when the server's event
   * count says the list is complete; else the events since `since` (when given), and, if some are
   * still missing (before 1.58 a `stats` update can be stamped before events stored ahead of it),
   * the whole log. Found events are delivered once, at their place in the log.
   */
  async catchUp(since: string | undefined, signal: AbortSignal | undefined): Promise<void> {
    if (!(await this.#missing(signal))) return;
    if (since !== undefined) {
      this.#takeAll(await this.#read(since, undefined, signal), false);
      if (this.#liveOnly || !(await this.#missing(signal))) return;
    }
    if (!this.#liveOnly) await this.readLog(signal);
  }

  /** Pages the whole log and takes what the list lacks (delivered once), without asking the
   * event count first; returns how many events the list gained. */
  async readLog(signal: AbortSignal | undefined): Promise<number> {
    const items = await this.#read(undefined, undefined, signal);
    const before = this.#writer.storedCount();
    this.#takeAll(items, true);
    return this.#writer.storedCount() - before;
  }

  /**
   * `state.events.reconcile()`: {@linkcode History.readLog} while the conversation is open.
   *
   * @throws {RemoteHandsError} When the conversation is closed.
   */
  async reconcile(signal: AbortSignal | undefined): Promise<number> {
    if (this.#closing.aborted) {
      throw new RemoteHandsError("Cannot reconcile the events as the conversation is closed");
    }
    return await this.readLog(signal ? AbortSignal.any([signal, this.#closing]) : this.#closing);
  }

  /** The one rule: whether `event` is seen for the first time (see the module doc). */
  #isNew(event: Event, seq: number, after: string | null | undefined, transient: boolean): boolean {
    if (!isPersistedEvent(event)) return true;
    if (event.id === this.#resume?.id) return false; // the one the cursor names, resent
    if (transient) {
      if (this.#events.has(event.id) || this.#unplaced?.has(event.id)) return false;
      this.#unplaced ??= new Set();
      if (this.#unplaced.size >= MAX_UNPLACED) {
        this.#unplaced.delete(this.#unplaced.values().next().value!);
      }
      this.#unplaced.add(event.id);
      return true;
    }
    return this.#writer.place(event, seq, after) && !this.#unplaced?.delete(event.id);
  }

  /** Seeds the log's first events (an item's index is its seq): new ones update the state only. */
  #seed(items: unknown[]): void {
    this.#parse(items, (event, index) => {
      if (this.#isNew(event, index, undefined, false)) this.#state.updateStateFromEvent(event);
    });
  }

  /** Takes REST items in log order: `fromStart`, an item's index is its seq; a missing event goes
   * right after the item before it (after `since`, what precedes the first one is unknown). */
  #takeAll(items: unknown[], fromStart: boolean): void {
    let previous: string | null | undefined = fromStart ? null : undefined;
    this.#parse(items, (event, index) => {
      this.take(event, fromStart ? index : -1, false, previous);
      previous = event.id;
    });
  }

  /** Validates each REST item (a fresh JSON.parse result nobody else holds: in place); a bad one
   * is reported and skipped. */
  #parse(items: unknown[], each: (event: Event, index: number) => void): void {
    for (let index = 0; index < items.length; index++) {
      const parsed = parseOwnedEvent(items[index]);
      if (parsed.success) each(parsed.event, index);
      else this.#report(parsed.error);
    }
  }

  /** The log's stored events from `since` (inclusive; the start without it), at most `max`. */
  #read(
    since: string | undefined,
    max: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<unknown[]> {
    return readEventLog(this.#connection, this.#id, { since, max }, { signal });
  }

  /** Whether the server's log holds more than the list; true when the count is unknown. */
  async #missing(signal: AbortSignal | undefined): Promise<boolean> {
    try {
      const count = await countEvents(this.#connection, this.#id, { signal });
      return count === undefined || count > this.#before + this.#writer.storedCount();
    } catch (err) {
      if (signal?.aborted) throw err;
      return true; // no count (an error, a proxy): page to be sure
    }
  }
}
