// The second plant model (water treatment) and the parts of the simulator that run any model: the
// command parameter check from the asset type, the generic device model, the dataset generator and
// the tag CSV it writes.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AssetView, PlantModelView } from '../../../shared/schemas/model';
import { tempDir } from '../../../tests/helpers';
import { loadModelFile } from '../model';
import { commandParamsProblem } from './commands';
import { GenericDeviceModel } from './generic-model';
import { MODEL_DAY_START, generateModelDay, readFaultLabels, writeModelDataset } from './model-generator';
import { createModelEncoder, frameSamples, type PlantSpec } from './publish';
import { isTagCsvHeader, loadTagCsvFile } from './tape';

const PLANTS = path.join(__dirname, '../../../resources/plants');
function load(file: string): PlantSpec {
  const r = loadModelFile(path.join(PLANTS, file));
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`).join('\n'));
  return r;
}
const waterPlant = load('water-treatment.yaml');
const demoPlant = load('demo.yaml');
const water = waterPlant.model;
const demo = demoPlant.model;
const asset = (m: PlantModelView, id: string): AssetView => {
  const a = m.assets.find((x) => x.id === id);
  if (!a) throw new Error(`no asset ${id}`);
  return a;
};
const at = (xs: ArrayLike<number>, i: number) => xs[i] ?? NaN;
const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

describe('the water-treatment plant model', () => {
  it('has 4 areas, 14 assets and 59 tags, 37 sampled every second and 22 every minute', () => {
    expect(water.areas.map((a) => a.id)).toEqual(['intake', 'treatment', 'filtration', 'distribution']);
    expect(water.assets).toHaveLength(14);
    const tags = water.assets.flatMap((a) => a.tags);
    expect(tags).toHaveLength(59);
    expect(tags.filter((t) => t.sampling_s === 1)).toHaveLength(37);
    expect(tags.filter((t) => t.sampling_s === 60)).toHaveLength(22);
    expect(new Set(water.assets.map((a) => a.type))).toEqual(
      new Set(['intake_well', 'centrifugal_pump', 'clarifier', 'gravity_filter', 'chlorination_skid', 'reservoir']),
    );
    expect(water.assets.every((a) => a.model === 'generic')).toBe(true);
  });

  it('binds every tag to its own topic of the wtp-mqtt connector', () => {
    const flow = asset(water, 'intake/rw-pump-1').tags.find((t) => t.key === 'flow');
    expect(flow?.source).toEqual({ connector: 'wtp-mqtt' });
    expect(water.connectors).toEqual([{ id: 'wtp-mqtt', type: 'mqtt-json' }]);
  });

  it('an asset override changes only its own tag: the pre-chlorination residual band and low limits', () => {
    const pre = asset(water, 'pre-chlorination/chlor-skid-1').tags.find((t) => t.key === 'residual_chlorine');
    const fin = asset(water, 'clearwell/chlor-skid-2').tags.find((t) => t.key === 'residual_chlorine');
    expect(pre?.normal).toEqual([0.3, 0.6]);
    expect(pre?.limits.map((l) => `${l.key} ${l.value}`)).toEqual(['HH 4', 'H 2', 'L 0.1', 'LL 0.05']);
    expect(fin?.normal).toEqual([0.8, 1.2]);
    expect(fin?.limits.find((l) => l.key === 'LL')?.priority).toBe('urgent');
  });
});

describe('command parameters from the asset type', () => {
  const pump = asset(water, 'intake/rw-pump-1');
  const skid = asset(water, 'clearwell/chlor-skid-2');
  const compressor = asset(demo, 'line-1/compressor-01');

  it("keeps today's reduce_load messages for the demo plant", () => {
    expect(commandParamsProblem(compressor, 'reduce_load', { reduction_pct: 30 })).toBeNull();
    expect(commandParamsProblem(compressor, 'reduce_load', { reduction_pct: 95 })).toBe(
      'reduce_load needs reduction_pct between 1 and 90: Too big: expected number to be <=90',
    );
    expect(commandParamsProblem(compressor, 'reduce_load', {})).toBe(
      'reduce_load needs reduction_pct between 1 and 90: Invalid input: expected number, received undefined',
    );
    expect(commandParamsProblem(compressor, 'schedule_maintenance', { window: 'next shift' })).toBeNull();
    expect(commandParamsProblem(compressor, 'restart', {})).toBeNull();
  });

  it('checks integer, range, enum and required parameters of any type', () => {
    expect(commandParamsProblem(pump, 'set_speed', { speed_pct: 60 })).toBeNull();
    expect(commandParamsProblem(pump, 'set_speed', { speed_pct: 10 })).toMatch(/^set_speed needs speed_pct an integer between 20 and 100: Too small/);
    expect(commandParamsProblem(pump, 'set_speed', { speed_pct: 55.5 })).toBe(
      'set_speed needs speed_pct an integer between 20 and 100: Invalid input: expected int, received number',
    );
    expect(commandParamsProblem(skid, 'set_dose', { dose_mg_l: 1.5 })).toBeNull();
    expect(commandParamsProblem(skid, 'set_dose', { dose_mg_l: 4.5 })).toMatch(/^set_dose needs dose_mg_l between 0.2 and 4: Too big/);
    expect(commandParamsProblem(skid, 'set_dose', { dose_mg_l: '2' })).toMatch(/expected number, received string/);
    const res = asset(water, 'clearwell/reservoir-1');
    expect(commandParamsProblem(res, 'set_mode', { mode: 'hold' })).toBeNull();
    expect(commandParamsProblem(res, 'set_mode', { mode: 'drain' })).toMatch(/^set_mode needs mode one of auto, manual_fill, hold/);
    expect(commandParamsProblem(asset(water, 'clarification/clarifier-1'), 'start_desludge', {})).toBeNull();
  });

  it('refuses a command the asset type does not have, listing the ones it has', () => {
    expect(commandParamsProblem(pump, 'reduce_load', { reduction_pct: 30 })).toBe(
      'intake/rw-pump-1 (centrifugal_pump) has no command "reduce_load"; its commands: set_speed, stop, start',
    );
  });
});

describe('the generic device model', () => {
  const frame = (ts: number, values: Record<string, number>) => ({ device_id: 'intake/rw-pump-1', ts, timestamp: new Date(ts).toISOString(), values });
  const normal = { flow: 750, discharge_pressure: 5, speed: 1480, motor_current: 190 };
  /** Replay `seconds` of 1 s frames from `t0` and return the last one shown. */
  const run = (m: GenericDeviceModel, t0: number, seconds: number, values: Record<string, number> = normal) => {
    let shown = m.apply(frame(t0, values));
    for (let s = 1; s <= seconds; s++) shown = m.apply(frame(t0 + s * 1000, values));
    return shown.values;
  };

  it('replays values untouched at full load', () => {
    const m = new GenericDeviceModel(asset(water, 'intake/rw-pump-1'));
    const f = frame(0, normal);
    expect(m.apply(f)).toBe(f);
    expect(run(m, 1000, 60)).toEqual(normal);
  });

  it('set_speed: the tags follow the load with their lag', () => {
    const m = new GenericDeviceModel(asset(water, 'intake/rw-pump-1'));
    run(m, 0, 10);
    expect(m.command({ command: 'set_speed', params: { speed_pct: 50 } }, 'now')).toBeNull();
    expect(m.status()).toMatchObject({ state: 'running', load_pct: 50, last_command: { command: 'set_speed' } });
    const soon = m.apply(frame(11_000, normal)).values;
    expect(soon.flow).toBeLessThan(750);
    expect(soon.flow).toBeGreaterThan(375 + 50);
    const later = run(m, 12_000, 60);
    expect(later.flow).toBeCloseTo(375, 0);
    expect(later.speed).toBeCloseTo(740, 0);
    // Pressure scales above its stopped value (static head 0.4 bar).
    expect(later.discharge_pressure).toBeCloseTo(0.4 + 4.6 * 0.5, 1);
  });

  it('stop: tags settle at their stopped values; start holds them for restart_s, then they recover', () => {
    const m = new GenericDeviceModel(asset(water, 'intake/rw-pump-1'));
    run(m, 0, 5);
    m.command({ command: 'stop', params: {} }, 'now');
    const stopped = run(m, 6000, 60);
    expect(stopped.flow).toBe(0);
    expect(stopped.discharge_pressure).toBe(0.4);
    expect(m.command({ command: 'set_speed', params: { speed_pct: 80 } }, 'now')).toBe('device is shut down; start it first');
    expect(m.command({ command: 'start', params: {} }, 'now')).toBeNull();
    expect(m.state).toBe('restarting');
    expect(run(m, 67_000, 8).flow).toBe(0);
    expect(m.state).toBe('restarting');
    const back = run(m, 76_000, 60);
    expect(m.state).toBe('running');
    expect(back.flow).toBeCloseTo(750, 0);
  });

  it('set_dose sets the load as a share of the parameter maximum; tags without load_gain are untouched', () => {
    const m = new GenericDeviceModel(asset(water, 'clearwell/chlor-skid-2'));
    const v = { dose_rate: 3.9, residual_chlorine: 1.0, ph: 7.3, tank_level: 60 };
    const f = (ts: number) => ({ device_id: 'clearwell/chlor-skid-2', ts, timestamp: '', values: v });
    m.apply(f(0));
    m.command({ command: 'set_dose', params: { dose_mg_l: 2 } }, 'now');
    expect(m.loadPct).toBe(50);
    let shown = m.apply(f(60_000)).values;
    for (let t = 2; t <= 120; t++) shown = m.apply(f(t * 60_000)).values;
    expect(shown.dose_rate).toBeCloseTo(1.95, 2);
    // Half the way from its stopped value (0.05 mg/L) to the replayed 1.0.
    expect(shown.residual_chlorine).toBeCloseTo(0.525, 3);
    expect(shown.tank_level).toBe(60);
  });

  it('a reloaded model changes what the device accepts and keeps its state', () => {
    const a = asset(water, 'intake/rw-pump-1');
    const m = new GenericDeviceModel(a);
    m.command({ command: 'set_speed', params: { speed_pct: 60 } }, 'now');
    const narrower = {
      ...a,
      commands: a.commands.map((c) =>
        c.name === 'set_speed' ? { ...c, params: { speed_pct: { type: 'integer' as const, min: 70, max: 100, required: true } } } : c,
      ),
    };
    m.setAsset(narrower);
    expect(m.status()).toMatchObject({ state: 'running', load_pct: 60 });
    expect(m.command({ command: 'set_speed', params: { speed_pct: 60 } }, 'now')).toMatch(/between 70 and 100/);
    expect(m.command({ command: 'set_speed', params: { speed_pct: 80 } }, 'now')).toBeNull();
  });

  it('refuses bad parameters with the same words as the gateway', () => {
    const a = asset(water, 'filter-gallery/filter-1');
    const m = new GenericDeviceModel(a);
    expect(m.command({ command: 'set_speed', params: { speed_pct: 50 } }, 'now')).toBe(commandParamsProblem(a, 'set_speed', { speed_pct: 50 }));
    expect(m.command({ command: 'start_backwash', params: {} }, 'now')).toBeNull();
    expect(m.state).toBe('restarting');
  });
});

describe('a dataset for any model', () => {
  const dirs: Array<() => void> = [];
  afterEach(() => dirs.splice(0).forEach((c) => c()));
  const tags = water.assets.flatMap((a) => a.tags);
  const col = (id: string) => tags.findIndex((t) => t.id === id);

  it('samples each tag at its own period, inside its normal band away from the injected faults', () => {
    const { table, faults } = generateModelDay(water, { seed: 3, hours: 4 });
    expect(table.ts).toHaveLength(4 * 3600);
    expect(at(table.ts, 1) - at(table.ts, 0)).toBe(1000);
    const values = (id: string) => {
      const c = col(id);
      const out: Array<{ ts: number; v: number }> = [];
      for (let r = 0; r < table.ts.length; r++) {
        const v = at(table.cells, r * tags.length + c);
        if (!Number.isNaN(v)) out.push({ ts: at(table.ts, r), v });
      }
      return out;
    };
    expect(values('intake/rw-pump-1/flow')).toHaveLength(4 * 3600);
    expect(values('intake/rw-pump-1/bearing_temp')).toHaveLength(4 * 60);
    expect(faults.length).toBe(6);
    expect(new Set(faults.map((f) => f.kind))).toEqual(new Set(['drift', 'step', 'spike']));
    for (const t of tags) {
      const clean = values(t.id).filter(({ ts }) => !faults.some((f) => f.tag === t.id && ts >= f.start && ts < f.end));
      const band = t.normal[1] - t.normal[0];
      const outside = clean.filter(({ v }) => v < t.normal[0] - band || v > t.normal[1] + band);
      expect(outside.length / clean.length, t.id).toBeLessThan(0.01);
    }
    for (const f of faults) {
      const during = values(f.tag).filter(({ ts }) => ts >= f.start && ts < f.end);
      const normal = tags[col(f.tag)]?.normal ?? [NaN, NaN];
      const peak = Math.max(...during.map(({ v }) => Math.abs(v - (normal[0] + normal[1]) / 2)));
      expect(peak, `${f.kind} on ${f.tag}`).toBeGreaterThan(Math.abs(f.magnitude) * 0.6);
    }
  });

  it('writes the tag CSV and its labels byte-identically for a seed; the CSV replays as frames per device', () => {
    const a = tempDir();
    const b = tempDir();
    dirs.push(a.cleanup, b.cleanup);
    const fa = path.join(a.dir, 'plant.csv');
    const fb = path.join(b.dir, 'plant.csv');
    const out = writeModelDataset(fa, water, { seed: 9, hours: 2, start: MODEL_DAY_START });
    writeModelDataset(fb, water, { seed: 9, hours: 2 });
    expect(sha(fs.readFileSync(fa))).toBe(sha(fs.readFileSync(fb)));
    expect(sha(fs.readFileSync(out.labels))).toBe(sha(fs.readFileSync(path.join(b.dir, 'plant.labels.csv'))));
    expect(out).toMatchObject({ rows: 7200, tags: 59, faults: 6 });
    const text = fs.readFileSync(fa, 'utf8');
    expect(isTagCsvHeader(text.slice(0, text.indexOf('\n')))).toBe(true);
    expect(readFaultLabels(out.labels)).toHaveLength(6);

    const loaded = loadTagCsvFile(fa, tags);
    expect(loaded.bad).toEqual([]);
    expect(loaded.unknownColumns).toEqual([]);
    expect(loaded.missingTags).toEqual([]);
    const { tape } = loaded;
    expect(tape.devices).toHaveLength(14);
    // Every device has a 1 s tag: one frame per device per second.
    expect(tape.length).toBe(7200 * 14);
    const first = tape.frame(0);
    expect(first.ts).toBe(MODEL_DAY_START);
    expect(Object.keys(first.values)).toEqual(['level', 'screen_dp', 'raw_turbidity', 'water_temp']);
    const second = tape.frame(14);
    expect(second.device_id).toBe('intake/intake-well-1');
    expect(Object.keys(second.values)).toEqual(['level', 'screen_dp']);
    for (let i = 1; i < tape.length; i++) if (tape.ts(i) < tape.ts(i - 1)) throw new Error(`frame ${i} out of order`);
  });

  it('reports bad lines and unknown columns and keeps the rest', () => {
    const t = tempDir();
    dirs.push(t.cleanup);
    const file = path.join(t.dir, 'x.csv');
    fs.writeFileSync(
      file,
      [
        'timestamp,intake/rw-pump-1/flow,intake/rw-pump-9/flow',
        '2026-01-01T00:00:02.000Z,700,1',
        'yesterday,701,2',
        '2026-01-01T00:00:01.000Z,abc,3',
        '1767225600000,702,4',
      ].join('\n'),
    );
    const r = loadTagCsvFile(file, tags);
    expect(r.unknownColumns).toEqual(['intake/rw-pump-9/flow']);
    expect(r.bad.map((x) => x.line)).toEqual([3, 4]);
    expect(r.tape.length).toBe(2);
    expect(r.tape.frame(0).values).toEqual({ flow: 702 });
    expect(r.tape.frame(1).values).toEqual({ flow: 700 });
  });
});

describe("publishing in the model's connector format", () => {
  it("the demo plant: today's flat payload, one message per device", () => {
    const c = asset(demo, 'line-2/pump-03');
    const ts = Date.UTC(2026, 0, 1, 8, 0, 5);
    const values = { temperature: 55.1, pressure: 32.2, vibration: 1.512, humidity: 50, power: 11.3 };
    expect(createModelEncoder(demoPlant)(frameSamples(c.tags, ts, values))).toEqual([
      {
        topic: 'aegisflow/sensors/line-2/pump-03',
        payload: JSON.stringify({ device_id: 'line-2/pump-03', timestamp: new Date(ts).toISOString(), ...values }),
      },
    ]);
  });

  it('the water plant: one message per tag on wtp/<area>/<asset>/<tag> with {v, t}', () => {
    const pump = asset(water, 'high-lift/hs-pump-2');
    const ts = Date.UTC(2026, 0, 1, 0, 0, 1);
    const out = createModelEncoder(waterPlant)(frameSamples(pump.tags, ts, { flow: 801.5, speed: 1481 }));
    expect(out).toEqual([
      { topic: 'wtp/distribution/hs-pump-2/flow', payload: '{"t":1767225601000,"v":801.5}' },
      { topic: 'wtp/distribution/hs-pump-2/speed', payload: '{"t":1767225601000,"v":1481}' },
    ]);
  });
});
