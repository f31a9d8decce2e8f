// Plant constants for the renderer, from shared/plant.ts (zod-free, so the bundle stays small).
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
