// Rate limits and the fairness config: token buckets on a hand-moved clock, and the strict 'mcp'
// section (a misspelt limit is an error, not silently ignored).
import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock';
import { loadConfig } from '../config';
import { McpConfigSchema, RATE_LIMITED_TOOLS } from './config';
import { createRateLimiter } from './limits';
import { ALL_TOOLS } from './tools';

const limits = (over: Record<string, unknown> = {}) => McpConfigSchema.parse({ rateLimits: over }).rateLimits;

describe('rate limiter', () => {
  it('gives each agent its own buckets: a burst, then one call per refill, with the wait to retry', () => {
    const clock = manualClock(1_000_000);
    const rl = createRateLimiter(limits({ perAgent: { perSecond: 100, burst: 100 }, tools: { get_sensor_stream: { perSecond: 2, burst: 3 } } }), clock.now);
    expect([1, 2, 3].map(() => rl.take('a', 'get_sensor_stream').ok)).toEqual([true, true, true]);
    expect(rl.take('a', 'get_sensor_stream')).toEqual({ ok: false, limit: 'tool', bucket: { perSecond: 2, burst: 3 }, retryAfterMs: 500 });
    expect(rl.take('b', 'get_sensor_stream').ok).toBe(true); // another agent: untouched
    expect(rl.take('a', 'list_devices').ok).toBe(true); // another tool of the same agent
    clock.advance(499);
    expect(rl.take('a', 'get_sensor_stream')).toMatchObject({ ok: false, retryAfterMs: 1 });
    clock.advance(1);
    expect(rl.take('a', 'get_sensor_stream').ok).toBe(true);
    expect(rl.take('a', 'get_sensor_stream').ok).toBe(false);
    expect([rl.hits('a'), rl.hits('b'), rl.totalHits()]).toEqual([3, 0, 3]);
    clock.advance(60_000); // refills only up to the burst
    expect([1, 2, 3, 4].map(() => rl.take('a', 'get_sensor_stream').ok)).toEqual([true, true, true, false]);
  });

  it('limits all tools of an agent together, and a refused call takes no token from either bucket', () => {
    const clock = manualClock(0);
    const rl = createRateLimiter(limits({ perAgent: { perSecond: 1, burst: 2 }, perTool: { perSecond: 1, burst: 1 } }), clock.now);
    expect(rl.take('a', 'list_devices').ok).toBe(true);
    expect(rl.take('a', 'list_devices')).toMatchObject({ ok: false, limit: 'tool' });
    expect(rl.take('a', 'get_device_status').ok).toBe(true);
    expect(rl.take('a', 'get_active_anomalies')).toEqual({ ok: false, limit: 'agent', bucket: { perSecond: 1, burst: 2 }, retryAfterMs: 1000 });
    clock.advance(1000);
    expect(rl.take('a', 'get_active_anomalies').ok).toBe(true); // its own tool bucket was not drawn by the refusal
  });

  it('can be turned off', () => {
    const rl = createRateLimiter(limits({ enabled: false, perAgent: { perSecond: 1, burst: 1 } }), () => 0);
    expect([1, 2, 3].map(() => rl.take('a', 'list_devices').ok)).toEqual([true, true, true]);
  });
});

describe("the 'mcp' config section", () => {
  it('has working defaults for the fairness limits', () => {
    const mcp = loadConfig({}).mcp;
    expect(mcp).toMatchObject({ maxSessions: 256, maxSessionsPerAgent: 32, sessionOverflow: 'evict-idle', maxBatch: 100 });
    expect(mcp.rateLimits).toMatchObject({
      enabled: true,
      perAgent: { perSecond: 20, burst: 60 },
      perTool: { perSecond: 10, burst: 30 },
      tools: { get_sensor_stream: { perSecond: 2, burst: 10 } },
    });
  });

  it('refuses unknown keys, also inside the limits and for tools that do not exist', () => {
    expect(() => loadConfig({ overrides: { mcp: { maxSesions: 5 } } })).toThrow(/mcp.*maxSesions/s);
    expect(() => loadConfig({ overrides: { mcp: { rateLimits: { perAgent: { perSecond: 1, burst: 1, rate: 3 } } } } })).toThrow(/rateLimits\.perAgent/);
    expect(() => loadConfig({ overrides: { mcp: { rateLimits: { tools: { get_sensor_streams: { perSecond: 1, burst: 1 } } } } } })).toThrow(
      /get_sensor_streams/,
    );
    expect(() => loadConfig({ overrides: { mcp: { sessionOverflow: 'evict-any' } } })).toThrow(/sessionOverflow/);
  });

  it('names every registered tool as rate-limitable', () => {
    expect([...RATE_LIMITED_TOOLS].sort()).toEqual(ALL_TOOLS.map((t) => t.name).sort());
  });
});
