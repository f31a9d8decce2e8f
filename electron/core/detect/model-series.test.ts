// Issue 15: the live detector scores the plant model's tags, at their own sampling period.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { EventMap } from '../../../shared/contract';
import type { TimedReading } from '../../../shared/domain';
import { manualClock } from '../clock';
import { createCore, testConfig, type Core } from '../index';
import { tempDir } from '../../../tests/helpers';

const MODEL = `plant_model: 1
site: { id: works }
connectors:
  - { id: mq, type: mqtt-json, topic: 'works/{device}', value: '$.{tag}' }
asset_types:
  tank:
    tags:
      level: { unit: m, range: [0, 10], normal: [4, 6], sampling_s: 60 }
      inflow: { unit: m3/h, range: [0, 500], normal: [90, 110], sampling_s: 60 }
      door_open: { type: bool, range: [0, 1], sampling_s: 60 }
areas:
  - id: storage
    lines:
      - id: yard
        assets:
          - { id: tank-1, type: tank }
`;

const clock = manualClock(Date.UTC(2026, 0, 1));
let core: Core;
let t: ReturnType<typeof tempDir>;

beforeEach(async () => {
  t = tempDir('aegis-model-series-');
  const model = path.join(t.dir, 'works.yaml');
  fs.writeFileSync(model, MODEL);
  core = createCore(testConfig(t.dir, { plant: { model, watch: false }, simulator: { enabled: false }, http: { enabled: false } }), { clock });
  await core.start();
});
afterEach(async () => {
  await core.stop();
  t.cleanup();
});

// A deterministic wobble (no Math.random): two incommensurate sines.
const wobble = (i: number, a: number) => a * (Math.sin(i * 1.7) + Math.sin(i * 0.37)) * 0.5;

it('scores the model tags of an asset (not the seed five), at its 60 s sampling, and names the tag that moved', () => {
  const opened: EventMap['anomaly.opened'][] = [];
  core.bus.on('anomaly.opened', (e) => opened.push(e));
  const t0 = Date.UTC(2026, 0, 1);
  const rows: TimedReading[] = [];
  // 12 h of normal minutes, then the level drops 1.5 m (a leak) for an hour while inflow stays put.
  for (let i = 0; i < 13 * 60; i++) {
    const ts = t0 + i * 60_000;
    const leak = i >= 12 * 60 ? 1.5 : 0;
    rows.push({
      device_id: 'yard/tank-1',
      ts,
      timestamp: new Date(ts).toISOString(),
      values: { level: 5 + wobble(i, 0.05) - leak, inflow: 100 + wobble(i + 3, 1), door_open: i % 2 },
    });
  }
  for (let i = 0; i < rows.length; i += 60) {
    clock.advance(60_000);
    core.bus.emit('readings', rows.slice(i, i + 60));
  }
  expect(opened.length).toBeGreaterThanOrEqual(1);
  const first = opened[0];
  expect(first?.device_id).toBe('yard/tank-1');
  expect(first?.start_ts ?? 0).toBeGreaterThanOrEqual(t0 + 12 * 3_600_000);
  expect(first?.sensors).toContain('level');
  expect(first?.sensors).not.toContain('door_open');
  expect(first?.sensors).not.toContain('temperature');
});
