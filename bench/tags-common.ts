// What the bench:tags runs share (MQTT JSON in tags.ts, Sparkplug B in tags-sparkplug.ts, OPC UA in
// tags-opcua.ts): percentiles, waiting for a run to drain, and how a sustained rate's seconds are counted.

/** The p-th percentile (0–100) of xs, NaN when empty. */
export const pct = (xs: number[], p: number): number => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `done` holds (checked every 50 ms) or ms pass. */
export async function until(done: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await sleep(50);
}

/**
 * The seconds a run took to take in what was offered, from the first value's arrival to the last's: a path
 * that keeps up delivers the offered rate and one that falls behind shows as a longer span (and as lag).
 * The publisher sends `bursts` bursts evenly spaced; first-to-last arrival spans all but one of those
 * intervals, so the span is scaled by bursts / (bursts − 1). (The constant transit time of a value is not
 * throughput; the lag figures report it.)
 */
export const takenSeconds = (first: number, last: number, bursts: number): number => ((last - first) / 1000) * (bursts / Math.max(bursts - 1, 1));
