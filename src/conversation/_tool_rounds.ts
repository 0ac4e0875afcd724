/**
 * How a run with client tools ends: {@linkcode throughToolResults} waits for the results the run's
 * calls owe and the runs they start, and {@linkcode closedWhileWaiting} is the error a wait ends
 * with when the conversation is closed under it.
 *
 * @module
 */

import { RemoteHandsError } from "../errors.ts";
import type { ConversationExecutionStatus } from "../types.ts";
import type { ClientToolRunner } from "./_client_tools.ts";

/**
 * The error a wait for a run ends with when the conversation is closed under it.
 *
 * @returns A new error.
 * @example
 * ```ts
 * import { closedWhileWaiting } from "./_tool_rounds.ts";
 * if (!closedWhileWaiting().message.includes("closed")) throw new Error();
 * ```
 */
export function closedWhileWaiting(): RemoteHandsError {
  return new RemoteHandsError("Cannot wait for the run as the conversation was closed");
}

/**
 * With client tools, a run is over once the results of the calls it made are in and the runs they
 * start have ended too (at most 100 rounds): `first` settles, then, while results were sent that owe
 * a run, `runAgain` starts and awaits it. `release` (the runner's hold) runs at the end. When the
 * conversation is closed before that, it rejects with `closed()`'s error (a call may be left
 * unanswered: the run is not over), marked handled: closing never causes an unhandled rejection.
 *
 * @param tools The runner, held by the caller.
 * @param first The run that was started.
 * @param how How to run again, the error to end with once the conversation is closed (`undefined`
 * while open), and the hold's release.
 * @returns The status the last run ended with.
 * @example
 * ```ts ignore
 * const release = runner.hold();
 * const status = await throughToolResults(runner, runs.run(options), { runAgain, closed, release });
 * ```
 */
export function throughToolResults(
  tools: ClientToolRunner,
  first: Promise<ConversationExecutionStatus>,
  how: {
    runAgain: () => Promise<ConversationExecutionStatus>;
    closed: () => Error | undefined;
    release: () => void;
  },
): Promise<ConversationExecutionStatus> {
  const rounds = async (): Promise<ConversationExecutionStatus> => {
    let status = await first;
    for (let round = 0; round < 100; round++) {
      await tools.settled();
      const closed = how.closed();
      if (closed) throw closed;
      if (!tools.takeOwedRun()) return status;
      status = await how.runAgain();
    }
    return status;
  };
  const done: Promise<ConversationExecutionStatus> = new Promise((resolve, reject) => {
    rounds().finally(how.release).then(resolve, (err) => {
      if (how.closed()) done.catch(() => {}); // closing ends it: never an unhandled rejection
      reject(err);
    });
  });
  return done;
}
