// A core on a plant model read from real sources only (OPC UA, Sparkplug B, MQTT JSON peers the test
// starts): no simulator, no HTTP, no immune fleet, the policy file not watched. Shared by the connector
// tests so each sets up only its own peers.
import fs from 'node:fs';
import path from 'node:path';
import { createCore, testConfig, type Core } from '../electron/core';
import { waterOverOpcUa } from './opcua-server';

/** Writes a model text into dir and returns its path. */
export function writeModel(dir: string, text: string, name = 'plant.yaml'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** The water-treatment model with one OPC UA connector `wtp-opc` on 127.0.0.1:port. */
export function waterOpcUaModel(port: number, securityMode: 'None' | 'Sign' | 'SignAndEncrypt'): string {
  return waterOverOpcUa(`  - id: wtp-opc
    type: opc-ua
    endpoint: opc.tcp://127.0.0.1:${port}
    security_mode: ${securityMode}
    publishing_interval_ms: 100`);
}

/** The settings a core reading real sources runs with in tests (also the UI rig's). */
export const realPlantSettings = (model: string) => ({
  plant: { model, watch: false },
  simulator: { enabled: false },
  immune: { fleet: { enabled: false } },
  governance: { watchPolicy: false },
});

/** A started core on the model file, its data in dataDir; sweepIntervalMs for tests that wait on expiries. */
export async function startPlantCore(dataDir: string, model: string, opts: { sweepIntervalMs?: number } = {}): Promise<Core> {
  const base = realPlantSettings(model);
  const core = createCore(
    testConfig(dataDir, {
      ...base,
      http: { enabled: false },
      governance: { ...base.governance, ...(opts.sweepIntervalMs === undefined ? {} : { sweepIntervalMs: opts.sweepIntervalMs }) },
    }),
  );
  await core.start();
  return core;
}
