// The simulator is a device model, not a tape: commands change what a device publishes next.
// Effects follow first-order lags in simulated time, so a load reduction shows at once in power and
// gradually in temperature and vibration, as on a real machine.
import { z } from 'zod';
import { deviceTypeOf, type DeviceCommand, type DeviceState, type DeviceStatus, type TimedReading } from '../../../shared/domain';
import { AMBIENT_C } from './profiles';

const TAU_S = { power: 5, thermal: 240, mechanical: 30, shutdownThermal: 600 };
const RESTART_S = 30;

export const ReduceLoadParams = z.object({
  reduction_pct: z.number().min(1).max(90).describe('Share of load to shed, percent (1–90)'),
});

/**
 * What the device would say about these parameters, before any state is considered: null when they
 * are acceptable. The executor asks this before publishing (so an approval of a command the device
 * must refuse is stopped early, with the device's reason); the device asks it again on arrival.
 */
export function commandParamsProblem(command: string, params: Record<string, unknown>): string | null {
  if (command !== 'reduce_load') return null;
  const p = ReduceLoadParams.safeParse(params);
  return p.success ? null : `reduce_load needs reduction_pct between 1 and 90: ${p.error.issues[0]?.message}`;
}

/**
 * The plant's command model as the governance gateway reads it (its DeviceCommands port, wired by the
 * composition root): the same check, asked before an operator approves or anything is published.
 */
export const deviceCommands = {
  paramsProblem: (_deviceId: string, command: string, params: Record<string, unknown>): string | null => commandParamsProblem(command, params),
};

interface Lagged {
  shedPower: number;
  shedThermal: number;
  stopPower: number;
  stopMechanical: number;
  stopThermal: number;
}

export class DeviceModel {
  state: DeviceState = 'running';
  loadPct = 100;
  lastCommand?: { command: string; at: string };
  private lag: Lagged = { shedPower: 0, shedThermal: 0, stopPower: 0, stopMechanical: 0, stopThermal: 0 };
  private lastSimTs: number | null = null;
  private restartLeft = 0;

  constructor(readonly deviceId: string) {}

  status(): DeviceStatus {
    return { device_id: this.deviceId, state: this.state, load_pct: this.loadPct, last_command: this.lastCommand };
  }

  /** Apply a validated command. Returns an error message when its parameters are wrong. */
  command(cmd: DeviceCommand, atIso: string): string | null {
    switch (cmd.command) {
      case 'reduce_load': {
        const problem = commandParamsProblem(cmd.command, cmd.params);
        if (problem) return problem;
        const p = ReduceLoadParams.parse(cmd.params);
        if (this.state === 'shutdown') return 'device is shut down; restart it first';
        this.loadPct = Math.max(10, Math.round(this.loadPct * (1 - p.reduction_pct / 100)));
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
  apply(r: TimedReading): TimedReading {
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

    const hasPressureHead = deviceTypeOf(this.deviceId) !== 'motor';
    const v = r.values;
    let temperature = v.temperature - (v.temperature - AMBIENT_C) * 0.8 * l.shedThermal;
    temperature -= (temperature - AMBIENT_C) * l.stopThermal;
    const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
    return {
      ...r,
      values: {
        ...v,
        temperature: round(temperature),
        power: round(v.power * (1 - l.shedPower) * (1 - l.stopPower)),
        vibration: round(v.vibration * (1 - 0.5 * l.shedThermal) * (1 - 0.97 * l.stopMechanical), 3),
        pressure: round(hasPressureHead ? v.pressure * (1 - 0.3 * l.shedPower) * (1 - 0.9 * l.stopMechanical) : v.pressure),
      },
    };
  }
}
