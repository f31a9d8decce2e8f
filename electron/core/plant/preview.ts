// The consequence preview (issue 18): before an operator decides on a device command, the exact command is
// run through the device's closed-loop model from the plant's state now, beside the same model left as it
// is, and the tags it changes are shown over the next minutes with their alarm limits. The preview is
// hashed (canonical JSON) so the decision can record which one the operator saw.
import type { ConsequencePreview } from '../../../shared/schemas/plant';
import type { AssetView } from '../../../shared/schemas/model';
import { canonicalHash } from '../../edge/canonical';
import type { Clock } from '../clock';
import type { Simulator } from './simulator';

export const PREVIEW_HORIZON_S = 600;
const PREVIEW_POINTS = 120;

/** Why there is no preview: a command the simulator cannot run forward (a real device, another tool). */
export class PreviewUnavailable extends Error {
  readonly code = 'no_preview';
}

export interface PreviewRequest {
  approvalId: string;
  deviceId: string;
  command: string;
  params: Record<string, unknown>;
}

/** A device model run forward twice from its state now: as it is, and with one command. */
interface DeviceForecast {
  startTs: number;
  now: Record<string, number>;
  stepMs: number;
  asIs: Record<string, number[]>;
  withCommand: Record<string, number[]>;
  refused: string | null;
}

/**
 * Run the command through a copy of the device's model beside a copy left as it is, holding the process
 * at its present level (the device's newest replayed values): what the command alone changes.
 */
function runForward(sim: Simulator, r: PreviewRequest, horizonS: number, points: number): DeviceForecast | null {
  const start = sim.previewBase(r.deviceId);
  if (!start) return null;
  const { base } = start;
  const asIs = start.device;
  const withCmd = asIs.clone();
  const now = asIs.clone().apply(base).values;
  const refused = withCmd.command({ command: r.command, params: r.params }, start.at);
  const stepMs = Math.max(1, Math.round((horizonS * 1000) / points));
  const keys = Object.keys(base.values);
  const out = { asIs: Object.fromEntries(keys.map((k) => [k, [] as number[]])), withCommand: Object.fromEntries(keys.map((k) => [k, [] as number[]])) };
  for (let p = 1; p <= points; p++) {
    const frame = { device_id: r.deviceId, ts: base.ts + p * stepMs, values: base.values };
    const a = asIs.apply(frame).values;
    const b = refused ? a : withCmd.apply(frame).values;
    for (const k of keys) {
      out.asIs[k]?.push(a[k] ?? Number.NaN);
      out.withCommand[k]?.push(b[k] ?? Number.NaN);
    }
  }
  return { startTs: start.plantTs(base.ts), now, stepMs, ...out, refused };
}

const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : x);

export function consequencePreview(sim: Simulator, asset: AssetView | undefined, r: PreviewRequest, clock: Clock): ConsequencePreview {
  const t0 = clock.now();
  if (!asset) throw new PreviewUnavailable(`device ${r.deviceId} is not in the plant model`);
  const f = runForward(sim, r, PREVIEW_HORIZON_S, PREVIEW_POINTS);
  if (!f) throw new PreviewUnavailable(`no device model runs ${r.deviceId} here (a real device): no preview; decide on the live trend`);
  if (f.refused) throw new PreviewUnavailable(`the device would refuse it: ${f.refused}`);
  const tags: ConsequencePreview['tags'] = [];
  for (const t of asset.tags) {
    const a = f.asIs[t.key];
    const b = f.withCommand[t.key];
    if (!a || !b || ![...a, ...b].every(Number.isFinite)) continue;
    // Only what the command changes by more than the tag's resolution (a thousandth of its normal band).
    const tol = Math.max(1e-9, (t.normal[1] - t.normal[0]) / 1000);
    if (!a.some((x, i) => Math.abs(x - (b[i] ?? x)) > tol)) continue;
    const limits: ConsequencePreview['tags'][number]['limits'] = {};
    for (const l of t.limits) limits[l.key] = l.value;
    tags.push({
      key: t.key,
      tag: t.id,
      name: t.name,
      unit: t.unit,
      now: round(f.now[t.key] ?? a[0] ?? 0),
      asIs: a.map(round),
      withCommand: b.map(round),
      limits,
    });
  }
  const body = {
    approvalId: r.approvalId,
    deviceId: r.deviceId,
    command: r.command,
    params: r.params,
    startTs: f.startTs,
    stepMs: f.stepMs,
    horizonS: PREVIEW_HORIZON_S,
    assumption:
      'The device model run forward from its state now; the process held at its present level (no further disturbance). It shows what the command changes, not a forecast of the fault.',
    tags,
  };
  return { ...body, hash: canonicalHash(body), computeMs: clock.now() - t0 };
}
