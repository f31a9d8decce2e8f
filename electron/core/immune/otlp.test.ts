import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../observability';
import { createOtlpExporter, type otlpMetricsBody } from './otlp';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

const stats = {
  agents: 3,
  executions: 10,
  infections: 1,
  healed: 1,
  failed_heals: 0,
  success_rate: 1,
  quarantined: 0,
  pending: 0,
  rejected: 0,
  runtime_ms: 1000,
};

describe('OTLP metrics export', () => {
  it('posts OTLP/HTTP JSON metrics to a collector on loopback', async () => {
    const got: Array<{ url: string; body: ReturnType<typeof otlpMetricsBody> }> = [];
    const server = http.createServer((req, res) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => {
        got.push({ url: req.url ?? '', body: JSON.parse(b) as ReturnType<typeof otlpMetricsBody> });
        res.writeHead(200).end('{}');
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const exp = createOtlpExporter({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      serviceName: 'aegis-test',
      fetch,
      log: createLogger({ level: 'silent' }),
      now: () => 1_700_000_000_000,
    });
    expect(await exp.export({ executions: 10, infections: 1 }, stats)).toBe(true);
    expect(got[0].url).toBe('/v1/metrics');
    const rm = got[0].body.resourceMetrics[0];
    expect(rm.resource.attributes[0]).toEqual({ key: 'service.name', value: { stringValue: 'aegis-test' } });
    const metrics = rm.scopeMetrics[0].metrics as Array<{ name: string; sum?: { dataPoints: Array<{ asInt: string }> } }>;
    expect(metrics.find((m) => m.name === 'aegisflow.immune.executions')!.sum!.dataPoints[0].asInt).toBe('10');
    expect(metrics.map((m) => m.name)).toContain('aegisflow.immune.agents.quarantined');
  });

  it('treats a collector that is down as a logged miss, not an error', async () => {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r)); // nothing listens there now
    const exp = createOtlpExporter({ endpoint: `http://127.0.0.1:${port}`, serviceName: 'x', fetch, log: createLogger({ level: 'silent' }), now: Date.now });
    await expect(exp.export({}, stats)).resolves.toBe(false);
  });
});
