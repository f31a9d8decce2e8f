import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSandbox } from '../../../tests/cli-helpers';
import { loadModelFile, type PlantModelView } from '../../core/model';
import { plantCommand } from './plant';

const box = cliSandbox('aegis-plant-cli-');
const DEMO = path.join(__dirname, '../../../resources/plants/demo.yaml');
const SKAB = '/work/shared/datasets/skab';

const out = () => box.out.join('');
const err = () => box.err.join('');
const write = (name: string, text: string) => {
  const file = path.join(box.dir, name);
  fs.writeFileSync(file, text);
  return file;
};
const resolved = (file: string): PlantModelView => {
  const r = loadModelFile(file);
  if (!r.ok) throw new Error(r.problems.map((p) => `${p.line}:${p.col} ${p.path}: ${p.message}`).join('\n'));
  return r.model;
};

const TANKS = `plant_model: 1
site: { id: tanks, name: Tank farm }
connectors:
  - { id: mq, type: mqtt-json, topic: 'tanks/{device}', value: '$.{tag}' }
asset_types:
  tank:
    name: Storage tank
    tags:
      level: { unit: m, range: [0, 10], normal: [2, 8], sampling_s: 60, limits: { H: { value: 9, priority: high }, LL: { value: 0.5, priority: urgent } } }
      valve_open: { type: bool, range: [0, 1], sampling_s: 1 }
    commands:
      drain: { params: { pct: { type: integer, min: 10, max: 90 } } }
areas:
  - id: farm
    lines:
      - id: north
        assets:
          - { id: tank-01, type: tank, name: Tank 1 }
`;

describe('aegisflow plant validate', () => {
  it('prints OK with the counts of the demo plant', async () => {
    expect(await plantCommand.run(['validate', DEMO])).toBe(0);
    expect(out()).toContain('OK — site demo-plant: 1 area, 3 lines, 9 assets, 45 tags, 1 connector; sampling every 5 s (45 tags)');
  });

  it('counts sampling periods per period', async () => {
    expect(await plantCommand.run(['validate', write('tanks.yaml', TANKS)])).toBe(0);
    expect(out()).toContain('1 area, 1 line, 1 asset, 2 tags, 1 connector; sampling every 1 s (1 tag), 60 s (1 tag)');
  });

  it('prints every problem as file:line:col path: message and exits 1', async () => {
    const bad = TANKS.replace(
      '{ id: tank-01, type: tank, name: Tank 1 }',
      '{ id: tank-01, type: tonk }\n          - { id: tank-02, type: tank, tags: { level: { limits: { H: { value: 12, priority: high } } } } }',
    );
    const file = write('bad.yaml', bad);
    expect(await plantCommand.run(['validate', file])).toBe(1);
    const lines = err().trimEnd().split('\n');
    expect(lines).toContain(`${file}:18:34 areas.0.lines.0.assets.0.type: unknown asset type "tonk" (declared: tank)`);
    expect(lines.some((l) => l.startsWith(`${file}:19:`) && l.includes('H limit 12 is outside the engineering range [0, 10]'))).toBe(true);
    expect(lines[lines.length - 1]).toBe(`${file}: 2 problems; the model is refused`);
    expect(out()).toBe('');
  });

  it('reports a YAML syntax error with its position', async () => {
    const file = write('syntax.yaml', 'plant_model: 1\nsite: { id: x\n');
    expect(await plantCommand.run(['validate', file])).toBe(1);
    expect(err()).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: `, 'm'));
  });

  it('refuses bad usage with exit code 2', async () => {
    expect(await plantCommand.run([])).toBe(2);
    expect(await plantCommand.run(['validate'])).toBe(2);
    expect(await plantCommand.run(['validate', path.join(box.dir, 'missing.yaml')])).toBe(2);
    expect(err()).toContain('no such file');
    expect(await plantCommand.run(['frobnicate'])).toBe(2);
    expect(err()).toContain('unknown subcommand "frobnicate"');
  });
});

describe("README's worked example", () => {
  it('the model in "Describe your own plant" validates with the output the README shows', async () => {
    const readme = fs.readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');
    const model = /```yaml\n# plants\/riverside\.yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(model).toBeDefined();
    const file = write('riverside.yaml', model ?? '');
    expect(await plantCommand.run(['validate', file])).toBe(0);
    expect(readme).toContain(`$ npx aegisflow plant validate plants/riverside.yaml\n${out().replace(file, 'plants/riverside.yaml')}`);
  });
});

describe('aegisflow plant show', () => {
  it('prints a model as a tree: site, area, line, asset, tags with unit, range, limits and sampling', async () => {
    expect(await plantCommand.run(['show', '--model', write('tanks.yaml', TANKS)])).toBe(0);
    const lines = out().split('\n');
    expect(lines[0]).toMatch(/^tanks — Tank farm {2}\(.*tanks\.yaml, version [0-9a-f]{16}\)$/);
    expect(lines[1]).toBe('connectors: mq (mqtt-json)');
    expect(lines[2]).toBe('  area farm');
    expect(lines[3]).toBe('    line north');
    expect(lines[4]).toBe('      asset north/tank-01 — Tank 1  [Storage tank]  commands: drain');
    expect(lines[5]).toMatch(/^ {8}level +m +range 0\.\.10 {2}normal 2\.\.8 {2}limits H 9 high, LL 0\.5 urgent {2}every 60 s {2}via mq$/);
    expect(lines[6]).toMatch(/^ {8}valve_open .*range 0\.\.1 .*every 1 s {2}bool {2}not scored {2}via mq$/);
  });

  it("takes the model from the config's plant.model, and the demo by default", async () => {
    const model = write('tanks.yaml', TANKS);
    const config = write('aegisflow.yaml', `plant:\n  model: ${JSON.stringify(model)}\n`);
    expect(await plantCommand.run(['show', '--config', config])).toBe(0);
    expect(out()).toContain('asset north/tank-01');
    box.out.length = 0;
    expect(await plantCommand.run(['show', '--config', write('empty.yaml', `resourcesDir: ${JSON.stringify(path.dirname(path.dirname(DEMO)))}\n`)])).toBe(0);
    expect(out()).toContain('demo-plant — AegisFlow demo plant');
    expect(out()).toContain('asset line-3/pump-03 — Pump 3');
  });

  it('--json prints the resolved model', async () => {
    const model = write('tanks.yaml', TANKS);
    expect(await plantCommand.run(['show', '--model', model, '--json'])).toBe(0);
    const printed = JSON.parse(out()) as PlantModelView;
    expect(printed).toEqual(resolved(model));
    expect(printed.assets[0]?.tags[0]).toMatchObject({ id: 'north/tank-01/level', unit: 'm', range: [0, 10], sampling_s: 60, source: { connector: 'mq' } });
  });

  it('a bad model in force: its problems and exit 1', async () => {
    expect(await plantCommand.run(['show', '--model', write('bad.yaml', TANKS.replace('type: tank,', 'type: tonk,'))])).toBe(1);
    expect(err()).toContain('unknown asset type "tonk"');
  });
});

/** A historian export like the seed's sensor_data.csv: two devices every 5 s, slow noise, one spike. */
function exportCsv(rows: number): string {
  const lines = ['timestamp,device_id,temperature,pressure,power,status'];
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < rows; i++) {
    const ts = new Date(t0 + i * 5000).toISOString();
    const n = Math.sin(i * 0.37) + 0.5 * Math.sin(i * 1.91);
    const spike = i === 77 ? 60 : 0;
    lines.push(`${ts},line-1/compressor-01,${(80 + n + spike).toFixed(2)},${(110 + 2 * n).toFixed(2)},${(25 + n).toFixed(2)},running`);
    lines.push(`${ts},line-2/pump-03,${(55 + n).toFixed(2)},${(32 + n).toFixed(2)},${(11 + 0.3 * n).toFixed(2)},running`);
  }
  return lines.join('\n') + '\n';
}

describe('aegisflow plant import-csv', () => {
  it('drafts one asset per device, one tag per numeric column, and the draft validates', async () => {
    const csv = write('export.csv', exportCsv(400));
    const model = path.join(box.dir, 'draft.yaml');
    expect(await plantCommand.run(['import-csv', csv, '--out', model])).toBe(0);
    expect(out()).toContain(`wrote ${model}: 2 assets × 3 tags (temperature, pressure, power) from 800 rows`);
    expect(out()).toContain('left out: status (not numeric: "running")');

    box.out.length = 0;
    expect(await plantCommand.run(['validate', model])).toBe(0);
    expect(out()).toContain('OK — site my-plant: 1 area, 2 lines, 2 assets, 6 tags, 1 connector; sampling every 5 s (6 tags)');

    const m = resolved(model);
    expect(m.assets.map((a) => a.id)).toEqual(['line-1/compressor-01', 'line-2/pump-03']);
    expect(m.connectors).toEqual([{ id: 'plant-mqtt', type: 'mqtt-json' }]);
    const tag = (device: string, key: string) => {
      const t = m.assets.find((a) => a.id === device)?.tags.find((x) => x.key === key);
      if (!t) throw new Error(`no tag ${device}/${key}`);
      return t;
    };
    const temp = tag('line-1/compressor-01', 'temperature');
    // range: min..max of every device (the spike included) with a margin
    expect(temp.range[0]).toBeLessThan(55 - 1.5);
    expect(temp.range[1]).toBeGreaterThan(80 + 60);
    // each device's normal band is its own 1st..99th percentile: the one-row spike is not normal
    expect(temp.normal[0]).toBeGreaterThan(78);
    expect(temp.normal[0]).toBeLessThan(79);
    expect(temp.normal[1]).toBeGreaterThan(81);
    expect(temp.normal[1]).toBeLessThan(82);
    const pumpTemp = tag('line-2/pump-03', 'temperature');
    expect(pumpTemp.normal[1]).toBeLessThan(57);
    expect(pumpTemp.range).toEqual(temp.range);
    // power never went negative: its range stops at 0
    expect(tag('line-2/pump-03', 'power').range[0]).toBeGreaterThanOrEqual(0);
    expect(temp.sampling_s).toBe(5);
    expect(temp.source).toEqual({ connector: 'plant-mqtt' });
    expect(temp.limits).toEqual([]);

    const text = fs.readFileSync(model, 'utf8');
    expect(text).toMatch(/^# Draft plant model inferred by `aegisflow plant import-csv` from export\.csv/);
    expect(text).toContain('limits: none inferred');
    expect(text).toContain('temperature: { unit: "", range: ');
    expect(text).toContain('temperature: { unit: "", range: [30, 160], normal: [53, 82], sampling_s: 5 } # data 53.52..140.06; CHECK unit');
  });

  it('one asset without a device column; units from the header; its own separator and time column', async () => {
    const rows = ['when;Flow (m3/h);tank level [m];running;anomaly'];
    for (let i = 0; i < 120; i++) rows.push(`${1767225600 + i * 60};${(40 + (i % 7)).toFixed(1)};${(3 + (i % 5) / 10).toFixed(2)};${i % 2};0`);
    const csv = write('site.csv', rows.join('\r\n') + '\r\n');
    expect(await plantCommand.run(['import-csv', csv, '--time-column', 'when'])).toBe(0);
    const model = write('site.yaml', out());
    const m = resolved(model);
    expect(m.assets).toHaveLength(1);
    const tags = m.assets[0]?.tags ?? [];
    expect(tags.map((t) => [t.key, t.name, t.unit, t.type, t.sampling_s])).toEqual([
      ['Flow', 'Flow', 'm3/h', 'int', 60],
      ['tank_level', 'tank level', 'm', 'float', 60],
      ['running', 'running', '', 'bool', 60],
    ]);
    expect(tags[0]?.normal).toEqual([40, 46]);
    expect(tags[2]?.detect).toBe(false);
    expect(fs.readFileSync(model, 'utf8')).toContain('# Columns left out: anomaly (an evaluation label).');
  });

  it('refuses what it cannot use with exit code 2', async () => {
    const csv = write('x.csv', exportCsv(10));
    expect(await plantCommand.run(['import-csv', csv, '--device-column', 'asset'])).toBe(2);
    expect(err()).toContain('--device-column: no column "asset"');
    expect(await plantCommand.run(['import-csv', write('text.csv', 'timestamp,who\n2026-01-01T00:00:00Z,dana\n')])).toBe(2);
    expect(err()).toContain('no numeric column');
    const existing = write('exists.yaml', 'keep me\n');
    expect(await plantCommand.run(['import-csv', csv, '--out', existing])).toBe(2);
    expect(fs.readFileSync(existing, 'utf8')).toBe('keep me\n');
    expect(await plantCommand.run(['import-csv', csv, '--out', existing, '--force'])).toBe(0);
    expect(resolved(existing).assets).toHaveLength(2);
  });

  const skabFiles = fs.existsSync(SKAB)
    ? fs
        .readdirSync(SKAB, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.csv'))
        .sort()
    : [];
  it.skipIf(skabFiles.length === 0)('drafts a model that validates from every SKAB file (read in place)', async () => {
    for (const f of skabFiles) {
      const model = path.join(box.dir, `${f.replace(/[/\\]/g, '_')}.yaml`);
      box.out.length = 0;
      expect(await plantCommand.run(['import-csv', path.join(SKAB, f), '--out', model]), f).toBe(0);
      expect(await plantCommand.run(['validate', model]), f).toBe(0);
      const m = resolved(model);
      const tags = m.assets[0]?.tags ?? [];
      expect(
        tags.map((t) => t.key),
        f,
      ).toEqual(['Accelerometer1RMS', 'Accelerometer2RMS', 'Current', 'Pressure', 'Temperature', 'Thermocouple', 'Voltage', 'Volume_Flow_RateRMS']);
      // SKAB samples once a second; its anomaly and changepoint columns are labels, not tags
      for (const t of tags) expect(t.sampling_s, `${f} ${t.key}`).toBe(1);
      expect(tags.find((t) => t.key === 'Volume_Flow_RateRMS')?.name).toBe('Volume Flow RateRMS');
    }
  });
});
