// A model whose tags all come from real sources (here OPC UA) gives the replay nothing to publish: with the
// simulator left at its default (enabled), the core must not generate a day and run a plant clock of its own.
import fs from 'node:fs';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { createCore, testConfig, type Core } from '../electron/core';
import { OPERATOR, tempDir } from './helpers';
import { waterOpcUaModel, writeModel } from './plant-rig';

describe('the replay simulator on a model with no MQTT JSON tag', () => {
  let core: Core | null = null;
  afterEach(async () => {
    await core?.stop();
    core = null;
  });

  it('is off: no replay status, no generated day, the snapshot shows no replay running', async () => {
    const { dir, cleanup } = tempDir();
    onTestFinished(cleanup);
    // nothing listens on this port: the connector retries, which is no concern of the simulator's
    const model = writeModel(dir, waterOpcUaModel(9, 'None'));
    core = createCore(
      testConfig(dir, { plant: { model, watch: false }, http: { enabled: false }, immune: { fleet: { enabled: false } }, governance: { watchPolicy: false } }),
    );
    await core.start();
    expect(await core.api.call('simulator.scenarios', {}, OPERATOR)).toMatchObject({ ok: false, error: { code: 'no_simulator' } });
    const snap = await core.api.call('plant.snapshot', {}, OPERATOR);
    if (!snap.ok) throw new Error(snap.error.message);
    expect(snap.result.simulator).toMatchObject({ running: false, totalRows: 0, published: 0 });
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.csv'))).toEqual([]);
  });
});
