import { describe, expect, it } from 'vitest';
import * as shared from '../../shared/domain';
import { DEVICE_COMMANDS, DEVICE_IDS, SCENARIO_TYPES, SENSORS, SENSOR_UNITS } from './domain';

describe('renderer plant constants', () => {
  it('match shared/domain exactly (the renderer copy exists only to keep zod out of the bundle)', () => {
    expect([...SENSORS]).toEqual([...shared.SENSORS]);
    expect(SENSOR_UNITS).toEqual(shared.SENSOR_UNITS);
    expect([...DEVICE_IDS]).toEqual([...shared.DEVICE_IDS]);
    expect([...SCENARIO_TYPES]).toEqual([...shared.SCENARIO_TYPES]);
    expect([...DEVICE_COMMANDS]).toEqual([...shared.DEVICE_COMMANDS]);
  });
});
