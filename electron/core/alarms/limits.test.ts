// Limit alarms from the plant model on the real alarm system (SQLite repository), the real model store
// and the real bus; the plant clock is the readings' ts.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../clock';
import { createBus, type EventBus } from '../bus';
import { ModelStore } from '../model';
import { createLogger } from '../observability';
import { applyMigrations, openDatabase, type Db } from '../store';
import type { TimedReading } from '../../../shared/schemas/plant';
import { tempDir } from '../../../tests/helpers';
import { AlarmConfigSchema, AlarmSystem, alarmsMigrations, createAlarmRepository, createLimitAlarms, type LimitAlarms } from './index';

const model = (limits: string) => `plant_model: 1
site: { id: s1 }
connectors:
  - { id: mq, type: mqtt-json, topic: 'p/{device}' }
asset_types:
  tank:
    tags:
      level:
        unit: m
        range: [0, 10]
        sampling_s: 5
        limits: ${limits}
      temp: { unit: '°C', range: [0, 100], sampling_s: 5 }
areas:
  - id: a1
    lines:
      - id: l1
        assets:
          - { id: tank-1, type: tank, name: Tank 1 }
`;

const LIMITS = `{ HH: { value: 9.5, priority: urgent, consequence: 'tank overflows', action: 'stop the feed pump' }, H: { value: 8, priority: high, deadband: 0.5, on_delay_s: 10, off_delay_s: 20 }, L: { value: 2, priority: medium, deadband: 0.2 } }`;

const DEV = 'l1/tank-1';
const T0 = Date.UTC(2026, 0, 1);

let tmp: ReturnType<typeof tempDir>;
let db: Db;
let bus: EventBus;
let store: ModelStore;
let alarms: AlarmSystem;
let limits: LimitAlarms;

const reading = (s: number, values: Record<string, number>, quality?: TimedReading['quality']): TimedReading => ({
  device_id: DEV,
  timestamp: new Date(T0 + s * 1000).toISOString(),
  ts: T0 + s * 1000,
  values,
  ...(quality ? { quality } : {}),
});
const feed = (s: number, level: number, quality?: TimedReading['quality']) => bus.emit('readings', [reading(s, { level, temp: 20 }, quality)]);
const state = (id: string) => alarms.find(id)?.state ?? 'none';

beforeEach(() => {
  tmp = tempDir('aegis-limits-');
  db = openDatabase(path.join(tmp.dir, 'a.db'));
  applyMigrations(db, alarmsMigrations);
  bus = createBus();
  const file = path.join(tmp.dir, 'plant.yaml');
  fs.writeFileSync(file, model(LIMITS));
  store = new ModelStore({ file, watch: false, log: createLogger({ level: 'silent' }) });
  store.loadOrThrow();
  alarms = new AlarmSystem({ config: AlarmConfigSchema.parse({}), clock: manualClock(T0), repository: createAlarmRepository(db) });
  limits = createLimitAlarms({ alarms, model: store, bus });
  limits.start();
});
afterEach(() => {
  limits.stop();
  db.close();
  tmp.cleanup();
});

describe('limit alarms from the plant model', () => {
  it('trips HH at once with the value, limit, unit, consequence and action, as an analog alarm of the device', () => {
    feed(0, 5);
    expect(alarms.list({ attention: true })).toEqual([]);
    feed(5, 9.7);
    const hh = alarms.find('l1/tank-1/level:HH');
    expect(hh).toMatchObject({ state: 'unacknowledged', kind: 'analog', priority: 'urgent', source: DEV });
    expect(hh?.message).toBe('l1/tank-1 level 9.7 m above HH limit 9.5 m. Consequence: tank overflows. Action: stop the feed pump');
    expect(limits.alarmIds(DEV).sort()).toEqual(['l1/tank-1/level:H', 'l1/tank-1/level:HH', 'l1/tank-1/level:L']);
  });

  it('waits the on-delay on the plant clock before H trips, and the off-delay before it clears', () => {
    feed(0, 8.2);
    feed(5, 8.3);
    expect(state('l1/tank-1/level:H')).toBe('none');
    feed(10, 8.4);
    expect(state('l1/tank-1/level:H')).toBe('unacknowledged');
    expect(alarms.find('l1/tank-1/level:H')?.message).toBe('l1/tank-1 level 8.4 m above H limit 8 m');
    feed(15, 7);
    feed(30, 7);
    expect(state('l1/tank-1/level:H')).toBe('unacknowledged');
    feed(35, 7);
    expect(state('l1/tank-1/level:H')).toBe('rtn_unacknowledged');
  });

  it('an alarm that trips after its on-delay with the value back inside the deadband names the worst value of the wait, never one on the safe side of the limit', () => {
    feed(0, 8.6);
    feed(5, 8.2);
    feed(10, 7.8); // under the 8 m limit, above 8 − 0.5: the condition still holds, so the on-delay ends here
    expect(state('l1/tank-1/level:H')).toBe('unacknowledged');
    expect(alarms.find('l1/tank-1/level:H')?.message).toBe('l1/tank-1 level 8.6 m above H limit 8 m');
  });

  it('a value that dips under the limit for less than the on-delay restarts the wait', () => {
    feed(0, 8.2);
    feed(5, 7.0);
    feed(10, 8.2);
    feed(15, 8.2);
    expect(state('l1/tank-1/level:H')).toBe('none');
    feed(20, 8.2);
    expect(state('l1/tank-1/level:H')).toBe('unacknowledged');
  });

  it('clears a low limit only past its deadband (no chatter at the limit)', () => {
    feed(0, 1.9);
    expect(state('l1/tank-1/level:L')).toBe('unacknowledged');
    feed(5, 2.1);
    expect(alarms.find('l1/tank-1/level:L')?.active).toBe(true);
    feed(10, 2.3);
    expect(alarms.find('l1/tank-1/level:L')?.active).toBe(false);
    expect(alarms.find('l1/tank-1/level:L')?.message).toBe('l1/tank-1 level 1.9 m below L limit 2 m');
  });

  it('bad-quality values neither trip nor clear a limit; uncertain ones count', () => {
    const bad = { level: { level: 'bad' as const, reason: 'out_of_range' as const } };
    feed(0, 9.9, bad);
    expect(state('l1/tank-1/level:HH')).toBe('none');
    feed(5, 9.9);
    expect(state('l1/tank-1/level:HH')).toBe('unacknowledged');
    feed(10, 1, bad);
    expect(alarms.find('l1/tank-1/level:HH')?.active).toBe(true);
    feed(15, 5, { level: { level: 'uncertain', reason: 'stale' } });
    expect(alarms.find('l1/tank-1/level:HH')?.active).toBe(false);
  });

  it('a partial reading without the tag changes nothing', () => {
    feed(0, 9.9);
    bus.emit('readings', [reading(5, { temp: 30 })]);
    expect(alarms.find('l1/tank-1/level:HH')?.active).toBe(true);
  });

  it('suppresses the device\u2019s limit alarms while it is shut down or restarting, and annunciates a standing one when it runs again', () => {
    bus.emit('device.status', { device_id: DEV, state: 'shutdown', load_pct: 0 });
    for (const id of limits.alarmIds(DEV)) expect(state(id)).toBe('suppressed');
    feed(0, 1.0);
    expect(alarms.find('l1/tank-1/level:L')).toMatchObject({ active: true, state: 'suppressed', suppress_reason: 'device shutdown by command' });
    expect(alarms.list({ attention: true })).toEqual([]);
    bus.emit('device.status', { device_id: DEV, state: 'restarting', load_pct: 100 });
    expect(state('l1/tank-1/level:L')).toBe('suppressed');
    bus.emit('device.status', { device_id: DEV, state: 'running', load_pct: 100 });
    expect(state('l1/tank-1/level:L')).toBe('unacknowledged');
    expect(state('l1/tank-1/level:HH')).toBe('normal');
  });

  it('rebuilds on a model reload: a dropped limit returns to normal, a new one is judged', () => {
    feed(0, 9.9);
    expect(alarms.find('l1/tank-1/level:HH')?.active).toBe(true);
    const ev = store.loadText(model(`{ LL: { value: 1, priority: urgent } }`));
    expect(ev.ok).toBe(true);
    expect(alarms.find('l1/tank-1/level:HH')?.active).toBe(false);
    expect(limits.alarmIds(DEV)).toEqual(['l1/tank-1/level:LL']);
    feed(5, 0.5);
    expect(state('l1/tank-1/level:LL')).toBe('unacknowledged');
    feed(10, 9.9);
    expect(alarms.find('l1/tank-1/level:HH')?.active).toBe(false);
  });

  it('clears an alarm the previous run left active once the value is normal', () => {
    feed(0, 9.9);
    limits.stop();
    const again = createLimitAlarms({
      alarms: new AlarmSystem({ config: AlarmConfigSchema.parse({}), clock: manualClock(T0), repository: createAlarmRepository(db) }),
      model: store,
      bus,
    });
    again.start();
    // the restored alarm system is the one the new module judges against
    feed(5, 5);
    const restored = createAlarmRepository(db)
      .loadAll()
      .find((a) => a.id === 'l1/tank-1/level:HH');
    expect(restored?.active).toBe(false);
    again.stop();
  });
});
