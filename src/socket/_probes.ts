/**
 * The bookkeeping of the event socket's REST probes: each gets a 5 s timeout, `abortAll()` (on
 * `stop()`) aborts those in flight and hands back promises that settle once their fetch and
 * body have, and a probe whose `fetch` ignores the abort still ends at once for the socket.
 *
 * @module
 */

/** How long a probe (`/ready`, the conversation) may take. */
const PROBE_TIMEOUT_MS = 5_000;

/** A probe in flight. */
interface Probe {
  readonly controller: AbortController;
  /** Resolves once its fetch (and body) settled, however. */
  readonly done: Promise<void>;
}

/**
 * The probes of one client.
 *
 * @example
 * ```ts
 * import { Probes } from "./_probes.ts";
 * const probes = new Probes();
 * const answer = probes.run((signal) => new Promise<number>((resolve) => {
 *   signal.addEventListener("abort", () => resolve(1));
 * }));
 * await Promise.all(probes.abortAll());
 * if ((await answer) !== undefined) throw new Error("an aborted probe has no answer");
 * ```
 */
export class Probes {
  /** Made at the first probe (a healthy socket never runs one). */
  #inFlight: Set<Probe> | undefined;

  /**
   * Runs `work` with a signal that aborts after 5 s or on {@linkcode Probes.abortAll}.
   *
   * @param work The request; it is called at once (synchronously).
   * @returns What `work` resolved to, or `undefined` when it threw, timed out or was aborted.
   */
  async run<T>(work: (signal: AbortSignal) => Promise<T | undefined>): Promise<T | undefined> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException("the probe timed out", "TimeoutError")),
      PROBE_TIMEOUT_MS,
    );
    let markDone!: () => void;
    const probe: Probe = { controller, done: new Promise<void>((r) => (markDone = r)) };
    const inFlight = this.#inFlight ??= new Set();
    inFlight.add(probe);
    let stopWaiting = (): void => {};
    try {
      const pending = (async () => await work(controller.signal))();
      pending.then(markDone, markDone);
      const aborted = new Promise<undefined>((resolve) => {
        const onAbort = (): void => resolve(undefined);
        controller.signal.addEventListener("abort", onAbort, { once: true });
        stopWaiting = () => controller.signal.removeEventListener("abort", onAbort);
      });
      return await Promise.race([pending, aborted]);
    } catch {
      return undefined;
    } finally {
      stopWaiting();
      clearTimeout(timer);
      void probe.done.then(() => inFlight.delete(probe));
    }
  }

  /**
   * Aborts every probe in flight.
   *
   * @returns One promise per probe, resolved once its fetch (and body) settled.
   */
  abortAll(): Promise<void>[] {
    const waits: Promise<void>[] = [];
    for (const probe of this.#inFlight ?? []) {
      probe.controller.abort(new DOMException("the client was stopped", "AbortError"));
      waits.push(probe.done);
    }
    return waits;
  }
}
