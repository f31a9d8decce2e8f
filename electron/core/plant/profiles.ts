// Per-device-type operating baselines (normal running at 100 % load), the daily cycle and noise.
// Values chosen to match the seed: compressors run ~80 °C (runaway goes 80 → 120), pumps ~32 PSI
// (leak drops to 15), motors vibrate ~2.0 mm/s (bearing failure reaches 8.5), compressors draw ~25 kW
// (the electrical fault swings 5–45 kW around it).
import type { DeviceType, Sensor } from '../../../shared/domain';

export interface SensorProfile {
  base: number;
  /** Amplitude of the 24 h cycle (ambient temperature, shift load). */
  daily: number;
  /** White measurement noise (standard deviation). */
  noise: number;
  /** Slow process wander: AR(1) standard deviation. */
  wander: number;
  /** Physical floor (readings never go below it). */
  min: number;
}

export const PROFILES: Record<DeviceType, Record<Sensor, SensorProfile>> = {
  compressor: {
    temperature: { base: 80, daily: 2.0, noise: 0.6, wander: 0.5, min: -20 },
    pressure: { base: 110, daily: 1.5, noise: 1.0, wander: 0.6, min: 0 },
    vibration: { base: 2.8, daily: 0.1, noise: 0.12, wander: 0.05, min: 0 },
    humidity: { base: 40, daily: 4.0, noise: 0.8, wander: 0.6, min: 0 },
    power: { base: 25, daily: 1.5, noise: 0.5, wander: 0.3, min: 0 },
  },
  motor: {
    temperature: { base: 65, daily: 1.8, noise: 0.5, wander: 0.4, min: -20 },
    pressure: { base: 45, daily: 0.6, noise: 0.4, wander: 0.3, min: 0 },
    vibration: { base: 2.0, daily: 0.08, noise: 0.1, wander: 0.04, min: 0 },
    humidity: { base: 45, daily: 4.0, noise: 0.8, wander: 0.6, min: 0 },
    power: { base: 15, daily: 1.0, noise: 0.35, wander: 0.2, min: 0 },
  },
  pump: {
    temperature: { base: 55, daily: 1.5, noise: 0.4, wander: 0.35, min: -20 },
    pressure: { base: 32, daily: 0.5, noise: 0.35, wander: 0.25, min: 0 },
    vibration: { base: 1.5, daily: 0.06, noise: 0.08, wander: 0.03, min: 0 },
    humidity: { base: 55, daily: 4.0, noise: 0.9, wander: 0.6, min: 0 },
    power: { base: 11, daily: 0.7, noise: 0.25, wander: 0.15, min: 0 },
  },
};

/** Ambient temperature the plant cools towards when a device stops or sheds load. */
export const AMBIENT_C = 25;
