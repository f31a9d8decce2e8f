// The plant pipeline end to end on real parts: aedes on port 0, the replay simulator, the mqtt client
// package as an outside subscriber/publisher, ingest, and a real SQLite file in a temp dir.
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '../electron/core';
import { generateDay } from '../electron/core/plant';
import { tempDir, waitFor } from './helpers';
import { OPERATOR } from './helpers';

describe('plant pipeline', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function startCore(dir: string, overrides: Record<string, unknown> = {}): Promise<Core> {
    const core = createCore(testConfig(dir, overrides));
    await core.start();
    cleanups.push(() => core.stop());
    return core;
  }

  it('publishes the plant over MQTT, stores every reading, and keeps them across a restart', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const core = await startCore(t.dir, { simulator: { speed: 100 } });
    const seen: string[] = [];
    const sub = await mqtt.connectAsync(core.services.broker.url);
    cleanups.push(() => sub.endAsync());
    sub.on('message', (topic) => seen.push(topic));
    await sub.subscribeAsync('aegisflow/sensors/#');

    await waitFor(() => core.services.readings.count() >= 90, 'ten ticks of readings in SQLite');
    await waitFor(() => new Set(seen).size === 9, 'an outside subscriber sees all nine devices');
    expect(new Set(seen)).toContain('aegisflow/sensors/line-1/compressor-01');

    const snap = await core.api.call('plant.snapshot', {}, OPERATOR);
    if (!snap.ok) throw new Error(snap.error.message);
    expect(snap.result.devices).toHaveLength(9);
    expect(snap.result.devices.every((d) => d.latest !== null)).toBe(true);
    expect(snap.result.ingest.rejected).toBe(0);

    await core.stop();
    const stored = core.services.ingest.counters().stored;
    expect(stored).toBeGreaterThanOrEqual(90);
    const again = createCore(testConfig(t.dir, { simulator: { autostart: false } }));
    cleanups.push(() => again.stop());
    await again.start();
    expect(again.services.readings.count()).toBe(stored);
    expect(again.services.readings.latest('line-1/compressor-01', 5)).toHaveLength(5);
  });

  it('stores every good reading and counts every bad payload by reason when 1,000 malformed ones are mixed in', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const core = await startCore(t.dir, { simulator: { enabled: false } });
    const pub = await mqtt.connectAsync(core.services.broker.url);
    cleanups.push(() => pub.endAsync());

    const good = generateDay({ seed: 5, hours: 1 }).readings.slice(0, 2000);
    const now = Date.now();
    const payload = (i: number) => {
      const r = good[i];
      // The seed's flat wire payload, not the internal reading shape.
      return { device_id: r.device_id, timestamp: new Date(now - (good.length - i) * 1000).toISOString(), ...r.values };
    };
    const badKinds: Array<[string, (i: number) => [string, string | Buffer]]> = [
      ['bad_json', () => ['aegisflow/sensors/line-1/pump-03', '{"device_id": "line-1/pump-03", temperature: ']],
      // No device field: the message cannot be placed (a field that is no number is a bad-quality value instead).
      ['schema', (i) => ['aegisflow/sensors/line-1/pump-03', JSON.stringify({ ...payload(i), device_id: undefined })]],
      [
        'non_finite',
        (i) => [
          'aegisflow/sensors/line-1/pump-03',
          JSON.stringify({ ...payload(i), device_id: 'line-1/pump-03' }).replace(/"pressure":[^,]+/, '"pressure":1e999'),
        ],
      ],
      ['unknown_device', (i) => ['aegisflow/sensors/line-9/ghost-01', JSON.stringify({ ...payload(i), device_id: 'line-9/ghost-01' })]],
      ['bad_timestamp', (i) => ['aegisflow/sensors/line-1/pump-03', JSON.stringify({ ...payload(i), device_id: 'line-1/pump-03', timestamp: '1970-13-45' })]],
      ['oversize', () => ['aegisflow/sensors/line-1/pump-03', Buffer.alloc(20_000, 'x')]],
      ['topic_mismatch', (i) => ['aegisflow/sensors/line-2/pump-03', JSON.stringify({ ...payload(i), device_id: 'line-1/pump-03' })]],
      [
        'bad_timestamp',
        (i) => ['aegisflow/sensors/line-1/pump-03', JSON.stringify({ ...payload(i), device_id: 'line-1/pump-03', timestamp: '2999-01-01T00:00:00Z' })],
      ],
    ];
    const expected: Record<string, number> = {};
    let bad = 0;
    for (let i = 0; i < good.length; i++) {
      await pub.publishAsync(`aegisflow/sensors/${good[i].device_id}`, JSON.stringify(payload(i)));
      if (i % 2 === 0 && bad < 1000) {
        const [reason, make] = badKinds[bad % badKinds.length];
        const [topic, body] = make(i);
        await pub.publishAsync(topic, body);
        expected[reason] = (expected[reason] ?? 0) + 1;
        bad++;
      }
    }
    expect(bad).toBe(1000);
    await waitFor(() => core.services.ingest.counters().received === good.length + bad, 'everything received');
    core.services.ingest.flush();
    const c = core.services.ingest.counters();
    expect(c.stored).toBe(good.length);
    expect(core.services.readings.count()).toBe(good.length);
    expect(c.rejected).toBe(1000);
    expect(c.rejectedByReason).toEqual(expected);
    expect(Object.keys(expected)).toHaveLength(7);
  });

  it('answers the simulator controls through the core API with clear errors for bad input', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const core = await startCore(t.dir, { simulator: { speed: 1, autostart: false } });
    const paused = await core.api.call('simulator.control', { action: 'resume' }, OPERATOR);
    expect(paused.ok && paused.result.paused).toBe(false);
    const jumped = await core.api.call('simulator.control', { action: 'jump', scenario: 'pressure_leak' }, OPERATOR);
    expect(jumped.ok && jumped.result.simTime).toBe('2026-01-01T07:59:00.000Z');
    const bad = await core.api.call('simulator.control', { action: 'seek', simTime: 'yesterday-ish' }, OPERATOR);
    expect(bad).toEqual({ ok: false, error: { code: 'bad_request', message: 'not a time: yesterday-ish' } });
    const scen = await core.api.call('simulator.scenarios', {}, OPERATOR);
    expect(scen.ok && scen.result.map((s) => s.type)).toEqual(['thermal_runaway', 'pressure_leak', 'bearing_failure', 'sensor_drift', 'electrical_fault']);
  });
});
