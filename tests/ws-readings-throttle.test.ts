// The WebSocket bridge thins a flood of readings to one batch per window and says what it left out:
// the page gets 'readings.dropped' with the count, and the server keeps the running total.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, testConfig, type Core } from '../electron/core';
import type { TimedReading } from '../shared/plant';
import { READINGS_PER_WINDOW, type ReadingsDropped } from '../shared/readings-throttle';
import { tempDir } from './helpers';
import { login, nextEvent, openWs, type WsClient } from './security/http-attack';

const t = tempDir('aegis-ws-throttle-');
let core: Core;
let client: WsClient;

beforeAll(async () => {
  core = createCore(testConfig(t.dir, { simulator: { enabled: false }, immune: { fleet: { enabled: false } }, governance: { watchPolicy: false } }));
  await core.start();
  await core.services.operators.registry.add({ name: 'Ward Watcher', password: 'wall display pass', roles: ['viewer'] });
  const port = core.services.http?.port ?? 0;
  const ws = await openWs(port, { cookie: await login(port, 'Ward Watcher', 'wall display pass') });
  if ('refused' in ws) throw new Error(`upgrade refused: ${ws.refused}`);
  client = ws;
});
afterAll(async () => {
  await client?.close();
  await core?.stop();
  t.cleanup();
});

const readings = (from: number, n: number): TimedReading[] =>
  Array.from({ length: n }, (_, i) => ({
    device_id: 'line-1/pump-03',
    timestamp: new Date(1_700_000_000_000 + (from + i) * 1000).toISOString(),
    ts: 1_700_000_000_000 + (from + i) * 1000,
    values: { temperature: 40, pressure: 5, vibration: 1, humidity: 40, power: 10 },
  }));

describe('WebSocket bridge under a readings flood', () => {
  it('sends the newest readings of the window and reports how many it dropped', async () => {
    const batch = nextEvent<TimedReading[]>(client.ws, 'readings');
    const dropped = nextEvent<ReadingsDropped>(client.ws, 'readings.dropped');
    const flood = 3 * READINGS_PER_WINDOW + 500;
    for (let i = 0; i < flood; i += 500) core.bus.emit('readings', readings(i, 500));
    const sent = await batch;
    expect(sent).toHaveLength(READINGS_PER_WINDOW);
    expect(sent.at(-1)?.ts).toBe(readings(flood - 1, 1)[0].ts);
    expect(await dropped).toMatchObject({ dropped: flood - READINGS_PER_WINDOW, total: flood - READINGS_PER_WINDOW, max: READINGS_PER_WINDOW });
    expect(core.services.http?.readingsDropped).toBe(flood - READINGS_PER_WINDOW);

    // A window under the limit goes out whole and reports nothing; the total stays.
    const calm = nextEvent<TimedReading[]>(client.ws, 'readings');
    core.bus.emit('readings', readings(flood, 100));
    expect(await calm).toHaveLength(100);
    expect(core.services.http?.readingsDropped).toBe(flood - READINGS_PER_WINDOW);
  });
});
