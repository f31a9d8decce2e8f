// REVIEW that nobody decides: the approval expires (timeout denies) and nothing reaches the device.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { GOVERNANCE_META } from '../electron/core/mcp';
import { allDevicesLive, httpClient, inMemoryClient, policyWithReviewTimeout, startRig, textOf, type McpRig } from './mcp-helpers';
import { OPERATOR } from './helpers';

let rig: McpRig;
beforeAll(async () => {
  rig = await startRig({}, policyWithReviewTimeout(1));
  await allDevicesLive(rig);
}, 60_000);
afterAll(async () => {
  await rig?.close();
});

it.each([
  ['in memory', 'line-2/pump-03'],
  ['over Streamable HTTP (progress switches the answer to SSE)', 'line-3/pump-03'],
])('an expired approval is an isError result and the command is never executed (%s)', async (how, device) => {
  const client = how === 'in memory' ? await inMemoryClient(rig) : await httpClient(rig.mcpUrl, rig.token);
  const progress: number[] = [];
  const r = await client.callTool(
    {
      name: 'execute_device_command',
      arguments: { device_id: device, command: 'reduce_load', parameters: { reduction_pct: 40 }, justification: 'nobody will answer this one' },
    },
    undefined,
    { onprogress: (p) => progress.push(p.progress) },
  );
  expect(r.isError).toBe(true);
  expect(textOf(r)).toMatch(/^EXPIRED/);
  const meta = (r._meta as Record<string, { status: string; approval_id: string }>)[GOVERNANCE_META];
  expect(meta.status).toBe('expired');
  expect(progress.length).toBeGreaterThan(0);
  expect(rig.core.services.plant!.simulator.devices().find((d) => d.device_id === device)).toMatchObject({ state: 'running', load_pct: 100 });
  const executed = await rig.core.api.call('audit.query', { kind: 'EXECUTED' }, OPERATOR);
  expect(executed.ok && executed.result).toEqual([]);
  const expired = await rig.core.api.call('audit.query', { kind: 'EXPIRED' }, OPERATOR);
  expect(expired.ok && expired.result.some((row) => row.approvalId === meta.approval_id)).toBe(true);
  await client.close();
});
