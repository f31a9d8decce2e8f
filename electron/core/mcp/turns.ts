// Slices of agent work, one per turn of the event loop (finding 10).
//
// A batch of 100 heavy reads used to run back to back in one turn and hold the core for seconds.
// Yielding with a bare setImmediate is not enough: every call of the batch is in flight at once, so
// all their setImmediate callbacks land in the same check phase and run back to back again. Here the
// waiting slices form one FIFO and a single setImmediate chain releases one slice per loop iteration,
// so timers (ingest flushes, approval deadlines) and I/O (other agents' requests, the UI) run between
// any two slices, whoever queued them. An idle loop costs a slice a few microseconds.

const waiting: Array<() => void> = [];
let scheduled = false;

function release(): void {
  scheduled = false;
  const run = waiting.shift();
  // Schedule the next one before running this one: an immediate queued from inside a check-phase
  // callback waits for the next loop iteration, which is the point.
  if (waiting.length > 0) {
    scheduled = true;
    setImmediate(release);
  }
  run?.();
}

/** Run `fn` on a later turn of the event loop, after every slice queued before it. */
export function onNextTurn(fn: () => void): void {
  waiting.push(fn);
  if (!scheduled) {
    scheduled = true;
    setImmediate(release);
  }
}

/** Resolves on a later turn of the event loop, after every slice queued before it. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => onNextTurn(resolve));
}
