import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModel, loadModelFile, ModelStore } from '.';
import { createLogger } from '../observability';
import { tempDir } from '../../../tests/helpers';
import { createCore, testConfig } from '../index';

const DEMO = path.join(__dirname, '../../../resources/plants/demo.yaml');

const base = (body: string) => `plant_model: 1
site: { id: s1 }
connectors:
  - { id: mq, type: mqtt-json, topic: 'p/{device}' }
asset_types:
  tank:
    tags:
      level: { unit: m, range: [0, 10], normal: [2, 8], sampling_s: 60, limits: { H: { value: 9, priority: high } } }
    commands:
      drain: { params: { pct: { type: integer, min: 10, max: 90 } } }
${body}`;

const oneLine = (assets: string) => `areas:
  - id: a1
    lines:
      - id: l1
        assets:
${assets}`;

describe('plant model file', () => {
  it('resolves the demo plant: nine devices, five tags each, commands from the asset type', () => {
    const r = loadModelFile(DEMO);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.model.assets.map((a) => a.id)).toContain('line-2/motor-02');
    expect(r.model.assets).toHaveLength(9);
    const comp = r.model.assets.find((a) => a.id === 'line-1/compressor-01');
    expect(comp?.tags.map((t) => t.key)).toEqual(['temperature', 'pressure', 'vibration', 'humidity', 'power']);
    expect(comp?.tags[0]?.limits.find((l) => l.key === 'HH')?.value).toBe(110);
    expect(comp?.commands.find((c) => c.name === 'reduce_load')?.params.reduction_pct?.max).toBe(90);
  });

  it('an asset override changes only what it names', () => {
    const r = parseModel(base(oneLine(`          - { id: t1, type: tank, tags: { level: { normal: [3, 7] } } }\n          - { id: t2, type: tank }`)));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const [t1, t2] = r.model.assets;
    expect(t1?.tags[0]?.normal).toEqual([3, 7]);
    expect(t1?.tags[0]?.unit).toBe('m');
    expect(t1?.tags[0]?.limits).toHaveLength(1);
    expect(t2?.tags[0]?.normal).toEqual([2, 8]);
    expect(t1?.tags[0]?.id).toBe('l1/t1/level');
  });

  const refused = (text: string) => {
    const r = parseModel(text, 'plant.yaml');
    expect(r.ok).toBe(false);
    return r.ok ? [] : r.problems;
  };

  it('an unknown asset type is refused at its line', () => {
    const p = refused(base(oneLine(`          - { id: t1, type: tank }\n          - { id: b1, type: boiler }`)));
    expect(p).toHaveLength(1);
    expect(p[0]?.message).toMatch(/unknown asset type "boiler"/);
    expect(p[0]?.line).toBe(17);
  });

  it('duplicate asset ids (hence duplicate tag ids) are refused', () => {
    const p = refused(base(oneLine(`          - { id: t1, type: tank }\n          - { id: t1, type: tank }`)));
    expect(p[0]?.message).toMatch(/duplicate asset id "l1\/t1"/);
    expect(p[0]?.line).toBe(17);
  });

  it('a limit outside the engineering range is refused', () => {
    const p = refused(base(oneLine(`          - { id: t1, type: tank, tags: { level: { limits: { HH: { value: 12, priority: urgent } } } } }`)));
    expect(p.map((x) => x.message).join('\n')).toMatch(/HH limit 12 is outside the engineering range \[0, 10\]/);
    expect(p[0]?.line).toBe(16);
  });

  it('a tag bound to an unknown connector is refused', () => {
    const p = refused(base(oneLine(`          - { id: t1, type: tank, tags: { level: { source: { connector: opc } } } }`)));
    expect(p[0]?.message).toMatch(/unknown connector "opc"/);
  });

  it('unknown keys and YAML syntax errors are refused with line and column', () => {
    expect(refused(base(oneLine(`          - { id: t1, type: tank, colour: red }`)))[0]?.message).toMatch(/colour/);
    const syntax = refused('plant_model: 1\nsite: { id: [\n');
    expect(syntax[0]?.line).toBeGreaterThan(0);
  });

  it('a bad edit is refused and the previous model stays in force; a good one replaces it', () => {
    const t = tempDir('model-');
    try {
      const file = path.join(t.dir, 'plant.yaml');
      fs.writeFileSync(file, base(oneLine('          - { id: t1, type: tank }')));
      const store = new ModelStore({ file, watch: false, log: createLogger({ level: 'silent' }) });
      const first = store.loadOrThrow().model.version;
      const changes: string[] = [];
      store.onChange((m) => changes.push(m.model.version));
      fs.writeFileSync(file, base(oneLine('          - { id: t1, type: nope }')));
      const bad = store.load();
      expect(bad.ok).toBe(false);
      expect(store.current.model.version).toBe(first);
      expect(store.current.deviceIds).toEqual(['l1/t1']);
      fs.writeFileSync(file, base(oneLine('          - { id: t1, type: tank }\n          - { id: t2, type: tank }')));
      expect(store.load().ok).toBe(true);
      expect(store.current.deviceIds).toEqual(['l1/t1', 'l1/t2']);
      expect(changes).toHaveLength(1);
    } finally {
      t.cleanup();
    }
  });
});

describe('a core on a bad plant model', () => {
  it('refuses to start, naming the file, line and column; nothing is left running', async () => {
    const t = tempDir('model-core-');
    try {
      const file = path.join(t.dir, 'plant.yaml');
      fs.writeFileSync(file, base(oneLine('          - { id: t1, type: tank }\n          - { id: b1, type: boiler }')));
      const core = createCore(testConfig(t.dir, { plant: { model: file, watch: false }, simulator: { enabled: false }, http: { enabled: false } }));
      await expect(core.start()).rejects.toThrow(`${file}:17:`);
      await expect(core.start()).rejects.toThrow(/unknown asset type "boiler"/);
      await core.stop();
      expect(() => core.services).toThrow();
    } finally {
      t.cleanup();
    }
  });
});
