// Run aggregation of MCP calls into immune vitals (a recording sink stands for the immune service here;
// the immune service itself is exercised in the core tests).
import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock';
import { createRunVitals } from './vitals';

const rig = () => {
  const clock = manualClock(1_000_000);
  const got: Array<Record<string, unknown>> = [];
  const v = createRunVitals({ recordVitals: (x) => got.push(x as Record<string, unknown>) }, clock, { runIdleMs: 5000, maxRunMs: 60_000 });
  return { clock, got, v };
};

describe('MCP run vitals', () => {
  it('folds a burst of calls into one run, closed by silence', () => {
    const { clock, got, v } = rig();
    v.add('a', { latencyMs: 2, error: false, tool: 'get_device_status' });
    clock.advance(1000);
    v.add('a', { latencyMs: 3, error: true, tool: 'get_sensor_stream' });
    v.add('a', { latencyMs: 1, error: false, tool: 'get_device_status' });
    clock.advance(4000);
    expect(v.flush()).toBe(0);
    clock.advance(1000);
    expect(v.flush()).toBe(1);
    expect(got).toEqual([
      expect.objectContaining({ agent_id: 'a', tool_calls: 3, errors: 1, latency_ms: 6, tools: ['get_device_status', 'get_sensor_stream'] }),
    ]);
  });

  it('keeps agents apart, cuts a never-idle run at maxRunMs, and flushes everything on stop', () => {
    const { clock, got, v } = rig();
    for (let i = 0; i < 130; i++) {
      v.add('loop', { latencyMs: 1, error: false, tool: 'get_active_anomalies' });
      clock.advance(1000);
    }
    v.add('b', { latencyMs: 1, error: false, tool: 'list_devices' });
    expect(got.map((g) => [g.agent_id, g.tool_calls])).toEqual([
      ['loop', 60],
      ['loop', 60],
    ]);
    v.stop();
    expect(got.map((g) => [g.agent_id, g.tool_calls])).toEqual([
      ['loop', 60],
      ['loop', 60],
      ['loop', 10],
      ['b', 1],
    ]);
  });
});
