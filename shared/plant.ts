// Plant constants and types shared by the core and the renderer. Plain TypeScript: no zod, no Node,
// no DOM, so the renderer bundle stays small. The wire schemas live in ./schemas/plant.ts and ./domain.

export const LINES = ['line-1', 'line-2', 'line-3'] as const;
export const DEVICE_TYPES = ['compressor', 'motor', 'pump'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** The seed's nine devices: line-{1,2,3}/{compressor-01,motor-02,pump-03}. */
export const DEVICE_IDS = LINES.flatMap((line) => [`${line}/compressor-01`, `${line}/motor-02`, `${line}/pump-03`]) as readonly string[];

export function deviceTypeOf(deviceId: string): DeviceType | undefined {
  const name = deviceId.split('/')[1] ?? '';
  return DEVICE_TYPES.find((t) => name.startsWith(t));
}

export function lineOf(deviceId: string): string {
  return deviceId.split('/')[0] ?? '';
}

export const SENSORS = ['temperature', 'pressure', 'vibration', 'humidity', 'power'] as const;
export type Sensor = (typeof SENSORS)[number];

/**
 * Engineering range of each sensor (the instrument's span): a value outside it is not a measurement
 * but a fault (a broken transmitter, a unit mix-up, a forged payload). `aegisflow detect` skips such
 * rows of the demo's CSV; live ingest takes each tag's range from the plant model (out_of_range: stored
 * as bad quality, never fed to the detector as good).
 */
export const SENSOR_RANGES: Record<Sensor, { min: number; max: number }> = {
  temperature: { min: -50, max: 250 },
  pressure: { min: 0, max: 300 },
  vibration: { min: 0, max: 50 },
  humidity: { min: 0, max: 100 },
  power: { min: 0, max: 250 },
};

export const SENSOR_UNITS: Record<Sensor, string> = {
  temperature: '°C',
  pressure: 'PSI',
  vibration: 'mm/s',
  humidity: '%',
  power: 'kW',
};

export const SCENARIO_TYPES = ['thermal_runaway', 'pressure_leak', 'bearing_failure', 'sensor_drift', 'electrical_fault'] as const;
export type ScenarioType = (typeof SCENARIO_TYPES)[number];

// The plant's contract types: inferred from ./schemas/plant.ts (type-only, so no zod here).
export type { Reading, TimedReading, Quality, DeviceState, DeviceStatus, KnownDeviceStatus } from './schemas/plant';

export const DEVICE_COMMANDS = ['reduce_load', 'restore_load', 'emergency_shutdown', 'restart', 'schedule_maintenance'] as const;
export type DeviceCommandName = (typeof DEVICE_COMMANDS)[number];
