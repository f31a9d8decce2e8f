// Plant constants for the renderer. shared/domain.ts also holds zod schemas, and zod would triple the
// bundle, so the renderer keeps its own copy; domain.test.ts proves the two never drift apart.
import type { Sensor } from '../../shared/domain';

export type { Sensor, Reading, TimedReading, DeviceStatus, ScenarioType } from '../../shared/domain';

export const SENSORS = ['temperature', 'pressure', 'vibration', 'humidity', 'power'] as const satisfies readonly Sensor[];

export const SENSOR_UNITS: Record<Sensor, string> = {
  temperature: '°C',
  pressure: 'PSI',
  vibration: 'mm/s',
  humidity: '%',
  power: 'kW',
};

/** Decimals worth showing per sensor (vibration moves in hundredths). */
export const SENSOR_DIGITS: Record<Sensor, number> = { temperature: 1, pressure: 1, vibration: 2, humidity: 1, power: 1 };

export const DEVICE_IDS: readonly string[] = ['line-1', 'line-2', 'line-3'].flatMap((l) => [`${l}/compressor-01`, `${l}/motor-02`, `${l}/pump-03`]);

export const SCENARIO_TYPES = ['thermal_runaway', 'pressure_leak', 'bearing_failure', 'sensor_drift', 'electrical_fault'] as const;

export const DEVICE_COMMANDS = ['reduce_load', 'restore_load', 'emergency_shutdown', 'restart', 'schedule_maintenance'] as const;
