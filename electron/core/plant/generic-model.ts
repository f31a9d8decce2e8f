// The device model of asset types with `model: generic`: everything comes from the plant model. Each
// tag follows the asset's load by its `sim.load_gain`, with a first-order lag of `sim.tau_s` in
// simulated time, and settles at `sim.off` when the asset stops; commands act through their `effect`.
// The replayed value is what the tag shows at 100 % load; a tag without a `sim` block replays as is.
import type { DeviceState, KnownDeviceStatus } from '../../../shared/schemas/plant';
import type { AssetView, TagView } from '../../../shared/schemas/model';
import { commandParamsProblem } from './commands';

/** What a device model transforms: one replayed instant of one device (any subset of its tags). */
export interface ReplayedValues {
  device_id: string;
  ts: number;
  values: Record<string, number>;
}

/** A command as the device acts on it, built from verified arguments. */
export interface AppliedCommand {
  command: string;
  params: Record<string, unknown>;
}

/** The simulator's view of any device model, demo physics or generic. */
export interface PlantDevice {
  readonly deviceId: string;
  state: DeviceState;
  loadPct: number;
  status(): KnownDeviceStatus;
  /** Apply a verified command. Returns the device's refusal, null when applied. */
  command(cmd: AppliedCommand, atIso: string): string | null;
  apply<R extends ReplayedValues>(r: R): R;
  /** The model was reloaded: take the asset's new definition, keeping state and load. */
  setAsset(asset: AssetView): void;
  /** An independent copy in exactly this state (lags included): what a consequence preview runs forward. */
  clone(): PlantDevice;
}

const DEFAULT_RESTART_S = 30;
/** A gap longer than this (a seek, a paused replay) does not let lags run for hours in one step. */
const MAX_STEP_S = 3600;

/** Decimal places a tag's values are written with: about four significant digits of its normal band. */
export function tagDigits(tag: Pick<TagView, 'normal' | 'range' | 'type'>): number {
  if (tag.type !== 'float') return 0;
  const width = tag.normal[1] - tag.normal[0] || tag.range[1] - tag.range[0];
  return Math.min(4, Math.max(0, 3 - Math.floor(Math.log10(width))));
}

interface TagLag {
  tag: TagView;
  digits: number;
  /** Lagged load share (1 = full) and lagged "stoppedness" (1 = at its stopped value). */
  load: number;
  stop: number;
  lastTs: number | null;
}

export class GenericDeviceModel implements PlantDevice {
  state: DeviceState = 'running';
  loadPct = 100;
  lastCommand?: { command: string; at: string };
  readonly deviceId: string;
  private readonly lags = new Map<string, TagLag>();
  private restartLeft = 0;
  private lastTs: number | null = null;

  constructor(private asset: AssetView) {
    this.deviceId = asset.id;
    this.setAsset(asset);
  }

  setAsset(asset: AssetView): void {
    this.asset = asset;
    const old = new Map(this.lags);
    this.lags.clear();
    for (const tag of asset.tags) {
      const was = old.get(tag.key);
      if (tag.sim) this.lags.set(tag.key, { load: 1, stop: 0, lastTs: null, ...was, tag, digits: tagDigits(tag) });
    }
  }

  status(): KnownDeviceStatus {
    return { device_id: this.deviceId, state: this.state, load_pct: this.loadPct, ...(this.lastCommand ? { last_command: this.lastCommand } : {}) };
  }

  clone(): GenericDeviceModel {
    const c = new GenericDeviceModel(this.asset);
    c.state = this.state;
    c.loadPct = this.loadPct;
    c.lastCommand = this.lastCommand;
    c.restartLeft = this.restartLeft;
    c.lastTs = this.lastTs;
    for (const [k, lag] of this.lags) c.lags.set(k, { ...lag });
    return c;
  }

  command(cmd: AppliedCommand, atIso: string): string | null {
    const problem = commandParamsProblem(this.asset, cmd.command, cmd.params);
    if (problem) return problem;
    const effect = this.asset.commands.find((c) => c.name === cmd.command)?.effect;
    if (effect) {
      const next = effect.state;
      const changesLoad = effect.load_pct !== undefined || effect.load_param !== undefined || effect.load_minus_param !== undefined;
      // Only a start brings a stopped device back; a change of load or state does not.
      if (this.state === 'shutdown' && changesLoad && next !== 'restarting' && next !== 'shutdown') return 'device is shut down; start it first';
      const load = this.loadAfter(cmd.command, effect, cmd.params);
      if (load !== null) this.loadPct = load;
      if (next) this.state = next;
      if (next === 'restarting') this.restartLeft = effect.restart_s ?? DEFAULT_RESTART_S;
    }
    this.lastCommand = { command: cmd.command, at: atIso };
    return null;
  }

  private loadAfter(command: string, effect: NonNullable<AssetView['commands'][number]['effect']>, params: Record<string, unknown>): number | null {
    const spec = this.asset.commands.find((c) => c.name === command);
    const num = (key: string) => {
      const v = params[key];
      return typeof v === 'number' && Number.isFinite(v) ? v : null;
    };
    const clamp = (x: number) => Math.min(100, Math.max(0, x));
    if (effect.load_param) {
      const v = num(effect.load_param);
      // "Set to": the parameter's share of its maximum (a percent with max 100 is taken as is).
      return v === null ? null : clamp((100 * v) / (spec?.params[effect.load_param]?.max ?? 100));
    }
    if (effect.load_minus_param) {
      const v = num(effect.load_minus_param);
      return v === null ? null : clamp(100 - v);
    }
    return effect.load_pct ?? null;
  }

  apply<R extends ReplayedValues>(r: R): R {
    const dt = this.lastTs === null ? 0 : Math.min(Math.max((r.ts - this.lastTs) / 1000, 0), MAX_STEP_S);
    this.lastTs = r.ts;
    if (this.state === 'restarting') {
      this.restartLeft -= dt;
      if (this.restartLeft <= 0) this.state = 'running';
    }
    // Restarting holds the device at its stopped values until the restart time has passed.
    const stopTarget = this.state === 'shutdown' || this.state === 'restarting' ? 1 : 0;
    const loadTarget = this.loadPct / 100;
    let values: Record<string, number> | null = null;
    for (const [key, v] of Object.entries(r.values)) {
      const lag = this.lags.get(key);
      if (!lag) continue;
      const sim = lag.tag.sim;
      if (!sim) continue;
      const tdt = lag.lastTs === null ? 0 : Math.min(Math.max((r.ts - lag.lastTs) / 1000, 0), MAX_STEP_S);
      lag.lastTs = r.ts;
      const k = 1 - Math.exp(-tdt / sim.tau_s);
      lag.load += (loadTarget - lag.load) * k;
      lag.stop += (stopTarget - lag.stop) * k;
      const loadEffect = sim.load_gain * (1 - lag.load);
      const stopEffect = sim.off === undefined ? 0 : lag.stop;
      if (Math.abs(loadEffect) < 1e-4 && stopEffect < 1e-4) continue;
      const base = sim.off ?? 0;
      let shown = base + (v - base) * (1 - loadEffect);
      if (sim.off !== undefined) shown += (sim.off - shown) * stopEffect;
      if (lag.tag.type === 'bool') shown = stopEffect > 0.5 ? (sim.off ?? v) : v;
      const f = 10 ** lag.digits;
      values ??= { ...r.values };
      values[key] = Math.round(shown * f) / f;
    }
    return values ? { ...r, values } : r;
  }
}
