// Plant constants for the renderer, from shared/plant.ts (zod-free, so the bundle stays small).
import type { Sensor } from '../../shared/plant';

export {
  DEVICE_COMMANDS,
  DEVICE_IDS,
  SCENARIO_TYPES,
  SENSORS,
  SENSOR_UNITS,
  type Sensor,
  type Reading,
  type TimedReading,
  type Quality,
  type DeviceStatus,
  type ScenarioType,
} from '../../shared/plant';

/** Decimals worth showing per sensor (vibration moves in hundredths). */
export const SENSOR_DIGITS: Record<Sensor, number> = { temperature: 1, pressure: 1, vibration: 2, humidity: 1, power: 1 };
