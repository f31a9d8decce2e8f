// The seed's five injected scenarios, at the seed's hours and shapes. Each is a pure function that
// takes the normal reading of its device and the time into the scenario and returns the faulty one.
import type { ScenarioType, Sensor } from '../../../shared/domain';

export interface Scenario {
  type: ScenarioType;
  device_id: string;
  startHour: number;
  endHour: number;
  description: string;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    type: 'thermal_runaway',
    device_id: 'line-1/compressor-01',
    startHour: 3,
    endHour: 4,
    description: 'Temperature ramps 80 °C → 120 °C over 30 min, then holds; vibration rises with it',
  },
  {
    type: 'pressure_leak',
    device_id: 'line-2/pump-03',
    startHour: 8,
    endHour: 8.5,
    description: 'Pressure drops suddenly 32 → 15 PSI; power spikes as the pump works harder',
  },
  {
    type: 'bearing_failure',
    device_id: 'line-3/motor-02',
    startHour: 12,
    endHour: 13,
    description: 'Vibration jumps 2.0 → 8.5 mm/s; temperature creeps up with friction',
  },
  {
    type: 'sensor_drift',
    device_id: 'line-1/motor-02',
    startHour: 18,
    endHour: 20,
    description: 'All readings drift +15 % over 2 hours (gradual)',
  },
  {
    type: 'electrical_fault',
    device_id: 'line-2/compressor-01',
    startHour: 22,
    endHour: 22.5,
    description: 'Power oscillates 5–45 kW (a 6 Hz swing seen through 5 s samples)',
  },
];

export type Values = Record<Sensor, number>;

/**
 * Apply a scenario to normal values. `t` is seconds since the scenario started, `dur` its length in
 * seconds, `u` a uniform random number in [0,1) drawn by the caller (keeps generation deterministic).
 */
export function applyScenario(type: ScenarioType, v: Values, t: number, dur: number, u: number): Values {
  const out = { ...v };
  switch (type) {
    case 'thermal_runaway': {
      // 80 → 120 °C over the first 30 minutes, then holding near 120 with the normal noise on top.
      const ramp = Math.min(t / 1800, 1);
      out.temperature = v.temperature + 40 * ramp;
      out.vibration = v.vibration + 1.6 * ramp;
      out.power = v.power * (1 + 0.08 * ramp);
      break;
    }
    case 'pressure_leak': {
      // Sudden: the drop completes within one minute.
      const k = Math.min(t / 60, 1);
      out.pressure = v.pressure - 17 * k;
      out.power = v.power * (1 + 0.45 * k);
      break;
    }
    case 'bearing_failure': {
      // Jump within ~2 minutes, then a rough, noisy vibration level around 8.5 mm/s.
      const k = Math.min(t / 120, 1);
      out.vibration = v.vibration + 6.5 * k + (u - 0.5) * 0.8 * k;
      out.temperature = v.temperature + 6 * Math.min(t / 1800, 1);
      break;
    }
    case 'sensor_drift': {
      // Every channel reads high by a factor growing linearly to +15 % at the end.
      const f = 1 + 0.15 * Math.min(t / dur, 1);
      for (const s of Object.keys(out) as Array<keyof Values>) out[s] = v[s] * f;
      break;
    }
    case 'electrical_fault': {
      // A 6 Hz oscillation sampled every 5 s with timing jitter lands at a random phase each sample.
      out.power = 25 + 20 * Math.sin(2 * Math.PI * u);
      out.temperature = v.temperature + 2 * Math.min(t / 600, 1);
      break;
    }
  }
  return out;
}

export function scenarioAt(deviceId: string, hour: number): Scenario | undefined {
  return SCENARIOS.find((s) => s.device_id === deviceId && hour >= s.startHour && hour < s.endHour);
}
