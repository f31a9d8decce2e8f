// Finding 1: any local process was the operator. On loopback, /ws and /api/v1/* ran every contract
// request without authentication: a local agent approved its own reduce_load 90 % under a made-up
// operator name, created an agent (and got its bearer token), and listed other agents' calls.
// Now every operator surface needs an operator session (on loopback too); the approver in the audit is
// the authenticated operator; roles decide what a session may do.
import { describe, expect, it } from 'vitest';
import { testConfig, type Core } from '../../electron/core';
import { perTestCores } from '../helpers';
import { login, openWs, raw, type WsClient } from './http-attack';
import { reduceLoad } from './device-commands';

const cores = perTestCores();

async function startCore(): Promise<{ core: Core; port: number }> {
  const core = cores.core(
    testConfig(cores.dir('aegis-sec01-'), { simulator: { autostart: false }, immune: { fleet: { enabled: false } }, governance: { watchPolicy: false } }),
  );
  await core.start();
  return { core, port: core.services.http!.port! };
}

const isClient = (x: WsClient | { refused: number }): x is WsClient => 'ws' in x;

describe('finding 1: a local process is not the operator', () => {
  it('refuses /ws, REST and every contract request without an operator session', async () => {
    const { core, port } = await startCore();
    const g = core.services.governance;
    g.addAgent({ id: 'rogue', name: 'Rogue', role: 'assistant' });
    const pending = await g.authorize({ agentId: 'rogue', tool: 'execute_device_command', args: reduceLoad('line-1/compressor-01', 90) });
    expect(pending.decision).toBe('REVIEW');

    // The agent, a local process, tries the operator's WebSocket without a session.
    const sock = await openWs(port);
    if (isClient(sock)) {
      cores.beforeStop(() => sock.close());
      // (what main allowed:) approve its own command under a made-up name, mint an agent, read others' calls
      await sock.call('approvals.decide', { id: pending.approvalId, verdict: 'approve', operator: 'Shift Supervisor' });
      await sock.call('agents.create', { name: 'Minted', role: 'assistant' });
    }
    expect(isClient(sock) ? 'connected' : sock.refused).toBe(401);
    expect(await g.approvalStatus(pending.approvalId!)).toMatchObject({ status: 'pending' });
    expect(g.agents.list().map((a) => a.name)).not.toContain('Minted');

    // REST: every operator route wants a session; health and the login state do not.
    for (const path of ['/api/v1/status', '/api/v1/immune/overview']) expect([path, (await raw(port, { path })).status]).toEqual([path, 401]);
    expect((await raw(port, { path: '/api/v1/health' })).status).toBe(200);
    expect(JSON.parse((await raw(port, { path: '/api/v1/auth' })).body)).toMatchObject({ operator: null });

    // In-process calls without an authenticated caller are refused as well (no transport can forget).
    const anon = await core.api.call('agents.killAll', { reason: 'x' });
    expect(anon.ok ? 'ok' : anon.error.code).toBe('unauthenticated');
  });

  it('records the authenticated operator as the approver and enforces roles from the session', async () => {
    const { core, port } = await startCore();
    const g = core.services.governance;
    await core.services.operators.registry.add({ name: 'Dana Reyes', password: 'correct horse battery', roles: ['operator'] });
    await core.services.operators.registry.add({ name: 'Vic Viewer', password: 'read only please', roles: ['viewer'] });
    g.addAgent({ id: 'diag', name: 'Diagnostics', role: 'assistant' });

    // Wrong passwords get nothing.
    const bad = await raw(port, { method: 'POST', path: '/api/v1/auth/login', body: { name: 'Dana Reyes', password: 'wrong password' } });
    expect([bad.status, bad.headers['set-cookie'] ?? null]).toEqual([401, null]);

    const viewer = await openWs(port, { cookie: await login(port, 'Vic Viewer', 'read only please') });
    if (!isClient(viewer)) throw new Error(`viewer refused ${viewer.refused}`);
    cores.beforeStop(() => viewer.close());
    const a = await g.authorize({ agentId: 'diag', tool: 'execute_device_command', args: reduceLoad('line-1/compressor-01', 50) });
    expect((await viewer.call('approvals.list', { status: 'pending' })).ok).toBe(true);
    const viewerTry = await viewer.call('approvals.decide', { id: a.approvalId, verdict: 'approve' });
    expect(viewerTry.ok ? 'approved' : viewerTry.error!.code).toBe('forbidden');

    const dana = await openWs(port, { cookie: await login(port, 'Dana Reyes', 'correct horse battery') });
    if (!isClient(dana)) throw new Error(`operator refused ${dana.refused}`);
    cores.beforeStop(() => dana.close());
    // A made-up name in the params is refused (params are strict: no key the contract does not name),
    // and the approver is who logged in.
    const impostor = await dana.call('approvals.decide', { id: a.approvalId, verdict: 'approve', operator: 'Shift Supervisor' });
    expect(impostor).toMatchObject({ ok: false, error: { code: 'invalid_params', message: expect.stringContaining('"operator"') as string } });
    const decided = await dana.call('approvals.decide', { id: a.approvalId, verdict: 'approve' });
    expect(decided).toMatchObject({ ok: true, result: { status: 'approved', decidedBy: 'Dana Reyes' } });
    const rows = g.audit.query({ kind: 'APPROVED', limit: 10 });
    expect(rows.map((r) => r.actor)).toEqual(['Dana Reyes']);
    // Only an admin registers agents (and so sees a fresh bearer token).
    const minted = await dana.call('agents.create', { name: 'Minted', role: 'assistant' });
    expect(minted.ok ? 'created' : minted.error!.code).toBe('forbidden');
  });
});
