// Agent scopes by area, line and device: the pure checks with a plant hierarchy, and the gateway
// resolving an area scope through the plant model it is given (real gateway, real policy, SQLite).
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentScope } from '../../../shared/governance';
import { deviceInScope, hierarchyOf, isScoped, scopeGlobs, scopeLimits, selectorProblem } from './scope';
import { harness, type Harness } from './test-helpers';

/** Two areas: water intake (lines intake-1, intake-2) and filtration (line filt-1). */
let model = {
  areas: [
    { id: 'intake', lines: [{ id: 'intake-1' }, { id: 'intake-2' }] },
    { id: 'filtration', lines: [{ id: 'filt-1' }] },
  ],
};
const plant = hierarchyOf(() => model);
const AREA: AgentScope = { areas: ['intake'] };

describe('scope by area', () => {
  it('an area grants every asset of its lines and nothing else', () => {
    expect(isScoped(AREA)).toBe(true);
    expect(deviceInScope(AREA, 'intake-1/pump-01', plant)).toBe(true);
    expect(deviceInScope(AREA, 'intake-2/screen-01', plant)).toBe(true);
    expect(deviceInScope(AREA, 'filt-1/filter-01', plant)).toBe(false);
    expect(deviceInScope(AREA, 'nowhere/x', plant)).toBe(false);
    expect(scopeGlobs(AREA, plant)).toEqual(['intake-1/*', 'intake-2/*']);
    expect(scopeLimits({ areas: ['intake'], devices: ['filt-1/filter-0?'] })).toBe('area intake, filt-1/filter-0?');
  });

  it('without the plant hierarchy an area scope grants nothing (fail closed)', () => {
    expect(deviceInScope(AREA, 'intake-1/pump-01')).toBe(false);
    expect(scopeGlobs(AREA)).toEqual([]);
    expect(selectorProblem(AREA, 'intake-1/pump-01')).toContain('outside');
  });

  it('combines areas, lines and device globs', () => {
    const scope: AgentScope = { areas: ['filtration'], lines: ['intake-2'], devices: ['intake-1/pump-*'] };
    expect(deviceInScope(scope, 'filt-1/filter-01', plant)).toBe(true);
    expect(deviceInScope(scope, 'intake-2/screen-01', plant)).toBe(true);
    expect(deviceInScope(scope, 'intake-1/pump-01', plant)).toBe(true);
    expect(deviceInScope(scope, 'intake-1/screen-01', plant)).toBe(false);
  });

  it('selectors: an area or line in scope is allowed, others are refused with the scope in words', () => {
    expect(selectorProblem(AREA, 'all', plant)).toBeNull();
    expect(selectorProblem(AREA, 'intake', plant)).toBeNull();
    expect(selectorProblem(AREA, 'intake-2', plant)).toBeNull();
    expect(selectorProblem(AREA, 'filtration', plant)).toBe("area filtration is outside the agent's scope (area intake)");
    expect(selectorProblem(AREA, 'filt-1', plant)).toBe("line filt-1 is outside the agent's scope (area intake)");
    expect(selectorProblem(AREA, 'filt-1/filter-01', plant)).toBe("device filt-1/filter-01 is outside the agent's scope (area intake)");
    expect(selectorProblem(AREA, 'intake-*', plant)).toContain('name a device, line or area in scope');
    // a device glob inside an area makes that area a selector the tool can answer (for the part in scope)
    expect(selectorProblem({ devices: ['filt-1/filter-01'] }, 'filtration', plant)).toBeNull();
  });

  it('follows the model in force: a line moved to another area moves with it', () => {
    expect(deviceInScope(AREA, 'filt-1/filter-01', plant)).toBe(false);
    model = { areas: [{ id: 'intake', lines: [{ id: 'intake-1' }, { id: 'filt-1' }] }] };
    expect(deviceInScope(AREA, 'filt-1/filter-01', plant)).toBe(true);
    expect(deviceInScope(AREA, 'intake-2/screen-01', plant)).toBe(false);
  });
});

describe('the gateway resolves area scopes through the plant model', () => {
  let h: Harness;
  afterEach(() => h?.close());

  it('an area-scoped agent reads and acts on its area only', async () => {
    const areas = {
      areas: [
        { id: 'production', lines: [{ id: 'line-1' }, { id: 'line-2' }] },
        { id: 'utilities', lines: [{ id: 'line-3' }] },
      ],
    };
    h = harness({}, undefined, { plant: hierarchyOf(() => areas) });
    h.gateway.addAgent({ id: 'prod', name: 'prod bot', role: 'operator-assistant', scope: { areas: ['production'] } });
    const ask = (tool: string, args: Record<string, unknown>, devices?: string[]) => h.gateway.authorize({ agentId: 'prod', tool, args, devices });
    expect((await ask('get_device_status', { device_id: 'line-2/pump-03' })).decision).toBe('ALLOW');
    expect((await ask('get_sensor_stream', { device_id: 'production' })).decision).toBe('ALLOW');
    const out = await ask('get_device_status', { device_id: 'line-3/pump-03' });
    expect(out).toMatchObject({ decision: 'BLOCK', ruleId: 'scope' });
    expect(out.reason).toBe("agent prod: device line-3/pump-03 is outside the agent's scope (area production)");
    expect(await ask('get_sensor_stream', { device_id: 'utilities' })).toMatchObject({ decision: 'BLOCK', ruleId: 'scope' });
    expect(await ask('acknowledge_anomaly', { anomaly_id: 'x' }, ['line-3/motor-02'])).toMatchObject({ decision: 'BLOCK', ruleId: 'scope' });
    const cmd = { device_id: 'line-1/compressor-01', command: 'reduce_load', parameters: { reduction_pct: 20 }, justification: 'SOP 2.1 thermal runaway' };
    expect((await ask('execute_device_command', cmd)).decision).toBe('REVIEW');
    expect(await ask('execute_device_command', { ...cmd, device_id: 'line-3/compressor-01' })).toMatchObject({ decision: 'BLOCK', ruleId: 'scope' });
  });
});
