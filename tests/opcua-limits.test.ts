// The OPC UA connector against servers with small limits (subscriptions per session, monitored items per
// subscription, per call), published in their ServerCapabilities or only enforced. Before: the connector asked
// for one subscription per 1,000 tags and per sampling group, a server allowing fewer refused one, and the
// connector dropped the session and retried for ever (bench:tags --assets 3000 hung, node-opcua allowing 10).
// Now it plans within the published limits, shares the subscriptions it got when a server refuses more, and
// marks what does not fit bad, naming the limit in its status, while the rest flows.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../electron/core/clock';
import { createConnectors, type Connector, type ConnectorContext, type TagSample } from '../electron/core/connectors';
import type { ModelIndex } from '../electron/core/model';
import { createLogger } from '../electron/core/observability';
import { freePort, tempDir, waitFor } from './helpers';
import { demoPlantOverOpcUa, modelOf, startPlantServer, waterOverOpcUa, type PlantServer, type PlantServerOptions } from './opcua-server';

const entry = (port: number) => `  - { id: opc, type: opc-ua, endpoint: 'opc.tcp://127.0.0.1:${port}', security_mode: None, publishing_interval_ms: 100 }`;

describe('the OPC UA connector within a server’s limits', () => {
  let server: PlantServer | null = null;
  let connector: Connector | null = null;
  let cleanup = () => undefined as void;
  afterEach(async () => {
    await connector?.stop();
    await server?.stop();
    cleanup();
    connector = null;
    server = null;
  });

  /** A server for the model (plant YAML from the port) with these options, and the connector reading it. */
  async function run(plant: (port: number) => string, opts: Partial<PlantServerOptions>) {
    const t = tempDir('aegis-opcua-limits-');
    cleanup = t.cleanup;
    const port = await freePort();
    const model: ModelIndex = modelOf(plant(port));
    server = await startPlantServer({ model: model.model, port, pkiDir: path.join(t.dir, 'server-pki'), tickMs: 200, securityModes: ['None'], ...opts });
    const samples: TagSample[] = [];
    const ctx: ConnectorContext = {
      broker: { url: 'mqtt://unused' } as ConnectorContext['broker'],
      emit: (s) => samples.push(...s),
      reject: () => undefined,
      commit: () => true,
      onStatus: () => undefined,
      sessionId: (id) => id,
      clock: manualClock(Date.now()),
      plantNow: () => Date.now(),
      window: { pastMs: 86_400_000, futureMs: 300_000 },
      maxPayloadBytes: 16 * 1024,
      log: createLogger({ level: 'silent' }),
      dataDir: path.join(t.dir, 'data'),
    };
    const [c] = createConnectors(model, ctx);
    if (!c) throw new Error('no connector');
    connector = c;
    await c.start();
    const tags = model.model.assets.flatMap((a) => a.tags.map((tag) => tag.id));
    return { c, samples, tags };
  }
  const water = (port: number) => waterOverOpcUa(entry(port));
  const good = (samples: TagSample[]) => new Set(samples.filter((s) => s.value !== null).map((s) => s.tag));

  it('one subscription per session: the 1 s and the 60 s tags share it, every tag delivers', async () => {
    const { c, samples, tags } = await run(water, { capabilities: { maxSubscriptionsPerSession: 1 } });
    await waitFor(() => c.status().state === 'connected', 'connected', 20_000);
    await waitFor(() => good(samples).size === tags.length, 'a value of every tag');
    expect(c.status()).toMatchObject({ errors: 0, lastError: null });
  }, 30_000);

  it('room for 10 monitored items: 10 tags deliver, the rest are marked bad naming the limit, and it stays connected', async () => {
    const { c, samples, tags } = await run(water, { capabilities: { maxSubscriptionsPerSession: 1, maxMonitoredItemsPerSubscription: 10 } });
    await waitFor(() => c.status().state === 'connected', 'connected', 20_000);
    await waitFor(() => good(samples).size === 10, 'values of 10 tags');
    const why = "the server's limits: 1 subscriptions per session, 10 monitored items per subscription, 1000000 in all";
    expect(c.status().lastError).toBe(`${tags.length - 10} of ${tags.length} tags not monitored: ${why}`);
    const bad = samples.filter((s) => s.value === null);
    expect(new Set(bad.map((s) => s.tag)).size).toBe(tags.length - 10);
    expect(bad.every((s) => s.quality?.level === 'bad' && s.quality.detail === `not monitored: ${why}` && !good(samples).has(s.tag))).toBe(true);
  }, 30_000);

  it('limits enforced but not published: a call too large is halved until it passes, items beyond the room are marked bad', async () => {
    const { c, samples, tags } = await run(water, {
      capabilities: { maxMonitoredItemsPerSubscription: 12, operationLimits: { maxMonitoredItemsPerCall: 5 } },
      hideLimits: true,
    });
    await waitFor(() => c.status().state === 'connected', 'connected', 20_000);
    await waitFor(() => good(samples).size === 12, 'values of 12 tags');
    await waitFor(() => new Set(samples.filter((s) => s.value === null).map((s) => s.tag)).size === tags.length - 12, 'the rest marked bad');
    const bad = samples.filter((s) => s.value === null);
    expect(bad.every((s) => s.quality?.detail?.endsWith('BadTooManyMonitoredItems') && !good(samples).has(s.tag))).toBe(true);
    expect(c.status().lastError).toMatch(/BadTooManyMonitoredItems$/);
  }, 30_000);

  it('a server that refuses a second subscription without saying so: 1,100 tags share the first one', async () => {
    const { c, samples, tags } = await run((port) => demoPlantOverOpcUa(220, entry(port)), {
      capabilities: { maxSubscriptionsPerSession: 1 },
      hideLimits: true,
    });
    expect(tags).toHaveLength(1100);
    await waitFor(() => c.status().state === 'connected', 'connected', 30_000);
    await waitFor(() => good(samples).size === tags.length, 'a value of every tag', 20_000);
    expect(samples.filter((s) => s.value === null)).toEqual([]);
  }, 60_000);
});
