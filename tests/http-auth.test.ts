// With an operator token configured, the operator's surfaces demand it, while the agent-facing
// routes (/mcp, /api/v1/governance/check, /api/v1/ingest) authenticate agents by their own tokens.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, testConfig } from '../electron/core';
import { tempDir } from './helpers';

const OPERATOR = 'operator-token-0123456789';

describe('HTTP authentication with an operator token', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('guards the UI and the API with the operator token, and /mcp with agent tokens', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const core = createCore(testConfig(t.dir, { http: { operatorToken: OPERATOR }, simulator: { autostart: false }, immune: { fleet: { enabled: false } } }));
    await core.start();
    cleanups.push(() => core.stop());
    const base = core.services.http!.url;

    expect((await fetch(`${base}/api/v1/status`)).status).toBe(401);
    expect((await fetch(`${base}/api/v1/status`, { headers: { authorization: `Bearer ${OPERATOR}` } })).status).toBe(200);
    expect((await fetch(`${base}/?token=wrong-token-000000000`)).status).toBe(401);

    const { token } = core.services.governance.agents.add({ name: 'Reader', role: 'assistant' });
    // The operator token is no agent identity: /mcp refuses it, and accepts the agent's own token.
    const noAgent = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
    });
    expect(noAgent.status).toBe(401);

    const client = new Client({ name: 'auth-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    cleanups.push(() => client.close());
    const tools = await client.listTools();
    expect(tools.tools.map((x) => x.name)).toContain('get_device_status');

    const check = await fetch(`${base}/api/v1/governance/check`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tool: 'get_device_status', args: { device_id: 'line-1/pump-03' } }),
    });
    expect(check.status).toBe(200);
    expect(await check.json()).toMatchObject({ decision: 'ALLOW' });
  });
});
