// A reading's timestamp text (ISO 8601) for the instants seen last. Building it per reading (a Date and
// toISOString) in ingest, and again in the live cache to tell a canonical text from a device's own, was
// ~8 % of the core's busy time at 10,000 single-value readings/s over OPC UA (bench:tags --connector
// opcua, cpu profile): a server stamps a scan's values with one source timestamp, so instants recur.
// Per owner, not module state: no cache shared between cores in one process.

/** The ISO text of an instant, remembered for up to `max` instants (then forgotten all at once). */
export function createIsoStamps(max = 512): (ts: number) => string {
  let seen = new Map<number, string>();
  return (ts) => {
    let text = seen.get(ts);
    if (text === undefined) {
      if (seen.size >= max) seen = new Map();
      text = new Date(ts).toISOString();
      seen.set(ts, text);
    }
    return text;
  };
}
