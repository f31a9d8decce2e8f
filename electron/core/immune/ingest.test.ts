import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { handleIngestRequest, type IngestReply } from './ingest';
import { openRig, type Rig } from './testkit';

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.close();
    fs.rmSync(r.dir, { recursive: true, force: true });
  }
});
function rig(config: Record<string, unknown> = {}): Rig {
  const r = openRig({ fleetSize: 0, config });
  rigs.push(r);
  return r;
}
const rec = (agent_id: string, extra: Record<string, unknown> = {}) => ({
  agent_id,
  latency_ms: 850,
  input_tokens: 1200,
  output_tokens: 300,
  tool_calls: 3,
  model: 'gpt-5-mini',
  mcp_servers: ['github'],
  ...extra,
});

describe('POST /api/v1/ingest handler', () => {
  it('refuses requests without the right bearer token', () => {
    const r = rig();
    expect(handleIngestRequest(r.immune, { body: rec('a') }).status).toBe(401);
    expect(handleIngestRequest(r.immune, { authorization: 'Bearer not-the-token-at-all', body: rec('a') }).status).toBe(401);
    expect(handleIngestRequest(r.immune, { authorization: 'Basic abc', body: rec('a') }).status).toBe(401);
    expect(r.immune.agent('a')).toBeNull();
  });

  it('generates a token into the data dir when none is configured, and keeps it across restarts', () => {
    const r = rig();
    const token = r.immune.getIngestToken();
    expect(fs.readFileSync(`${r.dir}/immune-ingest.token`, 'utf8').trim()).toBe(token);
    expect((fs.statSync(`${r.dir}/immune-ingest.token`).mode & 0o777).toString(8)).toBe('600');
    expect(handleIngestRequest(r.immune, { authorization: `Bearer ${token}`, body: rec('a') }).status).toBe(200);
  });

  it('accepts the good records of a batch and rejects the bad ones with reasons', () => {
    const r = rig({ ingest: { token: 'configured-token-0123456789' } });
    const auth = 'Bearer configured-token-0123456789';
    const res = handleIngestRequest(r.immune, {
      authorization: auth,
      body: [rec('ext-a'), rec('ext-b', { latency_ms: -3, surprise: 1 }), 'junk', rec('ext-a', { input_tokens: 1300 })],
    });
    expect(res.status).toBe(200);
    const body = res.body as IngestReply;
    expect(body.accepted).toBe(2);
    expect(body.registered).toEqual(['ext-a']);
    expect(body.rejected.map((x) => [x.index, x.agent_id])).toEqual([
      [1, 'ext-b'],
      [2, null],
    ]);
    expect(body.rejected[0].reasons.join(' ')).toMatch(/latency_ms/);
    expect(body.rejected[0].reasons.join(' ')).toMatch(/surprise/);
    expect(r.immune.agent('ext-a')).toMatchObject({ source: 'external', executions: 2, model: 'gpt-5-mini', mcp_servers: ['github'] });
    expect(r.immune.agent('ext-b')).toBeNull();

    const allBad = handleIngestRequest(r.immune, { authorization: auth, body: [{ agent_id: 'x' }] });
    expect(allBad.status).toBe(422);
    expect(handleIngestRequest(r.immune, { authorization: auth, body: 42 }).status).toBe(400);
    expect(handleIngestRequest(r.immune, { authorization: auth, body: { records: 'nope' } }).status).toBe(400);
  });

  it('bounds the batch size', () => {
    const r = rig({ ingest: { token: 'configured-token-0123456789', maxBatch: 5 } });
    const res = handleIngestRequest(r.immune, { authorization: 'Bearer configured-token-0123456789', body: Array.from({ length: 6 }, () => rec('a')) });
    expect(res.status).toBe(413);
    expect(r.immune.agent('a')).toBeNull();
  });

  it('reports infections found in the batch and tells the agent it is quarantined', () => {
    const r = rig({ ingest: { token: 'configured-token-0123456789' }, severityThreshold: 0 });
    const auth = 'Bearer configured-token-0123456789';
    const clean = Array.from({ length: 25 }, (_, i) =>
      rec('ext-a', { latency_ms: 800 + (i % 5) * 25, input_tokens: 1150 + (i % 4) * 30, tool_calls: 2 + (i % 3) }),
    );
    expect((handleIngestRequest(r.immune, { authorization: auth, body: clean }).body as IngestReply).accepted).toBe(25);
    const res = handleIngestRequest(r.immune, { authorization: auth, body: [rec('ext-a', { tool_calls: 60 }), rec('ext-a', { tool_calls: 70 })] });
    const body = res.body as IngestReply;
    expect(body.infections).toEqual([expect.objectContaining({ agent_id: 'ext-a', diagnosis: 'infinite_loop' })]);
    expect(body.agents['ext-a']).toMatchObject({ quarantined: true, state: 'pending_approval' });
  });
});
