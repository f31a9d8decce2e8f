// Quality that depends on time rather than on one value: a tag with no value for 3 sampling periods
// is stale; a tag whose connector is down is bad (connector_down), whatever its last value said.
// Applied when the live view is read, so the operator sees it without a reading having to arrive.
import type { Quality, Reading } from '../../../shared/schemas/plant';
import type { ModelIndex } from '../model';
import type { LiveCache } from './live';

/** A tag is stale after this many sampling periods without a value (plant clock). */
export const STALE_PERIODS = 3;
/**
 * …and only once no value of it has reached the live view for this long on the core's clock: a replay
 * at 100× runs ahead of ingest by its flush interval (100 ms = 10 s of plant time, two sampling periods
 * of the demo), and a value still in flight is not stale.
 */
export const STALE_GRACE_MS = 1000;

/**
 * A device's latest value of every tag it has sent, with each tag's quality now; null before its
 * first reading. `now` is the device's plant clock, `wallNow` the core's.
 */
export function liveReading(
  live: LiveCache,
  model: ModelIndex,
  deviceId: string,
  opts: { now: number; wallNow: number; isDown(connectorId: string): boolean },
): Reading | null {
  const cur = live.current(deviceId);
  if (!cur) return null;
  const quality: Record<string, Quality> = {};
  const asset = model.asset(deviceId);
  for (const tag of asset?.tags ?? []) {
    const at = cur.at[tag.key];
    const own = cur.quality[tag.key];
    if (opts.isDown(tag.source.connector)) quality[tag.key] = { level: 'bad', reason: 'connector_down', detail: `connector ${tag.source.connector} is down` };
    else if (at === undefined || (opts.now - at > STALE_PERIODS * tag.sampling_s * 1000 && opts.wallNow - (cur.arrived[tag.key] ?? 0) > STALE_GRACE_MS)) {
      const age = at === undefined ? 'no value yet' : `no value for ${Math.round((opts.now - at) / 1000)} s (sampled every ${tag.sampling_s} s)`;
      quality[tag.key] = own?.level === 'bad' ? own : { level: 'uncertain', reason: 'stale', detail: age };
    } else if (own) quality[tag.key] = own;
  }
  // Tags the model no longer has (after a reload) keep what they carried.
  for (const [k, q] of Object.entries(cur.quality)) if (!asset?.tags.some((t) => t.key === k)) quality[k] = q;
  return {
    device_id: deviceId,
    timestamp: new Date(cur.ts).toISOString(),
    values: { ...cur.values },
    ...(Object.keys(quality).length ? { quality } : {}),
  };
}
