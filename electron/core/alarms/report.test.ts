import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { tempDir } from '../../../tests/helpers';
import { manualClock } from '../clock';
import { applyMigrations, openDatabase, type Db } from '../store';
import { AlarmConfigSchema, AlarmSystem, alarmsMigrations, computeAlarmReport, createAlarmRepository, onShiftAt, type HandoverSpan } from './index';

let tmp: ReturnType<typeof tempDir>;
let db: Db;
beforeEach(() => {
  tmp = tempDir('aegis-alarm-report-');
  db = openDatabase(path.join(tmp.dir, 'a.db'));
  applyMigrations(db, alarmsMigrations);
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

const MIN = 60_000;
const HOUR = 60 * MIN;
// The plant clock (a replay of January) runs far behind the wall clock: the report must count on the plant's.
const P0 = Date.UTC(2026, 0, 1, 8);
const OFFSET = Date.UTC(2026, 11, 7) - P0;
const config = AlarmConfigSchema.parse({});
const round1 = (n: number) => Math.round(n * 10) / 10;

/** The alarm history of a two-hour window [P0, P0 + 2 h], built through the real alarm system into SQLite. */
function history() {
  const clock = manualClock(P0 - 28 * HOUR + OFFSET);
  const alarms = new AlarmSystem({ config, clock, repository: createAlarmRepository(db), plantNow: () => clock.now() - OFFSET });
  const at = (plant: number) => clock.set(plant + OFFSET);
  const cond = (id: string, active: boolean, priority: 'urgent' | 'high' | 'medium' | 'low') =>
    alarms.setCondition(id, { active, source: id.split(':')[0], priority, message: id });

  // Stale: raised 28 h before the window starts (30 h before it ends) and never cleared.
  cond('line-2/tank-01/level:H', true, 'medium');
  // Shelved before it went active: never shown to the operator, so never counted.
  at(P0 - HOUR);
  cond('line-1/fan-01/vibration:H', false, 'high');
  alarms.shelve('line-1/fan-01/vibration:H', 'anna', 'bearing change', 8 * 60 * MIN);
  at(P0 + 5 * MIN);
  cond('line-1/fan-01/vibration:H', true, 'high');
  // Chattering: four raises of one alarm within 30 s; the first acknowledged by anna.
  const A = 'line-1/pump-03/pressure:H';
  for (const [s, active] of [
    [0, true],
    [8, false],
    [10, true],
    [15, false],
    [20, true],
    [25, false],
    [30, true],
    [35, false],
  ] as const) {
    at(P0 + 10 * MIN + s * 1000);
    cond(A, active, 'high');
    if (s === 0) {
      at(P0 + 10 * MIN + 5000);
      alarms.acknowledge(A, 'anna');
    }
  }
  // A flood: eleven low alarms within five minutes of the 20–30 min window.
  for (let k = 0; k < 11; k++) {
    at(P0 + 20 * MIN + k * 30_000);
    cond(`line-3/valve-${String(k + 1).padStart(2, '0')}/position:L`, true, 'low');
  }
  // One urgent alarm after the handover, acknowledged by bob.
  at(P0 + 50 * MIN);
  cond('line-1/compressor-01/temperature:HH', true, 'urgent');
  at(P0 + 51 * MIN);
  alarms.acknowledge('line-1/compressor-01/temperature:HH', 'bob');
  at(P0 + 3 * HOUR);
  // anna hands over at 40 min; bob acknowledges at 45 min (wall clock, as the logbook records it).
  const handovers: HandoverSpan[] = [{ createdAt: P0 + 40 * MIN + OFFSET, createdBy: 'anna', ackedAt: P0 + 45 * MIN + OFFSET, ackedBy: 'bob' }];
  return { handovers };
}

/** The report as alarms.report computes it: the window's rows and the alarms still standing, from SQLite. */
function report(from: number, to: number, handovers: HandoverSpan[] = []) {
  const repo = createAlarmRepository(db);
  return computeAlarmReport({ rows: repo.reportRows(from, to), streaks: repo.openStreaks(to), from, to, config, handovers });
}

describe('alarm report (ISA-18.2 / EEMUA 191)', () => {
  it('counts a hand-built history on the plant clock with the known answers', () => {
    const { handovers } = history();
    const r = report(P0, P0 + 2 * HOUR, handovers);
    expect(r.clock).toBe('plant');
    expect(r.thresholds).toEqual({
      window_min: 10,
      acceptable_per_hour: 6,
      manageable_per_hour: 12,
      flood_per_window: 10,
      chatter_count: 3,
      chatter_window_s: 60,
      stale_hours: 24,
    });
    // 4 chattering raises + 11 in the flood + 1 urgent; the shelved and the stale alarm are not raised in the window
    expect(r.total).toBe(16);
    expect(r.hours).toBe(2);
    expect(r.avg_per_hour).toBe(8);
    expect(r.rate_rating).toBe('manageable');
    expect(r.peak_window).toEqual({ count: 11, at: P0 + 20 * MIN });
    expect(r.windows).toBe(12);
    expect(r.flood_windows).toBe(1);
    expect(r.flood_pct).toBe(8.33);
    expect(r.operators).toEqual([
      { operator: 'anna', on_shift: 15, acknowledged: 1 },
      { operator: 'bob', on_shift: 1, acknowledged: 1 },
    ]);
    expect(r.bad_actors).toHaveLength(10);
    expect(r.bad_actors[0]).toEqual({ alarm_id: 'line-1/pump-03/pressure:H', source: 'line-1/pump-03/pressure', count: 4, share_pct: 25, chattering: true });
    expect(r.bad_actors[1]).toEqual({
      alarm_id: 'line-1/compressor-01/temperature:HH',
      source: 'line-1/compressor-01/temperature',
      count: 1,
      share_pct: 6.25,
      chattering: false,
    });
    expect(r.bad_actors.slice(2).map((b) => b.alarm_id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((k) => `line-3/valve-0${k}/position:L`));
    expect(r.stale).toEqual([
      { alarm_id: 'line-2/tank-01/level:H', source: 'line-2/tank-01/level', priority: 'medium', state: 'unacknowledged', raised_at: P0 - 28 * HOUR, hours: 30 },
    ]);
    expect(r.chattering).toEqual([
      { alarm_id: 'line-1/pump-03/pressure:H', source: 'line-1/pump-03/pressure', raises: 4, max_in_window: 4, at: P0 + 10 * MIN },
    ]);
    expect(r.priorities.counts).toEqual({ urgent: 1, high: 4, medium: 0, low: 11, diagnostic: 0 });
    expect(r.priorities.bands).toEqual([
      { band: 'urgent + high', priorities: ['urgent', 'high'], count: 5, pct: 31.3, target_pct: 5 },
      { band: 'medium', priorities: ['medium'], count: 0, pct: 0, target_pct: 15 },
      { band: 'low', priorities: ['low'], count: 11, pct: 68.8, target_pct: 80 },
    ]);
  });

  it('a narrower window counts only what was raised inside it; stale is judged at its end', () => {
    const { handovers } = history();
    const r = report(P0 + 45 * MIN, P0 + 60 * MIN, handovers);
    expect(r.total).toBe(1);
    expect(r.windows).toBe(2);
    expect(r.flood_windows).toBe(0);
    expect(r.operators).toEqual([{ operator: 'bob', on_shift: 1, acknowledged: 1 }]);
    expect(r.chattering).toEqual([]);
    expect(r.stale.map((s) => s.hours)).toEqual([29]);
  });

  it('follows the order changes happened in, not plant time: a replay seeking back does not revive a cleared alarm', () => {
    let plant = P0 - 25 * HOUR;
    const clock = manualClock(Date.UTC(2026, 11, 7));
    const alarms = new AlarmSystem({ config, clock, repository: createAlarmRepository(db), plantNow: () => plant });
    const cond = (active: boolean) => alarms.setCondition('line-1/pump-03/pressure:H', { active, source: 'line-1/pump-03', priority: 'high' });
    cond(true);
    // the operator seeks the replay back a day-and-a-bit; the condition clears there
    plant = P0 - 26 * HOUR;
    clock.advance(1000);
    cond(false);
    expect(
      createAlarmRepository(db)
        .reportRows(P0 - 30 * HOUR, P0 + 2 * HOUR)
        .map((r) => r.to_state),
    ).toEqual(['unacknowledged', 'rtn_unacknowledged']);
    expect(report(P0, P0 + 2 * HOUR).stale).toEqual([]);
  });

  it('stale reads each alarm back to its last return to normal only; a shelved standing alarm is still stale', () => {
    let plant = P0 - 40 * HOUR;
    const clock = manualClock(Date.UTC(2026, 11, 7));
    const alarms = new AlarmSystem({ config, clock, repository: createAlarmRepository(db), plantNow: () => plant });
    const ID = 'line-1/pump-03/pressure:H';
    const step = (fn: () => void) => {
      plant += MIN;
      clock.advance(MIN);
      fn();
    };
    for (let i = 0; i < 5; i++) {
      step(() => alarms.setCondition(ID, { active: true, source: 'line-1/pump-03', priority: 'high' }));
      step(() => alarms.setCondition(ID, { active: false, source: 'line-1/pump-03', priority: 'high' }));
    }
    step(() => alarms.setCondition(ID, { active: true, source: 'line-1/pump-03', priority: 'high' }));
    const raisedAt = plant;
    step(() => alarms.acknowledge(ID, 'anna'));
    step(() => alarms.shelve(ID, 'anna', 'known fault', 60 * MIN));
    const streak = createAlarmRepository(db).openStreaks(P0);
    expect(streak.map((r) => `${r.from_state}>${r.to_state}`)).toEqual([
      'rtn_unacknowledged>unacknowledged',
      'unacknowledged>acknowledged',
      'acknowledged>shelved',
    ]);
    expect(report(P0 - HOUR, P0).stale).toEqual([
      { alarm_id: ID, source: 'line-1/pump-03', priority: 'high', state: 'shelved', raised_at: raisedAt, hours: round1((P0 - raisedAt) / HOUR) },
    ]);
    // at a time before that last raise, it had returned to normal: nothing open, nothing stale
    expect(createAlarmRepository(db).openStreaks(raisedAt - 1)).toEqual([]);
  });

  it('two raises within 60 s do not chatter; three do', () => {
    const row = (t: number, from: 'normal' | 'rtn_unacknowledged', to: 'unacknowledged' | 'rtn_unacknowledged') => ({
      alarm_id: 'x',
      source: 'dev',
      at: t,
      plant_at: t,
      from_state: from,
      to_state: to,
      by: null,
      priority: 'low' as const,
    });
    const raises = (ts: number[]) => ts.flatMap((t) => [row(P0 + t, 'normal', 'unacknowledged'), row(P0 + t + 1, 'normal', 'rtn_unacknowledged')]);
    const two = computeAlarmReport({ rows: raises([0, 50_000, 120_000]), streaks: [], from: P0, to: P0 + HOUR, config, handovers: [] });
    expect(two.chattering).toEqual([]);
    const three = computeAlarmReport({ rows: raises([0, 50_000, 60_000]), streaks: [], from: P0, to: P0 + HOUR, config, handovers: [] });
    expect(three.chattering).toEqual([{ alarm_id: 'x', source: 'dev', raises: 3, max_in_window: 3, at: P0 }]);
    expect(three.operators).toEqual([{ operator: null, on_shift: 3, acknowledged: 0 }]);
  });

  it('who was on shift: the incoming operator once acknowledged, before that the first handover’s author', () => {
    const h: HandoverSpan[] = [
      { createdAt: 100, createdBy: 'anna', ackedAt: 200, ackedBy: 'bob' },
      { createdAt: 900, createdBy: 'bob', ackedAt: 1000, ackedBy: 'carl' },
      { createdAt: 1500, createdBy: 'carl', ackedAt: null, ackedBy: null },
    ];
    expect([50, 150, 200, 950, 1000, 2000].map((t) => onShiftAt(h, t))).toEqual(['anna', 'anna', 'bob', 'bob', 'carl', 'carl']);
    expect(onShiftAt([], 5)).toBeNull();
  });
});
