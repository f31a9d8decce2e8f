// The simulator is a device model, not a tape: commands change what a device publishes next.
// Effects follow first-order lags in simulated time, so a load reduction shows at once in power and
// gradually in temperature and vibration, as on a real machine.
import type { DeviceState, KnownDeviceStatus } from '../../../shared/domain';
import type { AssetView } from '../../../shared/schemas/model';
import { commandParamsProblem } from './commands';
import type { AppliedCommand, PlantDevice, ReplayedValues } from './generic-model';
import { AMBIENT_C } from './profiles';

const TAU_S = { power: 5, thermal: 240, mechanical: 30, shutdownThermal: 600 };
const RESTART_S = 30;

interface Lagged {
  shedPower: number;
  shedThermal: number;
  stopPower: number;
  stopMechanical: number;
  stopThermal: number;
}

/** The demo's physics, for asset types with `model: compressor | motor | pump`. */
export class DeviceModel implements PlantDevice {
  state: DeviceState = 'running';
  loadPct = 100;
  lastCommand?: { command: string; at: string };
  readonly deviceId: string;
  private lag: Lagged = { shedPower: 0, shedThermal: 0, stopPower: 0, stopMechanical: 0, stopThermal: 0 };
  private lastSimTs: number | null = null;
  private restartLeft = 0;

  constructor(private asset: AssetView) {
    this.deviceId = asset.id;
  }

  setAsset(asset: AssetView): void {
    this.asset = asset;
  }

  status(): KnownDeviceStatus {
    return { device_id: this.deviceId, state: this.state, load_pct: this.loadPct, last_command: this.lastCommand };
  }

  clone(): DeviceModel {
    const c = new DeviceModel(this.asset);
    c.state = this.state;
    c.loadPct = this.loadPct;
    c.lastCommand = this.lastCommand;
    c.lag = { ...this.lag };
    c.lastSimTs = this.lastSimTs;
    c.restartLeft = this.restartLeft;
    return c;
  }

  /** Apply a verified command. Returns an error message when its parameters are wrong. */
  command(cmd: AppliedCommand, atIso: string): string | null {
    const problem = commandParamsProblem(this.asset, cmd.command, cmd.params);
    if (problem) return problem;
    switch (cmd.command) {
      case 'reduce_load': {
        if (this.state === 'shutdown') return 'device is shut down; restart it first';
        this.loadPct = Math.max(10, Math.round(this.loadPct * (1 - Number(cmd.params.reduction_pct) / 100)));
        this.state = 'reduced';
        break;
      }
      case 'restore_load':
        if (this.state === 'shutdown') return 'device is shut down; restart it first';
        this.loadPct = 100;
        this.state = 'running';
        break;
      case 'emergency_shutdown':
        this.state = 'shutdown';
        this.loadPct = 0;
        break;
      case 'restart':
        this.state = 'restarting';
        this.loadPct = 100;
        this.restartLeft = RESTART_S;
        break;
      case 'schedule_maintenance':
        break;
    }
    this.lastCommand = { command: cmd.command, at: atIso };
    return null;
  }

  /** Transform the replayed (physics-free) reading into what this device actually shows now. */
  apply<R extends ReplayedValues>(r: R): R {
    const dt = this.lastSimTs === null ? 0 : Math.min(Math.max((r.ts - this.lastSimTs) / 1000, 0), 600);
    this.lastSimTs = r.ts;
    if (this.state === 'restarting') {
      this.restartLeft -= dt;
      if (this.restartLeft <= 0) this.state = 'running';
    }
    const stopped = this.state === 'shutdown' ? 1 : 0;
    const shed = this.state === 'shutdown' ? 0 : 1 - this.loadPct / 100;
    const step = (cur: number, target: number, tau: number) => cur + (target - cur) * (1 - Math.exp(-dt / tau));
    const l = this.lag;
    l.shedPower = step(l.shedPower, shed, TAU_S.power);
    l.shedThermal = step(l.shedThermal, shed, TAU_S.thermal);
    l.stopPower = step(l.stopPower, stopped, TAU_S.power / 3);
    l.stopMechanical = step(l.stopMechanical, stopped, TAU_S.mechanical);
    l.stopThermal = step(l.stopThermal, stopped, TAU_S.shutdownThermal);
    if (l.shedPower < 1e-4 && l.shedThermal < 1e-4 && l.stopThermal < 1e-4 && l.stopMechanical < 1e-4 && l.stopPower < 1e-4) return r;

    const hasPressureHead = this.asset.model !== 'motor';
    const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
    const v = r.values;
    // A reading may carry only some tags: each transform applies to the ones present.
    const values = { ...v };
    if (v.temperature !== undefined) {
      let temperature = v.temperature - (v.temperature - AMBIENT_C) * 0.8 * l.shedThermal;
      temperature -= (temperature - AMBIENT_C) * l.stopThermal;
      values.temperature = round(temperature);
    }
    if (v.power !== undefined) values.power = round(v.power * (1 - l.shedPower) * (1 - l.stopPower));
    if (v.vibration !== undefined) values.vibration = round(v.vibration * (1 - 0.5 * l.shedThermal) * (1 - 0.97 * l.stopMechanical), 3);
    if (v.pressure !== undefined) values.pressure = round(hasPressureHead ? v.pressure * (1 - 0.3 * l.shedPower) * (1 - 0.9 * l.stopMechanical) : v.pressure);
    return { ...r, values };
  }
}
