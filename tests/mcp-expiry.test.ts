// REVIEW that nobody decides: the approval expires (timeout denies) and nothing reaches the device.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GOVERNANCE_META } from '../electron/core/mcp';
import { inMemoryClient, startRig, textOf, waitFor, type McpRig } from './mcp-helpers';

let rig: McpRig;
beforeAll(async () => {
  const policy = fs.readFileSync(path.resolve(__dirname, '../resources/policies/default.yaml'), 'utf8').replace('review_timeout_s: 120', 'review_timeout_s: 1');
  rig = await startRig({}, policy);
  await waitFor(() => rig.core.services.live.devices().length === 9, 'readings from all nine devices');
}, 60_000);
afterAll(async () => {
  await rig?.close();
});

it('an expired approval is an isError result and the command is never executed', async () => {
  const client = await inMemoryClient(rig);
  const device = 'line-2/pump-03';
  const r = await client.callTool({ name: 'execute_device_command', arguments: { device_id: device, command: 'reduce_load', parameters: { reduction_pct: 40 }, justification: 'nobody will answer this one' }, _meta: { progressToken: 'exp-1' } });
  expect(r.isError).toBe(true);
  expect(textOf(r)).toMatch(/^EXPIRED/);
  expect((r._meta as Record<string, { status: string }>)[GOVERNANCE_META]!.status).toBe('expired');
  expect(rig.core.services.plant!.simulator.devices().find((d) => d.device_id === device)).toMatchObject({ state: 'running', load_pct: 100 });
  const executed = await rig.core.api.call('audit.query', { kind: 'EXECUTED' });
  expect(executed.ok && executed.result).toEqual([]);
  const expired = await rig.core.api.call('audit.query', { kind: 'EXPIRED' });
  expect(expired.ok && expired.result.length).toBe(1);
  await client.close();
});
