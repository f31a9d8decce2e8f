// Finding 2: DNS rebinding. /ws and /api/v1/* checked no Host header, and /mcp accepted any name
// starting with "127." (127.0.0.1.nip.io): a page under a rebound name with a matching Origin approved
// a pending request and created an agent. Now every route and every upgrade checks Host against an
// exact allowlist (localhost, 127.0.0.1, [::1] and configured names) and Origin against those origins.
import { describe, expect, it } from 'vitest';
import { testConfig } from '../../electron/core';
import { perTestCores } from '../helpers';
import { login, openWs, raw } from './http-attack';
import { reduceLoad } from './device-commands';

const cores = perTestCores();

describe('finding 2: DNS rebinding', () => {
  it('refuses rebound Host names and foreign Origins on every route and upgrade, even with a valid session', async () => {
    const core = cores.core(
      testConfig(cores.dir('aegis-sec02-'), {
        simulator: { autostart: false },
        immune: { fleet: { enabled: false } },
        governance: { watchPolicy: false },
        http: { allowedHosts: ['control-room.plant.local'] },
      }),
    );
    await core.start();
    const port = core.services.http!.port!;
    const g = core.services.governance;
    const { token } = g.addAgent({ id: 'diag', name: 'Diagnostics', role: 'assistant' });
    const a = await g.authorize({ agentId: 'diag', tool: 'execute_device_command', args: reduceLoad('line-1/compressor-01', 50) });
    await core.services.operators.registry.add({ name: 'Dana Reyes', password: 'correct horse battery', roles: ['admin'] });
    const cookie = await login(port, 'Dana Reyes', 'correct horse battery');

    const rebound = ['evil.example', '127.0.0.1.nip.io', '127.1', 'localhost.evil.example', '0.0.0.0', 'control-room.plant.local.evil.example'];
    for (const name of rebound) {
      const host = `${name}:${port}`;
      const headers = { host, origin: `http://${host}`, cookie };
      for (const path of ['/', '/api/v1/status', '/api/v1/health'])
        expect([host, path, (await raw(port, { path, headers })).status]).toEqual([host, path, 421]);
      const ws = await openWs(port, headers);
      expect([host, 'refused' in ws ? ws.refused : 'connected']).toEqual([host, 421]);
      if (!('refused' in ws)) {
        await ws.call('approvals.decide', { id: a.approvalId, verdict: 'approve' });
        await ws.close();
      }
      const mcp = await raw(port, {
        method: 'POST',
        path: '/mcp',
        headers: { host, origin: `http://${host}`, authorization: `Bearer ${token}`, accept: 'application/json, text/event-stream' },
        body: {
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'page', version: '1' } },
        },
      });
      expect([host, '/mcp', mcp.status]).toEqual([host, '/mcp', 421]);
    }
    expect(await g.approvalStatus(a.approvalId!)).toMatchObject({ status: 'pending' });

    // A foreign Origin on an allowed Host (a page on another site): refused too.
    const foreign = await openWs(port, { origin: 'http://evil.example', cookie });
    expect('refused' in foreign ? foreign.refused : 'connected').toBe(403);
    expect((await raw(port, { method: 'POST', path: '/api/v1/auth/logout', headers: { origin: 'http://evil.example', cookie } })).status).toBe(403);

    // The real names work: loopback by name and address, and the configured one.
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `control-room.plant.local:${port}`]) {
      expect([host, (await raw(port, { path: '/api/v1/status', headers: { host, cookie } })).status]).toEqual([host, 200]);
      const ok = await openWs(port, { host, origin: `http://${host}`, cookie });
      expect([host, 'refused' in ok ? ok.refused : 'connected']).toEqual([host, 'connected']);
      if (!('refused' in ok)) await ok.close();
    }
  });
});
