// Finding 7: refused commands reported as executed. An approved reduce_load of 500 % (or "50", a
// string) was audited EXECUTED while the device refused it and stayed at 100 %. Now the executor checks
// the parameters against the device model before publishing, the device checks them again and answers,
// and the audit says EXECUTED only on the device's accepted acknowledgement: DEVICE_REFUSED (with the
// device's reason) or NO_ACK otherwise, and the agent's tool result says which.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inMemoryClient, startRig, textOf, type McpRig } from '../mcp-helpers';
import { OPERATOR, waitFor } from '../helpers';
import { approvedCommand, approveNext, auditFor, reduceLoad } from './device-commands';

const DEFAULT_POLICY = fs.readFileSync(path.resolve(__dirname, '../../resources/policies/default.yaml'), 'utf8');

let rig: McpRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const statusOf = (r: McpRig, id: string) => r.core.services.plant!.simulator.device(id)!.status();

describe('finding 7: a command the device refuses is never audited EXECUTED', () => {
  it('an approved reduction_pct of 500, "50" or "50" as JSON text is refused with a reason; the device stays at 100 %', async () => {
    rig = await startRig();
    const device = 'line-1/compressor-01';
    const cases: Array<[string, Record<string, unknown>]> = [
      ['500', reduceLoad(device, 500)],
      ['"50"', reduceLoad(device, '50')],
      ['JSON text "50"', reduceLoad(device, null, '{"reduction_pct": "50"}')],
    ];
    for (const [name, args] of cases) {
      const r = await approvedCommand(rig.core, 'diag', args);
      expect([name, r.ok]).toEqual([name, false]);
      expect(r.ok === false && r.message).toMatch(/reduction_pct/);
    }
    expect(await auditFor(rig.core, 'EXECUTED', device)).toEqual([]);
    // Refused before publishing, and audited with the device model's reason.
    const refused = await rig.core.api.call('audit.query', { kind: 'REFUSED', limit: 100 }, OPERATOR);
    const invalid = refused.ok ? refused.result.filter((row) => row.ruleId === 'invalid_params') : [];
    expect(invalid.map((row) => row.reason)).toEqual(Array(3).fill(expect.stringMatching(/reduce_load needs reduction_pct between 1 and 90/)));
    expect(rig.core.services.plant!.simulator.commandCounters().accepted).toBe(0);
    expect(statusOf(rig, device)).toMatchObject({ state: 'running', load_pct: 100 });
  });

  it("the device's own refusal is audited DEVICE_REFUSED with its reason, and the agent's result is an error that says so", async () => {
    // Shutdown approvable in this plant's policy, so a device can be stopped through governance first.
    rig = await startRig({}, DEFAULT_POLICY.replace('in: [emergency_shutdown, restart]', 'in: [restart]'));
    const device = 'line-3/compressor-01';
    const client = await inMemoryClient(rig);
    const call = async (args: Record<string, unknown>, tag: string) => {
      const approved = approveNext(rig!.core);
      const r = await client.callTool({ name: 'execute_device_command', arguments: args, _meta: { progressToken: tag } });
      await approved;
      return r;
    };
    const stop = await call({ device_id: device, command: 'emergency_shutdown', justification: 'operator drill: stop the compressor' }, 'stop');
    expect(stop.isError, textOf(stop)).toBeFalsy();
    expect(stop.structuredContent).toMatchObject({ status: 'executed', command: 'emergency_shutdown' });
    expect(statusOf(rig, device).state).toBe('shutdown');

    // Valid parameters, but the device is stopped: only the device knows, and it says no.
    const r = await call(reduceLoad(device, 30), 'reduce');
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/device refused/i);
    expect(textOf(r)).toMatch(/shut down/);
    const refused = await auditFor(rig.core, 'DEVICE_REFUSED', device);
    expect(refused).toHaveLength(1);
    expect(refused[0].reason).toMatch(/shut down/);
    expect((await auditFor(rig.core, 'EXECUTED', device)).map((row) => (row.detail as { command: string }).command)).toEqual(['emergency_shutdown']);
    expect(statusOf(rig, device)).toMatchObject({ state: 'shutdown', load_pct: 0 });
    await client.close();
  });

  it('a command no device acknowledges is audited NO_ACK, and the agent is told its effect is unknown', async () => {
    rig = await startRig({ governance: { ackTimeoutMs: 300 } });
    const device = 'line-2/pump-03';
    // The plant side goes away (a device off the network): nobody will answer.
    await rig.core.services.plant!.simulator.stop();
    const r = await approvedCommand(rig.core, 'diag', reduceLoad(device, 20));
    expect(r).toMatchObject({ ok: false, code: 'no_ack' });
    await waitFor(async () => (await auditFor(rig!.core, 'NO_ACK', device)).length === 1, 'the NO_ACK audit row');
    expect(await auditFor(rig.core, 'EXECUTED', device)).toEqual([]);
  });
});
