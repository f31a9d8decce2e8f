// The second plant through the MCP tools (issue 15): resources/plants/water-treatment.yaml in a real core
// (its generated day replayed through the embedded broker in the model's own per-tag format, ingest,
// governance, SQLite). An agent lists the plant's devices, reads a stream, and a governed command with a
// model-defined parameter is validated: a bad parameter is refused with the schema's reason before any
// operator is asked; a good one is approved and carried out by the device. An area-scoped agent sees and
// acts on its area only.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { decideNext, inMemoryClient, startRig, textOf, waitFor, type McpRig } from '../../../../tests/mcp-helpers';

const WATER = path.join(__dirname, '../../../../resources/plants/water-treatment.yaml');
const PUMP = 'intake/rw-pump-1';

let rig: McpRig;
let client: Client;
let intake: Client;

beforeAll(async () => {
  rig = await startRig({ plant: { model: WATER, watch: false }, simulator: { speed: 5 } });
  client = await inMemoryClient(rig);
  rig.core.services.governance.addAgent({ id: 'intake-bot', name: 'Intake assistant', role: 'assistant', scope: { areas: ['intake'] } });
  intake = await inMemoryClient(rig, 'intake-bot');
}, 180_000);
afterAll(async () => {
  await intake?.close();
  await client?.close();
  await rig?.close();
});

const call = (c: Client, name: string, args: Record<string, unknown> = {}) => c.callTool({ name, arguments: args });

describe('the water-treatment plant through MCP', () => {
  it("list_devices gives the model's 14 assets in 4 areas with their tags and commands", async () => {
    const r = await call(client, 'list_devices');
    const { devices } = r.structuredContent as {
      devices: Array<{ device_id: string; area: string; device_type: string; tags: Array<{ key: string; unit: string }>; commands: Array<{ name: string }> }>;
    };
    expect(devices).toHaveLength(14);
    expect(new Set(devices.map((d) => d.area))).toEqual(new Set(['intake', 'treatment', 'filtration', 'distribution']));
    const pump = devices.find((d) => d.device_id === PUMP);
    expect(pump).toMatchObject({ area: 'intake', device_type: 'centrifugal_pump' });
    expect(pump?.tags.find((t) => t.key === 'flow')?.unit).toBe('m³/h');
    expect(pump?.commands.map((c) => c.name)).toEqual(['set_speed', 'stop', 'start']);
    // the server's instructions describe this plant, not the demo's nine devices
    const instructions = client.getInstructions() ?? '';
    expect(instructions).toMatch(/Riverside water treatment works: 14 devices in 4 areas \(intake\/intake-well-1, intake\/rw-pump-1, /);
    expect(instructions).not.toMatch(/compressor|Nine devices/);
  });

  it("get_sensor_stream reads the pump's tags with the model's units", async () => {
    await waitFor(() => rig.core.services.live.recent(PUMP, 100).filter((x) => x.values.flow !== undefined).length >= 3, '1 s flow values of the pump');
    const r = await call(client, 'get_sensor_stream', { device_id: PUMP, last_n: 50, sensors: ['flow', 'motor_current'] });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as { devices: Array<{ device_id: string; readings: Array<{ flow?: number }> }>; units: Record<string, string> };
    expect(s.units).toEqual({ flow: 'm³/h', motor_current: 'A' });
    const flows = (s.devices[0]?.readings ?? []).map((x) => x.flow).filter((v) => v !== undefined);
    expect(flows.length).toBeGreaterThan(0);
    expect(flows.every((v) => v > 500)).toBe(true);
    const wrong = await call(client, 'get_sensor_stream', { device_id: PUMP, sensors: ['temperature'] });
    expect(textOf(wrong)).toContain(`unknown sensor "temperature" for ${PUMP}. Valid sensors: flow, discharge_pressure, speed, motor_current, bearing_temp`);
  });

  it('a governed set_speed: a bad speed_pct is refused with the schema reason, a good one is approved and applied by the pump', async () => {
    const justification = 'reservoir near its high limit; slow the raw water pump';
    const bad = await call(client, 'execute_device_command', { device_id: PUMP, command: 'set_speed', parameters: { speed_pct: 150 }, justification });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/^set_speed needs speed_pct an integer between 20 and 100/);
    const demo = await call(client, 'execute_device_command', { device_id: PUMP, command: 'reduce_load', parameters: { reduction_pct: 20 }, justification });
    expect(textOf(demo)).toContain(
      `${PUMP} (centrifugal_pump) has no command "reduce_load". Valid commands: set_speed {speed_pct: an integer between 20 and 100}, stop, start`,
    );
    expect(rig.core.services.governance.listApprovals('pending')).toEqual([]);

    const decided = decideNext(rig, 'approve');
    const ok = await call(client, 'execute_device_command', { device_id: PUMP, command: 'set_speed', parameters: { speed_pct: 50 }, justification });
    await decided;
    expect(textOf(ok)).toContain('set_speed accepted by intake/rw-pump-1');
    expect(ok.structuredContent).toMatchObject({ status: 'executed', command: 'set_speed', params: { speed_pct: 50 } });
    expect(rig.core.services.plant?.simulator.device(PUMP)?.status()).toMatchObject({ state: 'running', load_pct: 50, last_command: { command: 'set_speed' } });
  });

  it('an intake-scoped agent sees the intake and acts on it only', async () => {
    const list = await call(intake, 'list_devices');
    expect((list.structuredContent as { devices: Array<{ device_id: string }> }).devices.map((d) => d.device_id)).toEqual([
      'intake/intake-well-1',
      'intake/rw-pump-1',
      'intake/rw-pump-2',
    ]);
    const other = await call(intake, 'get_device_status', { device_id: 'high-lift/hs-pump-1' });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toContain("device high-lift/hs-pump-1 is outside the agent's scope (area intake)");
    const cmd = await call(intake, 'execute_device_command', {
      device_id: 'high-lift/hs-pump-1',
      command: 'set_speed',
      parameters: { speed_pct: 80 },
      justification: 'network pressure high; slow the high-lift pump',
    });
    expect(textOf(cmd)).toContain('outside the agent');
    const own = await call(intake, 'get_device_status', { device_id: PUMP });
    expect(own.structuredContent).toMatchObject({ device_id: PUMP, device_type: 'centrifugal_pump', line: 'intake' });
  });
});
