import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../clock';
import { applyMigrations, openDatabase, type Db } from '../store';
import { AlarmConfigSchema, AlarmSystem, alarmsMigrations, createAlarmRepository, type AlarmChange, type AlarmConfig } from './index';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegis-alarms-'));
  db = openDatabase(path.join(dir, 'a.db'));
  applyMigrations(db, alarmsMigrations);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 0, 1);
function system(cfg: Partial<AlarmConfig> = {}) {
  const clock = manualClock(T0);
  const alarms = new AlarmSystem({ config: AlarmConfigSchema.parse(cfg), clock, repository: createAlarmRepository(db) });
  const changes: AlarmChange[] = [];
  alarms.onChange((c) => changes.push(c));
  return { clock, alarms, changes };
}
const on = { active: true, source: 'line-1/pump-03', priority: 'high' as const, message: 'pressure_leak' };
const off = { ...on, active: false };
const ID = 'line-1/pump-03:anomaly';

describe('ISA-18.2 life cycle', () => {
  it('normal → unacknowledged → acknowledged → normal', () => {
    const { alarms, clock } = system();
    expect(alarms.setCondition(ID, on).state).toBe('unacknowledged');
    clock.advance(1000);
    const acked = alarms.acknowledge(ID, 'op-anna', 'looking at it');
    expect(acked.state).toBe('acknowledged');
    expect(acked.acked_by).toBe('op-anna');
    expect(alarms.setCondition(ID, off).state).toBe('normal');
    const hist = alarms.history({ id: ID, limit: 10 }).reverse();
    expect(hist.map((h) => `${h.from_state}>${h.to_state}`)).toEqual(['normal>unacknowledged', 'unacknowledged>acknowledged', 'acknowledged>normal']);
    expect(hist[1].by).toBe('op-anna');
    expect(hist[1].reason).toBe('looking at it');
  });

  it('unacknowledged → returned-to-normal unacknowledged → normal on acknowledge', () => {
    const { alarms } = system();
    alarms.setCondition(ID, on);
    expect(alarms.setCondition(ID, off).state).toBe('rtn_unacknowledged');
    expect(alarms.acknowledge(ID, 'op').state).toBe('normal');
  });

  it('returned-to-normal unacknowledged → unacknowledged when the condition comes back', () => {
    const { alarms } = system();
    alarms.setCondition(ID, on);
    alarms.setCondition(ID, off);
    expect(alarms.setCondition(ID, on).state).toBe('unacknowledged');
    expect(alarms.find(ID)!.activations).toBe(2);
  });

  it('refuses to acknowledge an alarm that needs no acknowledgement, and an unknown alarm', () => {
    const { alarms } = system();
    alarms.setCondition(ID, on);
    alarms.acknowledge(ID, 'op');
    expect(() => alarms.acknowledge(ID, 'op')).toThrow(/only unacknowledged/);
    expect(() => alarms.acknowledge('nope', 'op')).toThrow(/no alarm/);
  });

  it('shelving needs a reason, hides the alarm, and expires after 15 min by default', () => {
    const { alarms, clock } = system();
    alarms.setCondition(ID, on);
    expect(() => alarms.shelve(ID, 'op', '  ')).toThrow(/reason/);
    const s = alarms.shelve(ID, 'op', 'known leak, crew on site');
    expect(s.state).toBe('shelved');
    expect(s.shelved_until).toBe(T0 + 15 * 60_000);
    expect(alarms.list({ attention: true })).toHaveLength(0);
    clock.advance(14 * 60_000);
    alarms.tick();
    expect(alarms.find(ID)!.state).toBe('shelved');
    clock.advance(60_000);
    alarms.tick();
    // still active at expiry: annunciated anew
    expect(alarms.find(ID)!.state).toBe('unacknowledged');
    const last = alarms.history({ id: ID, limit: 1 })[0];
    expect(last).toMatchObject({ from_state: 'shelved', to_state: 'unacknowledged', by: 'system', reason: 'shelve expired' });
  });

  it('a shelf that expires after the condition cleared returns to normal; unshelve works by hand', () => {
    const { alarms, clock } = system();
    alarms.setCondition(ID, on);
    alarms.shelve(ID, 'op', 'nuisance', 5 * 60_000);
    alarms.setCondition(ID, off);
    expect(alarms.find(ID)!.state).toBe('shelved');
    clock.advance(5 * 60_000);
    alarms.tick();
    expect(alarms.find(ID)!.state).toBe('normal');
    alarms.setCondition(ID, on);
    alarms.shelve(ID, 'op', 'again');
    expect(alarms.unshelve(ID, 'op').state).toBe('unacknowledged');
    expect(() => alarms.unshelve(ID, 'op')).toThrow(/not shelved/);
  });

  it('out of service records who and why, and returns to service in the state the condition dictates', () => {
    const { alarms } = system();
    alarms.setCondition(ID, on);
    const oos = alarms.setOutOfService(ID, 'tech-bo', 'transmitter replaced', true);
    expect(oos).toMatchObject({ state: 'out_of_service', oos_by: 'tech-bo', oos_reason: 'transmitter replaced' });
    alarms.setCondition(ID, off);
    alarms.setCondition(ID, on);
    expect(alarms.find(ID)!.state).toBe('out_of_service');
    expect(() => alarms.shelve(ID, 'op', 'x')).toThrow(/out of service/);
    expect(alarms.setOutOfService(ID, 'tech-bo', 'back in service', false).state).toBe('unacknowledged');
  });

  it('suppression by design hides an alarm while the logic holds, operator overlays win', () => {
    const { alarms } = system();
    alarms.setCondition('d:communication', { active: true, source: 'd', kind: 'communication' });
    alarms.setSuppressed('d:communication', true, 'replay paused');
    expect(alarms.find('d:communication')!.state).toBe('suppressed');
    alarms.setCondition('d:communication', { active: false, source: 'd', kind: 'communication' });
    alarms.setSuppressed('d:communication', false, 'replay resumed');
    expect(alarms.find('d:communication')!.state).toBe('normal');
  });
});

describe('nuisance handling', () => {
  it('on-delay: a condition shorter than the delay never annunciates', () => {
    const { alarms, clock, changes } = system({ onDelayMs: 10_000 });
    alarms.setCondition(ID, on);
    clock.advance(5000);
    alarms.setCondition(ID, off);
    clock.advance(20_000);
    alarms.tick();
    expect(changes).toHaveLength(0);
    alarms.setCondition(ID, on);
    clock.advance(10_000);
    alarms.tick();
    expect(alarms.find(ID)!.state).toBe('unacknowledged');
  });

  it('off-delay: a brief clear does not end the alarm', () => {
    const { alarms, clock } = system({ offDelayMs: 30_000 });
    alarms.setCondition(ID, on);
    alarms.acknowledge(ID, 'op');
    alarms.setCondition(ID, off);
    clock.advance(10_000);
    alarms.setCondition(ID, on);
    clock.advance(60_000);
    alarms.tick();
    expect(alarms.find(ID)!).toMatchObject({ state: 'acknowledged', activations: 1 });
    alarms.setCondition(ID, off);
    clock.advance(30_000);
    alarms.tick();
    expect(alarms.find(ID)!.state).toBe('normal');
  });

  it('deadband: a value wobbling around the limit activates once', () => {
    const { alarms } = system();
    const input = (value: number) => ({ value, limit: 100, deadband: 5, source: 'tank' });
    for (const v of [99, 101, 99, 101, 98, 102, 96, 100.5]) alarms.setValue('tank:high', input(v));
    expect(alarms.find('tank:high')!.activations).toBe(1);
    alarms.setValue('tank:high', input(94));
    expect(alarms.find('tank:high')!.active).toBe(false);
  });

  it('chattering: three activations within 60 s mark the alarm and make it a bad actor', () => {
    const { alarms, clock } = system();
    for (let i = 0; i < 3; i++) {
      alarms.setCondition(ID, on);
      clock.advance(10_000);
      alarms.setCondition(ID, off);
      clock.advance(10_000);
    }
    expect(alarms.find(ID)!.chattering).toBe(true);
    const stats = alarms.stats();
    expect(stats.top_bad_actors[0]).toMatchObject({ id: ID, activations: 3, chattering: true });
    expect(stats.chattering).toBe(1);
    clock.advance(61_000);
    alarms.tick();
    expect(alarms.find(ID)!.chattering).toBe(false);
  });

  it('flood: more than 10 alarms in 10 min starts a flood with the first alarm marked first-out; it ends below 5', () => {
    const { alarms, clock } = system();
    const floods: boolean[] = [];
    alarms.onFlood((f) => floods.push(f.active));
    for (let i = 0; i < 11; i++) {
      alarms.setCondition(`dev-${i}:anomaly`, { ...on, source: `dev-${i}` });
      clock.advance(30_000);
    }
    expect(alarms.floodStatus().active).toBe(true);
    expect(alarms.floodStatus().first_out).toBe('dev-0:anomaly');
    expect(alarms.find('dev-0:anomaly')!.first_out).toBe(true);
    expect(alarms.find('dev-5:anomaly')!.first_out).toBe(false);
    expect(floods).toEqual([true]);
    clock.advance(10 * 60_000);
    alarms.tick();
    expect(alarms.floodStatus().active).toBe(false);
    expect(floods).toEqual([true, false]);
    const s = alarms.stats();
    expect(s.floods).toHaveLength(1);
    expect(s.floods[0].ended_at).not.toBeNull();
    expect(s.last_24h).toBe(11);
  });

  it('rate statistics count annunciations per 10 min and per day, by priority', () => {
    const { alarms, clock } = system();
    alarms.setCondition('a:anomaly', { ...on, priority: 'urgent' });
    clock.advance(20 * 60_000);
    alarms.setCondition('b:anomaly', { ...on, priority: 'low' });
    const s = alarms.stats();
    expect(s.last_10min).toBe(1);
    expect(s.last_24h).toBe(2);
    expect(s.avg_per_10min).toBeCloseTo(2 / 144, 6);
    expect(s.by_priority.urgent).toBe(1);
    expect(s.by_priority.low).toBe(1);
    expect(s.standing).toBe(2);
  });
});

describe('persistence', () => {
  it('restores a shelved alarm after a restart, with its expiry', () => {
    const a = system();
    a.alarms.setCondition(ID, on);
    a.alarms.shelve(ID, 'op', 'planned work', 60 * 60_000);
    const clock = manualClock(T0 + 30 * 60_000);
    const again = new AlarmSystem({ config: AlarmConfigSchema.parse({}), clock, repository: createAlarmRepository(db) });
    expect(again.find(ID)).toMatchObject({ state: 'shelved', shelved_by: 'op', shelve_reason: 'planned work' });
    clock.advance(31 * 60_000);
    again.tick();
    expect(again.find(ID)!.state).toBe('unacknowledged');
  });
});
