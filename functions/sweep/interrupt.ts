// SIGTERM and SIGINT during a bulk run (Code Engine sends SIGTERM on a job's timeout or cancel, then
// SIGKILL after a grace period): the first signal aborts the run — no new work starts, in-flight work
// finishes within its grace, records are flushed and a summary written. A second signal, or the grace
// running out, is a hard stop: flush what there is and exit; unanswered intents stay journaled.
import { constants } from 'node:os';

type StopSignal = 'SIGTERM' | 'SIGINT';

interface Termination {
  signal: AbortSignal;
  /** The signal that stopped the run, if any. */
  received(): StopSignal | undefined;
  dispose(): void;
}

/** The conventional exit code of a process stopped by a signal (128 + its number). */
const signalExitCode = (sig: StopSignal): number => 128 + constants.signals[sig];

const onTermination = (o: {
  /** How long the run may take to wind down after the first signal before `onHardStop`. */
  hardStopMs: number;
  onSignal?: (sig: StopSignal) => void;
  onHardStop: (sig: StopSignal) => void;
}): Termination => {
  const controller = new AbortController();
  let got: StopSignal | undefined;
  let timer: NodeJS.Timeout | undefined;
  const handle = (sig: StopSignal): void => {
    if (got) {
      o.onHardStop(sig);
      return;
    }
    got = sig;
    controller.abort(sig);
    o.onSignal?.(sig);
    timer = setTimeout(() => o.onHardStop(sig), o.hardStopMs);
  };
  const listeners = { SIGTERM: () => handle('SIGTERM'), SIGINT: () => handle('SIGINT') } satisfies Record<
    StopSignal,
    () => void
  >;
  process.on('SIGTERM', listeners.SIGTERM);
  process.on('SIGINT', listeners.SIGINT);
  return {
    signal: controller.signal,
    received: () => got,
    dispose: () => {
      clearTimeout(timer);
      process.off('SIGTERM', listeners.SIGTERM);
      process.off('SIGINT', listeners.SIGINT);
    },
  };
};

export type { StopSignal, Termination };
export { onTermination, signalExitCode };
