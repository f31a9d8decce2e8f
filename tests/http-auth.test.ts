// The operator's surfaces demand an operator session (on loopback too), while the agent-facing
// routes (/mcp, /api/v1/governance/check, /api/v1/ingest) authenticate agents by their own tokens:
// neither credential opens the other's door.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, testConfig } from '../electron/core';
import { tempDir } from './helpers';
import { login } from './security/http-attack';

describe('HTTP authentication: operator sessions and agent tokens', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('guards the API with operator sessions, and /mcp with agent tokens', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const core = createCore(testConfig(t.dir, { simulator: { autostart: false }, immune: { fleet: { enabled: false } } }));
    await core.start();
    cleanups.push(() => core.stop());
    const base = core.services.http!.url;

    await core.services.operators.registry.add({ name: 'Dana Reyes', password: 'correct horse battery', roles: ['operator'] });
    const cookie = await login(core.services.http!.port!, 'Dana Reyes', 'correct horse battery');
    expect((await fetch(`${base}/api/v1/status`)).status).toBe(401);
    expect((await fetch(`${base}/api/v1/status`, { headers: { cookie } })).status).toBe(200);
    // The page itself is public (it holds no data and asks for a login first).
    expect((await fetch(`${base}/`)).status).not.toBe(401);

    const { token } = core.services.governance.addAgent({ name: 'Reader', role: 'assistant' });
    // An operator session is no agent identity: /mcp refuses it, and accepts the agent's own token.
    const noAgent = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      }),
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
    // And an agent token is no operator session.
    expect((await fetch(`${base}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });
});
