// The MCP tools driven by a plant model that is not the demo: devices, tags, units, commands and their
// parameters, manuals and area scopes all come from the model file. A real core (SQLite, governance,
// limit alarms) with the simulator off; readings reach the live cache and the bus as ingest hands them on.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { TimedReading } from '../../../../shared/domain';
import { tempDir } from '../../../../tests/helpers';
import { inMemoryClient, startRig, textOf, type McpRig } from '../../../../tests/mcp-helpers';

const MODEL = `plant_model: 1
site: { id: mill }
connectors:
  - { id: mq, type: mqtt-json, topic: 'mill/{device}' }
asset_types:
  tank:
    name: Storage tank
    manual: manuals/tank.md
    tags:
      level: { unit: m, range: [0, 10], normal: [2, 8], sampling_s: 5, limits: { HH: { value: 9.5, priority: urgent, action: 'stop the feed' } } }
      temp: { name: Temperature, unit: '°C', range: [0, 100], normal: [15, 30], sampling_s: 60 }
    commands:
      drain:
        description: Open the drain valve.
        params:
          pct: { type: integer, min: 10, max: 90, description: 'Valve opening, percent' }
          mode: { type: string, enum: [slow, fast], required: false }
      hold: {}
  mixer:
    tags:
      speed: { unit: rpm, range: [0, 3000], sampling_s: 5 }
    commands:
      stop: {}
areas:
  - id: north
    lines:
      - id: n1
        assets:
          - { id: tank-1, type: tank, name: North tank }
          - { id: mixer-1, type: mixer }
  - id: south
    lines:
      - id: s1
        assets:
          - { id: tank-2, type: tank }
`;

const TANK_MANUAL = `# Storage tank manual

## 1 Overflow

### 1.1 High level in a storage tank
Stop the feed pump, then drain to 60 % with drain {"pct": 40}.

## 2 Sludge

### 2.1 Sludge at the tank bottom
Drain slowly.
`;

let tmp: ReturnType<typeof tempDir>;
let rig: McpRig;
let client: Client;
let north: Client;

const T0 = Date.UTC(2026, 2, 1, 8);
const reading = (device: string, s: number, values: Record<string, number>): TimedReading => ({
  device_id: device,
  timestamp: new Date(T0 + s * 1000).toISOString(),
  ts: T0 + s * 1000,
  values,
});
/** As ingest hands readings on: into the live cache, then one batch on the bus. */
function feed(rs: TimedReading[]) {
  for (const r of rs) rig.core.services.live.push(r);
  rig.core.bus.emit('readings', rs);
}

beforeAll(async () => {
  tmp = tempDir('aegis-model-tools-');
  fs.mkdirSync(path.join(tmp.dir, 'manuals'));
  fs.writeFileSync(path.join(tmp.dir, 'manuals', 'tank.md'), TANK_MANUAL);
  const file = path.join(tmp.dir, 'mill.yaml');
  fs.writeFileSync(file, MODEL);
  rig = await startRig({ plant: { model: file, watch: false }, simulator: { enabled: false } });
  client = await inMemoryClient(rig);
  rig.core.services.governance.addAgent({ id: 'north-bot', name: 'North assistant', role: 'assistant', scope: { areas: ['north'] } });
  north = await inMemoryClient(rig, 'north-bot');
  const rs: TimedReading[] = [];
  for (let i = 0; i < 12; i++) {
    rs.push(reading('n1/tank-1', i * 5, { level: 5 + i * 0.01, temp: 20 }));
    rs.push(reading('n1/mixer-1', i * 5, { speed: 1500 }));
    rs.push(reading('s1/tank-2', i * 5, { level: 4 }));
  }
  rs.push(reading('n1/tank-1', 60, { level: 9.8 }));
  feed(rs);
}, 60_000);
afterAll(async () => {
  await north?.close();
  await client?.close();
  await rig?.close();
  tmp?.cleanup();
});

const call = (c: Client, name: string, args: Record<string, unknown> = {}) => c.callTool({ name, arguments: args });

describe('MCP tools from the plant model', () => {
  it('list_devices gives every asset with area, line, tags (units, normal band) and commands with their parameters', async () => {
    const r = await call(client, 'list_devices');
    const { devices } = r.structuredContent as {
      devices: Array<{
        device_id: string;
        name: string;
        area: string;
        line: string;
        device_type: string;
        tags: Array<{ key: string; unit: string; normal: number[] }>;
        commands: Array<{ name: string; params: Record<string, { type: string; min?: number; max?: number; required: boolean }> }>;
      }>;
    };
    expect(devices.map((d) => d.device_id)).toEqual(['n1/mixer-1', 'n1/tank-1', 's1/tank-2']);
    const tank = devices.find((d) => d.device_id === 'n1/tank-1');
    expect(tank).toMatchObject({ name: 'North tank', area: 'north', line: 'n1', device_type: 'tank', state: 'unknown', load_pct: null });
    expect(tank?.tags).toEqual([
      { key: 'level', name: 'level', unit: 'm', normal: [2, 8], sampling_s: 5 },
      { key: 'temp', name: 'Temperature', unit: '°C', normal: [15, 30], sampling_s: 60 },
    ]);
    expect(tank?.commands.map((c) => c.name)).toEqual(['drain', 'hold']);
    expect(tank?.commands[0]?.params.pct).toMatchObject({ type: 'integer', min: 10, max: 90, required: true });
    expect(textOf(r)).toContain('n1/tank-1 (tank, area north): state unknown; tags level m, temp °C; commands drain, hold');
  });

  it("get_sensor_stream reads the asset's tags with the model's units, by device, area or line", async () => {
    const one = await call(client, 'get_sensor_stream', { device_id: 'n1/tank-1', last_n: 2 });
    const s = one.structuredContent as { devices: Array<{ device_id: string; readings: Array<Record<string, unknown>> }>; units: Record<string, string> };
    expect(s.units).toEqual({ level: 'm', temp: '°C' });
    // the newest reading carries level only: a partial reading leaves the other tag out
    expect(s.devices[0]?.readings.map((x) => Object.keys(x).sort())).toEqual([
      ['level', 'temp', 'timestamp'],
      ['level', 'timestamp'],
    ]);
    const area = await call(client, 'get_sensor_stream', { device_id: 'north' });
    expect((area.structuredContent as { devices: Array<{ device_id: string }> }).devices.map((d) => d.device_id)).toEqual(['n1/mixer-1', 'n1/tank-1']);
    const line = await call(client, 'get_sensor_stream', { device_id: 's1', sensors: ['level'] });
    expect(line.structuredContent).toMatchObject({ devices: [{ device_id: 's1/tank-2', readings: [{ level: 4 }] }], units: { level: 'm' } });
  });

  it("refuses a sensor the device does not have, listing the device's valid tag keys", async () => {
    const r = await call(client, 'get_sensor_stream', { device_id: 'n1/mixer-1', sensors: ['level'] });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toContain('unknown sensor "level" for n1/mixer-1. Valid sensors: speed');
    const all = await call(client, 'get_sensor_stream', { sensors: ['pressure'] });
    expect(textOf(all)).toContain('unknown sensor "pressure" for the selected devices. Valid sensors: speed, level, temp');
  });

  it("get_device_status gives each tag's value and z-score and the device's active limit alarms", async () => {
    const r = await call(client, 'get_device_status', { device_id: 'n1/tank-1' });
    const s = r.structuredContent as {
      device_type: string;
      line: string;
      latest: Record<string, unknown>;
      sensors: Array<{ sensor: string; value: number; unit: string }>;
      limit_alarms: Array<{ id: string; priority: string; message: string }>;
    };
    expect(s).toMatchObject({ device_type: 'tank', line: 'n1' });
    expect(s.sensors.map((x) => [x.sensor, x.value, x.unit])).toEqual([
      ['level', 9.8, 'm'],
      ['temp', 20, '°C'],
    ]);
    expect(s.latest).toMatchObject({ level: 9.8, temp: 20 });
    expect(s.limit_alarms).toEqual([
      { id: 'n1/tank-1/level:HH', state: 'unacknowledged', priority: 'urgent', message: 'n1/tank-1 level 9.8 m above HH limit 9.5 m. Action: stop the feed' },
    ]);
    expect(textOf(r)).toContain('limit alarm n1/tank-1/level:HH: unacknowledged (urgent)');
  });

  it("execute_device_command takes the asset type's commands and parameter schema, refusing others with the reason", async () => {
    const base = { device_id: 'n1/tank-1', justification: 'High level, manual 1.1: drain the tank' };
    const unknown = await call(client, 'execute_device_command', { ...base, command: 'reduce_load', parameters: { reduction_pct: 20 } });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toContain(
      'n1/tank-1 (tank) has no command "reduce_load". Valid commands: drain {pct: an integer between 10 and 90; mode?: one of slow, fast}, hold',
    );
    const tooMuch = await call(client, 'execute_device_command', { ...base, command: 'drain', parameters: { pct: 95 } });
    expect(textOf(tooMuch)).toMatch(/^drain needs pct an integer between 10 and 90: /);
    const notInt = await call(client, 'execute_device_command', { ...base, command: 'drain', parameters: '{"pct": 40.5}' });
    expect(textOf(notInt)).toMatch(/drain needs pct an integer between 10 and 90/);
    const badMode = await call(client, 'execute_device_command', { ...base, command: 'drain', parameters: { pct: 40, mode: 'turbo' } });
    expect(textOf(badMode)).toMatch(/drain needs mode one of slow, fast/);
    const missing = await call(client, 'execute_device_command', { ...base, command: 'drain' });
    expect(textOf(missing)).toMatch(/drain needs pct/);
    // nothing refused here went to an operator
    expect(rig.core.services.governance.listApprovals('pending')).toEqual([]);
  });

  it("query_device_manual searches the manual the asset type names, and the plant's manual for types without one", async () => {
    const tank = await call(client, 'query_device_manual', { query: 'high level overflow', device_id: 'n1/tank-1', limit: 1 });
    expect(tank.structuredContent).toMatchObject({ results: [{ section: '1.1', title: 'High level in a storage tank', manual: 'tank.md' }] });
    const mixer = await call(client, 'query_device_manual', { query: 'bearing vibration', device_type: 'mixer' });
    const hits = (mixer.structuredContent as { results: Array<{ manual: string }> }).results;
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.manual === 'device_manual.md')).toBe(true);
    const any = await call(client, 'query_device_manual', { query: 'sludge tank bottom', limit: 1 });
    expect(any.structuredContent).toMatchObject({ results: [{ section: '2.1', manual: 'tank.md' }] });
    const bad = await call(client, 'query_device_manual', { query: 'overflow', device_type: 'compressor' });
    expect(textOf(bad)).toContain('unknown device type "compressor". Device types of this plant: tank, mixer');
  });

  it('an area-scoped agent sees and acts on its area only', async () => {
    const list = await call(north, 'list_devices');
    expect((list.structuredContent as { devices: Array<{ device_id: string }> }).devices.map((d) => d.device_id)).toEqual(['n1/mixer-1', 'n1/tank-1']);
    const all = await call(north, 'get_sensor_stream', {});
    expect((all.structuredContent as { devices: Array<{ device_id: string }> }).devices.map((d) => d.device_id)).toEqual(['n1/mixer-1', 'n1/tank-1']);
    const south = await call(north, 'get_device_status', { device_id: 's1/tank-2' });
    expect(south.isError).toBe(true);
    expect(textOf(south)).toContain("device s1/tank-2 is outside the agent's scope (area north)");
    const area = await call(north, 'get_sensor_stream', { device_id: 'south' });
    expect(textOf(area)).toContain("area south is outside the agent's scope (area north)");
    const cmd = await call(north, 'execute_device_command', { device_id: 's1/tank-2', command: 'hold', justification: 'High level, manual 1.1: hold' });
    expect(textOf(cmd)).toContain('outside the agent');
    expect((await call(north, 'get_device_status', { device_id: 'n1/tank-1' })).isError).toBeFalsy();
  });
});
