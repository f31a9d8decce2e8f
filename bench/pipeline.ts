// bench:pipeline — the full plant day (155,520 readings) at max speed through the real path:
// simulator → aedes (TCP) → ingest (validate, batch) → SQLite (+ whatever subscribes to readings on
// the bus, i.e. detection). In the same run, the reference: raw aedes relay of the same messages
// between two plain MQTT clients. Prints readings/s, raw msgs/s and their ratio; the last line is JSON.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { createCore, testConfig } from '../electron/core';
import { createBroker } from '../electron/core/broker';
import { createLogger } from '../electron/core/observability';
import { generateDay } from '../electron/core/plant';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegisflow-bench-'));
const day = generateDay({ seed: 42 });
const N = day.readings.length;
const payloads = day.readings.map((r) =>
  JSON.stringify({
    device_id: r.device_id,
    timestamp: r.timestamp,
    ...r.values,
  }),
);

async function rawRelay(): Promise<number> {
  const config = testConfig(path.join(dir, 'raw'));
  const broker = createBroker(config.broker, createLogger({ level: 'silent' }));
  await broker.start();
  const sub = await mqtt.connectAsync(broker.url);
  const pub = await mqtt.connectAsync(broker.url);
  let got = 0;
  const done = new Promise<void>((resolve) =>
    sub.on('message', () => {
      if (++got === N) resolve();
    }),
  );
  await sub.subscribeAsync('aegisflow/sensors/#');
  const t0 = performance.now();
  // Same publishing discipline as the simulator: chunks of 2048, waiting for the last write of each.
  for (let i = 0; i < N; i += 2048) {
    const end = Math.min(i + 2048, N);
    await new Promise<void>((resolve) => {
      for (let j = i; j < end; j++)
        pub.publish('aegisflow/sensors/' + day.readings[j].device_id, payloads[j], { qos: 0 }, j === end - 1 ? () => resolve() : undefined);
    });
  }
  await done;
  const secs = (performance.now() - t0) / 1000;
  await pub.endAsync();
  await sub.endAsync();
  await broker.stop();
  return N / secs;
}

async function endToEnd(): Promise<{ perSec: number; detectors: number }> {
  const data = path.join(dir, 'e2e');
  fs.mkdirSync(data, { recursive: true });
  // The dataset file the simulator replays: the same day as the raw relay.
  const { writeDataset } = await import('../electron/core/plant');
  writeDataset(data, { seed: 42 });
  const core = createCore(
    testConfig(data, {
      simulator: { speed: 0, autostart: false, loop: false, timestamps: 'keep' },
      http: { enabled: false },
      ingest: { maxClockSkewDays: 36500 },
    }),
  );
  await core.start();
  const detectors = core.bus.listenerCount('readings');
  const sim = core.services.plant!.simulator;
  const t0 = performance.now();
  sim.resume();
  await sim.finished();
  while (core.services.ingest.counters().received < N) await new Promise((r) => setTimeout(r, 2));
  core.services.ingest.flush();
  const secs = (performance.now() - t0) / 1000;
  const c = core.services.ingest.counters();
  const stored = core.services.readings.count();
  await core.stop();
  if (stored !== N || c.rejected !== 0) throw new Error(`expected ${N} stored and 0 rejected, got ${stored} stored, ${c.rejected} rejected`);
  return { perSec: N / secs, detectors };
}

try {
  const raw = await rawRelay();
  const e2e = await endToEnd();
  const ratio = e2e.perSec / raw;
  console.log(`messages:            ${N}`);
  console.log(`raw aedes relay:     ${Math.round(raw).toLocaleString('en')} msgs/s (publisher → broker → subscriber, no processing)`);
  console.log(
    `end to end:          ${Math.round(e2e.perSec).toLocaleString('en')} readings/s (simulator → broker → ingest → SQLite${e2e.detectors > 0 ? ` + ${e2e.detectors} readings subscriber(s) on the bus` : ''})`,
  );
  console.log(`ratio:               ${ratio.toFixed(2)} (targets: ≥50,000 readings/s and ≥0.4 of raw)`);
  console.log(JSON.stringify({ readings_per_s: Math.round(e2e.perSec), raw_msgs_per_s: Math.round(raw), ratio: Number(ratio.toFixed(3)) }));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
