// The master alarm table on a real core (SQLite in a temp dir, the demo plant model, the device manual):
// its seed, edits that survive a restart and a model reload, who may edit, bad input, the audit row,
// and the next raise carrying the edited text while an alarm already raised keeps its own.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlarmTableRow } from '../../../shared/schemas/alarm-table';
import type { TimedReading } from '../../../shared/domain';
import { manualClock } from '../clock';
import { createCore, testConfig, type Core } from '../index';
import { OPERATOR, operatorCaller, tempDir } from '../../../tests/helpers';

const T0 = Date.UTC(2026, 0, 1);
const DEV = 'line-1/compressor-01';
const TEMP_H = `${DEV}/temperature:H`;

let tmp: ReturnType<typeof tempDir>;
let core: Core;
const clock = manualClock(T0);

const start = async () => {
  core = createCore(testConfig(tmp.dir, { simulator: { enabled: false }, http: { enabled: false }, plant: { watch: false } }), { clock });
  await core.start();
};

beforeEach(async () => {
  tmp = tempDir('aegis-alarm-table-');
  await start();
});
afterEach(async () => {
  await core.stop();
  tmp.cleanup();
});

const list = async (): Promise<Map<string, AlarmTableRow>> => {
  const r = await core.api.call('alarmTable.list', {}, OPERATOR);
  if (!r.ok) throw new Error(r.error.message);
  return new Map(r.result.map((row) => [row.id, row]));
};

/** The compressor's temperature for `s` seconds of plant time, one reading every 5 s (the H limit's on-delay is 10 s). */
let plantS = 0;
const hold = (temperature: number, s: number) => {
  for (let end = plantS + s; plantS <= end; plantS += 5) {
    clock.advance(5000);
    const r: TimedReading = { device_id: DEV, timestamp: new Date(T0 + plantS * 1000).toISOString(), ts: T0 + plantS * 1000, values: { temperature } };
    core.bus.emit('readings', [r]);
  }
};

describe('master alarm table', () => {
  it('is seeded from the plant model and the manual SOPs; says so where neither has text', async () => {
    const rows = await list();
    // the model's own text (SOP 2.1) for the compressor temperature
    expect(rows.get(TEMP_H)).toMatchObject({
      source: DEV,
      tag: `${DEV}/temperature`,
      type: 'H',
      kind: 'analog',
      setpoint: 90,
      unit: '°C',
      priority: 'high',
      priority_basis: 'major consequence × respond within 3 min → high',
      consequence: 'Thermal runaway towards the 110 °C trip.',
      reference: 'SOP 2.1',
      changed_by: null,
      orphaned: false,
    });
    // other devices: the action is the referenced SOP's procedure, read from the manual
    expect(rows.get('line-2/pump-03/pressure:L')?.action).toMatch(
      /^SOP 2\.2 Pressure leak: 1\. Confirm the drop on at least three consecutive readings\..* 2\. Reduce load by 30-50 %/,
    );
    expect(rows.get('line-3/motor-02/vibration:HH')).toMatchObject({
      reference: 'SOP 2.3',
      priority: 'urgent',
      action: expect.stringMatching(/^SOP 2\.3 Bearing failure: 1\. Confirm vibration above 4\.5 mm\/s/),
    });
    expect(rows.get('line-1/compressor-01/power:H')?.action).toMatch(/^SOP 2\.5 Electrical fault: 1\. Confirm the oscillation/);
    // anomaly and communication alarms: the failure modes of the device type, the communication-loss SOP
    expect(rows.get(`${DEV}:anomaly`)).toMatchObject({ reference: 'SOP 2.1, SOP 2.4, SOP 2.5', priority: null, severity: null, consequence: null });
    expect(rows.get('line-1/pump-03:anomaly')?.reference).toBe('SOP 2.2, SOP 2.4');
    expect(rows.get('line-1/motor-02:communication')).toMatchObject({
      reference: 'SOP 2.6',
      priority: 'high',
      action: expect.stringMatching(/^SOP 2\.6: 1\. Check list_devices/),
    });
    // no SOP and no model text: nothing invented
    expect(rows.get('line-1/pump-03/temperature:H')).toMatchObject({ consequence: null, action: null, reference: null, priority: 'high' });
    // the data path's alarms
    expect([...rows.keys()]).toEqual(expect.arrayContaining(['broker:communication', 'connector:plant-mqtt:communication', 'store:readings']));
    // every limit of every asset has its row (9 assets)
    expect([...rows.values()].filter((r) => r.kind === 'analog')).toHaveLength(3 * (10 + 9 + 9));
  });

  it('stores an edit (audited, announced) that survives a core restart with the same data dir', async () => {
    const changed: AlarmTableRow[] = [];
    core.bus.on('alarmTable.changed', (r) => changed.push(r));
    const r = await core.api.call(
      'alarmTable.update',
      { id: TEMP_H, consequence: 'Seal damage within the hour.', action: 'Call the shift engineer.', severity: 'severe', reason: 'HAZOP review 12' },
      operatorCaller('Ada', ['admin']),
    );
    expect(r.ok && r.result).toMatchObject({ consequence: 'Seal damage within the hour.', priority: 'urgent', changed_by: 'Ada', changed_at: clock.now() });
    expect(changed.map((c) => c.id)).toEqual([TEMP_H]);
    const audit = core.services.governance.audit.query({ kind: 'ALARM_TABLE_CHANGED', limit: 5 });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'Ada', reason: 'HAZOP review 12' });
    expect(audit[0].detail).toMatchObject({
      alarm_id: TEMP_H,
      before: { consequence: 'Thermal runaway towards the 110 °C trip.', severity: 'major', priority: 'high' },
      after: { consequence: 'Seal damage within the hour.', severity: 'severe', priority: 'urgent' },
    });

    await core.stop();
    await start();
    expect((await list()).get(TEMP_H)).toMatchObject({
      consequence: 'Seal damage within the hour.',
      action: 'Call the shift engineer.',
      priority: 'urgent',
      changed_by: 'Ada',
    });
  });

  it('refuses an operator without the admin role, and bad input, with the contract codes', async () => {
    const op = await core.api.call('alarmTable.update', { id: TEMP_H, action: 'x', reason: 'y' }, operatorCaller('Olga', ['operator']));
    expect(op.ok ? null : op.error.code).toBe('forbidden');
    const sup = await core.api.call('alarmTable.update', { id: TEMP_H, action: 'x', reason: 'y' }, operatorCaller('Sam', ['supervisor']));
    expect(sup.ok ? null : sup.error.code).toBe('forbidden');
    for (const bad of [
      { id: TEMP_H, action: 'x', reason: '' },
      { id: TEMP_H, respond_min: -1, reason: 'r' },
      { id: TEMP_H, severity: 'catastrophic', reason: 'r' },
      { id: TEMP_H, priority: 'urgent', reason: 'r' },
      { id: TEMP_H, reason: 'nothing to change' },
      { id: `${DEV}:anomaly`, severity: 'severe', reason: 'an anomaly priority follows its episode' },
    ]) {
      const r = await core.api.call('alarmTable.update', bad as never, OPERATOR);
      expect(r.ok ? null : r.error.code, JSON.stringify(bad)).toBe('invalid_params');
    }
    const missing = await core.api.call('alarmTable.update', { id: 'nowhere:H', action: 'x', reason: 'r' }, OPERATOR);
    expect(missing.ok ? null : missing.error.code).toBe('not_found');
    // a viewer (a wall display) reads the rationalization the alarms it sees were raised with, as alarms.list is viewer too
    expect((await core.api.call('alarmTable.list', {}, operatorCaller('Vic', ['viewer']))).ok).toBe(true);
    expect((await core.api.call('alarmTable.list', {}, operatorCaller('Olga', ['operator']))).ok).toBe(true);
    expect(core.services.governance.audit.query({ kind: 'ALARM_TABLE_CHANGED', limit: 5 })).toHaveLength(0);
  });

  it('gives the next raise the edited consequence, action and priority; an alarm already raised keeps its text', async () => {
    const alarm = () => core.services.alarms.find(TEMP_H);
    hold(80, 30);
    hold(95, 15);
    expect(alarm()).toMatchObject({ active: true, priority: 'high' });
    expect(alarm()?.message).toBe(
      `${DEV} temperature 95 °C above H limit 90 °C. Consequence: Thermal runaway towards the 110 °C trip. Action: SOP 2.1 - reduce load 50 % first; check the cooling fan and intercooler.`,
    );
    const edit = await core.api.call(
      'alarmTable.update',
      { id: TEMP_H, consequence: 'Seal damage within the hour.', action: 'Call the shift engineer.', severity: 'severe', reason: 'review' },
      OPERATOR,
    );
    expect(edit.ok).toBe(true);
    hold(96, 10);
    // raised before the edit: unchanged
    expect(alarm()).toMatchObject({ active: true, priority: 'high' });
    expect(alarm()?.message).toContain('Consequence: Thermal runaway towards the 110 °C trip.');
    // back to normal, then raised again
    hold(80, 30);
    expect(alarm()).toMatchObject({ active: false, priority: 'high' });
    hold(97, 15);
    expect(alarm()).toMatchObject({ active: true, priority: 'urgent' });
    expect(alarm()?.message).toBe(`${DEV} temperature 97 °C above H limit 90 °C. Consequence: Seal damage within the hour. Action: Call the shift engineer.`);
    // the history of the first raise is not rewritten
    const hist = core.services.alarms.history({ id: TEMP_H, limit: 20 });
    expect(hist.filter((h) => h.to_state === 'unacknowledged').length).toBeGreaterThanOrEqual(2);
  });

  it("gives an anomaly alarm its failure mode's SOP and keeps its episode's priority (an unsure hit stays at medium)", async () => {
    const raise = (device: string, message: string) =>
      core.services.alarms.setCondition(`${device}:anomaly`, { active: true, source: device, kind: 'anomaly', priority: 'medium', message, episodeId: 'ep-1' });
    const runaway = raise(DEV, 'thermal runaway on temperature, power (confidence 0.85)');
    expect(runaway.priority).toBe('medium');
    expect(runaway.message).toMatch(
      /^thermal runaway on temperature, power \(confidence 0\.85\)\. Action: Thermal runaway \(SOP 2\.1\): 1\. Confirm with get_device_status/,
    );
    expect(runaway.message).not.toContain('SOP 2.5');
    // an edit while it stands changes nothing of it, even as its condition's text updates
    expect((await core.api.call('alarmTable.update', { id: `${DEV}:anomaly`, action: 'Call the engineer on duty.', reason: 'review' }, OPERATOR)).ok).toBe(
      true,
    );
    const updated = raise(DEV, 'thermal runaway on temperature, power (confidence 0.9)');
    expect(updated.message).toContain('Action: Thermal runaway (SOP 2.1): 1. Confirm');
    expect(updated.message).not.toContain('Call the engineer on duty.');
    const unknown = raise('line-2/compressor-01', 'unknown on vibration (confidence 0.3)');
    expect(unknown.priority).toBe('medium');
    expect(unknown.message).toContain('Thermal runaway (SOP 2.1)');
    expect(unknown.message).toContain('Sensor drift (SOP 2.4)');
    expect(unknown.message).toContain('Electrical fault (SOP 2.5)');
    // the episode's hint firms up while the alarm stands: its text narrows to that SOP
    const firmed = raise('line-2/compressor-01', 'electrical fault on power (confidence 0.8)');
    expect(firmed.message).toMatch(/^electrical fault on power \(confidence 0\.8\)\. Action: Electrical fault \(SOP 2\.5\): 1\. Confirm the oscillation/);
    expect(firmed.message).not.toContain('SOP 2.1');
  });

  it('keeps an edit over a model reload; an edit of an alarm the new model lacks is kept and shown orphaned', async () => {
    const PUMP_H = 'line-1/pump-03/temperature:H';
    expect((await core.api.call('alarmTable.update', { id: PUMP_H, consequence: 'Coolant boils off.', reason: 'r' }, OPERATOR)).ok).toBe(true);
    expect((await core.api.call('alarmTable.update', { id: TEMP_H, action: 'Call the shift engineer.', reason: 'r' }, OPERATOR)).ok).toBe(true);
    const file = core.services.model.file;
    const text = fs.readFileSync(file, 'utf8');
    const without = text.replace('          H: { value: 70, priority: high, deadband: 2, on_delay_s: 10 }\n', '');
    expect(without).not.toBe(text);
    expect(core.services.model.loadText(without).ok).toBe(true);
    const rows = await list();
    expect(rows.get(TEMP_H)).toMatchObject({ action: 'Call the shift engineer.', orphaned: false });
    expect(rows.get(PUMP_H)).toMatchObject({ consequence: 'Coolant boils off.', orphaned: true });
    // an orphaned row gives no alarm any text
    expect(core.services.alarmTable.rationale(PUMP_H)).toBeNull();
    // the model brings it back: the edit applies again
    expect(core.services.model.loadText(text).ok).toBe(true);
    expect((await list()).get(PUMP_H)).toMatchObject({ consequence: 'Coolant boils off.', orphaned: false, setpoint: 70 });
  });
});
